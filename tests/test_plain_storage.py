"""The repositories of plain objects (storage/cases.py, storage/repositories.py) on SQLite and PostgreSQL: what a
unit of work writes at commit, and the version check that refuses a lost update of any part of a case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from flows.model import CaseMember, Reminder
from flows.ports import ConcurrentUpdate
from flows.protocol_spec import ReminderKind
from tests.helpers import INTAKE, Chat


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    """The writing statements (INSERT, UPDATE, DELETE) the engine runs meanwhile."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def case_id(app) -> str:
    chat = Chat(app)
    chat.script(INTAKE)
    return chat.case_id()


def test_a_case_read_and_left_alone_is_not_written(app, wired, case_id):
    with app.uow() as uow:
        case = uow.cases.get(case_id)
        assert uow.cases.get(case_id) is case  # one object per case within a unit of work
        assert [c.id for c in uow.cases.all()].count(case_id) == 1 and case in uow.cases.all()
        version = case.version
        with statements(wired.engine) as written:
            uow.commit()
    assert written == [] and case.version == version


def test_a_changed_answer_writes_its_column_and_raises_the_version(app, wired, case_id):
    with app.uow() as uow:
        case = uow.cases.get(case_id)
        version = case.version
        case.answer("bullied").value = ["Anna de Jong", "Kim Bakker"]
        with statements(wired.engine) as written:
            uow.commit()
    assert len(written) == 2
    assert written[0].startswith("UPDATE cases SET version=") and "WHERE cases.id =" in written[0]
    assert "cases.version =" in written[0]
    assert written[1].startswith("UPDATE answers SET value=")
    with app.uow() as uow:
        again = uow.cases.get(case_id)
    assert again.version == version + 1 and again.value("bullied") == ["Anna de Jong", "Kim Bakker"]


def test_a_stale_change_to_a_part_alone_is_refused(app, case_id):
    """Two people change different parts of one case (neither touches the case's own row): the later one
    worked from a case that is no longer there, and must yield rather than write over it unseen."""
    with app.uow() as first, app.uow() as second:
        a = first.cases.get(case_id)
        b = second.cases.get(case_id)
        a.answer("bullied").value = ["Kim Bakker"]
        first.commit()
        b.members.append(CaseMember("sduijveman", "shared", "jdevries", b.created_at))
        with pytest.raises(ConcurrentUpdate):
            second.commit()
    with app.uow() as uow:
        case = uow.cases.get(case_id)
    assert case.value("bullied") == ["Kim Bakker"] and case.members == []


def test_members_removed_and_added_again_are_stored_as_they_end(app, case_id):
    with app.uow() as uow:
        case = uow.cases.get(case_id)
        case.members.append(CaseMember("sduijveman", "shared", "jdevries", case.created_at))
        case.members.append(CaseMember("mbakker", "mentor", "jdevries", case.created_at))
        uow.commit()
        case.members = [m for m in case.members if m.person_id != "sduijveman"]
        uow.commit()  # a second commit in one unit of work writes only what changed since the first
        case.members = [*case.members, CaseMember("sduijveman", "mentor", "jdevries", case.created_at)]
        uow.commit()
    with app.uow() as uow:
        members = {m.person_id: m.role for m in uow.cases.get(case_id).members}
    assert members == {"mbakker": "mentor", "sduijveman": "mentor"}


def test_a_new_answer_gets_its_id_and_a_later_change_in_the_same_unit_of_work_is_written(app, case_id):
    with app.uow() as uow:
        case = uow.cases.get(case_id)
        answer = case.set_answer("spoke_bullied", "ja", "jdevries", case.created_at)
        uow.commit()
        assert isinstance(answer.id, int)
        answer.value = "nee"
        uow.commit()
    with app.uow() as uow:
        assert uow.cases.get(case_id).value("spoke_bullied") == "nee"


def test_reminders_and_events_changed_by_flows_are_written_at_commit(app, case_id):
    due = app.clock.now()
    with app.uow() as uow:
        uow.reminders.schedule(Reminder(case_id, ReminderKind.CHECKIN, due, "fase1"))
        uow.commit()
    with app.uow() as uow:
        (reminder,) = [r for r in uow.reminders.due(due, 10) if r.kind == ReminderKind.CHECKIN]
        reminder.status = "sent"
        event = uow.events.for_case(case_id)[0]
        event.data = {**event.data, "note": "[verwijderd]"}
        uow.commit()
    with app.uow() as uow:
        assert all(r.kind != ReminderKind.CHECKIN for r in uow.reminders.due(due, 10))
        assert uow.events.for_case(case_id)[0].data["note"] == "[verwijderd]"
    with app.uow() as uow:  # scheduling again replaces the one row of that kind
        uow.reminders.schedule(Reminder(case_id, ReminderKind.CHECKIN, due, "fase1"))
        uow.commit()
    with app.uow() as uow:
        assert [r.kind for r in uow.reminders.due(due, 10)].count(ReminderKind.CHECKIN) == 1


class CountingCipher:
    """The engine's own cipher, counting the values it decrypts."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.decrypted = inner, 0

    def encrypt(self, data: bytes) -> bytes:
        return self.inner.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        self.decrypted += 1
        return self.inner.decrypt(token)


def test_an_answer_is_decrypted_when_first_read_and_only_then(app, wired, case_id):
    from storage.crypto import attach, cipher_of

    counting = CountingCipher(cipher_of(wired.engine.dialect))
    attach(wired.engine, counting)
    with app.uow() as uow:
        case = uow.cases.get(case_id)
        assert len(case.answers) >= 3 and counting.decrypted == 0
        assert case.value("bullied") == ["Anna de Jong"]  # INTAKE's answer
        assert counting.decrypted == 1
        case.value("bullied")
        assert counting.decrypted == 1  # once per answer
        uow.commit()  # nothing changed: nothing written, nothing else decrypted
        assert counting.decrypted == 1


def test_an_answer_assigned_without_being_read_is_written_and_reads_back(app, case_id):
    with app.uow() as uow:
        case = uow.cases.get(case_id)
        answer = case.answer("bullied")  # found by question id: the value is not read
        answer.value = ["Kim Bakker"]
        assert answer.value == ["Kim Bakker"]
        uow.commit()
    with app.uow() as uow:
        assert uow.cases.get(case_id).value("bullied") == ["Kim Bakker"]
