"""`POST /api/messages` on the `pestbot serve` server: the Bot Framework endpoint for Teams.

Before a turn runs: the body must be an activity (JSON, 400 otherwise, also when nested too deep to parse)
of the Teams channel (`msteams`; the Bot Framework Emulator's only in the insecure dev mode), from the
configured tenant (403), and, unless the insecure dev mode is on, carry an RS256 Bot Framework token that
botbuilder validates (signature, issuer, audience = our app id, service URL, the channel's endorsement;
401 otherwise). Anything else is refused and nothing is stored.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import InvokeResponse
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.settings import NotConfigured, ServerSettings, TeamsSettings
from bot.teams.connector import KeptClients
from bot.teams.inbound import bearer_shaped, parse_activity, tenant_in
from bot.teams.listeners import PestbotTeamsBot, turn_error_handler
from bot.teams.notify import TeamsNotifier
from bot.teams.refs import RefStore
from bot.wiring import Wired
from flows.services import refuse_outsider

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
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
    secure = bool(teams.app_id)
    if teams.incomplete:
        raise NotConfigured(teams.incomplete)
    if not secure:
        if not teams.insecure_dev:
            raise NotConfigured("Teams zonder MICROSOFT_APP_ID en MICROSOFT_APP_PASSWORD kan alleen met "
                                "PESTBOT_TEAMS_INSECURE_DEV=1, voor lokaal testen.")
        if server.production:
            raise NotConfigured("PESTBOT_TEAMS_INSECURE_DEV=1 mag niet met PESTBOT_PRODUCTION=1.")
        if server.host not in LOOPBACK:
            raise NotConfigured(f"PESTBOT_TEAMS_INSECURE_DEV=1 luistert alleen op 127.0.0.1 (nu PESTBOT_HOST="
                                f"{server.host}): zonder tokencontrole mag niemand anders deze poort bereiken.")
        sys.stderr.write(WARNING)
        log.warning("Teams endpoint runs WITHOUT token validation (PESTBOT_TEAMS_INSECURE_DEV=1)")
    elif not teams.app_tenant_id:
        raise NotConfigured("MICROSOFT_APP_TENANT_ID ontbreekt: zonder neemt Pestbot activiteiten aan van elke "
                            "Microsoft 365-organisatie waar de app geïnstalleerd is. Zet het tenant-id van de school "
                            "(Azure Bot → Configuration, of Entra ID → Overview).")
    channels = {"msteams"} if secure else {"msteams", "emulator"}  # the Emulator only in the insecure dev mode
    adapter = CloudAdapter(KeptClients(ConfigurationBotFrameworkAuthentication(_config(teams))))
    adapter.on_turn_error = turn_error_handler(wired.app)
    refs = RefStore(wired.app)
    teams_bot = PestbotTeamsBot(wired.app, refs)
    notifier = TeamsNotifier(wired.app, refs, adapter, teams.app_id)

    async def bind_loop(_: web.Application) -> None:
        notifier.bind(asyncio.get_running_loop())

    async def messages(request: web.Request) -> web.StreamResponse:
        if secure and not bearer_shaped(request.headers.get("Authorization", "")):
            return _refuse(401, "unauthorized")
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _refuse(415, "unsupported media type")
        activity = parse_activity(await request.read())
        if activity is None:
            return _refuse(400, "bad request")
        body, activity = activity
        if activity.channel_id not in channels:  # botbuilder lets an empty one through
            return _refuse(400, "unknown channel")
        outside = bool(teams.app_tenant_id) and tenant_in(body) != teams.app_tenant_id
        try:
            auth = await adapter.bot_framework_authentication.authenticate_request(
                activity, request.headers.get("Authorization", ""))
        except PermissionError:  # botbuilder's own refusal (an OSError, so before the next one)
            return _refuse(401, "unauthorized")
        except OSError:  # the Bot Framework's signing keys could not be fetched: let the channel retry
            return _refuse(503, "token keys unavailable")
        except Exception:  # noqa: BLE001 - botbuilder raises a bare Exception for a wrong algorithm or channel
            return _refuse(401, "unauthorized")
        if outside:  # a real activity from another school's tenant (the app installed there): on record
            await asyncio.to_thread(refuse_outsider, wired.app, "teams", tenant_in(body) or "?")
            return _refuse(403, "wrong tenant")
        # Authenticated: the turn runs; its faults are on_turn_error's (a Dutch apology), never a refusal.
        invoke: InvokeResponse | None = await adapter.process_activity(auth, activity, teams_bot.on_turn)
        if invoke is None:
            return web.Response(status=201)
        return web.json_response(_invoke_body(invoke.body, int(invoke.status)), status=int(invoke.status))

    web_app.on_startup.append(bind_loop)
    web_app.router.add_post(ROUTE, messages)
    return notifier


def _invoke_body(body: Any, status: int) -> Any:
    """An invoke's answer as JSON. ActivityHandler has serialised it already (CloudAdapter.process would do it a
    second time and fail), except its own error answers, which botbuilder 4.17 cannot serialise at all."""
    if isinstance(body, dict | list | str | None):
        return body
    try:
        return serializer_helper(body)
    except Exception:  # noqa: BLE001 - msrest's SerializationError and whatever it wraps
        return {"statusCode": status, "type": "application/vnd.microsoft.error",
                "value": {"code": "BadRequest" if status < 500 else "ServerError", "message": "invalid invoke"}}


def _refuse(status: int, reason: str) -> web.Response:
    log.info("teams activity refused: %s", reason)
    return web.json_response({"error": reason}, status=status)
