"""A clicked button's message shows what happened: the question, "✓ <label>", and no live buttons."""

from __future__ import annotations

import logging

from tests.slack.fake_slack import buttons, texts
from tests.slack.harness import USERS

MENTOR, DM = USERS["jdevries"], "D" + USERS["jdevries"][1:]
QUESTION = "Heb je de gepeste leerling gesproken?"


def start_case(slack) -> dict:
    """`/pest nieuw` and the intake form; the first question's post (its arguments and its ts)."""
    fake = slack.fake
    before = fake.count()
    slack.command(MENTOR, "nieuw")
    fake.settle(before)
    intake = fake.of("views.open")[-1].params["view"]
    before = fake.count()
    slack.submit(MENTOR, intake, {"class_name": "2B", "department": 1, "bullied": "Anna de Jong",
                                  "bullies": "Bram Smit", "what_happened": "Buitensluiten", "digital": 2})
    fake.settle(before)
    [call] = [c for c in fake.of("chat.postMessage") if QUESTION in texts(c.params) and buttons(c.params)]
    return {**call.params, "ts": call.response["ts"]}


def click(slack, user: str, post: dict, label: str) -> None:
    [button] = [b for b in buttons(post) if b["text"]["text"] == label]
    before = slack.fake.count()
    assert slack.click(user, button, DM, message=post).status == 200
    slack.fake.settle(before)


def test_a_clicked_button_message_is_replaced_by_the_question_and_the_chosen_label(slack):
    post = start_case(slack)
    click(slack, MENTOR, post, "ja")
    [update] = slack.fake.of("chat.update")
    assert update.params["channel"] == DM and update.params["ts"] == post["ts"]
    assert [b["type"] for b in update.params["blocks"]].count("actions") == 0
    assert QUESTION in texts(update.params) and "✓ ja" in texts(update.params)
    assert update.response["ok"]
    assert any("Genoteerd" in texts(p) for p in slack.fake.posts(DM))  # the reply still comes

    # The same old button once more (a double click, or a client that had not refreshed): harmless, and the
    # question that is open now comes again.
    asked = slack.fake.posts(DM)[-1]
    posts = len(slack.fake.posts(DM))
    click(slack, MENTOR, post, "nee")
    new = slack.fake.posts(DM)[posts:]
    assert any("al beantwoord" in texts(p) for p in new)
    assert texts(asked) in texts(new[-1]) and buttons(new[-1]) == buttons(asked)
    [_, again] = slack.fake.of("chat.update")
    assert not buttons(again.params) and QUESTION in texts(again.params) and "✓ nee" not in texts(again.params)


def test_a_refused_click_leaves_the_message_alone(slack):
    post = start_case(slack)
    click(slack, USERS["fyilmaz"], post, "ja")  # another mentor, not on this case
    assert slack.fake.of("chat.update") == []
    assert any("Geen toegang" in texts(p) for p in slack.fake.posts())
    click(slack, "U0STRANGER", post, "ja")  # nobody the school knows
    assert slack.fake.of("chat.update") == []


def test_a_failing_update_is_logged_without_text_and_the_reply_still_comes(slack, caplog):
    slack.fake.errors["chat.update"] = "message_not_found"
    post = start_case(slack)
    with caplog.at_level(logging.DEBUG):
        click(slack, MENTOR, post, "ja")
    assert len(slack.fake.of("chat.update")) == 1
    assert any("Genoteerd" in texts(p) for p in slack.fake.posts(DM))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "message_not_found" in logged
    assert QUESTION not in logged and "Anna" not in logged


def test_an_ephemeral_message_is_replaced_through_its_response_url(slack):
    post = start_case(slack)
    [button] = [b for b in buttons(post) if b["text"]["text"] == "ja"]
    before = slack.fake.count()
    assert slack.click(MENTOR, button, DM, message=post, ephemeral=True).status == 200
    slack.fake.settle(before)
    assert slack.fake.of("chat.update") == []  # chat.update cannot edit an ephemeral message
    [replaced] = [c for c in slack.fake.calls[before:] if c.method.startswith("response_url/actions/")]
    assert replaced.params["replace_original"] in (True, "true")
    assert not buttons(replaced.params) and "✓ ja" in texts(replaced.params)


def test_a_slow_update_holds_back_neither_the_ack_nor_the_reply(slack):
    post = start_case(slack)
    slack.fake.delays["chat.update"] = 2.0
    [button] = [b for b in buttons(post) if b["text"]["text"] == "ja"]
    before = slack.fake.count()
    reply = slack.click(MENTOR, button, DM, message=post)
    assert reply.status == 200 and reply.seconds < 1.5  # the update alone takes 2 s
    slack.fake.settle(before, timeout=6, quiet=2.5)
    calls = [c.method for c in slack.fake.calls[before:]]
    assert calls.index("chat.postMessage") < calls.index("chat.update")  # the reply first
