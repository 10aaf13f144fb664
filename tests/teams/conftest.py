"""A fake Bot Framework connector and the real `pestbot serve` app, both on 127.0.0.1, on one background loop.

Tests POST real Activity JSON to the server's `/api/messages` with `serviceUrl` pointing at the fake
connector, and assert on what the connector received: replies, channel posts, proactive messages.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web

from bot.server import NOTIFIER, create_web_app
from bot.settings import ServerSettings, SlackSettings, TeamsSettings
from bot.worker import sweep

TENANT = "tenant-voorbeeldschool"
BOT_ID = "28:pestbot-app"
SAFETY = "19:safety-team@thread.tacv2"


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 20) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


async def _serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


@dataclass
class Posted:
    conversation: str
    reply_to: str | None
    activity: dict[str, Any]
    authorization: str | None
    id: str = ""  # the id the connector gave the post

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None

    @property
    def text(self) -> str:
        card = self.card
        if card is None:
            return self.activity.get("text") or ""
        return "\n".join(b["text"] for b in card["body"] if b.get("type") == "TextBlock")


@dataclass
class FakeConnector:
    """Records what the bot posts to `/v3/conversations/...`, answering with an id like the real one."""

    url: str = ""
    posted: list[Posted] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    updated: list[Posted] = field(default_factory=list)  # `reply_to` holds the id of the replaced activity
    failing_updates: int = 0  # answer the next this many updates with 404 (the message is gone)
    failing_posts: int = 0  # answer the next this many posts with 500 (the connector is having a bad time)
    failing_deletes: int = 0  # answer the next this many deletes with 403
    ids: Any = field(default_factory=lambda: itertools.count(1))
    delay: float = 0.0  # seconds a post waits before it is taken: the bot may die before it arrives
    peers: set[Any] = field(default_factory=set)  # the bot's TCP connections (address, port) that posted
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # Teams user id → the member's account
    member_lookups: list[tuple[str, str]] = field(default_factory=list)  # (conversation, member) asked for
    failing_lookups: int = 0  # answer the next this many member look-ups with 403 (not retried by msrest)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self.record)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self.record)
        app.router.add_delete("/v3/conversations/{conversation}/activities/{activity}", self.delete)
        # Update Activity (Bot Framework REST API reference: `PUT /v3/conversations/{conversationId}/
        # activities/{activityId}`, answered with a ResourceResponse).
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self.update)
        # Get single member (Microsoft Teams docs, "Get Teams specific context for your bot": `GET /v3/
        # conversations/{conversationId}/members/{userId}`, answered with the member's TeamsChannelAccount).
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self.member)
        return app

    async def member(self, request: web.Request) -> web.Response:
        conversation, member = request.match_info["conversation"], request.match_info["member"]
        self.member_lookups.append((conversation, member))
        if self.failing_lookups:
            self.failing_lookups -= 1
            return web.json_response({"error": {"code": "BotNotInConversationRoster",
                                                "message": "The bot is not part of the conversation roster."}},
                                     status=403)
        if member not in self.members:  # the connector's answer for someone not in the conversation
            return web.json_response({"error": {"code": "MemberNotFoundInConversation",
                                                "message": "The member was not found in the conversation."}},
                                     status=404)
        return web.json_response(self.members[member])

    async def update(self, request: web.Request) -> web.Response:
        if self.failing_updates:
            self.failing_updates -= 1
            return web.json_response({"error": {"code": "NotFound", "message": "gone"}}, status=404)
        activity = request.match_info["activity"]
        self.updated.append(Posted(request.match_info["conversation"], activity, await request.json(),
                                   request.headers.get("Authorization")))
        return web.json_response({"id": activity})

    async def delete(self, request: web.Request) -> web.Response:
        if self.failing_deletes:
            self.failing_deletes -= 1
            return web.json_response({"error": {"code": "Forbidden", "message": "no"}}, status=403)
        self.deleted.append((request.match_info["conversation"], request.match_info["activity"]))
        return web.Response(status=200)

    async def record(self, request: web.Request) -> web.Response:
        self.peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        if self.failing_posts:
            self.failing_posts -= 1
            return web.json_response({"error": {"code": "ServiceError", "message": "try again"}}, status=500)
        if self.delay:
            await asyncio.sleep(self.delay)
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the bot died waiting: the post never arrived
        posted = f"posted-{next(self.ids)}"
        self.posted.append(Posted(request.match_info["conversation"], request.match_info.get("reply_to"),
                                  await request.json(), request.headers.get("Authorization"), posted))
        return web.json_response({"id": posted})

    def to(self, conversation: str) -> list[Posted]:
        return [p for p in self.posted if p.conversation == conversation]

    def clear(self) -> None:
        self.posted.clear()


class Teams:
    """The running server, the fake connector, and helpers to speak as a Teams client would."""

    def __init__(self, loop: LoopThread, wired: Any, connector: FakeConnector, web_app: web.Application,
                 port: int) -> None:
        self.loop, self.wired, self.app, self.connector = loop, wired, wired.app, connector
        self.web_app, self.url = web_app, f"http://127.0.0.1:{port}/api/messages"
        self.ids = itertools.count(1)
        [self.notifier] = [n for n in web_app[NOTIFIER].notifiers if n.platform == "teams"]  # behind the composite

    def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        return post_bytes(self.url, json.dumps(activity).encode(), headers)

    def activity(self, kind: str, user: str = "29:mentor-jdevries", conversation: str | None = None,
                 conversation_type: str = "personal", tenant: str = TENANT, **extra: Any) -> dict[str, Any]:
        conversation = conversation or f"a:personal-{user}"
        activity = {
            "type": kind, "id": extra.pop("id", f"1:act-{next(self.ids)}"), "channelId": "msteams",
            "serviceUrl": self.connector.url, "timestamp": "2026-11-24T09:00:00.000Z",
            "from": {"id": user, "name": "Teams user", "aadObjectId": extra.pop("aad", None)},
            "recipient": {"id": BOT_ID, "name": "Pestbot"},
            "conversation": {"id": conversation, "conversationType": conversation_type, "tenantId": tenant,
                             "isGroup": conversation_type != "personal"},
            "channelData": {"tenant": {"id": tenant}, **extra.pop("channel_data", {})},
        }
        activity.update(extra)
        return activity

    def say(self, text: str, user: str = "29:mentor-jdevries", **extra: Any) -> list[Posted]:
        """A personal message; the replies the bot sent for it."""
        before = len(self.connector.posted)
        assert self.post(self.activity("message", user, text=text, **extra)) in (200, 201)
        return self.connector.posted[before:]

    def submit(self, data: dict[str, Any], reply_to: str = "posted-0", user: str = "29:mentor-jdevries",
               **extra: Any) -> list[Posted]:
        """An `Action.Submit` on a card: a message activity whose `value` is the action's data (+ inputs)."""
        before = len(self.connector.posted)
        assert self.post(self.activity("message", user, value=data, replyToId=reply_to, **extra)) in (200, 201)
        return self.connector.posted[before:]

    def install_personal(self, user: str = "29:mentor-jdevries") -> int:
        return self.post(self.activity("conversationUpdate", user, membersAdded=[{"id": BOT_ID}]))

    def install_team(self, team: str = SAFETY) -> int:
        return self.post(self.activity(
            "conversationUpdate", "29:leader-tbos", conversation=team, conversation_type="channel",
            membersAdded=[{"id": BOT_ID}],
            channel_data={"team": {"id": team, "name": "Sociale veiligheid"}, "channel": {"id": team},
                          "eventType": "teamMemberAdded"}))

    def sweep(self) -> tuple[int, int]:
        return sweep(self.app, self.web_app[NOTIFIER])

    def web_app_notifier(self):  # type: ignore[no-untyped-def]
        return self.web_app[NOTIFIER]

    def rows(self, table: str) -> list[dict[str, Any]]:
        with self.wired.engine.connect() as connection:
            return [dict(r) for r in connection.execute(sa.text(f"SELECT * FROM {table}")).mappings()]


