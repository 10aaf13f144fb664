"""The outbox over one connection: Core statements over plain OutboxMessage objects (the ORM does not map it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from flows.model import REPLY, OutboxMessage
from storage import claims
from storage.claims import Claimed
from storage.plain import from_row
from storage.repositories import insert_of, insert_rows, plain_rows, write_changes
from storage.tables import outbox


@cache
def _ready() -> sa.ColumnElement[bool]:
    return sa.and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= sa.bindparam("now"))


@cache
def _replies_to() -> sa.ColumnElement[bool]:
    return sa.and_(outbox.c.status == "pending", outbox.c.kind == REPLY, outbox.c.target == sa.bindparam("to_target"))


@cache
def _delete() -> sa.Delete:
    return sa.delete(outbox).where(outbox.c.id.in_(sa.bindparam("ids", expanding=True)))


class OutboxRepository:
    """Core statements over plain OutboxMessage objects; a changed row is written back by `save`."""

    def __init__(self, db: sa.Connection) -> None:
        self.db = db
        self._claimed: dict[int, OutboxMessage] = {}  # rows read by claim_replies, for `load`

    def _select(self, where: Any, limit: int | None = None) -> list[OutboxMessage]:
        query = sa.select(outbox).where(where).order_by(outbox.c.id)
        if limit is not None:
            query = query.limit(limit)
        return [from_row(OutboxMessage, row) for row in self.db.execute(query).mappings()]

    def add(self, message: OutboxMessage) -> None:
        values = plain_rows(outbox, [message])[0]
        values["failures"] = values.get("failures") or 0
        message.id = self.db.execute(insert_of(outbox, returning_id=True), [values]).scalar_one()

    def add_many(self, messages: list[OutboxMessage]) -> None:
        """Bulk insert for the worker's batches; the rows get their ids in the database only."""
        insert_rows(self.db, outbox, messages, failures=0)  # type: ignore[arg-type]

    def pending(self, now: datetime, limit: int) -> list[OutboxMessage]:
        return self._select(sa.and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now), limit)

    def claim(self, now: datetime, lease: timedelta, limit: int) -> tuple[str, list[Claimed]]:
        return claims.claim(self.db, outbox, _ready(), outbox.c.id, now, lease, limit)

    def claim_replies(self, target: str, now: datetime, lease: timedelta) -> tuple[str, list[Claimed]]:
        """The pending replies to one conversation, whatever their next attempt: its request sends them. The
        rows are read by the same statement; `load` gives them without another query."""
        token, rows = claims.claim_rows(self.db, outbox, _replies_to(), outbox.c.id, now, lease, 16,
                                        {"to_target": target})
        for _claimed, row in rows:
            self._claimed[row["id"]] = from_row(OutboxMessage, row)
        return token, [claimed for claimed, _row in rows]

    def delete(self, rows: list[OutboxMessage]) -> None:
        if rows:
            self.db.execute(_delete(), {"ids": [row.id for row in rows]})

    def save(self, rows: list[OutboxMessage]) -> None:
        """Write back what delivery or an erasure changed in rows read from here (only the changed columns)."""
        write_changes(self.db, outbox, rows)

    def hold(self, token: str, ids: list[int]) -> list[OutboxMessage]:
        """First statement of the transaction that finishes claimed rows: those still ours, locked, read."""
        return [from_row(OutboxMessage, row) for row in claims.hold_rows(self.db, outbox, token, ids)]

    def load(self, ids: list[int]) -> list[OutboxMessage]:
        if all(i in self._claimed for i in ids):
            return [self._claimed[i] for i in sorted(ids)]
        return self._select(outbox.c.id.in_(ids)) if ids else []

    def backlog(self) -> tuple[int, int, datetime | None, int]:
        """(pending, of those retrying after a failure, the oldest pending's commit time, gave up): for /metrics."""
        pending = sa.select(sa.func.count(), sa.func.count().filter(outbox.c.failures > 0),
                            sa.func.min(outbox.c.created_at)).where(outbox.c.status == "pending")
        count, retrying, oldest = self.db.execute(pending).one()
        failed = self.db.scalar(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.status == "failed"))
        return count or 0, retrying or 0, oldest, failed or 0

    def failed(self) -> list[OutboxMessage]:
        return self._select(outbox.c.status == "failed")

    def for_case(self, case_id: str) -> list[OutboxMessage]:
        return self._select(outbox.c.case_id == case_id)

    def retry(self, ids: list[int] | None, now: datetime) -> int:
        """An operator sends failed messages again: back to pending, their failures forgiven."""
        stmt = sa.update(outbox).where(outbox.c.status == "failed")
        if ids is not None:
            stmt = stmt.where(outbox.c.id.in_(ids))
        result = self.db.execute(stmt.values(status="pending", failures=0, next_attempt_at=now,
                                                  claim_token=None, lease_until=None))
        return result.rowcount
