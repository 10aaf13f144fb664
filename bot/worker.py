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
    """Sweep; while there is work, sweep again at once; when idle, wait `interval` seconds. A failing sweep
    (the database gone, say) is logged once, by its error type only (a statement's parameters may name a
    child), and retried with a growing pause (at most a minute) until one succeeds again."""
    from bot.health import Heart

    heart, failures = Heart(app), 0
    while True:
        try:
            fired, sent = await asyncio.to_thread(sweep, app, notifier, batch, concurrency, lease)
            await asyncio.to_thread(heart.beat)
            if failures:
                log.warning("worker sweeps again after %s failed ones", failures)
                failures = 0
            if fired or sent:
                log.info("worker: %s reminders fired, %s messages sent", fired, sent)
                continue
        except Exception as exc:  # noqa: BLE001 - keep going: the next sweep retries what is still pending
            failures += 1
            if failures == 1:
                log.error("worker sweep failed (%s); retrying", type(exc).__name__)
            await asyncio.sleep(min(60.0, interval * 2 ** min(failures, 6)))
            continue
        await asyncio.sleep(interval)
