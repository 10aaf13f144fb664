"""Is this process of any use? `/healthz`: the process answers. `/readyz`: the database answers, its schema
is at the newest migration, and a worker has swept recently (any worker on this database: `pestbot serve`'s
own or a `pestbot worker` beside it). A load balancer or an orchestrator sends traffic only when ready."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from flows.ports import ConcurrentUpdate
from flows.services import App

log = logging.getLogger(__name__)
HEARTBEAT = "worker_heartbeat"
BEAT_EVERY = 15.0  # seconds between heartbeats of one worker: one small write, not one per sweep


class Heart:
    """A worker's heartbeat in `app_state`: the time of its last sweep, written at most every BEAT_EVERY s."""

    def __init__(self, app: App) -> None:
        self.app, self.last = app, float("-inf")

    def beat(self) -> None:
        if time.monotonic() - self.last < BEAT_EVERY:
            return
        try:
            with self.app.uow() as uow:
                uow.app_state.set(HEARTBEAT, self.app.clock.now().isoformat())  # type: ignore[attr-defined]
                uow.commit()
            self.last = time.monotonic()
        except (ConcurrentUpdate, sa.exc.SQLAlchemyError) as exc:  # another worker's beat, or no database
            log.info("worker heartbeat not written (%s)", type(exc).__name__)


def readiness(app: App, engine: sa.Engine, max_age: timedelta) -> list[str]:
    """What keeps this process from being ready; empty when it is."""
    from storage.database import current_revision, head_revision

    try:
        if current_revision(engine) != head_revision():
            return ["database schema not at the newest migration (pestbot db upgrade)"]
        with app.uow() as uow:
            beat = uow.app_state.get(HEARTBEAT)  # type: ignore[attr-defined]
    except sa.exc.SQLAlchemyError as exc:
        return [f"database unreachable ({type(exc).__name__})"]
    if beat is None:
        return ["no worker has swept yet"]
    age = app.clock.now() - datetime.fromisoformat(beat)
    return [] if age <= max_age else [f"no worker sweep for {int(age.total_seconds())} s"]


def answer(problems: list[str]) -> tuple[int, dict[str, Any]]:
    return (200, {"status": "ready"}) if not problems else (503, {"status": "not ready", "problems": problems})
