"""The worker: turns due reminders into messages and delivers the outbox, every few seconds.

`pestbot worker` runs it alone (as many as you like, against one PostgreSQL); `pestbot serve` runs
one beside the web server. Claims make any number of workers safe (see storage/claims.py).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from flows.delivery import deliver_outbox, fire_due_reminders
from flows.reminders import LEASE
from flows.ports import Notifier
from flows.services import App

log = logging.getLogger(__name__)


def sweep(app: App, notifier: Notifier, batch: int = 64, concurrency: int = 8,
          lease: timedelta = LEASE) -> tuple[int, int]:
    """One pass: (reminders turned into messages, messages sent)."""
    return (fire_due_reminders(app, lease=lease),
            deliver_outbox(app, notifier, limit=batch, concurrency=concurrency, lease=lease))


async def run_forever(app: App, notifier: Notifier, interval: float, batch: int = 64, concurrency: int = 8,
                      lease: timedelta = LEASE) -> None:
    """Sweep; while there is work, sweep again at once; when idle, wait `interval` seconds."""
    while True:
        try:
            fired, sent = await asyncio.to_thread(sweep, app, notifier, batch, concurrency, lease)
            if fired or sent:
                log.info("worker: %s reminders fired, %s messages sent", fired, sent)
                continue
        except Exception:  # keep going: the next sweep retries what is still pending
            log.exception("worker sweep failed")
        await asyncio.sleep(interval)
