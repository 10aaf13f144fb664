"""OAuth installation of Pestbot in the school's own Slack workspace, on Pestbot's own tables.

slack-sdk's SQLAlchemy stores keep bot tokens in plain text and trust any workspace that completes the
OAuth flow. Here the store interfaces are Pestbot's (storage/slack_store.py): an installation is kept only
for a workspace in the school's `slack_workspaces`, as one encrypted value with its tokens; an OAuth state
is kept as a keyed fingerprint until it is used or expires. An installation from any other workspace is
refused with a page that says so, and the token Slack just gave for it is used once, to uninstall the app
there again (`apps.uninstall`). The worker sends with the token of the school's workspace, never "the
newest installation".
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from logging import Logger
from typing import Any

import sqlalchemy as sa
from slack_bolt.error import BoltError
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.settings import SlackSettings
from bot.slack.client import web_client
from flows.services import App, refuse_outsider
from storage.slack_store import OAuthNonces, SlackInstalls

log = logging.getLogger(__name__)
SCOPES = ["chat:write", "commands", "groups:history", "im:history", "im:write", "users:read", "users:read.email"]
STATE_SECONDS = 600


class OutsideWorkspace(BoltError):
    """An installation of a workspace that is not the school's (raised by the store, shown by `failure`)."""


def _now() -> datetime:
    return datetime.now(UTC)


class SchoolInstallations(InstallationStore):
    def __init__(self, app: App, engine: sa.Engine, client_id: str,
                 on_outside: Callable[[Installation], None] = lambda _: None) -> None:
        self.app, self.rows, self.on_outside = app, SlackInstalls(engine, client_id), on_outside

    @property
    def logger(self) -> Logger:
        return log

    def save(self, installation: Installation) -> None:
        if not self.app.school.own_slack_workspace(installation.team_id, installation.enterprise_id):
            self.on_outside(installation)
            raise OutsideWorkspace("installation outside the school's workspace")
        data = {k: (v.timestamp() if isinstance(v, datetime) else v)
                for k, v in installation.to_dict_for_copying().items()}
        self.rows.add(installation.enterprise_id, installation.team_id, installation.user_id,
                      bool(installation.is_enterprise_install),
                      datetime.fromtimestamp(installation.installed_at, UTC), data)

    def save_bot(self, bot: Bot) -> None:  # a bot is saved as part of its installation
        return None

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        if not self.app.school.own_slack_workspace(team_id, enterprise_id):
            return None
        data = self.rows.newest(enterprise_id, team_id, bool(is_enterprise_install), user_id)
        return Installation(**data) if data else None

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        if not self.app.school.own_slack_workspace(team_id, enterprise_id):
            return None
        data = self.rows.newest(enterprise_id, team_id, bool(is_enterprise_install), with_bot=True)
        return Installation(**data).to_bot() if data else None

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        self.rows.delete(enterprise_id, team_id, user_id)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.rows.delete(enterprise_id, team_id)


class FingerprintStates(OAuthStateStore):
    """OAuth states as keyed fingerprints (the school's key), each usable once within STATE_SECONDS."""

    def __init__(self, app: App, engine: sa.Engine) -> None:
        self.app, self.rows = app, OAuthNonces(engine)

    @property
    def logger(self) -> Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = _now()
        self.rows.add(self.app.fingerprint(state), now + timedelta(seconds=STATE_SECONDS), now)
        return state

    def consume(self, state: str) -> bool:
        return isinstance(state, str) and self.rows.consume(self.app.fingerprint(state), _now())


def _page(app: App, status: int, key: str) -> BoltResponse:
    """The message `key` in every language the school offers, the school's own first; a language that says
    it in the same words (a partial one) is not repeated."""
    first = app.school.language
    said: dict[str, str] = {}
    for code in sorted(app.contents, key=lambda code: code != first):
        text = app.contents[code].msg(key)
        if text not in said.values():
            said[code] = text
    paragraphs = "".join(f'<p lang="{code}">{html.escape(text)}</p>' for code, text in said.items())
    body = (f'<html lang="{first}"><head><meta charset="utf-8"><title>Pestbot</title></head><body>'
            f"{paragraphs}</body></html>")
    return BoltResponse(status=status, body=body, headers={"content-type": "text/html; charset=utf-8"})


def callbacks(app: App, settings: SlackSettings) -> CallbackOptions:
    def success(args: SuccessArgs) -> BoltResponse:
        return _page(app, 200, "slack_installed")

    def failure(args: FailureArgs) -> BoltResponse:
        if isinstance(args.error, OutsideWorkspace):
            return _page(app, 403, "slack_install_refused")
        return _page(app, args.suggested_status_code, "slack_install_failed")

    return CallbackOptions(success=success, failure=failure)


def oauth_settings(app: App, engine: sa.Engine, settings: SlackSettings) -> OAuthSettings:
    return OAuthSettings(client_id=settings.client_id, client_secret=settings.client_secret, scopes=SCOPES,
                          installation_store=SchoolInstallations(app, engine, settings.client_id,
                                                                 undo_outside(app, settings)),
                          state_store=FingerprintStates(app, engine), callback_options=callbacks(app, settings),
                          state_expiration_seconds=STATE_SECONDS)


def undo_outside(app: App, settings: SlackSettings) -> Callable[[Installation], None]:
    """Called with an installation the store refused: on record, and the app uninstalled there again."""
    def undo(installation: Installation) -> None:
        refuse_outsider(app, "slack", installation.team_id or installation.enterprise_id or "?")
        if not installation.bot_token:
            return
        try:
            web_client(installation.bot_token, settings.api_url).apps_uninstall(
                client_id=settings.client_id, client_secret=settings.client_secret)
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("could not uninstall Pestbot from another workspace: %s", type(error).__name__)
    return undo


def installed_client(app: App, oauth: OAuthSettings, settings: SlackSettings) -> Callable[[], WebClient | None]:
    """The worker's client: the bot token of the school's own workspace."""
    store: SchoolInstallations = oauth.installation_store  # type: ignore[assignment]

    def client() -> WebClient | None:
        data = store.rows.newest_of(app.school.slack_workspaces)
        return web_client(data["bot_token"], settings.api_url) if data else None

    return client
