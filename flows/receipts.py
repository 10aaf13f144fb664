"""Once only: a platform delivery that does its work outside a case turn (opening a form, say)."""

from __future__ import annotations

from flows.messages import Message
from flows.ports import ConcurrentUpdate
from flows.services import App, Replies, reply_row


def first_delivery(app: App, key: str) -> bool:
    """True the first time `key` is seen; a replay or redelivery of the same key gets False."""
    with app.uow() as uow:
        if not uow.receipts.claim(key, app.clock.now()):
            return False
        try:
            uow.commit()
        except ConcurrentUpdate:
            return False
    return True


def say_once(app: App, key: str, person_id: str, message: Message, reply_to: str) -> Replies:
    """A note outside any case (a file that is not kept), said once per delivery: its receipt and the note
    itself (queued for `reply_to`) are committed together, so that a crash loses neither nor says it twice."""
    now = app.clock.now()
    with app.uow() as uow:
        if not uow.receipts.claim(key, now):
            return Replies.of([], queued=True)
        uow.outbox.add_many([reply_row(None, reply_to, person_id, [message], now, app.reply_lease)])
        try:
            uow.commit()
        except ConcurrentUpdate:
            pass  # the same delivery, committed by another process: its note is queued there
    return Replies.of([message], queued=True)
