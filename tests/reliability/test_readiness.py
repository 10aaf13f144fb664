"""Issue 15: `/healthz` always answered ok, also when the database was gone. `/readyz` answers 503 while the
database cannot be reached (here: the TCP path to the machine's PostgreSQL cut, then restored) and 200 when it
can again, its schema is at the newest migration and a worker has swept recently."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request

import pytest

from bot.server import create_web_app
from bot.settings import ServerSettings
from bot.wiring import build
from tests.fakes import FakeClock
from tests.teams.conftest import TENANT, LoopThread, _serve, no_slack, teams_settings

from bot.settings import EXAMPLE_CONFIG as CONFIG


class Proxy:
    """A TCP forwarder to PostgreSQL that can be cut (every connection closed, nothing accepted) and restored."""

    def __init__(self, loop: LoopThread, port: int = 0) -> None:
        self.loop, self.port, self.server, self.links = loop, port, None, []

    async def _pipe(self, reader, writer) -> None:  # type: ignore[no-untyped-def]
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _client(self, reader, writer) -> None:  # type: ignore[no-untyped-def]
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", 5432)
        self.links += [writer, upstream_writer]
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    def start(self) -> None:
        async def start() -> None:
            self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
            self.port = self.server.sockets[0].getsockname()[1]
        self.loop.run(start())

    def cut(self) -> None:
        async def cut() -> None:
            self.server.close()
            for writer in self.links:
                writer.close()
            self.links.clear()
            await self.server.wait_closed()
        self.loop.run(cut())


def ready(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(url: str, status: int, seconds: float = 20) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        got, body = ready(url)
        if got == status or time.monotonic() > deadline:
            assert got == status, body
            return body
        time.sleep(0.2)


def test_readyz_is_503_while_the_database_is_down_and_200_after(pg_schema_url):
    loop = LoopThread()
    proxy = Proxy(loop)
    proxy.start()
    url = pg_schema_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    assert url != pg_schema_url
    from tests.conftest import _reset_postgres

    _reset_postgres(url)
    wired = build(CONFIG, url, FakeClock())
    web_app = create_web_app(wired, ServerSettings(worker_interval=0.2), no_slack(),
                             teams_settings(PESTBOT_TEAMS_INSECURE_DEV=True, app_tenant_id=TENANT))
    runner, port = loop.run(_serve(web_app))
    readyz = f"http://127.0.0.1:{port}/readyz"
    try:
        assert wait_for(readyz, 200) == {"status": "ready"}  # the worker beside the server has swept
        proxy.cut()
        body = wait_for(readyz, 503)
        assert "database unreachable" in body["problems"][0]
        assert ready(f"http://127.0.0.1:{port}/healthz")[0] == 200  # the process itself is alive
        proxy.start()  # the database is back, on the same address
        wait_for(readyz, 200)
    finally:
        loop.run(runner.cleanup())
        wired.engine.dispose()
        proxy.cut()
        loop.stop()


@pytest.mark.parametrize("problem", ["no worker", "old schema"])
def test_readyz_names_what_is_missing(wired, problem):
    from bot.health import readiness
    from datetime import timedelta

    if problem == "old schema":
        from storage.database import head_revision

        with wired.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0006'")
        try:
            assert "pestbot db upgrade" in readiness(wired.app, wired.engine, timedelta(seconds=60))[0]
        finally:  # the PostgreSQL schema is shared by the session's tests: back to the real revision
            with wired.engine.begin() as connection:
                connection.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{head_revision()}'")
    else:
        assert readiness(wired.app, wired.engine, timedelta(seconds=60)) == ["no worker has swept yet"]
