"""The worker: turns due reminders into messages and delivers the outbox, forever, every few seconds.

`pestbot worker` runs it alone; `pestbot serve` runs it beside the web server.
"""

from __future__ import annotations

import asyncio
import logging

from flows.delivery import deliver_outbox, fire_due_reminders
from flows.ports import Notifier
from flows.services import App

log = logging.getLogger(__name__)


def sweep(app: App, notifier: Notifier) -> tuple[int, int]:
    """One pass: (reminders fired, messages sent)."""
    return fire_due_reminders(app), deliver_outbox(app, notifier)


async def run_forever(app: App, notifier: Notifier, interval: float) -> None:
    while True:
        try:
            fired, sent = await asyncio.to_thread(sweep, app, notifier)
            if fired or sent:
                log.info("worker: %s reminders fired, %s messages sent", fired, sent)
        except Exception:  # keep going: the next sweep retries what is still pending
            log.exception("worker sweep failed")
        await asyncio.sleep(interval)
