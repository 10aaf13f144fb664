"""The database goes away under the bot: the next request succeeds, nothing is half written.

pool_pre_ping replaces connections that died; a turn whose connection dies mid-transaction is rolled
back whole by the server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.settings import EXAMPLE_CONFIG
from bot.wiring import build
from flows.services import handle_message
from tests.fakes import FakeClock
from tests.helpers import INTAKE, Chat

pytestmark = pytest.mark.slow


def terminate_our_connections(url: str) -> int:
    admin = sa.create_engine(url.split("?")[0])
    with admin.begin() as connection:
        killed = connection.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'pestbot-test'"
        )).scalar()
    admin.dispose()
    return killed


def test_connections_killed_by_the_server_are_replaced(pg_schema_url):
    from tests.conftest import _reset_postgres

    _reset_postgres(pg_schema_url)
    url = pg_schema_url + "&application_name=pestbot-test"
    wired = build(EXAMPLE_CONFIG, url, FakeClock())
    try:
        chat = Chat(wired.app)
        chat.script(INTAKE[:3])
        assert terminate_our_connections(url) >= 1  # the pooled connection is dead now
        assert "Genoteerd" in chat.say("Anna de Jong")
        assert chat.case().value("bullied") == ["Anna de Jong"]
    finally:
        wired.engine.dispose()


def test_a_turn_cut_off_mid_transaction_writes_nothing(pg_schema_url):
    from tests.conftest import _reset_postgres

    _reset_postgres(pg_schema_url)
    url = pg_schema_url + "&application_name=pestbot-test"
    wired = build(EXAMPLE_CONFIG, url, FakeClock())
    app = wired.app
    try:
        chat = Chat(app)
        chat.script(INTAKE[:3])
        before = chat.case().version
        # A turn that stalls after its first writes; its connection is killed before it commits.
        stalled = threading.Event()
        original = app.uow

        def slow_uow():  # type: ignore[no-untyped-def]
            uow = original()
            commit = uow.commit

            def late_commit() -> None:
                uow.flush()
                stalled.set()
                time.sleep(1.0)
                commit()
            uow.commit = late_commit
            return uow

        app.uow = slow_uow
        result: list[object] = []
        worker = threading.Thread(target=lambda: result.append(_safe(handle_message, app, "jdevries", "Anna de Jong")))
        worker.start()
        assert stalled.wait(10)
        terminate_our_connections(url)
        worker.join(20)
        app.uow = original
        assert chat.case().version == before and chat.case().answer("bullied") is None  # nothing half written
        assert "Genoteerd" in chat.say("Anna de Jong")  # and the next request succeeds
    finally:
        wired.engine.dispose()


def _safe(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - the cut-off turn may fail; it must not half-write
        return exc


def _postgres_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _runuser() -> str | None:
    """util-linux's runuser, also where PATH leaves out the sbin folders (a bare `env -i` shell)."""
    return shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")


def _can_run_own_server() -> str | None:
    if _postgres_binaries() is None:
        return "PostgreSQL's server binaries (initdb, pg_ctl) are not on this machine"
    if os.geteuid() != 0 or _runuser() is None:
        return "starting a PostgreSQL server as its own user needs root and runuser"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres user to run the server as"
    return None


@pytest.fixture
def own_postgres():  # type: ignore[no-untyped-def]
    """A PostgreSQL server of this test's own: the machine's PostgreSQL binaries, a new cluster in a temporary
    folder, on a free port of 127.0.0.1. Restarting it disturbs no other test (the suite runs in parallel);
    restarting the machine's shared server did."""
    reason = _can_run_own_server()
    if reason:
        if os.environ.get("PESTBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PESTBOT_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    bindir, runuser = _postgres_binaries(), _runuser()
    home = Path(tempfile.mkdtemp(prefix="pestbot-pg-"))  # under /tmp: the postgres user must reach it
    user = pwd.getpwnam("postgres")
    os.chown(home, user.pw_uid, user.pw_gid)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def as_postgres(*command: str) -> None:
        subprocess.run([runuser, "-u", "postgres", "--", *command], check=True, timeout=120,
                       capture_output=True, cwd=home)

    data = home / "data"
    as_postgres(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(home / "log"), "-w",
              "-o", f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"]
    as_postgres(*pg_ctl, "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", lambda: as_postgres(*pg_ctl, "restart")
    finally:
        subprocess.run([runuser, "-u", "postgres", "--", str(bindir / "pg_ctl"), "-D", str(data), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def test_postgresql_restarted_during_a_run(own_postgres):
    from storage.database import make_engine, upgrade

    url, restart = own_postgres
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    wired = build(EXAMPLE_CONFIG, url, FakeClock())
    try:
        chat = Chat(wired.app)
        chat.script(INTAKE[:3])
        restart()
        deadline = time.monotonic() + 60
        while True:
            try:
                reply = chat.say("Anna de Jong")
                break
            except sa.exc.OperationalError:
                assert time.monotonic() < deadline, "PostgreSQL did not come back"
                time.sleep(0.5)
        assert "Genoteerd" in reply and chat.case().value("bullied") == ["Anna de Jong"]
    finally:
        wired.engine.dispose()
