"""The student ledger over one connection (flows/students.py): records found by key, links to cases."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from flows.model import Student
from storage.repositories import insert_ignoring
from storage.tables import case_students, students


class StudentRepository:
    def __init__(self, db: sa.Connection) -> None:
        self.db = db

    def _students(self, where: sa.ColumnElement[bool]) -> list[Student]:
        c = students.c
        rows = self.db.execute(sa.select(c.id, c.key, c.name, c.class_name).where(where).order_by(c.created_at))
        return [Student(*row) for row in rows]

    def link(self, case_id: str, entries: list[tuple[str, str, str]], class_name: str | None, now: datetime) -> None:
        """The case names exactly these students (key, name, role): records made for new ones, links replaced."""
        keys = {key for key, _name, _role in entries}
        known = {s.key: s.id for s in self._students(students.c.key.in_(keys))} if keys else {}
        new = {key: name for key, name, _role in entries if key not in known}
        if new:
            # Two turns naming one new child at the same moment: the second insert yields to the first
            # (ON CONFLICT DO NOTHING), and both then link the one record.
            connection = self.db
            statement = insert_ignoring(students, connection.dialect.name)
            connection.execute(statement, [{"id": uuid.uuid4().hex, "key": key, "name": name,
                                            "class_name": class_name, "created_at": now} for key, name in new.items()])
            known |= {s.key: s.id for s in self._students(students.c.key.in_(set(new)))}
        self.db.execute(sa.delete(case_students).where(case_students.c.case_id == case_id))
        rows = {(known[key], role) for key, _name, role in entries}
        if rows:  # a concurrent turn on this case may link the same: its version check decides who stays
            connection = self.db
            connection.execute(insert_ignoring(case_students, connection.dialect.name), [
                {"case_id": case_id, "student_id": student_id, "role": role} for student_id, role in sorted(rows)])

    def find(self, key: str) -> Student | None:
        found = self._students(students.c.key == key)
        return found[0] if found else None

    def all(self) -> list[Student]:
        return self._students(sa.true())

    def case_ids(self, student_id: str) -> list[str]:
        query = sa.select(case_students.c.case_id).where(case_students.c.student_id == student_id).distinct()
        return sorted(self.db.execute(query).scalars())

    def of_case(self, case_id: str) -> list[Student]:
        ids = sa.select(case_students.c.student_id).where(case_students.c.case_id == case_id)
        return self._students(students.c.id.in_(ids))

    def linked_cases(self) -> set[str]:
        return set(self.db.execute(sa.select(case_students.c.case_id).distinct()).scalars())

    def forget(self, student_id: str) -> None:
        self.db.execute(sa.delete(case_students).where(case_students.c.student_id == student_id))
        self.db.execute(sa.delete(students).where(students.c.id == student_id))

    def forget_unlinked(self) -> int:
        """Records no case names any more (their cases were purged): how many went."""
        linked = sa.select(case_students.c.student_id)
        return self.db.execute(sa.delete(students).where(students.c.id.not_in(linked))).rowcount
