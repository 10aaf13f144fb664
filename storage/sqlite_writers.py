"""One writer at a time on a SQLite file, queued in the process instead of in SQLite's busy handler.

SQLite lets one connection write at a time. A second writer waits in SQLite's busy handler, which
sleeps and retries with pauses growing to 100 ms; with `pestbot serve`'s threads (Bolt's listeners,
the worker) all writing, those sleeps made a 5 ms turn take hundreds of milliseconds (bench/slack_load.py,
issue 7). Here a thread takes a process-wide lock just before its connection's first INSERT, UPDATE or
DELETE (where SQLite takes its write lock) and gives it back when the connection returns to the pool,
after the commit or rollback; the next writer wakes at once. Reads never wait. Other processes (a
second `pestbot` on the same file) still meet SQLite's own lock, as before.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
HELD = "pestbot_sqlite_writer"
WAIT = 30.0  # as long as SQLite's own busy timeout (storage/database.py); then SQLite decides, as before


def queue_writers(engine: sa.Engine) -> None:
    lock = threading.Lock()
    owner: list[int | None] = [None]  # the thread holding the lock

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn: sa.Connection, cursor: Any, statement: str, parameters: Any, context: Any,
                      executemany: bool) -> None:
        if conn.info.get(HELD) or not statement.lstrip()[:7].upper().startswith(WRITES):
            return
        if owner[0] == threading.get_ident():
            return  # this thread writes on a second connection: SQLite's own lock decides, as before
        if lock.acquire(timeout=WAIT):
            owner[0] = threading.get_ident()
            conn.info[HELD] = True
        else:
            log.warning("waited %s s for the SQLite writer lock; going on to SQLite's own lock", WAIT)

    def _release(record: Any) -> None:
        if record.info.pop(HELD, False):
            owner[0] = None
            lock.release()

    @sa.event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        _release(record)

    @sa.event.listens_for(engine, "invalidate")
    def _invalidate(dbapi_connection: Any, record: Any, exception: Any) -> None:
        _release(record)
