"""A submitted card shows what happened: the question, "✓ <label>" (or the typed answer), and no live
buttons or form, the way Teams' own guidance describes "modifying available actions after a button press"
(learn.microsoft.com/microsoftteams/platform/bots/how-to/update-and-delete-bot-messages: a new activity
with the existing activity's id, sent with UpdateActivity). The submit's `replyToId` names the card's
message (msteams-docs cards-actions.md, "Inbound message example"); the connector takes the update as
`PUT /v3/conversations/{conversationId}/activities/{activityId}` (Bot Framework REST API reference)."""

from __future__ import annotations

import logging

from tests.teams.conftest import Posted

JAN = "29:mentor-jdevries"
JAN_CHAT = f"a:personal-{JAN}"
FATMA = "29:mentor-fyilmaz"
DEPARTMENT = "Bij welke afdeling hoort de klas?"
CLASS = "In welke klas speelt het pesten?"


def card_with(posted: list[Posted], kind: str) -> Posted:
    """The last post whose card has actions of this kind (`choice` buttons or an `answer` form)."""
    for p in reversed(posted):
        if p.card and any(a["data"].get("pestbot") == kind for a in p.card.get("actions") or []):
            return p
    raise AssertionError(f"geen kaart met {kind}")


def data(post: Posted, title: str | None = None) -> dict:
    return next(a["data"] for a in post.card["actions"] if title is None or a["title"] == title)


def department_card(teams) -> Posted:
    teams.say("nieuw")
    return card_with(teams.say("2B"), "choice")


def test_a_clicked_card_is_replaced_by_the_question_and_the_chosen_label(teams):
    card = department_card(teams)
    assert DEPARTMENT in card.text
    replies = teams.submit(data(card, "Onderbouw"), reply_to=card.id)
    assert replies and replies[0].conversation == JAN_CHAT  # the next question still comes
    [update] = teams.connector.updated
    assert update.conversation == JAN_CHAT and update.reply_to == card.id and update.activity["id"] == card.id
    assert update.card is not None and not update.card.get("actions")
    assert DEPARTMENT in update.text and "✓ Onderbouw" in update.text

    # The same card once more (a double click, a second device that still shows the buttons): "al beantwoord",
    # and the card shows that too, still without buttons.
    again = teams.submit(data(card, "Bovenbouw"), reply_to=card.id)
    assert "al beantwoord" in again[0].text and "Wie wordt er gepest?" in again[-1].text  # and what is open now
    [_, second] = teams.connector.updated
    assert second.reply_to == card.id and not second.card.get("actions")
    assert "al beantwoord" in second.text and "✓ Bovenbouw" not in second.text


def test_a_submitted_form_shows_the_typed_answer_without_the_form(teams):
    form = card_with(teams.say("nieuw"), "answer")
    assert CLASS in form.text
    teams.submit({**data(form), "answer": "2B"}, reply_to=form.id)
    [update] = teams.connector.updated
    assert CLASS in update.text and "✓ 2B" in update.text
    assert not update.card.get("actions") and not [b for b in update.card["body"] if b["type"] == "Input.Text"]


def test_an_invalid_or_refused_submit_leaves_the_card_as_it_was(teams):
    form = card_with(teams.say("nieuw"), "answer")
    replies = teams.submit({**data(form), "answer": "x" * 30}, reply_to=form.id)
    assert "te lang" in replies[0].text
    assert teams.connector.updated == []  # the form stays, so that the mentor can correct the answer
    card = department_card(teams)
    teams.submit(data(card, "Onderbouw"), reply_to=card.id, user=FATMA)  # another mentor: no access
    assert teams.connector.updated == []


def test_a_submit_without_reply_to_id_is_answered_and_updates_nothing(teams):
    card = department_card(teams)
    activity = teams.activity("message", JAN, value=data(card, "Onderbouw"))
    assert "replyToId" not in activity
    before = len(teams.connector.posted)
    assert teams.post(activity) in (200, 201)
    assert teams.connector.posted[before:] and teams.connector.updated == []


def test_a_failing_update_is_logged_without_text_and_the_reply_still_comes(teams, caplog):
    card = department_card(teams)
    teams.connector.failing_updates = 1
    with caplog.at_level(logging.DEBUG):
        replies = teams.submit(data(card, "Onderbouw"), reply_to=card.id)
    assert replies and teams.connector.updated == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "could not update a submitted Teams card" in logged
    assert DEPARTMENT not in logged and "Onderbouw" not in logged and "2B" not in logged
