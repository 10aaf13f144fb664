"""OAuth for installing Pestbot in several workspaces: slack-sdk's SQLAlchemy stores on Pestbot's database.

The stores' tables (`slack_installations`, `slack_bots`, `slack_oauth_states`) are created by the stores
themselves (`create_tables`, which leaves existing tables alone) when OAuth mode starts, not by an Alembic
migration: they belong to slack-sdk's schema, and storage/tables.py (which the migrations must match)
does not describe them.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.settings import SlackSettings

SCOPES = ["chat:write", "commands", "groups:history", "im:history", "im:write", "users:read", "users:read.email"]
STATE_SECONDS = 600


def oauth_settings(engine: sa.Engine, settings: SlackSettings) -> OAuthSettings:
    installations = SQLAlchemyInstallationStore(client_id=settings.client_id, engine=engine)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine)
    installations.create_tables()
    states.create_tables()
    return OAuthSettings(client_id=settings.client_id, client_secret=settings.client_secret, scopes=SCOPES,
                         installation_store=installations, state_store=states)


def installed_client(oauth: OAuthSettings, settings: SlackSettings) -> Callable[[], WebClient | None]:
    """The worker's client: the bot token of the newest installation (one school, one workspace)."""
    store: SQLAlchemyInstallationStore = oauth.installation_store  # type: ignore[assignment]

    def client() -> WebClient | None:
        bots = store.bots
        query = (sa.select(bots.c.bot_token).where(bots.c.client_id == settings.client_id)
                 .order_by(bots.c.installed_at.desc()).limit(1))
        with store.engine.connect() as connection:
            token = connection.execute(query).scalar()
        return WebClient(token=token, base_url=settings.api_url) if token else None

    return client
