"""`pestbot serve`: one aiohttp server for Slack (`POST /slack/events`), Teams (`POST /api/messages`)
`GET /healthz`, `/readyz` and `/metrics`, with the worker running beside it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from collections.abc import AsyncIterator

from aiohttp import web

from bot.httplog import handler_args
from bot.metrics import mount as mount_metrics
from bot.notify import CompositeNotifier, PlatformNotifier
from bot.settings import NotConfigured, ServerSettings, SlackSettings, TeamsSettings
from bot.wiring import Wired
from bot.worker import run_forever

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024  # Slack and Teams requests are far smaller; anything bigger is refused (413)
NOTIFIER = web.AppKey("notifier", CompositeNotifier)
__all__ = ["NOTIFIER", "NotConfigured", "create_web_app"]


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _readyz(wired: Wired, server: ServerSettings):  # type: ignore[no-untyped-def]
    from bot.health import answer, readiness

    max_age = timedelta(seconds=max(60.0, 3 * server.worker_interval))

    async def readyz(request: web.Request) -> web.Response:
        status, body = answer(await asyncio.to_thread(readiness, wired.app, wired.engine, max_age))
        return web.json_response(body, status=status)
    return readyz


def create_web_app(wired: Wired, server: ServerSettings, slack: SlackSettings, teams: TeamsSettings,
                   run_worker: bool = True) -> web.Application:
    web_app = web.Application(client_max_size=MAX_BODY, handler_args=handler_args())
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", _readyz(wired, server))
    mount_metrics(web_app, wired)
    notifiers: list[PlatformNotifier] = []
    if (slack.bot_token or slack.client_id) and not slack.signing_secret:
        raise NotConfigured("SLACK_SIGNING_SECRET ontbreekt: zonder kan niemand controleren dat een verzoek van Slack "
                            "komt. Zet het geheim uit de Slack-app (Basic Information → Signing Secret).")
    if teams.incomplete:  # checked first: with Slack set, Teams would otherwise be switched off silently
        raise NotConfigured(teams.incomplete)
    if slack.enabled:
        from bot.slack.http import mount as mount_slack

        notifiers.append(mount_slack(web_app, wired, slack, server))
    if teams.enabled:
        from bot.teams.http import mount as mount_teams

        notifiers.append(mount_teams(web_app, wired, teams, server))
    if not notifiers:
        raise NotConfigured("Geen Slack of Teams ingesteld: zet SLACK_SIGNING_SECRET en SLACK_BOT_TOKEN, "
                            "of MICROSOFT_APP_ID en MICROSOFT_APP_PASSWORD. Zonder platform: 'pestbot chat'.")
    web_app[NOTIFIER] = CompositeNotifier(notifiers)
    if run_worker:
        web_app.cleanup_ctx.append(_worker(wired, web_app[NOTIFIER], server))
    return web_app


def _worker(wired: Wired, notifier: CompositeNotifier, server: ServerSettings):  # type: ignore[no-untyped-def]
    async def context(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(run_forever(wired.app, notifier, server.worker_interval, server.worker_batch,
                                               server.worker_concurrency, timedelta(seconds=server.worker_lease)))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return context
