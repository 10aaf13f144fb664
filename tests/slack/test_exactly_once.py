"""Issue 15: a Slack that posts and then answers 500 (or whose answer is lost on the way) got the message
twice: the history check ran only after a worker died, never after a failed send, and it read only the
channel's last 100 messages. Now every retry first asks Slack, by the message's metadata, within the time
since the message was committed, page by page.

Through the real slack_sdk WebClient against the fake Web API (tests/slack/fake_slack.py), whose
conversations.history pages as Slack documents it (https://api.slack.com/methods/conversations.history)."""

from __future__ import annotations

from tests.helpers import FASE1, FASE2, INTAKE, Chat

SAFETY = "C0SAFETY01"  # the example school's safety channel


def safety_posts(fake) -> list[dict]:  # type: ignore[no-untyped-def]
    return [c for c in fake.of("chat.postMessage") if c.params.get("channel") == SAFETY]


def summary_row(slack) -> dict:  # type: ignore[no-untyped-def]
    with slack.wired.engine.connect() as connection:
        import sqlalchemy as sa

        [row] = connection.execute(sa.text(
            "SELECT status, failures, platform_message_id FROM outbox WHERE target_kind = 'channel'")).mappings()
        return dict(row)


def test_a_post_answered_with_500_is_not_posted_again(slack, fake_slack, clock):
    fake_slack.now = lambda: clock.now().timestamp()  # Slack's clock and ours agree
    Chat(slack.app).script(INTAKE + FASE1 + FASE2)  # fase 2: the summary for the safety team
    fake_slack.lost_answers["chat.postMessage"] = 1  # Slack posts it, then answers 500
    slack.sweep()
    assert len(safety_posts(fake_slack)) == 1
    assert summary_row(slack)["status"] == "pending"  # the worker cannot know yet

    clock.advance(minutes=5)  # past the backoff
    slack.sweep()
    [post] = safety_posts(fake_slack)
    row = summary_row(slack)
    assert row["status"] == "sent" and row["platform_message_id"] == f"slack:{post.response['ts']}"
    assert len(safety_posts(fake_slack)) == 1  # once, not twice


def test_a_post_whose_connection_closed_unanswered_is_not_sent_again_by_the_sdk(slack, fake_slack, clock):
    """slack_sdk retries a request once when the connection resets or closes (ConnectionErrorRetryHandler,
    its default): for chat.postMessage that Slack carried out, a second post nobody can see coming."""
    fake_slack.now = lambda: clock.now().timestamp()
    Chat(slack.app).script(INTAKE + FASE1 + FASE2)
    fake_slack.dropped_answers["chat.postMessage"] = 1
    slack.sweep()
    assert len(safety_posts(fake_slack)) == 1
    clock.advance(minutes=5)
    slack.sweep()
    assert len(safety_posts(fake_slack)) == 1 and summary_row(slack)["status"] == "sent"


def test_the_lost_post_is_found_under_a_crowded_channel(slack, fake_slack, clock):
    """The check pages through everything posted since the message was committed, not the last 100."""
    fake_slack.now = lambda: clock.now().timestamp()
    Chat(slack.app).script(INTAKE + FASE1 + FASE2)
    fake_slack.lost_answers["chat.postMessage"] = 1
    slack.sweep()
    client = slack.notifier.notifiers[0].client()
    for n in range(250):  # the team talks in the channel meanwhile
        clock.advance(seconds=1)
        client.chat_postMessage(channel=SAFETY, text=f"bericht {n}")
    clock.advance(minutes=5)
    slack.sweep()
    ours = [c for c in safety_posts(fake_slack) if c.params.get("metadata")]
    assert len(ours) == 1
    assert summary_row(slack)["status"] == "sent"
    pages = [c for c in fake_slack.of("conversations.history") if c.params.get("channel") == SAFETY]
    assert pages and all(float(c.params["oldest"]) <= float(ours[0].response["ts"]) for c in pages)


def queue(slack, message) -> None:  # type: ignore[no-untyped-def]
    from flows.model import OutboxMessage

    with slack.app.uow() as uow:
        uow.outbox.add(OutboxMessage(None, "channel", "safety", "message", message.model_dump(), slack.app.clock.now()))
        uow.commit()


def test_a_part_of_a_long_message_whose_answer_was_lost_is_sent_again(slack, fake_slack, clock):
    """A long message is several posts; when the answer to the second is lost, the retry does not take the
    first post for the whole message, nor post it again: every part is there once afterwards."""
    from flows.messages import Message

    fake_slack.now = lambda: clock.now().timestamp()
    long = Message(text="\n".join(f"Regel {i}: " + "woord " * 60 for i in range(700)))
    queue(slack, long)
    slack.sweep()
    whole = [c.params.get("blocks") for c in safety_posts(fake_slack)]
    assert len(whole) >= 2, "the message is long enough for several posts"

    queue(slack, long)
    seen, lose = {"posts": 0}, fake_slack.lose_answer

    def lose_the_second(method: str, which=None) -> bool:  # type: ignore[no-untyped-def]
        if method == "chat.postMessage" and which is None:
            seen["posts"] += 1
            return seen["posts"] == 2
        return lose(method, which)

    fake_slack.lose_answer = lose_the_second
    slack.sweep()
    clock.advance(minutes=5)
    slack.sweep()
    again = [c.params.get("blocks") for c in safety_posts(fake_slack)[len(whole):]]
    assert again == whole, "every part arrived, once, in order"
    with slack.wired.engine.connect() as connection:
        import sqlalchemy as sa

        assert connection.execute(sa.text("SELECT count(*) FROM outbox WHERE status != 'sent'")).scalar() == 0


def test_a_reply_whose_answer_was_lost_is_not_posted_again_by_the_next_turn(slack, fake_slack, clock):
    """A turn's replies go out from its own request; one that failed is taken by the next request to the same
    conversation, which first asks Slack whether the earlier post arrived."""
    fake_slack.now = lambda: clock.now().timestamp()
    mentor = "U0MENTOR01"
    dm = "D" + mentor[1:]
    before = fake_slack.count()
    fake_slack.lost_answers["chat.postMessage"] = 1
    slack.dm(mentor, "help")
    fake_slack.settle(before)
    first = [c.params.get("text") for c in fake_slack.of("chat.postMessage") if c.params.get("channel") == dm]
    assert len(first) == 1  # the greeting posted and answered with 500; the turn's second post never went

    before = fake_slack.count()
    slack.dm(mentor, "wie moet ik informeren?")
    fake_slack.settle(before)
    texts = [c.params.get("text") for c in fake_slack.of("chat.postMessage") if c.params.get("channel") == dm]
    # The greeting once, the rest of the first turn's replies, then the new reply: each post once.
    assert texts.count(first[0]) == 1 and len(texts) == len(set(texts)) == 3
    with slack.wired.engine.connect() as connection:
        import sqlalchemy as sa

        assert connection.execute(sa.text("SELECT count(*) FROM outbox WHERE kind = 'reply'")).scalar() == 0
