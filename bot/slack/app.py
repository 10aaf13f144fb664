"""Building the Bolt app: single-token mode (SLACK_BOT_TOKEN) or OAuth for several workspaces
(SLACK_CLIENT_ID + SLACK_CLIENT_SECRET), and the notifier the worker delivers through."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import App as BoltApp
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import NotConfigured, SlackSettings
from bot.slack.client import web_client
from bot.slack.identity import People
from bot.slack.listeners import register
from bot.slack.notify import SlackNotifier
from bot.slack.senders import Senders
from bot.slack.workspace import before_authorize
from bot.wiring import Wired

# Bolt logs refused request bodies at INFO and the SDK logs every API call's parameters at DEBUG;
# both hold children's names, so those loggers never go below WARNING, whatever PESTBOT_LOG_LEVEL says.
QUIET = ("slack_bolt", "slack_sdk")


@dataclass
class SlackBot:
    bolt: BoltApp
    people: People
    notifier: SlackNotifier
    oauth: bool = False
    threads: Senders = field(default_factory=Senders)


def quiet_loggers() -> logging.Logger:
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return logging.getLogger("slack_bolt")


def oauth_enabled(settings: SlackSettings) -> bool:
    return bool(settings.client_id and settings.client_secret)


def build(wired: Wired, settings: SlackSettings, socket_mode: bool = False) -> SlackBot:
    logger = quiet_loggers()
    people = People(wired.app)
    if not wired.app.school.slack_workspaces:
        raise NotConfigured("slack_workspaces ontbreekt in de schoolconfig: zet het team-id van de werkruimte "
                               "van de school (T…, of E… voor een Enterprise Grid-organisatie). Zonder weet "
                               "Pestbot niet welke werkruimte de school is, en start Slack niet.")
    if not wired.app.school.safety_channel.slack_channel:
        raise NotConfigured("safety_channel.slack_channel ontbreekt in de schoolconfig: zonder kan Pestbot het "
                            "sociale-veiligheidsteam in Slack niet bereiken (elk bericht zou blijven wachten). Zet "
                            "het id van het besloten kanaal (C…).")
    threads = Senders()
    common = {"process_before_response": True, "logger": logger, "before_authorize": before_authorize(wired.app),
              "listener_executor": threads}
    client: Callable[[], WebClient | None]
    if oauth_enabled(settings) and not socket_mode:
        from bot.slack.oauth import installed_client, oauth_settings

        oauth = oauth_settings(wired.app, wired.engine, settings)
        bolt = BoltApp(signing_secret=settings.signing_secret, oauth_settings=oauth,
                       client=web_client(base_url=settings.api_url), **common)
        client = installed_client(wired.app, oauth, settings)
    else:
        web = web_client(settings.bot_token, settings.api_url)
        try:  # Bolt asks Slack who the token is (auth.test) before it serves anything
            bolt = BoltApp(client=web, signing_secret=settings.signing_secret or None,
                           request_verification_enabled=not socket_mode, **common)
        except (BoltError, SlackApiError, OSError) as exc:
            raise NotConfigured(unusable_token(exc, settings)) from None
        client = lambda: web
    register(bolt, wired.app, people, threads)
    return SlackBot(bolt, people, SlackNotifier(wired.app, people, client), oauth_enabled(settings), threads)


def unusable_token(exc: Exception, settings: SlackSettings) -> str:
    """Why Slack would not say who SLACK_BOT_TOKEN is, in Dutch: unreachable, or refused (with Slack's code)."""
    if isinstance(exc, OSError):
        return (f"Slack is niet bereikbaar ({settings.api_url}: {type(exc).__name__}); Pestbot kan SLACK_BOT_TOKEN "
                "niet controleren. Controleer de verbinding (proxy, DNS, firewall) en start opnieuw.")
    cause = exc.response.get("error") if isinstance(exc, SlackApiError) else None
    found = cause or next(iter(re.findall(r"'error': '([a-z_]+)'", str(exc))), "onbekend")
    return (f"Slack weigert SLACK_BOT_TOKEN (auth.test: {found}): zet het Bot User OAuth Token (xoxb-…) van de "
            "app zoals het onder OAuth & Permissions staat, of installeer de app opnieuw.")

