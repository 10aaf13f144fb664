"""Engines for SQLite (the embedded default) and PostgreSQL, and the schema kept at Alembic's head."""

from __future__ import annotations

from importlib import resources
from typing import Any

import sqlalchemy as sa

from storage.crypto import Cipher, attach, cipher_of
from storage.sqlite_writers import queue_writers


class SchemaOutOfDate(RuntimeError):
    pass


def make_engine(url: str, cipher: Cipher | None = None, **kwargs: Any) -> sa.Engine:
    """An engine; `cipher` seals names and free text (bot/wiring.py passes it; storage reads no key)."""
    engine = _engine(url, **kwargs)
    attach(engine, cipher)
    return engine


def _engine(url: str, **kwargs: Any) -> sa.Engine:
    # Statement parameters hold children's names: never in logs or exception messages, whatever
    # an operator sets the sqlalchemy loggers to.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")   # readers don't block the writer
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each commit in WAL mode
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
            cursor.close()

        queue_writers(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("storage").joinpath("migrations")))
    return config


def head_revision() -> str:
    from storage.revisions import quick_head

    quick = quick_head()
    if quick is not None:
        return quick
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: sa.Engine) -> None:
    """`pestbot db upgrade`: bring the schema to the newest migration."""
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["cipher"] = cipher_of(engine.dialect)  # 0006 seals rows written before
        command.upgrade(config, "head")


def ensure_schema(engine: sa.Engine) -> None:
    """SQLite files are migrated on start; a PostgreSQL server must be upgraded on purpose."""
    if current_revision(engine) == head_revision():
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise SchemaOutOfDate("de database is niet bijgewerkt: voer eerst 'pestbot db upgrade' uit")
