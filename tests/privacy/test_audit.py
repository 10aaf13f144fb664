"""The audit trail: every view, change, export and refusal on record, in the turn's transaction; append-only."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from flows.dossier import export_dossier
from flows.services import run_command
from tests.helpers import FASE1, FASE2, INTAKE, Chat


def test_the_trail_of_a_whole_case_lists_every_view_and_change(app, clock):
    chat = Chat(app)
    for line in INTAKE + FASE1 + FASE2:
        clock.advance(minutes=1)  # one turn a minute: each change has a time of its own
        chat.say(line)
    case_id = chat.case_id()
    chat.say("status")
    run_command(app, "ngroen", "details", case_id)
    run_command(app, "fyilmaz", "details", case_id)  # refused, and on record
    export_dossier(app, "tbos", case_id, "html")
    with app.uow() as uow:
        trail = uow.audit.for_case(case_id)
        events = uow.events.for_case(case_id)
    actions = [(r.actor, r.action) for r in trail]
    assert actions[0] == ("jdevries", "create")
    assert ("jdevries", "view") in actions and ("ngroen", "view") in actions
    assert ("fyilmaz", "denied") in actions and ("tbos", "export") in actions
    # Every turn that changed the case is on record, once.
    changes = [r.at for r in trail if r.action in ("create", "change")]
    assert sorted(changes) == sorted({e.at for e in events if e.actor == "jdevries"})
    # every line but the first two parts of the agreement (those only fill in a draft) changed the case
    assert len(changes) == len(set(changes)) == len(INTAKE + FASE1 + FASE2) - 2
    assert all(r.at is not None and r.actor for r in trail)
    text = json.dumps([r.detail for r in trail])
    assert "Anna" not in text and "Bram" not in text and "buiten" not in text  # no child data in the audit


def test_views_are_committed_even_though_nothing_else_changes(app):
    chat = Chat(app)
    chat.script(INTAKE)
    version = chat.case().version
    chat.say("details " + chat.case_id())
    with app.uow() as uow:
        assert [r.action for r in uow.audit.for_case(chat.case_id())][-1] == "view"
    assert chat.case().version == version  # a look does not change the case


def test_a_guessed_case_id_is_refused_and_recorded(app):
    replies = run_command(app, "fyilmaz", "open", "0000-0000-0000")
    assert "Geen toegang" in replies[-1].text
    with app.uow() as uow:
        assert [r.action for r in uow.audit.by_actor("fyilmaz")] == ["denied"]


def test_the_application_has_no_way_to_change_the_audit(app):
    with app.uow() as uow:
        assert not [m for m in dir(uow.audit) if m.startswith(("update", "delete", "remove", "set", "clear"))]


@pytest.mark.parametrize("statement", ["UPDATE audit SET actor = 'someone'", "DELETE FROM audit"])
def test_the_database_refuses_to_change_the_audit(app, wired, statement):
    Chat(app).script(INTAKE[:1])
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with wired.engine.begin() as connection:
            connection.execute(sa.text(statement))
    with wired.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM audit WHERE actor = 'jdevries'")).scalar() >= 1


def test_postgresql_refuses_to_truncate_the_audit(app, wired, database_url):
    """Issue 14, item 10: the trigger covered UPDATE and DELETE only; `TRUNCATE audit` wiped it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no TRUNCATE; its DELETE FROM audit is refused by the test above")
    Chat(app).script(INTAKE[:1])
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with wired.engine.begin() as connection:
            connection.execute(sa.text("TRUNCATE audit"))
    with wired.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM audit WHERE actor = 'jdevries'")).scalar() >= 1

