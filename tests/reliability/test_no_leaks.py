"""A whole case with logging at DEBUG: no student name, answer text, token or secret in any log line."""

from __future__ import annotations

import logging

from bot.clock import OffsetClock
from bot.console import Console, KeyValue
from bot.settings import EXAMPLE_CONFIG
from bot.wiring import build
from tests.fakes import START
from tests.helpers import FASE1, FASE2, FASE3, INTAKE

SECRETS = ["Anna de Jong", "Bram Smit", "Cas Peters", "Ze sluiten haar buiten", "Niet meer buitensluiten",
           "De mentor vraagt het elke week na", "laten Anna met rust"]


def test_a_whole_console_case_logs_no_child_data(database_url, caplog):
    caplog.set_level(logging.DEBUG)
    # An operator debugging SQL (echo=True is INFO): statements, never their parameters.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    clock = OffsetClock(source=lambda: START)
    wired = build(EXAMPLE_CONFIG, database_url, clock)
    shown: list[str] = []
    console = Console(wired.app, clock, "jdevries", KeyValue(wired.app.uow), write=shown.append)
    console.run(INTAKE + FASE1 + FASE2 + ["/tijd +6w", "ja", *FASE3, "sluit het is gestopt"])
    wired.engine.dispose()
    assert any("Anna de Jong" in line for line in shown)  # the mentor sees the names; the logs must not
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records, "nothing was logged at DEBUG at all: the test would prove nothing"
    leaks = [s for s in SECRETS if s in logged]
    assert leaks == [], f"child data in the logs: {leaks}"


def test_database_errors_carry_no_parameters(wired):
    import sqlalchemy as sa

    try:
        with wired.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO app_state (key, value) VALUES (:k, :v)"), {"k": "x", "v": "Anna de Jong"})
            connection.execute(sa.text("INSERT INTO app_state (key, value) VALUES (:k, :v)"), {"k": "x", "v": "Anna de Jong"})
    except sa.exc.IntegrityError as exc:
        assert "Anna de Jong" not in str(exc)
    else:
        raise AssertionError("the duplicate key was accepted")


def _logged(caplog) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


SLACK_SECRETS = SECRETS + ["xoxb-test", "8f742231b10e8888abcd99yyyzzz85a5"]


def test_a_whole_slack_case_logs_no_child_data_token_or_secret(slack, clock, caplog):
    from tests.slack.test_whole_case import test_a_whole_case_from_pest_nieuw_to_closed as whole_case

    caplog.set_level(logging.DEBUG)
    whole_case(slack, clock)
    logged = _logged(caplog)
    assert caplog.records
    assert [s for s in SLACK_SECRETS if s in logged] == []


def test_a_whole_teams_case_logs_no_child_data(teams, clock, caplog):
    from tests.teams.test_teams_flow import test_a_whole_case_in_teams_from_the_first_message_to_closed as whole_case

    caplog.set_level(logging.DEBUG)
    whole_case(teams, clock)
    logged = _logged(caplog)
    assert caplog.records
    assert [s for s in SECRETS if s in logged] == []
