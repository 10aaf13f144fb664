"""The rows behind Slack's OAuth (bot/slack/oauth.py adapts them to slack-sdk's store interfaces): the school's
installations, sealed whole, and the fingerprints of OAuth states in flight."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.tables import oauth_nonces, slack_installs


class SlackInstalls:
    def __init__(self, engine: sa.Engine, client_id: str) -> None:
        self.engine, self.client_id = engine, client_id

    def add(self, enterprise_id: str | None, team_id: str | None, user_id: str | None, org_wide: bool,
            installed_at: datetime, installation: dict[str, Any]) -> None:
        with self.engine.begin() as connection:
            connection.execute(slack_installs.insert().values(
                client_id=self.client_id, enterprise_id=enterprise_id or None, team_id=team_id or None,
                user_id=user_id or None, is_enterprise_install=org_wide, installed_at=installed_at,
                installation=installation))

    def _place(self, enterprise_id: str | None, team_id: str | None, org_wide: bool) -> Any:
        c = slack_installs.c
        where = sa.and_(c.client_id == self.client_id,
                        c.enterprise_id == enterprise_id if enterprise_id else c.enterprise_id.is_(None))
        if not org_wide:  # an org-wide installation serves every workspace of its organisation
            where = sa.and_(where, c.team_id == team_id if team_id else c.team_id.is_(None))
        return where

    def newest(self, enterprise_id: str | None, team_id: str | None, org_wide: bool = False,
               user_id: str | None = None, with_bot: bool = False) -> dict[str, Any] | None:
        """The newest installation of this place (of this user, when given; with a bot token, when asked)."""
        c = slack_installs.c
        query = sa.select(c.installation).where(self._place(enterprise_id, team_id, org_wide))
        if user_id:
            query = query.where(c.user_id == user_id)
        with self.engine.connect() as connection:
            for installation in connection.execute(query.order_by(c.installed_at.desc(), c.id.desc())).scalars():
                if not with_bot or installation.get("bot_token"):
                    return installation
        return None

    def newest_of(self, places: tuple[str, ...]) -> dict[str, Any] | None:
        """The newest installation with a bot token in any of these workspaces (T…) or organisations (E…)."""
        c = slack_installs.c
        query = (sa.select(c.installation).where(c.client_id == self.client_id,
                                                 sa.or_(c.team_id.in_(places), c.enterprise_id.in_(places)))
                 .order_by(c.installed_at.desc(), c.id.desc()))
        with self.engine.connect() as connection:
            return next((i for i in connection.execute(query).scalars() if i.get("bot_token")), None)

    def delete(self, enterprise_id: str | None, team_id: str | None, user_id: str | None = None) -> None:
        where = self._place(enterprise_id, team_id, False)
        if user_id:
            where = sa.and_(where, slack_installs.c.user_id == user_id)
        with self.engine.begin() as connection:
            connection.execute(slack_installs.delete().where(where))


class OAuthNonces:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add(self, digest: str, expires_at: datetime, now: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(oauth_nonces.delete().where(oauth_nonces.c.expires_at < now))
            connection.execute(oauth_nonces.insert().values(digest=digest, expires_at=expires_at))

    def consume(self, digest: str, now: datetime) -> bool:
        """True once for a state handed out and not yet expired."""
        with self.engine.begin() as connection:
            gone = connection.execute(oauth_nonces.delete().where(oauth_nonces.c.digest == digest,
                                                                  oauth_nonces.c.expires_at >= now))
            return gone.rowcount == 1
