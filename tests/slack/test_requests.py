"""Requests that must be refused, escaped, deduplicated or acked fast: the edges of the Slack adapter."""

from __future__ import annotations

import logging
import re
import time

import pytest
import sqlalchemy as sa

from tests.slack.fake_slack import texts
from tests.slack.harness import USERS

MENTOR = USERS["jdevries"]
SECRET_NAME = "Zoë Geheimnaam"


def rows(server, table: str) -> int:
    with server.wired.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()


def stored(server) -> dict[str, int]:
    return {t: rows(server, t) for t in ("cases", "conversations", "receipts", "events", "outbox")}


NOTHING = {"cases": 0, "conversations": 0, "receipts": 0, "events": 0, "outbox": 0}


@pytest.mark.parametrize("how", ["missing", "wrong", "stale"])
def test_a_missing_or_wrong_signature_or_stale_timestamp_is_refused_401_and_nothing_changes(slack, how, caplog):
    caplog.set_level(logging.DEBUG)
    before = slack.fake.count()
    body = '{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel_type":"im",' \
           f'"user":"{MENTOR}","channel":"D0MENTOR01","text":"nieuw {SECRET_NAME}"}}}}'
    if how == "missing":
        reply = slack.request("/slack/events", body, {"Content-Type": "application/json"})
    elif how == "wrong":
        now = str(int(time.time()))
        reply = slack.request("/slack/events", body, {"Content-Type": "application/json",
                                                      "X-Slack-Request-Timestamp": now,
                                                      "X-Slack-Signature": "v0=" + "0" * 64})
    else:
        reply = slack.signed(body, "application/json", timestamp=int(time.time()) - 5 * 60 - 30)
    assert reply.status == 401
    time.sleep(0.2)
    assert slack.fake.count() == before and stored(slack) == NOTHING
    assert SECRET_NAME not in caplog.text and "nieuw" not in caplog.text


def test_a_signed_request_within_five_minutes_is_accepted(slack):
    reply = slack.signed('{"type":"url_verification","challenge":"abc123"}', "application/json",
                         timestamp=int(time.time()) - 4 * 60)
    assert reply.status == 200 and "abc123" in reply.body


def test_user_text_is_escaped_wherever_it_goes_into_mrkdwn(slack):
    slack.dm(MENTOR, "nieuw")
    for line in ["2B", "1", "<!channel>, Anna", "<@U0LEADER01> &amp; Bram", "<!here> deed iets & meer", "nee"]:
        before = slack.fake.count()
        slack.dm(MENTOR, line)
        slack.fake.settle(before)
    with slack.app.uow() as uow:
        case_id = uow.conversations.get("jdevries").active_case_id
    before = slack.fake.count()
    slack.dm(MENTOR, f"details {case_id}")
    slack.fake.settle(before)
    shown = "\n".join(texts(p) for p in slack.fake.posts())
    assert "&lt;!channel&gt;" in shown and "&lt;!here&gt; deed iets &amp; meer" in shown
    assert "Pester(s): &lt;@U0LEADER01&gt;, Bram" in shown  # Slack sent "&amp;": the mentor typed "&", a separator
    for raw in ("<!channel>", "<!here>", "<@U0LEADER01>"):
        assert raw not in shown


def test_a_retried_event_changes_the_case_once_and_posts_once(slack):
    before = slack.fake.count()  # auth.test at start-up counts: settle(0) alone could return before the replies
    slack.dm(MENTOR, "nieuw")
    slack.fake.settle(before)
    posts_before, events_before = len(slack.fake.posts()), rows(slack, "events")
    before = slack.fake.count()
    for retry in (None, 1, 2, 3):
        assert slack.dm(MENTOR, "2B", event_id="Ev0RETRY01", retry=retry).status == 200
    slack.fake.settle(before)
    time.sleep(0.3)
    assert rows(slack, "events") == events_before + 1
    assert len(slack.fake.posts()) == posts_before + 2  # "Genoteerd." and the next question, once


def test_the_ack_comes_at_once_when_the_slack_api_is_slow(slack):
    slack.fake.delays["chat.postMessage"] = 2.0
    reply = slack.dm(MENTOR, "nieuw")
    assert reply.status == 200 and reply.seconds < 1.5  # the post alone takes 2 s
    assert rows(slack, "cases") == 1  # committed before the ack
    slack.fake.delays.clear()
    slack.fake.settle(slack.fake.count(), timeout=5, quiet=0.3)  # the replies still arrive, after the ack
    assert len(slack.fake.posts()) >= 3


def test_one_persons_replies_come_in_the_order_they_typed_while_others_go_beside_them(slack):
    """Each message is acked at once and answered after the ack; a slow Slack API must not let a later
    message's answer overtake an earlier one of the same person (each "te lang" reply names its length)."""
    slack.fake.delays["chat.postMessage"] = 0.05
    before = slack.fake.count()
    lengths = {"U0MENTOR01": range(4001, 4009), "U0MENTOR02": range(4101, 4109)}
    for first, second in zip(*lengths.values()):
        assert slack.dm("U0MENTOR01", "x" * first).status == 200
        assert slack.dm("U0MENTOR02", "y" * second).status == 200
    slack.fake.settle(before, timeout=10)
    slack.fake.delays.clear()
    for user, sent in lengths.items():
        said = [re.search(r"\((\d+) tekens", c.params["text"]) for c in slack.fake.calls[before:]
                if c.method == "chat.postMessage" and c.params["channel"] == "D" + user[1:]]
        assert [int(m.group(1)) for m in said if m] == list(sent)


def test_replies_reuse_their_connection_to_slack(slack):
    """slack_sdk's own client opens a connection (in production a TLS handshake) for every call."""
    calls, connections = slack.fake.count(), slack.fake.connections
    for text in ("nieuw", "2B", "1", "Anna de Jong", "Bram Smit", "status"):
        before = slack.fake.count()
        assert slack.dm(MENTOR, text).status == 200
        slack.fake.settle(before)
    assert slack.fake.count() - calls >= 12  # a reply or two per message
    assert slack.fake.connections - connections <= 2


def test_an_unknown_slack_user_gets_a_polite_refusal_and_nothing_is_stored(slack):
    before = slack.fake.count()
    slack.dm("U0STRANGER", "nieuw")
    slack.fake.settle(before)
    reply = slack.command("U0STRANGER", "status")
    assert reply.status == 200 and "Sorry, ik ken je niet" in reply.body
    [post] = slack.fake.posts()
    assert "Sorry, ik ken je niet" in texts(post) and post["channel"] == "D0STRANGER"
    assert stored(slack) == NOTHING
