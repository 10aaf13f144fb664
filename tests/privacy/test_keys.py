"""Issue 14, items 6 and 7: the key.

Before: a lost key file was replaced by a new one without a word (existing data then gave 500s, and new rows
were written under the second key); there was no way to rotate a key; `pestbot db upgrade` built its engine
without the key, so migration 0006 sealed nothing on PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet, MultiFernet
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.keys import KeyProblem, key_file_for
from bot.wiring import build
from flows.services import handle_message
from tests.fakes import FakeClock
from tests.helpers import INTAKE, Chat

CONFIG = Path(__file__).resolve().parents[2] / "bot" / "data" / "school.example.yaml"


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'school.db'}"


def a_case(url: str, key: str | None = None) -> str:
    wired = build(CONFIG, url, FakeClock(), encryption_key=key)
    chat = Chat(wired.app)
    chat.script(INTAKE)
    wired.engine.dispose()
    return chat.case_id()


def test_a_lost_key_file_stops_the_start_with_a_dutch_message_and_changes_nothing(tmp_path):
    url = sqlite_url(tmp_path)
    a_case(url)
    key_file = key_file_for(url)
    key_file.rename(tmp_path / "elders.key")  # the key file is lost (a copy of the folder without it)
    with pytest.raises(KeyProblem, match="ontbrak") as refused:
        build(CONFIG, url, FakeClock())
    assert str(key_file) in str(refused.value) and "niets" in str(refused.value)
    assert not key_file.exists()  # no second key was left behind to be taken for the right one
    result = CliRunner().invoke(cli, ["chat", "--db", str(tmp_path / "school.db")], input="status\n/stop\n")
    assert result.exit_code == 2 and "ontbrak" in result.output and "Traceback" not in result.output
    (tmp_path / "elders.key").rename(key_file)  # put back: everything is there
    wired = build(CONFIG, url, FakeClock())
    assert "2B" in "\n".join(r.text for r in handle_message(wired.app, "jdevries", "status"))


def test_a_wrong_key_in_the_environment_is_refused(tmp_path):
    url = sqlite_url(tmp_path)
    right = Fernet.generate_key().decode()
    a_case(url, right)
    with pytest.raises(KeyProblem, match="PESTBOT_ENCRYPTION_KEY past niet"):
        build(CONFIG, url, FakeClock(), encryption_key=Fernet.generate_key().decode())
    build(CONFIG, url, FakeClock(), encryption_key=right)  # the right one still works


def sealed_values(url: str) -> list[str]:
    from storage.sealing import sealed_columns

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = [v for name, _k, column, _j in sealed_columns()
                 for v in connection.execute(sa.text(f"SELECT {column} FROM {name} WHERE {column} IS NOT NULL"))
                 .scalars()]
    engine.dispose()
    return found


def test_key_rotate_seals_everything_under_the_new_key_and_the_old_key_is_no_longer_needed(tmp_path, monkeypatch):
    url = sqlite_url(tmp_path)
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    case_id = a_case(url, old)
    values = sealed_values(url)
    assert len(values) > 10
    monkeypatch.setenv("PESTBOT_ENCRYPTION_KEY", f"{new},{old}")
    result = CliRunner().invoke(cli, ["key", "rotate", "--db", str(tmp_path / "school.db")])
    assert result.exit_code == 0, result.output
    assert f"{len(values)} waarden" in result.output
    newest = Fernet(new.encode())
    for token in sealed_values(url):
        newest.decrypt(token.encode())  # every value opens with the new key alone
    again = CliRunner().invoke(cli, ["key", "rotate", "--db", str(tmp_path / "school.db")])
    assert again.exit_code == 0 and "0 waarden" in again.output  # resumable: done values are left alone
    wired = build(CONFIG, url, FakeClock(), encryption_key=new)
    with wired.app.uow() as uow:
        assert uow.cases.get(case_id).value("bullied") == ["Anna de Jong"]
    with pytest.raises(KeyProblem):
        build(CONFIG, url, FakeClock(), encryption_key=old)


def test_key_rotate_needs_the_new_and_the_old_key(tmp_path, monkeypatch):
    monkeypatch.setenv("PESTBOT_ENCRYPTION_KEY", Fernet.generate_key().decode())
    result = CliRunner().invoke(cli, ["key", "rotate", "--db", str(tmp_path / "school.db")])
    assert result.exit_code == 2 and "nieuw,oud" in result.output


def test_db_upgrade_seals_rows_written_before_encryption(database_url, monkeypatch):
    """A database at revision 0005 (before encryption at rest) with a plain row; `pestbot db upgrade` with the
    configured key seals it (on PostgreSQL too, where the engine of the CLI had no key)."""
    from storage.database import _alembic_config, make_engine
    from storage.tables import metadata

    engine = make_engine(database_url)
    with engine.begin() as connection:
        # Children before parents (the test database may start migrated: tests/conftest.py's template).
        for table in ("alembic_version", *(t.name for t in reversed(metadata.sorted_tables))):
            connection.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE' if engine.dialect.name ==
                                       "postgresql" else f'DROP TABLE IF EXISTS "{table}"'))
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("DROP FUNCTION IF EXISTS pestbot_audit_append_only() CASCADE"))
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.execute(sa.text(
            "INSERT INTO cases (id, state, mentor_id, created_at, updated_at, phase_started_at, version) "
            "VALUES ('ABCD-EFGH-JKLM', 'fase1', 'jdevries', '2026-11-24 09:00', '2026-11-24 09:00', "
            "'2026-11-24 09:00', 1)"))
        connection.execute(sa.text(
            "INSERT INTO events (case_id, at, actor, kind, data) VALUES ('ABCD-EFGH-JKLM', '2026-11-24 09:00', "
            "'jdevries', 'answered', :data)"), {"data": json.dumps({"question": "bullied", "value": ["Anna de Jong"]})})
    engine.dispose()
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("PESTBOT_ENCRYPTION_KEY", key)
    result = CliRunner().invoke(cli, ["db", "upgrade", "--db", database_url])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        [data] = connection.execute(sa.text("SELECT data FROM events")).scalars()
    engine.dispose()
    assert "Anna" not in data
    assert json.loads(MultiFernet([Fernet(key.encode())]).decrypt(data.encode())) == {
        "question": "bullied", "value": ["Anna de Jong"]}


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["purge", "--dry-run"]])
def test_every_command_stops_on_a_wrong_key_with_a_message_not_a_traceback(tmp_path, monkeypatch, command):
    url = sqlite_url(tmp_path)
    a_case(url, Fernet.generate_key().decode())
    monkeypatch.setenv("PESTBOT_ENCRYPTION_KEY", Fernet.generate_key().decode())
    result = CliRunner().invoke(cli, [*command, "--db", str(tmp_path / "school.db")])
    assert result.exit_code == 2 and "past niet bij de gegevens" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
