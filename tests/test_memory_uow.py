"""The fast tier: engine and service tests on the in-memory unit of work (tests/memory_uow.py).

The first test is the fake's contract: one mentor's conversation (typed answers, a click, a form with a bad
answer, a redelivered message, commands) played through the services on SQLite and in memory must store
the same things and say the same words. The tests after it use the fake alone, in milliseconds.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from flows.services import App, add_agreement, handle_click, handle_message, run_command, start_case
from tests.fakes import FakeClock
from tests.helpers import FASE1, INTAKE
from tests.memory_uow import MemoryStore, MemoryUnitOfWork

CASE_ID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b")


def in_memory(app: App) -> tuple[App, MemoryStore]:
    store = MemoryStore()
    return dataclasses.replace(app, uow=lambda: MemoryUnitOfWork(store), clock=FakeClock()), store


def play(app: App) -> list[str]:
    """What a mentor (jdevries) and a colleague do; the replies with case ids made comparable."""
    said: list[str] = []

    def note(replies) -> None:  # type: ignore[no-untyped-def]
        said.append(CASE_ID.sub("<zaak>", "\n".join(r.text for r in replies)))

    for line in INTAKE + FASE1[:3]:
        note(handle_message(app, "jdevries", line))
        app.clock.advance(minutes=1)
    note(handle_message(app, "jdevries", "status", dedupe_key="slack:Ev1"))
    note(handle_message(app, "jdevries", "status", dedupe_key="slack:Ev1"))  # Slack's retry: no second answer
    case_id = active_case(app, "jdevries")
    note(handle_click(app, "jdevries", case_id, "evaluation", "1"))  # a question not asked now
    note(run_command(app, "jdevries", "who"))
    note(run_command(app, "fyilmaz", "status"))  # another mentor: no case of theirs
    replies, errors = add_agreement(app, "jdevries", case_id, "agreements_f1",
                                    {"what": "Niet meer buitensluiten", "how": "", "if_broken": "Gesprek"})
    said.append(f"{len(replies)} {sorted(errors)}")
    replies, errors = add_agreement(app, "jdevries", case_id, "agreements_f1",
                                    {"what": "Niet meer buitensluiten", "how": "Elke week navragen",
                                     "if_broken": "Gesprek met ouders"})
    note(replies)
    said.append(str(errors))
    report = {"class_name": "3A", "department": "2", "bullied": "Ella Bos", "bullies": "Finn Dam",
              "what_happened": "x" * 5000, "digital": "2"}
    replies, errors = start_case(app, "fyilmaz", report)  # far too long a description: nothing stored
    note(replies)
    said.append(str(errors))
    note(start_case(app, "fyilmaz", {**report, "what_happened": "Uitgescholden in de les"})[0])
    return said


def active_case(app: App, person_id: str) -> str:
    with app.uow() as uow:
        return uow.conversations.get(person_id).active_case_id


def stored(app: App) -> dict:
    """Everything the conversation stored, without ids and moments that differ between runs."""
    with app.uow() as uow:
        cases = uow.cases.all()
        return {
            "cases": [(c.mentor_id, c.state, c.class_name, c.department,
                       sorted((a.question_id, str(a.value), a.skipped) for a in c.answers),
                       [(a.question_id, a.what, a.how_checked, a.if_broken) for a in c.agreements]) for c in cases],
            "events": [[(e.kind, e.actor, sorted(e.data)) for e in uow.events.for_case(c.id)] for c in cases],
            "outbox": [[(m.kind, m.target_kind, m.target) for m in uow.outbox.for_case(c.id)] for c in cases],
            "audit": [[r.action for r in uow.audit.for_case(c.id)] for c in cases],
            "conversations": sorted((c.person_id, c.pending.question_id if c.pending else None)
                                    for c in uow.conversations.all()),
            "students": [sorted(s.name for s in uow.students.of_case(c.id)) for c in cases],
            "receipts": uow.receipts.seen("slack:Ev1"),
        }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_fake_stores_and_says_what_sqlite_does(app):
    memory, _ = in_memory(app)
    said_sql, said_memory = play(app), play(memory)
    assert said_memory == said_sql
    assert stored(memory) == stored(app)
    assert "Fase 1" in "\n".join(said_sql) and said_sql[len(INTAKE) + 4] == ""  # the retry got no answer
    assert "te lang" in said_sql[-3] and len(stored(app)["cases"]) == 2


@pytest.fixture
def memory_app(request) -> App:
    from bot.settings import EXAMPLE_CONFIG
    from bot.wiring import load_contents, load_school

    school = load_school(EXAMPLE_CONFIG)
    store = MemoryStore()
    return App(school=school, contents=load_contents(school, EXAMPLE_CONFIG),
               uow=lambda: MemoryUnitOfWork(store), clock=FakeClock())


def test_a_turn_that_is_not_committed_leaves_nothing(memory_app):
    """A form with one bad answer: the answers before it are not kept either."""
    handle_message(memory_app, "jdevries", "nieuw")
    case_id = active_case(memory_app, "jdevries")
    with memory_app.uow() as uow:
        before = len(uow.events.for_case(case_id))
    _, errors = start_case(memory_app, "jdevries", {"class_name": "2B", "department": "nergens"})
    assert errors
    with memory_app.uow() as uow:
        assert len(uow.events.for_case(case_id)) == before
        assert len(uow.cases.all()) == 1  # the form's own new case is gone with it


def test_the_evaluation_reminder_is_scheduled_once_per_case_and_kind(memory_app):
    chat = [*INTAKE, *FASE1, "ja", "ja", "n.v.t."]  # through fase 2 into monitoring
    for line in chat:
        handle_message(memory_app, "jdevries", line)
    with memory_app.uow() as uow:
        kinds = [(r.kind, r.status) for r in uow.reminders.due(memory_app.clock.now().replace(year=2100), 100)]
    assert kinds.count(("evaluation", "pending")) == 1
