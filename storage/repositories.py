"""Repositories over one connection: the ports of flows/ for events, reminders, audit, posts and receipts, Core
statements over plain objects (cases, the outbox and the conversations have modules of their own)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from flows.model import AuditRecord, Event, Post, Reminder
from storage import claims
from storage.claims import Claimed
from storage.driver import run
from storage.plain import changes, from_row, known, remember
from storage.tables import app_state, audit, cases, events, posts, receipts, reminders


def plain_rows(table: sa.Table, objects: list[object]) -> list[dict[str, object]]:
    """Plain rows for a bulk INSERT (one executemany, no RETURNING) from new domain objects."""
    names = [c.name for c in table.c if c.name != "id"]
    return [{name: getattr(obj, name, None) for name in names} for obj in objects]


@cache
def insert_ignoring(table: sa.Table, dialect: str) -> sa.Insert:
    """INSERT … ON CONFLICT DO NOTHING, built once per table and dialect (SQLite and PostgreSQL both have it)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()  # type: ignore[return-value]


@cache
def _claim_statement(dialect: str) -> sa.Insert:
    """The receipt claim: INSERT … ON CONFLICT DO NOTHING RETURNING key."""
    return insert_ignoring(receipts, dialect).returning(receipts.c.key)


def insert_rows(db: sa.Connection, table: sa.Table, objects: list[object], **defaults: object) -> None:
    """Append-only rows as one executemany (no RETURNING: the objects get no id). `defaults` fill columns
    an object leaves None."""
    if objects:
        rows = plain_rows(table, objects)
        for row in rows:
            row.update({name: value for name, value in defaults.items() if row.get(name) is None})
        run(db, insert_of(table), rows)


@cache
def insert_of(table: sa.Table, returning_id: bool = False) -> sa.Insert:
    """INSERT INTO table, built once (its cache key is then computed once, not at every execution)."""
    statement = sa.insert(table)
    return statement.returning(table.c.id, sort_by_parameter_order=True) if returning_id else statement


@cache
def update_of(table: sa.Table, key: str, columns: tuple[str, ...]) -> sa.Update:
    """UPDATE table SET these columns WHERE key = :_key, built once per set of columns."""
    return (sa.update(table).where(table.c[key] == sa.bindparam("_key"))
            .values({name: sa.bindparam(name) for name in columns}))


@cache
def _update_by_id(table: sa.Table, columns: tuple[str, ...]) -> sa.Update:
    return (sa.update(table).where(table.c.id == sa.bindparam("_id"))
            .values({name: sa.bindparam(name) for name in columns}))


