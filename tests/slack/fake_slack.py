"""A fake Slack Web API on 127.0.0.1, in a thread: records every call, answers like Slack, checks Block Kit limits.

Like bolt-python's own tests: the app's WebClient gets `base_url` pointed here.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl

BOT_USER, BOT_ID, TEAM = "UBOTPEST01", "BBOTPEST01", "T0SCHOOL01"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


def _alive(connection: socket.socket) -> bool:
    """The caller still holds the connection (a killed process's socket reads as closed)."""
    try:
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # a real listen backlog: a burst of connections must not be refused (default 5)
    daemon_threads = True


class FakeSlack:
    def __init__(self) -> None:
        self.idle: Callable[[float], bool] | None = None  # the server's "wait until the listeners are done"
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.delays: dict[str, float] = {}
        # Methods that are carried out at once but answered only after a delay: the caller may die
        # in between and not know the message arrived (method → seconds).
        self.hangs: dict[str, float] = {}
        self.emails: dict[str, str] = {}  # Slack user id → e-mail address (users.info, users.lookupByEmail)
        self.errors: dict[str, str] = {}  # method → the error Slack answers it with ({"ok": false, "error": …})
        self.installing_team = TEAM  # the workspace an OAuth installation is for (oauth.v2.access)
        # Methods that are carried out and then answered with HTTP 500, as a Slack that fails after doing
        # the work (method → how many more calls): the caller cannot tell whether its post arrived.
        self.lost_answers: dict[str, int] = {}
        self.dropped_answers: dict[str, int] = {}  # … or the connection closes without an answer
        self.now = time.time  # Slack's clock: a message's ts is the time it was posted (seconds.micro)
        self._last_ts = 0.0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.connections = 0  # TCP connections callers opened: a client that keeps its connection opens few
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # as Slack's API: connections stay open for the next request
            # Headers and body go out as two writes: without this, Nagle's algorithm holds the body back until
            # the caller's delayed ACK (40 ms) on a kept connection, which Slack's servers do not do.
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with fake._lock:
                    fake.connections += 1

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                for key in ("blocks", "view"):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
                auth = self.headers.get("Authorization") or ""
                method = self.path.rsplit("/", 1)[-1] if self.path.startswith("/api/") else f"response_url{self.path}"
                body = fake.answer(method, params, auth.removeprefix("Bearer ") or params.get("token"),
                                   alive=lambda: _alive(self.connection))
                if body is None:
                    return  # the caller died during the delay: Slack never got the call
                if fake.lose_answer(method, fake.dropped_answers):
                    self.close_connection = True
                    return  # done, and no answer at all: the caller sees the connection close
                status = 500 if fake.lose_answer(method) else 200
                data = json.dumps(body if status == 200 else {"ok": False, "error": "internal_error"}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller died waiting (the crash tests kill it on purpose)

            def log_message(self, *args: object) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- answering ----------------------------------------------------------------------------------
    def answer(self, method: str, params: dict[str, Any], token: str | None,
               alive: Any = lambda: True) -> dict[str, Any] | None:
        if self.delays.get(method):
            time.sleep(self.delays[method])
            if not alive():
                return None
        problems = check_limits(method, params)
        body = {"ok": False, "error": "invalid_blocks"} if problems else self._answer(method, params)
        with self._lock:
            self.calls.append(Call(method, params, token, body))
            self.violations += problems
        time.sleep(self.hangs.get(method, 0))
        return body

    def lose_answer(self, method: str, which: dict[str, int] | None = None) -> bool:
        which = self.lost_answers if which is None else which
        with self._lock:
            if which.get(method, 0) <= 0:
                return False
            which[method] -= 1
            return True

    def _next_ts(self) -> str:
        with self._lock:
            self._last_ts = max(round(self.now(), 6), round(self._last_ts + 0.000001, 6))
            return f"{self._last_ts:.6f}"

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method in self.errors:
            return {"ok": False, "error": self.errors[method]}
        ts = self._next_ts()
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": TEAM, "user": "pestbot",
                    "team": "Voorbeeldschool", "url": "https://school.slack.com/"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {"ts": ts}}
        if method == "chat.update":  # https://api.slack.com/methods/chat.update: the same ts, the new text
            if not params.get("channel") or not params.get("ts"):
                return {"ok": False, "error": "channel_not_found" if not params.get("channel") else "message_not_found"}
            return {"ok": True, "channel": params["channel"], "ts": params["ts"], "text": params.get("text", ""),
                    "message": {"text": params.get("text", ""), "blocks": params.get("blocks") or []}}
        if method == "conversations.history":
            return self._history(params)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "?"))[1:]}}
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": f"V{next(self._ids):08d}", **(params.get("view") or {})}}
        if method == "users.info":
            user = params.get("user")
            return {"ok": True, "user": {"id": user, "profile": {"email": self.emails.get(user, "")}}}
        if method == "users.lookupByEmail":
            found = [u for u, e in self.emails.items() if e == params.get("email")]
            return {"ok": True, "user": {"id": found[0]}} if found else {"ok": False, "error": "users_not_found"}
        if method == "oauth.v2.access":  # the example answer of https://api.slack.com/methods/oauth.v2.access
            team = self.installing_team
            return {"ok": True, "app_id": "A0PESTBOT1", "authed_user": {"id": "U0COORD001"},
                    "scope": "chat:write,commands", "token_type": "bot",
                    "access_token": "xoxb-installed" if team == TEAM else "xoxb-outsider",
                    "bot_user_id": BOT_USER, "team": {"id": team, "name": "Een werkruimte"},
                    "enterprise": None, "is_enterprise_install": False}
        return {"ok": True}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """https://api.slack.com/methods/conversations.history: newest first; only messages after `oldest` and
        before `latest` (the ends too with `inclusive`); at most `limit` (default 100, at most 999) per page;
        `has_more` and `response_metadata.next_cursor` lead to the next, older page."""
        with self._lock:
            posted = [c for c in self.calls if c.method == "chat.postMessage"
                      and c.params.get("channel") == params.get("channel") and c.response.get("ok")]
        inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or "inf")
        inside = [c for c in reversed(posted) if (oldest <= float(c.response["ts"]) <= latest if inclusive
                                                  else oldest < float(c.response["ts"]) < latest)]
        limit = min(int(params.get("limit") or 100), 999)
        start = int(params.get("cursor") or 0)
        page = inside[start:start + limit]
        more = start + limit < len(inside)
        return {"ok": True, "has_more": more, "response_metadata": {"next_cursor": str(start + limit) if more else ""},
                "messages": [{"type": "message", "ts": c.response["ts"], "text": c.params.get("text", ""),
                              "metadata": c.params.get("metadata")} for c in page]}

    # --- looking at what was called -----------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def count(self) -> int:
        with self._lock:
            return len(self.calls)

    def settle(self, before: int, timeout: float = 5.0, quiet: float = 0.25) -> None:
        """Wait until something new was called after `before` calls and the work after the ack is done: with
        the server's listener threads known (`idle`, set by tests/slack/harness.py), until none is busy;
        otherwise until nothing was called for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        if self.idle is not None:
            while time.monotonic() < deadline:
                if not self.idle(max(0.0, deadline - time.monotonic())):
                    break
                if self.count() > before:
                    return
                time.sleep(0.005)  # the ack came back before its work was handed to a sender: look again
            raise AssertionError(f"no Slack API call within {timeout}s ({self.count() - before} new)")
        while time.monotonic() < deadline:
            with self._lock:
                n, last = len(self.calls), (self.calls[-1].at if self.calls else 0)
            if n > before and time.monotonic() - last >= quiet:
                return
            time.sleep(0.02)
        raise AssertionError(f"no Slack API call within {timeout}s ({self.count() - before} new)")

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [c.params for c in self.of("chat.postMessage") if channel is None or c.params.get("channel") == channel]


def texts(params: dict[str, Any]) -> str:
    """Everything a post or view shows as text: fallback, sections, context lines, button labels."""
    parts = [str(params.get("text") or "")]
    blocks = params.get("blocks") or (params.get("view") or {}).get("blocks") or []
    for block in blocks:
        parts.append(str((block.get("text") or {}).get("text") or ""))
        for e in block.get("elements", []):  # a button's label, or a context block's text object
            parts.append(str(e.get("text", "") if e.get("type") in ("plain_text", "mrkdwn")
                             else e.get("text", {}).get("text", "")))
    return "\n".join(parts)


def buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in params.get("blocks") or [] if b.get("type") == "actions" for e in b["elements"]]


def check_limits(method: str, params: dict[str, Any]) -> list[str]:
    """The Block Kit limits real Slack enforces (it answers invalid_blocks)."""
    view = params.get("view") or {}
    blocks = params.get("blocks") or view.get("blocks") or []
    most = 50 if method.startswith(("chat.", "response_url")) else 100
    problems = [f"{method}: {len(blocks)} blocks"] if len(blocks) > most else []
    for block in blocks:
        text = (block.get("text") or {}).get("text") or ""
        if len(text) > 3000:
            problems.append(f"{method}: section of {len(text)}")
        elements = block.get("elements") or []
        if block.get("type") == "actions" and len(elements) > 25:
            problems.append(f"{method}: {len(elements)} buttons")
        problems += [f"{method}: button text {len(e['text']['text'])}" for e in elements
                     if e.get("type") == "button" and len(e["text"]["text"]) > 75]
    title = (view.get("title") or {}).get("text") or ""
    if len(title) > 24:
        problems.append(f"{method}: title {title!r}")
    return problems
