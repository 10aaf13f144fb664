"""Repositories over one SQLAlchemy session: the ports of flows/ for cases, events, reminders, audit, posts and
receipts (the outbox and the conversations have modules of their own, on Core statements)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, lazyload

from flows.model import AuditRecord, Case, Event, Post, Reminder
from flows.protocol import CLOSED
from storage import claims
from storage.claims import Claimed
from storage.tables import (app_state, audit, case_members, case_students, cases, conversations, events, outbox, posts,
                            receipts, reminders)


def plain_rows(table: sa.Table, objects: list[object]) -> list[dict[str, object]]:
    """Plain rows for a bulk INSERT (one executemany, no RETURNING) from new domain objects."""
    names = [c.name for c in table.c if c.name != "id"]
    return [{name: getattr(obj, name, None) for name in names} for obj in objects]


@cache
def _one_case() -> tuple:  # type: ignore[type-arg]
    # Built at first use: the attributes exist once map_domain() has run.
    return (joinedload(Case.answers), lazyload(Case.members), lazyload(Case.agreements))  # type: ignore[attr-defined]


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


def insert_rows(session: Session, table: sa.Table, objects: list[object], **defaults: object) -> None:
    """Append-only rows as one executemany on the session's connection: in the session's transaction, but
    without the ORM's statement handling, which costs more than the INSERT itself. `defaults` fill columns
    an object leaves None."""
    if objects:
        rows = plain_rows(table, objects)
        for row in rows:
            row.update({name: value for name, value in defaults.items() if row.get(name) is None})
        session.connection().execute(table.insert(), rows)


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, case_id: str) -> Case | None:
        """The whole case, readable after the unit of work has ended."""
        return self.session.get(Case, case_id) if case_id else None

    def for_turn(self, case_id: str) -> Case | None:
        """The case a turn works on: its row and answers in one statement; members and agreements (often
        none) in one more each only if the turn reads them, which it does before its session closes."""
        return self.session.get(Case, case_id, options=_one_case()) if case_id else None

    def add(self, case: Case) -> None:
        self.session.add(case)
        self.session.flush()  # the case row first: events and reminders point at it

    def for_mentor(self, person_id: str) -> list[Case]:
        query = sa.select(Case).where(Case.mentor_id == person_id).order_by(Case.created_at)  # type: ignore[arg-type]
        return list(self.session.scalars(query))

    def get_many(self, case_ids: set[str]) -> dict[str, Case]:
        query = sa.select(Case).where(Case.id.in_(case_ids))  # type: ignore[attr-defined]
        return {case.id: case for case in self.session.scalars(query)}

    def open_cases(self) -> list[Case]:
        query = sa.select(Case).where(Case.state != CLOSED).order_by(Case.created_at)  # type: ignore[arg-type]
        return list(self.session.scalars(query))

    def for_member(self, person_id: str) -> list[Case]:
        """Cases shared with a person or handed to them as co-mentor."""
        ids = sa.select(case_members.c.case_id).where(case_members.c.person_id == person_id)
        return list(self.session.scalars(sa.select(Case).where(cases.c.id.in_(ids)).order_by(cases.c.created_at)))

    def all(self) -> list[Case]:
        return list(self.session.scalars(sa.select(Case).order_by(cases.c.created_at)))

    def created_between(self, start: datetime, end: datetime) -> list[Case]:
        query = sa.select(Case).where(cases.c.created_at >= start, cases.c.created_at < end).order_by(cases.c.created_at)
        return list(self.session.scalars(query))

    def closed_before(self, moment: datetime) -> list[Case]:
        """Closed cases whose closing (the start of their closed phase) lies before `moment`."""
        query = sa.select(Case).where(cases.c.state == CLOSED, cases.c.phase_started_at < moment)
        return list(self.session.scalars(query.order_by(cases.c.phase_started_at)))

    def delete(self, case: Case) -> dict[str, int]:
        """The case and everything of it (answers, agreements, members, events, reminders, outbox): counts."""
        counts = {"answers": len(case.answers), "agreements": len(case.agreements)}
        for name, table in (("events", events), ("reminders", reminders), ("outbox", outbox),
                            ("students", case_students)):
            counts[name] = self.session.execute(sa.delete(table).where(table.c.case_id == case.id)).rowcount
        self.session.execute(sa.update(conversations).where(conversations.c.active_case_id == case.id)
                             .values(active_case_id=None, pending=None))
        self.session.delete(case)
        self.session.flush()
        return counts


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: Event) -> None:
        self.session.add(event)

    def add_many(self, new: list[Event]) -> None:
        insert_rows(self.session, events, new)  # type: ignore[arg-type]

    def for_case(self, case_id: str) -> list[Event]:
        query = sa.select(Event).where(Event.case_id == case_id).order_by(Event.id)  # type: ignore[attr-defined]
        return list(self.session.scalars(query))

    def for_cases(self, case_ids: set[str], kinds: tuple[str, ...] = ()) -> list[Event]:
        query = sa.select(Event).where(events.c.case_id.in_(case_ids))
        if kinds:
            query = query.where(events.c.kind.in_(kinds))
        return list(self.session.scalars(query.order_by(events.c.id)))


class AuditRepository:
    """Append-only: records are added and read, never changed or removed (the database refuses it too)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: AuditRecord) -> None:
        self.session.add(record)

    def add_many(self, records: list[AuditRecord]) -> None:
        insert_rows(self.session, audit, records)  # type: ignore[arg-type]

    def for_case(self, case_id: str) -> list[AuditRecord]:
        query = sa.select(AuditRecord).where(audit.c.case_id == case_id).order_by(audit.c.id)
        return list(self.session.scalars(query))

    def by_actor(self, actor: str) -> list[AuditRecord]:
        return list(self.session.scalars(sa.select(AuditRecord).where(audit.c.actor == actor).order_by(audit.c.id)))


class ReminderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def schedule(self, reminder: Reminder) -> None:
        """One reminder per case and kind: a new one replaces the old."""
        existing = self.session.scalars(sa.select(Reminder).where(
            reminders.c.case_id == reminder.case_id, reminders.c.kind == reminder.kind)).first()
        if existing is None:
            self.session.add(reminder)
            return
        existing.due_at, existing.for_state = reminder.due_at, reminder.for_state
        existing.status, existing.attempts, existing.lease_until = "pending", 0, None

    def schedule_many(self, wanted: list[Reminder]) -> None:
        """`schedule` for a batch, with one query for the rows that exist already."""
        if not wanted:
            return
        query = sa.select(Reminder).where(reminders.c.case_id.in_({r.case_id for r in wanted}),
                                          reminders.c.kind.in_({r.kind for r in wanted}))
        existing = {(r.case_id, r.kind): r for r in self.session.scalars(query)}
        for reminder in wanted:
            found = existing.get((reminder.case_id, reminder.kind))
            if found is None:
                self.session.add(reminder)
            else:
                found.due_at, found.for_state = reminder.due_at, reminder.for_state
                found.status, found.attempts, found.lease_until = "pending", 0, None

    def cancel_for_case(self, case_id: str) -> None:
        self.session.execute(sa.update(reminders).where(
            reminders.c.case_id == case_id, reminders.c.status == "pending").values(status="cancelled"))

    def due(self, now: datetime, limit: int) -> list[Reminder]:
        query = (sa.select(Reminder).where(reminders.c.status == "pending", reminders.c.due_at <= now)
                 .order_by(reminders.c.due_at).limit(limit))
        return list(self.session.scalars(query))

    def due_count(self, now: datetime) -> int:
        """How many reminders are due and not yet fired (a worker that keeps up holds this near 0)."""
        return self.session.scalar(sa.select(sa.func.count()).select_from(reminders).where(
            reminders.c.status == "pending", reminders.c.due_at <= now)) or 0

    def claim(self, now: datetime, lease: timedelta, limit: int) -> tuple[str, list[Claimed]]:
        ready = sa.and_(reminders.c.status == "pending", reminders.c.due_at <= now)
        return claims.claim(self.session, reminders, ready, reminders.c.due_at, now, lease, limit)

    def hold(self, token: str, ids: list[int]) -> list[Reminder]:
        held = claims.hold(self.session, reminders, token, ids)
        return list(self.session.scalars(sa.select(Reminder).where(reminders.c.id.in_(held)).order_by(reminders.c.id)))


class AppStateRepository:
    """Small named values of the installation itself (the console's demo clock, for one)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> str | None:
        return self.session.execute(sa.select(app_state.c.value).where(app_state.c.key == key)).scalar()

    def set(self, key: str, value: str) -> None:
        if self.get(key) is None:
            self.session.execute(sa.insert(app_state).values(key=key, value=value))
        else:
            self.session.execute(sa.update(app_state).where(app_state.c.key == key).values(value=value))


class PostRepository:
    """The ledger of the bot's posts per case (Core statements: rows nobody changes, only adds and forgets)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(self, new: list[Post]) -> None:
        if new:
            self.session.execute(sa.insert(posts), [
                {"case_id": p.case_id, "platform": p.platform, "target_kind": p.target_kind, "target": p.target,
                 "message_id": p.message_id[:128], "sent_at": p.sent_at} for p in new])

    def _rows(self, where: Any) -> list[Post]:
        c = posts.c
        query = sa.select(c.case_id, c.platform, c.target_kind, c.target, c.message_id, c.sent_at, c.id)
        return [Post(*row) for row in self.session.execute(query.where(where).order_by(c.id))]

    def for_case(self, case_id: str) -> list[Post]:
        return self._rows(posts.c.case_id == case_id)

    def orphans(self) -> list[Post]:
        return self._rows(~sa.exists().where(cases.c.id == posts.c.case_id))

    def forget(self, ids: list[int]) -> None:
        if ids:
            self.session.execute(sa.delete(posts).where(posts.c.id.in_(ids)))


class ReceiptRepository:
    """Keys of requests already handled (a platform's delivery id): a redelivery changes nothing."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def seen(self, key: str) -> bool:
        return self.session.execute(sa.select(receipts.c.key).where(receipts.c.key == key)).first() is not None

    def forget_before(self, cutoff: datetime) -> int:
        return self.session.execute(sa.delete(receipts).where(receipts.c.at < cutoff)).rowcount

    def claim(self, key: str, at: datetime) -> bool:
        """One INSERT … ON CONFLICT DO NOTHING instead of a SELECT and an INSERT. On PostgreSQL a second
        delivery of a key that another transaction holds waits here for that one to end, then sees it."""
        connection = self.session.connection()
        statement = _claim_statement(connection.dialect.name)
        return connection.execute(statement, {"key": key, "at": at}).first() is not None
