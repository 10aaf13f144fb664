"""The real server (`create_web_app`) on a free port in a background loop, and signed Slack requests to it."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urlencode

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.server import NOTIFIER, create_web_app
from bot.settings import ServerSettings, SlackSettings, TeamsSettings
from bot.slack.http import SLACK_BOT
from bot.wiring import Wired
from bot.worker import sweep
from tests.slack.fake_slack import TEAM, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
USERS = {"jdevries": "U0MENTOR01", "fyilmaz": "U0MENTOR02", "tbos": "U0LEADER01", "sduijveman": "U0COORD001",
         "ngroen": "U0TEAM0001", "mzwart": "U0TEAM0002"}


@dataclass
class Reply:
    status: int
    body: str
    seconds: float
    headers: dict[str, str] = dataclasses.field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


class Server:
    team = TEAM  # the workspace the payloads come from (a test may set another)

    def __init__(self, wired: Wired, fake: FakeSlack, settings: SlackSettings | None = None) -> None:
        self.wired, self.fake = wired, fake
        self.settings = settings or SlackSettings(signing_secret=SECRET, bot_token="xoxb-test", api_url=fake.url)
        self.verifier = SignatureVerifier(SECRET)
        self.ids = itertools.count(1)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        teams = TeamsSettings(app_id="", app_password="", insecure_dev=False)
        self.web_app = create_web_app(self.wired, ServerSettings(), self.settings, teams, run_worker=False)
        self.notifier = self.web_app[NOTIFIER]
        self.fake.idle = self.web_app[SLACK_BOT].threads.idle  # settle waits for the sender threads (what goes to Slack after the ack)
        self.runner = web.AppRunner(self.web_app)

        async def start() -> int:
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            return self.runner.addresses[0][1]

        port = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.fake.idle = None
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return self.wired.app

    def sweep(self) -> tuple[int, int]:
        """What the worker does every few seconds: due reminders into the outbox, the outbox to Slack."""
        return sweep(self.app, self.notifier)

    # --- raw HTTP -----------------------------------------------------------------------------------
    def request(self, path: str, body: str = "", headers: dict[str, str] | None = None,
                method: str = "POST") -> Reply:
        data = body.encode() if method == "POST" else None
        request = urllib.request.Request(self.url + path, data=data, headers=headers or {}, method=method)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode(), time.monotonic() - started,
                             dict(response.headers.items()))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), time.monotonic() - started, dict(error.headers.items()))

    def signed(self, body: str, content_type: str, timestamp: int | None = None,
               extra: dict[str, str] | None = None) -> Reply:
        timestamp = int(time.time()) if timestamp is None else timestamp
        signature = self.verifier.generate_signature(timestamp=str(timestamp), body=body)
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
                   "X-Slack-Signature": signature, **(extra or {})}
        return self.request("/slack/events", body, headers)

    # --- Slack's payloads ---------------------------------------------------------------------------
    def command(self, user: str, text: str) -> Reply:
        body = urlencode({"token": "x", "team_id": self.team, "user_id": user, "command": "/pest", "text": text,
                          "channel_id": "C0GENERAL1", "trigger_id": f"trigger.{next(self.ids)}",
                          "response_url": self.fake.url.replace("/api/", f"/commands/{next(self.ids)}"),
                          "api_app_id": "A0PESTBOT1"})
        return self.signed(body, "application/x-www-form-urlencoded")

    def interactive(self, payload: dict[str, Any]) -> Reply:
        payload = {"team": {"id": self.team}, "api_app_id": "A0PESTBOT1", "token": "x", **payload}
        return self.signed(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click(self, user: str, button: dict[str, Any], channel: str | None = None,
              message: dict[str, Any] | None = None, ephemeral: bool = False) -> Reply:
        """A block_actions payload. With `message` (a post's chat.postMessage arguments and its `ts`), it
        carries what Slack sends for a button in a message: `container.message_ts`, `message` with its blocks."""
        n = next(self.ids)
        channel = channel or "D" + user[1:]
        payload: dict[str, Any] = {
            "type": "block_actions", "user": {"id": user}, "trigger_id": f"trigger.{n}",
            "channel": {"id": channel}, "container": {"type": "message"},
            "actions": [{"type": "button", "block_id": "b", "action_id": button["action_id"],
                         "value": button["value"], "action_ts": f"1700000{n}.000001"}]}
        if message is not None:
            # Slack gives every block a block_id (its own when the app set none) and names the clicked
            # button's block in the action.
            blocks = [{"block_id": f"blk{i}", **b} for i, b in enumerate(message.get("blocks") or [])]
            payload["actions"][0]["block_id"] = next(
                (b["block_id"] for b in blocks if b["type"] == "actions"
                 and any(e.get("action_id") == button["action_id"] for e in b["elements"])), "b")
            message = {**message, "blocks": blocks}
            payload["container"] = {"type": "message", "message_ts": message["ts"], "channel_id": channel,
                                    "is_ephemeral": ephemeral}
            payload["message"] = {"type": "message", "user": "UBOTPEST01", "ts": message["ts"],
                                  "text": message.get("text", ""), "blocks": message.get("blocks") or []}
            payload["response_url"] = self.fake.url.replace("/api/", f"/actions/{n}")
        return self.interactive(payload)

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any], view_id: str | None = None) -> Reply:
        state = {}
        for block_id, value in values.items():
            if isinstance(value, int):  # a choice: its number
                state[block_id] = {"value": {"type": "static_select", "selected_option": {"value": str(value)}}}
            else:
                state[block_id] = {"value": {"type": "plain_text_input", "value": value}}
        return self.interactive({
            "type": "view_submission", "user": {"id": user}, "trigger_id": f"trigger.{next(self.ids)}",
            "view": {**view, "id": view_id or f"V{next(self.ids):08d}", "hash": "h", "state": {"values": state}}})

    def event(self, event: dict[str, Any], event_id: str | None = None, retry: int | None = None) -> Reply:
        body = json.dumps({"token": "x", "team_id": self.team, "api_app_id": "A0PESTBOT1", "type": "event_callback",
                           "event_id": event_id or f"Ev{next(self.ids):08d}", "event_time": int(time.time()),
                           "event": event})
        extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.signed(body, "application/json", extra=extra)

    def dm(self, user: str, text: str, event_id: str | None = None, retry: int | None = None) -> Reply:
        return self.event({"type": "message", "channel_type": "im", "channel": "D" + user[1:], "user": user,
                           "text": text, "ts": f"{time.time():.6f}"}, event_id, retry)
