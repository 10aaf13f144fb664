"""Shared fixtures. Every test that takes `app` runs on SQLite and on the PostgreSQL of this machine."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.settings import EXAMPLE_CONFIG
from bot.wiring import load_school
from flows.content import load_content
from flows.services import App
from tests.fakes import FakeClock

PG_URL = os.environ.get("PESTBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("PESTBOT_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def school():
    return load_school(EXAMPLE_CONFIG)


@pytest.fixture(scope="session")
def contents():
    return load_content()


@pytest.fixture(scope="session")
def nl(contents):
    return contents["nl"]


def _postgres_available() -> str | None:
    try:
        engine = sa.create_engine(PG_URL)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: no server here
        return f"PostgreSQL op {PG_URL.split('@')[-1]} niet bereikbaar ({type(exc).__name__})"


@pytest.fixture(scope="session")
def pg_schema_url():
    """A fresh schema on the local PostgreSQL for this test session, dropped afterwards."""
    problem = _postgres_available()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"PESTBOT_REQUIRE_POSTGRES=1 maar {problem}")
        pytest.skip(problem)
    schema = f"pestbot_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, pool_pre_ping=True)  # survives connections the server dropped
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to the newest revision, once per test session: each test's database starts as a
    copy of it instead of running every migration again (as a real start does on a new file)."""
    from storage.database import make_engine, upgrade

    path = tmp_path_factory.mktemp("template") / "pestbot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path):
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "pestbot.db")
        return f"sqlite:///{tmp_path / 'pestbot.db'}"
    url = request.getfixturevalue("pg_schema_url")
    _reset_postgres(url)
    return url


def _reset_postgres(url: str) -> None:
    from storage.database import make_engine, upgrade
    from storage.tables import metadata

    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        # The audit refuses TRUNCATE (migration 0007); the tests' own reset lifts that for its transaction.
        connection.execute(sa.text("ALTER TABLE audit DISABLE TRIGGER audit_no_truncate"))
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        connection.execute(sa.text("ALTER TABLE audit ENABLE TRIGGER audit_no_truncate"))
    engine.dispose()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def wired(database_url, clock):
    from bot.wiring import build

    wired = build(EXAMPLE_CONFIG, database_url, clock)
    yield wired
    wired.engine.dispose()


@pytest.fixture
def app(wired) -> App:
    return wired.app


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests (servers under load, processes killed on purpose, the benchmark scripts) run one after
    another on one xdist worker (`--dist loadgroup` in pyproject.toml): two of them at once on a two-core
    machine would measure the machine, not the bot."""
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.xdist_group("heavy"))
