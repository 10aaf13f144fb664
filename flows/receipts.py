"""Once only: a platform delivery that does its work outside a case turn (opening a form, say)."""

from __future__ import annotations

from flows.ports import ConcurrentUpdate
from flows.services import App


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
