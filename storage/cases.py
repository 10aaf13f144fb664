"""Cases over one connection: Core statements over plain Case objects with their answers, agreements and
members. Within a unit of work a case is one object; `flush` (at commit) writes what changed in it and its
parts, guarded by the case's version: `UPDATE … WHERE version = ?` finds no row when another turn changed
the case since it was read, and the turn yields (ConcurrentUpdate)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache, partial
from typing import Any

import sqlalchemy as sa

from flows.model import Agreement, Answer, Case, CaseMember
from flows.ports import ConcurrentUpdate
from flows.protocol import CLOSED
from storage.driver import run
from storage.plain import changes, from_row, from_row_lazy, known, remember
from storage.repositories import insert_of
from storage.tables import (
    agreements,
    answers,
    case_members,
    case_students,
    cases,
    conversations,
    events,
    outbox,
    reminders,
)

# A case's parts: attribute, table, class, the column that names a part within its case, the reading order.
PARTS: tuple[tuple[str, sa.Table, type, str, str], ...] = (
    ("answers", answers, Answer, "id", "id"),
    ("agreements", agreements, Agreement, "id", "id"),
    ("members", case_members, CaseMember, "person_id", "added_at"),
)
BATCH = 500  # case ids per IN list when parts are read for many cases


# Sealed columns read as stored and decrypted only when flows/ first reads them: a turn looks at one or two of
# a case's answers, and decrypting all of them was most of its encryption work (issue 17).
LAZY = {"answers": ("value",)}


def _columns(table: sa.Table) -> list[Any]:
    lazy = LAZY.get(table.name, ())
    return [sa.type_coerce(c, sa.Text()).label(c.name) if c.name in lazy else c for c in table.c]


@cache
def _one(table: sa.Table, order: str) -> sa.Select:
    return sa.select(*_columns(table)).where(table.c.case_id == sa.bindparam("case_id")).order_by(table.c[order])


@cache
def _many(table: sa.Table, order: str) -> sa.Select:
    return (sa.select(*_columns(table)).where(table.c.case_id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(table.c[order]))


@cache
def _case_by_id() -> sa.Select:
    return sa.select(*cases.c).where(cases.c.id == sa.bindparam("case_id"))


@cache
def _versioned_update(columns: tuple[str, ...]) -> sa.Update:
    c = cases.c
    return (sa.update(cases).where(c.id == sa.bindparam("_id"), c.version == sa.bindparam("_version"))
            .values({name: sa.bindparam(name) for name in columns}))


@cache
def _part_update(table: sa.Table, key: str, columns: tuple[str, ...]) -> sa.Update:
    return (sa.update(table).where(table.c.case_id == sa.bindparam("_case"), table.c[key] == sa.bindparam("_key"))
            .values({name: sa.bindparam(name) for name in columns}))


def _row_of(table: sa.Table, case_id: str, part: object) -> dict[str, Any]:
    return {c.name: (case_id if c.name == "case_id" else getattr(part, c.name, None))
            for c in table.c if c.name != "id"}


class CaseRepository:
    def __init__(self, db: sa.Connection) -> None:
        self.db = db
        self._seen: dict[str, Case] = {}
        self._parts_read: dict[str, dict[str, set[Any]]] = {}  # per case and part: the keys in the database

    # reading -------------------------------------------------------------------------------------------

    def get(self, case_id: str) -> Case | None:
        """The whole case with its parts, readable after the unit of work has ended."""
        if not case_id:
            return None
        if case_id in self._seen:
            return self._seen[case_id]
        row = run(self.db, _case_by_id(), {"case_id": case_id}).first()
        if row is None:
            return None
        case = self._case(row)
        for name, table, cls, key, order in PARTS:
            rows = run(self.db, _one(table, order), {"case_id": case_id}).mappings()
            self._set_part(case, name, key, [self._part(table, cls, row) for row in rows])
        return case

    def _part(self, table: sa.Table, cls: type, row: sa.RowMapping) -> Any:
        lazy = LAZY.get(table.name)
        if not lazy:
            return from_row(cls, row)
        dialect = self.db.dialect
        loaders = {name: partial(table.c[name].type.process_result_value, row[name], dialect) for name in lazy}
        return from_row_lazy(cls, row, loaders)

    for_turn = get  # the case a turn works on: the row and its three parts, four primary-key-led reads

    def _case(self, row: sa.RowMapping) -> Case:
        case = from_row(Case, row)
        self._seen[case.id] = case
        return case

    def _set_part(self, case: Case, name: str, key: str, parts: list[Any]) -> None:
        setattr(case, name, parts)
        self._parts_read.setdefault(case.id, {})[name] = {getattr(p, key) for p in parts}

    def _select(self, where: Any, order: Any = cases.c.created_at) -> list[Case]:
        rows = self.db.execute(sa.select(*cases.c).where(where).order_by(order)).mappings().all()
        found = [self._seen.get(row["id"]) or self._case(row) for row in rows]
        self._load_parts([c for c in found if c.id not in self._parts_read])
        return found

    def _load_parts(self, new: list[Case]) -> None:
        for start in range(0, len(new), BATCH):
            batch = {case.id: case for case in new[start:start + BATCH]}
            for name, table, cls, key, order in PARTS:
                grouped: dict[str, list[Any]] = {case_id: [] for case_id in batch}
                for row in self.db.execute(_many(table, order), {"ids": list(batch)}).mappings():
                    grouped[row["case_id"]].append(self._part(table, cls, row))
                for case_id, parts in grouped.items():
                    self._set_part(batch[case_id], name, key, parts)

    def for_mentor(self, person_id: str) -> list[Case]:
        return self._select(cases.c.mentor_id == person_id)

    def get_many(self, case_ids: set[str]) -> dict[str, Case]:
        if not case_ids:
            return {}
        wanted = sorted(case_ids)
        found = [case for start in range(0, len(wanted), BATCH)
                 for case in self._select(cases.c.id.in_(wanted[start:start + BATCH]))]
        return {case.id: case for case in found}

    def open_cases(self) -> list[Case]:
        return self._select(cases.c.state != CLOSED)

    def for_member(self, person_id: str) -> list[Case]:
        """Cases shared with a person or handed to them as co-mentor."""
        ids = sa.select(case_members.c.case_id).where(case_members.c.person_id == person_id)
        return self._select(cases.c.id.in_(ids))

    def all(self) -> list[Case]:
        return self._select(sa.true())

    def created_between(self, start: datetime, end: datetime) -> list[Case]:
        return self._select(sa.and_(cases.c.created_at >= start, cases.c.created_at < end))

    def closed_before(self, moment: datetime) -> list[Case]:
        """Closed cases whose closing (the start of their closed phase) lies before `moment`."""
        return self._select(sa.and_(cases.c.state == CLOSED, cases.c.phase_started_at < moment),
                            cases.c.phase_started_at)

    # writing -------------------------------------------------------------------------------------------

    def add(self, case: Case) -> None:
        """A new case and its parts, inserted at once: events and reminders point at it."""
        case.version = 1
        row = {c.name: getattr(case, c.name) for c in cases.c}
        run(self.db, insert_of(cases), row)
        remember(case, row)
        self._seen[case.id] = case
        self._parts_read[case.id] = {name: set() for name, *_ in PARTS}
        self._write_parts(case)

    def flush(self) -> None:
        """Write what changed in the cases of this unit of work. A case whose row or parts changed gets its
        version raised, only if it still has the version it was read with; else ConcurrentUpdate."""
        for case in self._seen.values():
            changed = changes(case)
            if not changed and not self._parts_changed(case):
                continue
            changed["version"] = case.version + 1
            columns = tuple(sorted(changed))
            result = run(self.db, _versioned_update(columns), {"_id": case.id, "_version": case.version, **changed})
            if result.rowcount != 1:
                raise ConcurrentUpdate("the case changed since it was read")
            case.version = changed["version"]
            remember(case, changed)
            self._write_parts(case)

    def _parts_changed(self, case: Case) -> bool:
        read = self._parts_read.get(case.id, {})
        for name, _table, _cls, key, _order in PARTS:
            parts = getattr(case, name)
            if {getattr(p, key, None) for p in parts} != read.get(name, set()):
                return True
            if any(not known(p) or changes(p) for p in parts):
                return True
        return False

    def _write_parts(self, case: Case) -> None:
        read = self._parts_read[case.id]
        for name, table, _cls, key, _order in PARTS:
            parts: list[Any] = getattr(case, name)
            new = [p for p in parts if not known(p)]
            present = {getattr(p, key) for p in parts if known(p)}
            gone = read[name] - present
            if gone:
                self.db.execute(sa.delete(table).where(table.c.case_id == case.id, table.c[key].in_(gone)))
            for part in parts:
                if known(part) and (changed := changes(part)):
                    run(self.db, _part_update(table, key, tuple(sorted(changed))),
                        {"_case": case.id, "_key": getattr(part, key), **changed})
                    remember(part, changed)
            if new:
                self._insert_parts(table, case.id, new)
            read[name] = {getattr(p, key) for p in parts}

    def _insert_parts(self, table: sa.Table, case_id: str, new: Iterable[Any]) -> None:
        new = list(new)
        rows = [_row_of(table, case_id, part) for part in new]
        if "id" in table.c:
            ids = run(self.db, insert_of(table, returning_id=True), rows).scalars()
            rows = [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)]
        else:
            run(self.db, insert_of(table), rows)
        for part, row in zip(new, rows, strict=True):
            vars(part).update(row)  # now as if read: its case_id and id too
            remember(part, row)

    def delete(self, case: Case) -> dict[str, int]:
        """The case and everything of it (answers, agreements, members, events, reminders, outbox): counts."""
        counts = {"answers": len(case.answers), "agreements": len(case.agreements)}
        for name, table in (("events", events), ("reminders", reminders), ("outbox", outbox),
                            ("students", case_students)):
            counts[name] = self.db.execute(sa.delete(table).where(table.c.case_id == case.id)).rowcount
        self.db.execute(sa.update(conversations).where(conversations.c.active_case_id == case.id)
                        .values(active_case_id=None, pending=None))
        for _name, table, *_ in PARTS:
            self.db.execute(sa.delete(table).where(table.c.case_id == case.id))
        self.db.execute(sa.delete(cases).where(cases.c.id == case.id))
        self._seen.pop(case.id, None)
        self._parts_read.pop(case.id, None)
        return counts
