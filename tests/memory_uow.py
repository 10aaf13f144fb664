"""An in-memory unit of work for engine and service tests: the ports of flows/ports.py over plain dicts.

It covers what a turn and the read-only queries use (cases, events, audit, reminders as scheduled, the
outbox as written, conversations, receipts, students as linked, posts). Claims, leases and the purge are
storage's own semantics and stay tested on SQLite and PostgreSQL. Isolation is by copy: a unit of work
works on a deep copy of what was committed and replaces it on commit, so an uncommitted turn (a discarded
form, a redelivered key) leaves nothing behind, as a rolled-back transaction does. One thread at a time.
`tests/test_memory_uow.py` plays the same conversation here and on SQLite and compares what was stored.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flows.model import AuditRecord, Case, Conversation, Event, OutboxMessage, Post, Reminder, Student
from flows.protocol_spec import CLOSED


@dataclass
class MemoryStore:
    """What has been committed."""

    cases: dict[str, Case] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    receipts: dict[str, datetime] = field(default_factory=dict)
    students: dict[str, Student] = field(default_factory=dict)  # by key
    links: set[tuple[str, str, str]] = field(default_factory=set)  # (case id, student id, role)
    posts: list[Post] = field(default_factory=list)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class _Repo:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store


class Cases(_Repo):
    def get(self, case_id: str) -> Case | None:
        return self.store.cases.get(case_id) if case_id else None

    for_turn = get

    def add(self, case: Case) -> None:
        self.store.cases[case.id] = case

    def _sorted(self, cases: Any) -> list[Case]:
        return sorted(cases, key=lambda c: c.created_at)

    def for_mentor(self, person_id: str) -> list[Case]:
        return self._sorted(c for c in self.store.cases.values() if c.mentor_id == person_id)

    def open_cases(self) -> list[Case]:
        return self._sorted(c for c in self.store.cases.values() if c.state != CLOSED)

    def get_many(self, case_ids: set[str]) -> dict[str, Case]:
        return {i: self.store.cases[i] for i in case_ids if i in self.store.cases}

    def for_member(self, person_id: str) -> list[Case]:
        return self._sorted(c for c in self.store.cases.values() if c.member(person_id) is not None)

    def all(self) -> list[Case]:
        return self._sorted(self.store.cases.values())


class _Rows(_Repo):
    """Append-only rows with an id, in the order they were added."""

    name = ""

    def _rows(self) -> list[Any]:
        return getattr(self.store, self.name)

    def add(self, row: Any) -> None:
        row.id = self.store.new_id()
        self._rows().append(row)

    def add_many(self, rows: list[Any]) -> None:
        for row in rows:
            self.add(row)

    def for_case(self, case_id: str) -> list[Any]:
        return [row for row in self._rows() if row.case_id == case_id]


class Events(_Rows):
    name = "events"

    def for_cases(self, case_ids: set[str], kinds: tuple[str, ...] = ()) -> list[Event]:
        return [e for e in self.store.events if e.case_id in case_ids and (not kinds or e.kind in kinds)]


class Audit(_Rows):
    name = "audit"

    def by_actor(self, actor: str) -> list[AuditRecord]:
        return [r for r in self.store.audit if r.actor == actor]


class Outbox(_Rows):
    name = "outbox"

    def add(self, row: OutboxMessage) -> None:
        row.failures = getattr(row, "failures", None) or 0
        super().add(row)

    def failed(self) -> list[OutboxMessage]:
        return [m for m in self.store.outbox if m.status == "failed"]


class Reminders(_Repo):
    def schedule(self, reminder: Reminder) -> None:
        """One reminder per case and kind: a new one replaces the old (as storage's schedule does)."""
        found = next((r for r in self.store.reminders
                      if r.case_id == reminder.case_id and r.kind == reminder.kind), None)
        if found is None:
            reminder.id = self.store.new_id()
            self.store.reminders.append(reminder)
        else:
            found.due_at, found.for_state = reminder.due_at, reminder.for_state
            found.status, found.attempts, found.lease_until = "pending", 0, None

    def schedule_many(self, wanted: list[Reminder]) -> None:
        for reminder in wanted:
            self.schedule(reminder)

    def cancel_for_case(self, case_id: str) -> None:
        for reminder in self.store.reminders:
            if reminder.case_id == case_id and reminder.status == "pending":
                reminder.status = "cancelled"

    def due(self, now: datetime, limit: int) -> list[Reminder]:
        due = [r for r in self.store.reminders if r.status == "pending" and r.due_at <= now]
        return sorted(due, key=lambda r: r.due_at)[:limit]

    def due_count(self, now: datetime) -> int:
        return len(self.due(now, len(self.store.reminders)))


class Conversations(_Repo):
    def get(self, person_id: str) -> Conversation | None:
        return self.store.conversations.get(person_id)

    def add(self, conversation: Conversation) -> None:
        self.store.conversations[conversation.person_id] = conversation

    def all(self) -> list[Conversation]:
        return list(self.store.conversations.values())


class Receipts(_Repo):
    def seen(self, key: str) -> bool:
        return key in self.store.receipts

    def claim(self, key: str, at: datetime) -> bool:
        if key in self.store.receipts:
            return False
        self.store.receipts[key] = at
        return True


class Students(_Repo):
    def link(self, case_id: str, entries: list[tuple[str, str, str]], class_name: str | None,
             now: datetime) -> None:
        """The case names exactly these students (key, name, role): records made for new ones, links replaced."""
        for key, name, _role in entries:
            self.store.students.setdefault(key, Student(uuid.uuid4().hex, key, name, class_name))
        self.store.links = {link for link in self.store.links if link[0] != case_id}
        self.store.links |= {(case_id, self.store.students[key].id, role) for key, _name, role in entries}

    def find(self, key: str) -> Student | None:
        return self.store.students.get(key)

    def all(self) -> list[Student]:
        return list(self.store.students.values())

    def of_case(self, case_id: str) -> list[Student]:
        ids = {student_id for linked, student_id, _role in self.store.links if linked == case_id}
        return [s for s in self.store.students.values() if s.id in ids]


class Posts(_Rows):
    name = "posts"


class MemoryUnitOfWork:
    """`with uow:` works on a copy of the store; `commit` makes the copy the store."""

    def __init__(self, store: MemoryStore) -> None:
        self._committed = store

    def __enter__(self) -> MemoryUnitOfWork:
        self._work = copy.deepcopy(self._committed)
        work = self._work
        self.cases, self.events, self.audit = Cases(work), Events(work), Audit(work)
        self.reminders, self.outbox, self.posts = Reminders(work), Outbox(work), Posts(work)
        self.conversations, self.receipts, self.students = Conversations(work), Receipts(work), Students(work)
        return self

    def __exit__(self, *exc: object) -> None:
        self._work = None  # type: ignore[assignment]  # uncommitted work is dropped, as a rollback

    def commit(self) -> None:
        self._committed.__dict__.update(copy.deepcopy(self._work).__dict__)

    def rollback(self) -> None:
        self.__enter__()
