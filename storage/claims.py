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
from functools import cache
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class Claimed:
    id: int
    # An earlier attempt did not end in a success: the worker died mid-send, or the send failed, which may
    # still have arrived (a timeout, or a 500 after the platform posted). Ask the platform before sending.
    ambiguous: bool


@cache
def _claim(table: sa.Table, ready: sa.ColumnElement[bool], order: sa.Column, postgres: bool,
           whole_rows: bool) -> sa.Update:
    """The claim statement, built once per table, readiness and dialect (its values are bound parameters:
    `now`, `limit`, `token`, `until`, and whatever `ready` names)."""
    free = sa.or_(table.c.lease_until.is_(None), table.c.lease_until < sa.bindparam("now"))
    pick = sa.select(table.c.id).where(ready, free).order_by(order).limit(sa.bindparam("limit"))
    if postgres:
        pick = pick.with_for_update(skip_locked=True)
    returning = list(table.c) if whole_rows else [table.c.id, table.c.attempts]
    if not whole_rows and "failures" in table.c:
        returning.append(table.c.failures)
    values = {"claim_token": sa.bindparam("token"), "lease_until": sa.bindparam("until"),
              "attempts": table.c.attempts + 1}
    return sa.update(table).where(table.c.id.in_(pick)).values(values).returning(*returning)


@cache
def _hold(table: sa.Table, whole_rows: bool) -> sa.Update:
    c = table.c
    statement = (sa.update(table).where(c.claim_token == sa.bindparam("token"),
                                        c.id.in_(sa.bindparam("ids", expanding=True)))
                 .values(claim_token=sa.bindparam("token_again")))
    return statement.returning(*(table.c if whole_rows else [c.id]))


def _ambiguous(row: sa.RowMapping) -> bool:
    attempts, failures = row["attempts"], row.get("failures")
    return failures is not None and (attempts - 1 > failures or failures > 0)


def claim(db: sa.Connection, table: sa.Table, ready: sa.ColumnElement[bool], order: sa.Column, now: datetime,
          lease: timedelta, limit: int, params: dict[str, Any] | None = None) -> tuple[str, list[Claimed]]:
    """Claim up to `limit` rows that are `ready` and not leased by a live worker. `ready` is built once by
    its caller, with bound parameters whose values are in `params` (`now` is always given)."""
    token, rows = _claimed(db, table, ready, order, now, lease, limit, params, whole_rows=False)
    return token, [claimed for claimed, _row in rows]


def claim_rows(db: sa.Connection, table: sa.Table, ready: sa.ColumnElement[bool], order: sa.Column, now: datetime,
               lease: timedelta, limit: int, params: dict[str, Any] | None = None
               ) -> tuple[str, list[tuple[Claimed, sa.RowMapping]]]:
    """`claim`, also reading the claimed rows in the same statement (after the claim: attempts counted)."""
    return _claimed(db, table, ready, order, now, lease, limit, params, whole_rows=True)


def _claimed(db: sa.Connection, table: sa.Table, ready: sa.ColumnElement[bool], order: sa.Column, now: datetime,
             lease: timedelta, limit: int, params: dict[str, Any] | None,
             whole_rows: bool) -> tuple[str, list[tuple[Claimed, sa.RowMapping]]]:
    token = uuid.uuid4().hex
    statement = _claim(table, ready, order, db.dialect.name == "postgresql", whole_rows)
    values = {**(params or {}), "now": now, "limit": limit, "token": token, "until": now + lease}
    rows = [(Claimed(row["id"], _ambiguous(row)), row) for row in db.execute(statement, values).mappings()]
    return token, sorted(rows, key=lambda pair: pair[0].id)


def hold(db: sa.Connection, table: sa.Table, token: str, ids: list[int]) -> list[int]:
    """First statement of the transaction that finishes claimed rows: the ids still ours, now locked."""
    if not ids:
        return []
    return sorted(row[0] for row in db.execute(_hold(table, False), {"token": token, "token_again": token, "ids": ids}))


def hold_rows(db: sa.Connection, table: sa.Table, token: str, ids: list[int]) -> list[sa.RowMapping]:
    """`hold`, reading the rows still ours in the same statement, by id."""
    if not ids:
        return []
    rows = db.execute(_hold(table, True), {"token": token, "token_again": token, "ids": ids}).mappings()
    return sorted(rows, key=lambda row: row["id"])
