"""One Teams step: a bare botbuilder `ActivityHandler` replying to one message, against our bot answering one
question of a case, both through a fake Bot Framework connector on 127.0.0.1.

    python bench/teams_step.py [--requests 400] [--mentors 50] [--no-write]

Both run in this process on one aiohttp loop (in a thread), each on its own port: the bare one is a
CloudAdapter and an ActivityHandler that sends one text reply; ours is `create_web_app` (the Teams
endpoint of `pestbot serve`, insecure dev mode: no token to validate, as in the tests), SQLite file on
disk. Each of our requests is a card submit answering question 1 of its own case, so it loads, decides,
commits and renders the replies as Adaptive Cards. Timed: the HTTP request, until the turn is done (the
replies have reached the connector). The two take turns request by request, the order alternating.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import http.client
import itertools
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import latency_rows, mentor, quiet, write_school  # noqa: E402
from bench.report import publish  # noqa: E402

BOT = "28:pestbot-app"


class Loop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


async def serve(app: Any) -> tuple[Any, int]:
    from aiohttp import web

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def connector_app(received: list[str]) -> Any:
    """The fake connector: records each activity the bot sends, answers with an id."""
    from aiohttp import web

    async def record(request: web.Request) -> web.Response:
        received.append(request.match_info["conversation"])
        await request.read()
        return web.json_response({"id": f"posted-{len(received)}"})

    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", record)
    app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", record)
    return app


def bare_app(kept: bool = False) -> Any:
    """botbuilder as it ships; with `kept`, with the connector clients kept across turns as ours are
    (bot/teams/connector.py), so that the comparison is like for like."""
    from aiohttp import web
    from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    class Config:
        APP_ID, APP_PASSWORD, APP_TENANTID, APP_TYPE = "", "", "", "MultiTenant"

    class Reply(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(MessageFactory.text("ok"))

    from bot.teams.connector import KeptClients

    authentication = ConfigurationBotFrameworkAuthentication(Config())
    adapter, bot = CloudAdapter(KeptClients(authentication) if kept else authentication), Reply()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, bot) or web.Response(status=200)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def our_app(wired: Any) -> Any:
    from bot.server import create_web_app
    from bot.settings import ServerSettings, SlackSettings, TeamsSettings

    teams = TeamsSettings.model_validate({"app_id": "", "app_password": "", "app_tenant_id": "",
                                          "PESTBOT_TEAMS_INSECURE_DEV": True})
    slack = SlackSettings(signing_secret="", bot_token="", app_token="", client_id="", client_secret="")
    return create_web_app(wired, ServerSettings(production=False), slack, teams, run_worker=False)


class Client:
    """Activity JSON over one keep-alive connection; the seconds each request took."""

    def __init__(self, port: int, service_url: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.service_url = service_url
        self.ids = itertools.count(1)

    def post(self, user: str, **fields: Any) -> float:
        n = next(self.ids)
        activity = {"type": "message", "id": f"1:bench-{n}", "channelId": "msteams", "serviceUrl": self.service_url,
                    "timestamp": "2026-11-24T09:00:00.000Z", "from": {"id": user, "name": "Mentor"},
                    "recipient": {"id": BOT, "name": "Pestbot"},
                    "conversation": {"id": f"a:personal-{user}", "conversationType": "personal",
                                     "tenantId": "tenant-bench"},
                    "channelData": {"tenant": {"id": "tenant-bench"}}, **fields}
        body = json.dumps(activity).encode()
        started = time.perf_counter()
        self.connection.request("POST", "/api/messages", body, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        response.read()
        took = time.perf_counter() - started
        if response.status not in (200, 201):
            raise RuntimeError(f"/api/messages answered {response.status}")
        return took


def submit(case_id: str) -> dict[str, Any]:
    return {"value": {"pestbot": "choice", "case_id": case_id, "question_id": "spoke_bullied", "value": "1",
                      "card": f"c{case_id[:4]}"}, "replyToId": "posted-0"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="timed requests per bot")
    parser.add_argument("--mentors", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    quiet()

    from bench.slack_step import open_cases
    from bot.clock import SystemClock
    from bot.wiring import build

    loop = Loop()
    received: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        wired = build(write_school(Path(tmp) / "school.yaml", args.mentors), f"sqlite:///{tmp}/pestbot.db",
                      SystemClock())
        runners = []
        try:
            runner, port = loop.run(serve(connector_app(received)))
            runners.append(runner)
            service_url = f"http://127.0.0.1:{port}/"
            ports = {}
            for name, app in (("bare", bare_app()), ("kept", bare_app(kept=True)), ("ours", our_app(wired))):
                runner, ports[name] = loop.run(serve(app))
                runners.append(runner)
            bare, kept, ours = (Client(ports[name], service_url) for name in ("bare", "kept", "ours"))
            users = [f"29:{mentor(i)[0]}" for i in range(args.mentors)]

            def round_of(count: int) -> tuple[list[float], list[float], list[float], float]:
                """Request by request, the order alternating: the references then ours, ours then them."""
                cases = open_cases(wired.app, count, args.mentors)
                gc.collect()
                b, k, o, ours_sent = [], [], [], 0
                for i, (_, case_id) in enumerate(cases):
                    user = users[i % args.mentors]
                    if i % 2:
                        b.append(bare.post(user, text="hallo"))
                        k.append(kept.post(user, text="hallo"))
                    before = len(received)
                    o.append(ours.post(user, **submit(case_id)))
                    ours_sent += len(received) - before
                    if not i % 2:
                        k.append(kept.post(user, text="hallo"))
                        b.append(bare.post(user, text="hallo"))
                return b, k, o, ours_sent / max(1, len(cases))

            round_of(min(20, args.requests))  # warm-up
            bare_times: list[float] = []
            kept_times: list[float] = []
            our_times: list[float] = []
            replies = 0.0
            while len(our_times) < args.requests:
                b, k, o, replies = round_of(min(args.mentors, args.requests - len(our_times)))
                bare_times += b
                kept_times += k
                our_times += o
        finally:
            for runner in runners:
                loop.run(runner.cleanup())
            loop.stop()
            wired.engine.dispose()
    rows = latency_rows("Teams step", our_times, kept_times, "bare botbuilder, clients kept", 1.2)
    rows += latency_rows("Teams step, against botbuilder as it ships", our_times, bare_times, "bare botbuilder",
                         None)
    notes = (f"{len(our_times)} requests per bot over HTTP on 127.0.0.1 (one keep-alive connection each), "
             f"interleaved request by request with the order alternating, a fake "
             f"connector on the same loop. Bare: botbuilder's CloudAdapter and an `ActivityHandler` that sends one "
             f"text reply; as it ships it builds two msrest clients per turn (a new connection, and a retry policy "
             f"that costs half a million list comparisons), which ours keeps across turns (bot/teams/connector.py), "
             f"so the target row compares with bare botbuilder keeping them too. Ours: the `/api/messages` endpoint "
             f"of `pestbot serve` (insecure dev mode, so neither validates a token), a card submit answering question 1 of its own case ({args.mentors} mentors), "
             f"SQLite file, {replies:.0f} Adaptive Card(s) sent back per turn and the clicked card updated "
             f"(`bench/teams_step.py`).")
    publish("teams_step", "Teams step (issue 7, figure 3; target of issue 17)", rows, notes, write=not args.no_write)


if __name__ == "__main__":
    main()