def write_changes(db: sa.Connection, table: sa.Table, objects: list[Any]) -> None:
    """Write back what changed in objects read from `table` (storage/plain.py): only the changed columns, one
    executemany per set of changed columns (an encrypted value is sealed again only when it changed)."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for obj in objects:
        changed = changes(obj)
        if changed:
            by_columns.setdefault(tuple(sorted(changed)), []).append({"_id": obj.id, **changed})
            remember(obj, changed)
    for columns, values in by_columns.items():
        run(db, _update_by_id(table, columns), values)


class EventRepository:
    """Events are added and read; an erasure may rewrite the data of events read here (written at flush)."""

    def __init__(self, db: sa.Connection) -> None:
        self.db = db
        self._read: list[Event] = []

    def add(self, event: Event) -> None:
        self.add_many([event])

    def add_many(self, new: list[Event]) -> None:
        insert_rows(self.db, events, new)  # type: ignore[arg-type]

    def _select(self, where: Any) -> list[Event]:
        found = [from_row(Event, row) for row in
                 self.db.execute(sa.select(*events.c).where(where).order_by(events.c.id)).mappings()]
        self._read += found
        return found

    def for_case(self, case_id: str) -> list[Event]:
        return self._select(events.c.case_id == case_id)

    def for_cases(self, case_ids: set[str], kinds: tuple[str, ...] = ()) -> list[Event]:
        where = events.c.case_id.in_(case_ids)
        return self._select(sa.and_(where, events.c.kind.in_(kinds)) if kinds else where)

    def flush(self) -> None:
        write_changes(self.db, events, self._read)


class AuditRepository:
    """Append-only: records are added and read, never changed or removed (the database refuses it too)."""

    def __init__(self, db: sa.Connection) -> None:
        self.db = db

    def add(self, record: AuditRecord) -> None:
        self.add_many([record])

    def add_many(self, records: list[AuditRecord]) -> None:
        insert_rows(self.db, audit, records)  # type: ignore[arg-type]

    def _select(self, where: Any) -> list[AuditRecord]:
        query = sa.select(*audit.c).where(where).order_by(audit.c.id)
        return [from_row(AuditRecord, row) for row in self.db.execute(query).mappings()]

    def for_case(self, case_id: str) -> list[AuditRecord]:
        return self._select(audit.c.case_id == case_id)

    def by_actor(self, actor: str) -> list[AuditRecord]:
        return self._select(audit.c.actor == actor)


@cache
def _due() -> sa.ColumnElement[bool]:
    return sa.and_(reminders.c.status == "pending", reminders.c.due_at <= sa.bindparam("now"))


class ReminderRepository:
    """Reminders read here are plain objects; what flows/ changes in them, and the new ones, are written at
    flush (one per case and kind: a new one replaces the old)."""

    def __init__(self, db: sa.Connection) -> None:
        self.db = db
        self._read: dict[int, Reminder] = {}
        self._new: dict[tuple[str, str], Reminder] = {}

    def _select(self, query: sa.Select) -> list[Reminder]:
        found = []
        for row in self.db.execute(query).mappings():
            found.append(self._read.get(row["id"]) or from_row(Reminder, row))
            self._read[row["id"]] = found[-1]
        return found

    def schedule(self, reminder: Reminder) -> None:
        self.schedule_many([reminder])

    def schedule_many(self, wanted: list[Reminder]) -> None:
        """One query for the rows that exist already; the others are inserted at flush."""
        if not wanted:
            return
        query = sa.select(*reminders.c).where(reminders.c.case_id.in_({r.case_id for r in wanted}),
                                              reminders.c.kind.in_({str(r.kind) for r in wanted}))
        existing = {(r.case_id, r.kind): r for r in self._select(query)}
        for reminder in wanted:
            found = existing.get((reminder.case_id, reminder.kind))
            if found is None:
                self._new[(reminder.case_id, str(reminder.kind))] = reminder
            else:
                found.due_at, found.for_state = reminder.due_at, reminder.for_state
                found.status, found.attempts, found.lease_until = "pending", 0, None

    def cancel_for_case(self, case_id: str) -> None:
        self.db.execute(sa.update(reminders).where(
            reminders.c.case_id == case_id, reminders.c.status == "pending").values(status="cancelled"))
        for reminder in [*self._read.values(), *self._new.values()]:
            if reminder.case_id == case_id and reminder.status == "pending":
                reminder.status = "cancelled"
                if known(reminder):
                    remember(reminder, {"status": "cancelled"})

    def due(self, now: datetime, limit: int) -> list[Reminder]:
        return self._select(sa.select(*reminders.c).where(reminders.c.status == "pending", reminders.c.due_at <= now)
                            .order_by(reminders.c.due_at).limit(limit))

    def due_count(self, now: datetime) -> int:
        """How many reminders are due and not yet fired (a worker that keeps up holds this near 0)."""
        return self.db.scalar(sa.select(sa.func.count()).select_from(reminders).where(
            reminders.c.status == "pending", reminders.c.due_at <= now)) or 0

    def claim(self, now: datetime, lease: timedelta, limit: int) -> tuple[str, list[Claimed]]:
        return claims.claim(self.db, reminders, _due(), reminders.c.due_at, now, lease, limit)

    def hold(self, token: str, ids: list[int]) -> list[Reminder]:
        held = claims.hold(self.db, reminders, token, ids)
        if not held:
            return []
        return self._select(sa.select(*reminders.c).where(reminders.c.id.in_(held)).order_by(reminders.c.id))

    def flush(self) -> None:
        new, self._new = list(self._new.values()), {}
        insert_rows(self.db, reminders, new)  # type: ignore[arg-type]
        write_changes(self.db, reminders, list(self._read.values()))


class AppStateRepository:
    """Small named values of the installation itself (the console's demo clock, for one)."""

    def __init__(self, db: sa.Connection) -> None:
        self.db = db

    def get(self, key: str) -> str | None:
        return self.db.execute(sa.select(app_state.c.value).where(app_state.c.key == key)).scalar()

    def set(self, key: str, value: str) -> None:
        if self.get(key) is None:
            self.db.execute(sa.insert(app_state).values(key=key, value=value))
        else:
            self.db.execute(sa.update(app_state).where(app_state.c.key == key).values(value=value))


class PostRepository:
    """The ledger of the bot's posts per case (Core statements: rows nobody changes, only adds and forgets)."""

    def __init__(self, db: sa.Connection) -> None:
        self.db = db

    def add_many(self, new: list[Post]) -> None:
        if new:
            self.db.execute(insert_of(posts), [
                {"case_id": p.case_id, "platform": p.platform, "target_kind": p.target_kind, "target": p.target,
                 "message_id": p.message_id[:128], "sent_at": p.sent_at} for p in new])

    def _rows(self, where: Any) -> list[Post]:
        c = posts.c
        query = sa.select(c.case_id, c.platform, c.target_kind, c.target, c.message_id, c.sent_at, c.id)
        return [Post(*row) for row in self.db.execute(query.where(where).order_by(c.id))]

    def for_case(self, case_id: str) -> list[Post]:
        return self._rows(posts.c.case_id == case_id)

    def orphans(self) -> list[Post]:
        return self._rows(~sa.exists().where(cases.c.id == posts.c.case_id))

    def forget(self, ids: list[int]) -> None:
        if ids:
            self.db.execute(sa.delete(posts).where(posts.c.id.in_(ids)))


class ReceiptRepository:
    """Keys of requests already handled (a platform's delivery id): a redelivery changes nothing."""

    def __init__(self, db: sa.Connection) -> None:
        self.db = db

    def seen(self, key: str) -> bool:
        return self.db.execute(sa.select(receipts.c.key).where(receipts.c.key == key)).first() is not None

    def forget_before(self, cutoff: datetime) -> int:
        return self.db.execute(sa.delete(receipts).where(receipts.c.at < cutoff)).rowcount

    def claim(self, key: str, at: datetime) -> bool:
        """One INSERT … ON CONFLICT DO NOTHING instead of a SELECT and an INSERT. On PostgreSQL a second
        delivery of a key that another transaction holds waits here for that one to end, then sees it."""
        connection = self.db
        statement = _claim_statement(connection.dialect.name)
        return run(connection, statement, {"key": key, "at": at}).first() is not None
