"""`POST /api/messages` on the `pestbot serve` server: the Bot Framework endpoint for Teams.

Before a turn runs: the body must be an activity (JSON), from the configured tenant, and, unless the
insecure dev mode is on, carry a Bot Framework token that botbuilder validates (signature, issuer,
audience = our app id, service URL). Anything else is refused and nothing is stored.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.settings import ServerSettings, TeamsSettings
from bot.teams.bot import PestbotTeamsBot, turn_error_handler
from bot.teams.notify import TeamsNotifier
from bot.teams.refs import RefStore
from bot.wiring import Wired

log = logging.getLogger(__name__)
ROUTE = "/api/messages"
WARNING = """
************************************************************************************************
*  PESTBOT_TEAMS_INSECURE_DEV=1: de Teams-ingang op /api/messages controleert GEEN tokens.     *
*  Iedereen die deze poort bereikt, kan zich als elke leraar voordoen. Alleen voor lokaal      *
*  testen (Bot Framework Emulator, tests); nooit in productie.                                 *
************************************************************************************************
"""


@dataclass(frozen=True)
class _SdkConfig:
    """What `ConfigurationBotFrameworkAuthentication` reads (attribute names are the SDK's)."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TENANTID: str
    APP_TYPE: str


def _config(teams: TeamsSettings) -> _SdkConfig:
    single = bool(teams.app_id and teams.app_tenant_id)
    return _SdkConfig(APP_ID=teams.app_id, APP_PASSWORD=teams.app_password, APP_TENANTID=teams.app_tenant_id,
                      APP_TYPE="SingleTenant" if single else "MultiTenant")


def mount(web_app: web.Application, wired: Wired, teams: TeamsSettings, server: ServerSettings) -> TeamsNotifier:
    from bot.server import NotConfigured

    secure = bool(teams.app_id)
    if secure and not teams.app_password:
        raise NotConfigured("MICROSOFT_APP_ID is gezet maar MICROSOFT_APP_PASSWORD niet: Teams start niet.")
    if not secure:
        if not teams.insecure_dev:
            raise NotConfigured("Teams zonder MICROSOFT_APP_ID en MICROSOFT_APP_PASSWORD kan alleen met "
                                "PESTBOT_TEAMS_INSECURE_DEV=1, voor lokaal testen.")
        if server.production:
            raise NotConfigured("PESTBOT_TEAMS_INSECURE_DEV=1 mag niet met PESTBOT_PRODUCTION=1.")
        sys.stderr.write(WARNING)
        log.warning("Teams endpoint runs WITHOUT token validation (PESTBOT_TEAMS_INSECURE_DEV=1)")
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_config(teams)))
    adapter.on_turn_error = turn_error_handler(wired.app)
    refs = RefStore(wired.engine, wired.app.clock)
    teams_bot = PestbotTeamsBot(wired.app, refs)
    notifier = TeamsNotifier(wired.app, refs, adapter, teams.app_id)

    async def bind_loop(_: web.Application) -> None:
        notifier.bind(asyncio.get_running_loop())

    async def messages(request: web.Request) -> web.StreamResponse:
        if secure and not _bearer(request.headers.get("Authorization", "")):
            return _refuse(401, "unauthorized")
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _refuse(415, "unsupported media type")
        try:
            body = await request.json()
        except ValueError:
            return _refuse(400, "bad request")
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return _refuse(400, "bad request")
        if teams.app_tenant_id and _tenant(body) != teams.app_tenant_id:
            return _refuse(403, "wrong tenant")
        try:
            response = await adapter.process(request, teams_bot)
        except (jwt.PyJWTError, PermissionError, KeyError, IndexError, ValueError):
            return _refuse(401, "unauthorized")  # turn faults never get here: on_turn_error handles them
        except OSError:  # the Bot Framework's signing keys could not be fetched: let the channel retry
            return _refuse(503, "token keys unavailable")
        return response or web.Response(status=200)

    web_app.on_startup.append(bind_loop)
    web_app.router.add_post(ROUTE, messages)
    return notifier


def _bearer(header: str) -> bool:
    """A quick shape check before botbuilder validates the token itself: `Bearer <header.payload.sig>`."""
    scheme, _, token = header.partition(" ")
    return scheme == "Bearer" and token.count(".") == 2 and len(token) < 16384


def _tenant(body: dict[str, Any]) -> str | None:
    data = body.get("channelData")
    tenant = data.get("tenant") if isinstance(data, dict) else None
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return tenant["id"]
    conversation = body.get("conversation")
    value = conversation.get("tenantId") if isinstance(conversation, dict) else None
    return value if isinstance(value, str) else None


def _refuse(status: int, reason: str) -> web.Response:
    log.info("teams activity refused: %s", reason)
    return web.json_response({"error": reason}, status=status)