@pytest.fixture
def loop_thread():
    loop = LoopThread()
    yield loop
    loop.stop()


@pytest.fixture
def connector(loop_thread):
    fake = FakeConnector()
    runner, port = loop_thread.run(_serve(fake.app()))
    fake.url = f"http://127.0.0.1:{port}/"
    yield fake
    loop_thread.run(runner.cleanup())


def post_bytes(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    """POST a body as it is (JSON content type); the HTTP status."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def start_production(start: Any, monkeypatch: Any, app_id: str, tenant: str) -> Teams:
    """Pestbot as in production (app id, password, tenant); its outgoing calls get a fixed test token."""
    monkeypatch.setattr("botframework.connector.auth.MicrosoftAppCredentials.get_access_token",
                        lambda self, force_refresh=False: "test-access-token")
    return start(teams_settings(app_id=app_id, app_password="geheim", app_tenant_id=tenant),
                 ServerSettings(production=True))


def teams_settings(**values: Any) -> TeamsSettings:
    return TeamsSettings.model_validate({"app_id": "", "app_password": "", "app_tenant_id": "",
                                         "PESTBOT_TEAMS_INSECURE_DEV": False, **values})


def no_slack() -> SlackSettings:
    return SlackSettings(signing_secret="", bot_token="", app_token="", client_id="")


@pytest.fixture
def start(loop_thread, connector, wired):
    """Start the real server with the given TeamsSettings; stopped after the test."""
    runners = []

    def starter(settings: TeamsSettings | None = None, server: ServerSettings | None = None) -> Teams:
        settings = settings or teams_settings(PESTBOT_TEAMS_INSECURE_DEV=True, app_tenant_id=TENANT)
        web_app = create_web_app(wired, server or ServerSettings(production=False), no_slack(), settings,
                                 run_worker=False)
        runner, port = loop_thread.run(_serve(web_app))
        runners.append(runner)
        return Teams(loop_thread, wired, connector, web_app, port)

    yield starter
    for runner in runners:
        loop_thread.run(runner.cleanup())


@pytest.fixture
def teams(start) -> Teams:
    return start()
