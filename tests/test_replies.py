"""A turn's replies are committed with it (flows/services.py, `reply_to`) and delivered from the outbox
(flows/delivery.py): by the request at once, or, when that request died, by the worker; never twice."""

from __future__ import annotations

import sqlalchemy as sa

from flows.delivery import deliver_outbox, deliver_replies
from flows.services import handle_message
from tests.fakes import RecordingNotifier

TARGET = "test:chat-jdevries"


def reply_rows(wired) -> list[dict]:
    with wired.engine.connect() as connection:
        return [dict(r) for r in connection.execute(sa.text("SELECT * FROM outbox WHERE kind = 'reply'")).mappings()]


def test_the_request_sends_its_queued_replies_once_and_keeps_nothing(app, wired):
    replies = handle_message(app, "jdevries", "nieuw", "delivery-1", reply_to=TARGET)
    assert replies.queued and len(reply_rows(wired)) == 1
    sent: list[list[str]] = []
    assert deliver_replies(app, TARGET, lambda rs: sent.append([r.text for r in rs]) or "id-1") == 1
    assert sent == [[r.text for r in replies]]
    assert reply_rows(wired) == []  # a chat answer is not kept once it arrived
    assert deliver_replies(app, TARGET, lambda rs: sent.append(["again"]) or "id-2") == 0
    assert len(sent) == 1


def test_a_redelivery_sends_what_the_first_request_did_not(app, wired):
    handle_message(app, "jdevries", "nieuw", "delivery-1", reply_to=TARGET)  # the request dies here
    again = handle_message(app, "jdevries", "nieuw", "delivery-1", reply_to=TARGET)
    assert again == [] and again.queued  # nothing new happened, but something is still to be said
    sent: list[str] = []
    deliver_replies(app, TARGET, lambda rs: sent.extend(r.text for r in rs) or "id")
    assert any("klas" in text.lower() for text in sent)
    with app.uow() as uow:
        assert len(uow.cases.for_mentor("jdevries")) == 1  # the turn ran once


def test_the_worker_sends_the_replies_a_dead_request_left_after_the_reply_lease(app, wired, clock):
    handle_message(app, "jdevries", "nieuw", "delivery-1", reply_to=TARGET)
    notifier = RecordingNotifier()
    assert deliver_outbox(app, notifier) == 0  # within the lease the request that made them sends them
    clock.advance(seconds=app.reply_lease.total_seconds() + 1)
    assert deliver_outbox(app, notifier) == 1
    [sent] = notifier.replies(TARGET)
    assert "klas" in sent.text.lower() and sent.delivery_key
    assert deliver_outbox(app, notifier) == 0 and reply_rows(wired) == []


def test_a_failed_reply_is_retried_in_order_before_the_next_turns(app, wired, clock):
    handle_message(app, "jdevries", "nieuw", "d-1", reply_to=TARGET)

    def down(replies):  # the platform refuses
        raise ConnectionError("down")

    assert deliver_replies(app, TARGET, down) == 0
    [row] = reply_rows(wired)
    assert row["failures"] == 1 and row["status"] == "pending"
    handle_message(app, "jdevries", "2B", "d-2", reply_to=TARGET)
    sent: list[str] = []
    assert deliver_replies(app, TARGET, lambda rs: sent.append(rs[-1].text) or "id") == 2
    assert "klas" in sent[0].lower() and "afdeling" in sent[1].lower()  # the first turn's answer first


def test_a_turn_that_stores_nothing_is_not_queued(app, wired):
    handle_message(app, "jdevries", "nieuw")
    handle_message(app, "jdevries", "2B")
    wrong = handle_message(app, "jdevries", "9", reply_to=TARGET)  # not a department: refused, nothing stored
    assert "Kies een van deze" in wrong[0].text and not wrong.queued and reply_rows(wired) == []
    stranger = handle_message(app, "nobody", "nieuw", "d-9", reply_to=TARGET)
    assert stranger and not stranger.queued and reply_rows(wired) == []
    # With a delivery key the receipt is stored (so a retry is not answered twice): then the refusal is queued.
    keyed = handle_message(app, "jdevries", "9", "d-10", reply_to=TARGET)
    assert keyed.queued and len(reply_rows(wired)) == 1


def test_each_reply_row_has_its_own_delivery_key_though_sqlite_reuses_ids(app, wired):
    """A sent reply row is deleted, so SQLite may give the next one the same id; a key made of the id would
    make the next reply look delivered (found in the chat's history) and it would never be sent."""
    from flows.delivery import claim_replies, delivery_key

    keys = []
    for n, text in enumerate(["nieuw", "2B"]):
        handle_message(app, "jdevries", text, f"d-{n}", reply_to=TARGET)
        _token, [item] = claim_replies(app, TARGET)
        keys.append((item.id, delivery_key(item)))
        deliver_replies(app, TARGET, lambda rs: "id")  # the claim above has to lapse first: nothing sent
        with wired.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM outbox"))  # as if sent
    assert keys[0][1] != keys[1][1]
