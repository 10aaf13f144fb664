"""`POST /slack/events` on the one aiohttp server (and, in OAuth mode, `/slack/install` and
`/slack/oauth_redirect`).

The signature is checked here first (HMAC of the raw body, timestamp at most 5 minutes off): a refused
request gets 401, reaches no listener and changes nothing, and its body is never logged. Bolt then runs
in a worker thread, so the event loop stays free while a listener commits its turn.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt import BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.settings import ServerSettings, SlackSettings
from bot.slack.app import SlackBot, build
from bot.slack.notify import SlackNotifier
from bot.wiring import Wired

log = logging.getLogger(__name__)
EVENTS = "/slack/events"
SLACK_BOT = web.AppKey("slack_bot", SlackBot)


def mount(web_app: web.Application, wired: Wired, slack: SlackSettings, server: ServerSettings) -> SlackNotifier:
    bot = build(wired, slack)
    verifier = SignatureVerifier(slack.signing_secret)

    async def events(request: web.Request) -> web.Response:
        raw = await request.text()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (timestamp.isdigit() and signature and verifier.is_valid(raw, timestamp, signature)):
            log.info("refused a Slack request with a missing or wrong signature (%s bytes)", len(raw))
            return web.json_response({"error": "invalid request"}, status=401)
        if not _well_formed(raw, request.content_type):
            log.info("refused a signed Slack request that is not a Slack payload (%s bytes)", len(raw))
            return web.json_response({"error": "malformed request"}, status=400)
        try:
            bolt_request = BoltRequest(body=raw, query=request.query_string, headers=_headers(request))
            return _response(await asyncio.to_thread(bot.bolt.dispatch, bolt_request))
        except (LookupError, TypeError, AttributeError, ValueError) as exc:
            # Bolt's parsing assumes Slack's shapes (an `actions` list with one action, say); a signed
            # payload without them is malformed, not a server error. Our listeners' own errors are
            # handled inside Bolt and never reach here.
            log.info("refused a malformed Slack payload (%s)", type(exc).__name__)
            return web.json_response({"error": "malformed request"}, status=400)

    web_app.router.add_post(EVENTS, events)
    flow = bot.bolt.oauth_flow
    if flow is not None:
        async def install(request: web.Request) -> web.Response:
            bolt_request = BoltRequest(body="", query=request.query_string, headers=_headers(request))
            return _response(await asyncio.to_thread(flow.handle_installation, bolt_request))

        async def redirect(request: web.Request) -> web.Response:
            bolt_request = BoltRequest(body="", query=request.query_string, headers=_headers(request))
            return _response(await asyncio.to_thread(flow.handle_callback, bolt_request))

        web_app.router.add_get(flow.install_path, install)
        web_app.router.add_get(flow.redirect_uri_path, redirect)
    web_app[SLACK_BOT] = bot
    return bot.notifier


# Parts Bolt reads as objects whenever they are present, whatever the payload's type.
_OBJECTS = ("event", "view", "user", "team", "enterprise", "channel", "container", "message", "state")


def _well_formed(raw: str, content_type: str) -> bool:
    """What Slack sends and Bolt can parse: a JSON object, or a form whose `payload` (if any) is one,
    with the parts Bolt's matchers read shaped as Slack shapes them. Anything else gets 400."""
    try:
        if content_type == "application/json":
            body = json.loads(raw)
        else:
            payload = parse_qs(raw).get("payload")
            if payload is None:
                return True  # a slash command or ssl_check: flat form fields, all strings
            body = json.loads(payload[0])
    except ValueError:
        return False
    if not isinstance(body, dict) or not isinstance(body.get("type", ""), str):
        return False
    if any(key in body and not isinstance(body[key], dict) for key in _OBJECTS):
        return False
    if any(key in body and not (isinstance(body[key], list) and all(isinstance(x, dict) for x in body[key]))
           for key in ("actions", "authorizations")):
        return False
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        return (isinstance(event, dict) and isinstance(event.get("type"), str)
                and isinstance(event.get("subtype", ""), str | None))
    if kind == "block_actions":
        actions = body.get("actions")
        return (isinstance(body.get("user"), dict) and isinstance(actions, list) and bool(actions)
                and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions))
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        return (isinstance(body.get("user"), dict) and isinstance(view, dict)
                and isinstance(view.get("callback_id"), str))
    return True


def _headers(request: web.Request) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers.setdefault(name.lower(), []).append(value)
    return headers


def _response(bolt: BoltResponse) -> web.Response:
    response = web.Response(status=bolt.status, body=bolt.body.encode("utf-8") if bolt.body else b"")
    for name, value in bolt.first_headers_without_set_cookie().items():
        if name.lower() != "content-length":
            response.headers[name] = value
    for cookie in bolt.cookies():
        for name, morsel in cookie.items():
            response.set_cookie(name, morsel.value, max_age=morsel.get("max-age") or None,
                                path=morsel.get("path") or "/", secure=bool(morsel.get("secure")),
                                httponly=bool(morsel.get("httponly")))
    return response
