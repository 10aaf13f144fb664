"""`POST /slack/events` on the one aiohttp server (and, in OAuth mode, `/slack/install` and
`/slack/oauth_redirect`).

The signature is checked here first (HMAC of the raw body, timestamp at most 5 minutes off): a refused
request gets 401, reaches no listener and changes nothing, and its body is never logged. Bolt then runs
in a worker thread, so the event loop stays free while a listener commits its turn.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web
from slack_bolt import BoltRequest, BoltResponse

from bot.settings import ServerSettings, SlackSettings
from bot.slack import inbound
from bot.slack.app import SlackBot, build
from bot.slack.notify import SlackNotifier
from bot.wiring import Wired

log = logging.getLogger(__name__)
EVENTS = "/slack/events"
SLACK_BOT = web.AppKey("slack_bot", SlackBot)


def mount(web_app: web.Application, wired: Wired, slack: SlackSettings, server: ServerSettings) -> SlackNotifier:
    bot = build(wired, slack)

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not inbound.signed(slack.signing_secret, raw, timestamp, signature, time.time()):
            log.info("refused a Slack request with a missing or wrong signature (%s bytes)", len(raw))
            return web.json_response({"error": "invalid request"}, status=401)
        body = inbound.text(raw)
        if body is None or not inbound.well_formed(body, request.content_type):
            log.info("refused a signed Slack request that is not a Slack payload (%s bytes)", len(raw))
            return web.json_response({"error": "malformed request"}, status=400)
        try:
            bolt_request = BoltRequest(body=body, query=request.query_string, headers=_headers(request))
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

    async def finish_replies(_: web.Application) -> None:
        # A stopping server lets the replies it has acked reach Slack (the worker would send them later).
        await asyncio.to_thread(bot.threads.idle, 10.0)

    web_app.on_shutdown.append(finish_replies)
    return bot.notifier


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
