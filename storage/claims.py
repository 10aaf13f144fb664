"""Claiming work safely with any number of workers.

A claim is one UPDATE … WHERE id IN (SELECT … LIMIT n [FOR UPDATE SKIP LOCKED]) RETURNING: atomic on
SQLite (writers are serialised) and on PostgreSQL (SKIP LOCKED: workers never wait on each other).
A claim carries a token and a lease; a worker that dies leaves rows whose lease runs out, and the
next claim takes them over.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa


@dataclass(frozen=True)
class Claimed:
    id: int
    # An earlier attempt did not end in a success: the worker died mid-send, or the send failed, which may
    # still have arrived (a timeout, or a 500 after the platform posted). Ask the platform before sending.
    ambiguous: bool


def _pick(db: sa.Connection, table: sa.Table, ready: sa.ColumnElement[bool], order: sa.Column, limit: int) -> sa.Select:
    pick = sa.select(table.c.id).where(ready).order_by(order).limit(limit)
    if db.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    return pick


def claim(db: sa.Connection, table: sa.Table, ready: sa.ColumnElement[bool], order: sa.Column, now: datetime,
          lease: timedelta, limit: int) -> tuple[str, list[Claimed]]:
    """Claim up to `limit` rows that are `ready` and not leased by a live worker."""
    token = uuid.uuid4().hex
    free = sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now)
    values: dict[str, object] = {"claim_token": token, "lease_until": now + lease, "attempts": table.c.attempts + 1}
    returning = [table.c.id, table.c.attempts]
    if "failures" in table.c:
        returning.append(table.c.failures)
    stmt = (sa.update(table).where(table.c.id.in_(_pick(db, table, sa.and_(ready, free), order, limit)))
            .values(**values).returning(*returning))
    rows = db.execute(stmt).all()
    claimed = [Claimed(row[0], len(row) > 2 and (row[1] - 1 > row[2] or row[2] > 0)) for row in rows]
    return token, sorted(claimed, key=lambda c: c.id)


def hold(db: sa.Connection, table: sa.Table, token: str, ids: list[int]) -> list[int]:
    """First statement of the transaction that finishes claimed rows: the ids still ours, now locked."""
    if not ids:
        return []
    stmt = (sa.update(table).where(table.c.claim_token == token, table.c.id.in_(ids))
            .values(claim_token=token).returning(table.c.id))
    return sorted(row[0] for row in db.execute(stmt))
