"""The process's settings, from the environment (and the CLI's options). The only place that reads them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

EXAMPLE_CONFIG = Path(__file__).parent / "data" / "school.example.yaml"
PO_EXAMPLE_CONFIG = Path(__file__).parent / "data" / "school.po.example.yaml"  # a primary school, protocol po


class NotConfigured(RuntimeError):
    """A setting is missing or unsafe: the command stops with this Dutch message."""


class EnvSettings(BaseModel):
    """Settings from the environment: `env_prefix` + the field's name, in any case, or the name a field has
    in `env_names`; keyword arguments (the CLI's options) win. A few lines instead of pydantic-settings,
    whose import (asyncio, dotenv, cloud secret stores) cost the console a sixth of its start (issue 17)."""

    model_config = ConfigDict(extra="ignore")
    env_prefix: ClassVar[str] = "PESTBOT_"
    env_names: ClassVar[dict[str, str]] = {}

    def __init__(self, **values: Any) -> None:
        environ = {key.upper(): value for key, value in os.environ.items()}
        for name in type(self).model_fields:
            key = type(self).env_name(name)
            if name not in values and key in environ:
                values[name] = environ[key]
        super().__init__(**values)

    @classmethod
    def env_name(cls, field: str) -> str:
        return cls.env_names.get(field, f"{cls.env_prefix}{field}").upper()


class Settings(EnvSettings):

    database_url: str = Field(default="sqlite:///pestbot.db", description="SQLAlchemy URL")
    config: Path = Field(default=EXAMPLE_CONFIG, description="the school's configuration file")
    log_level: str = Field(default="WARNING", pattern=r"^(?i:DEBUG|INFO|WARNING|ERROR)$",
                           description="PESTBOT_LOG_LEVEL: DEBUG, INFO, WARNING or ERROR")
    log_format: str = Field(default="text", pattern=r"^(text|json)$", description="PESTBOT_LOG_FORMAT: text or json")
    # Fernet key(s), comma-separated, newest first (rotation): names and free text are encrypted with it.
    # Without it the embedded default keeps a key file beside the SQLite file; PESTBOT_PRODUCTION=1 requires it.
    encryption_key: str = Field(default="", repr=False, description="PESTBOT_ENCRYPTION_KEY")
    production: bool = Field(default=False, description="PESTBOT_PRODUCTION=1: refuse to start insecurely")
    exports: Path = Field(default=Path("dossiers"), description="where the console writes dossiers")
    reply_lease: float = Field(default=20.0, ge=1, le=600,
                               description="seconds a turn's replies are left to the request that made them; "
                                           "after that (the request died) the worker sends them")


def database_url_for(path_or_url: str) -> str:
    """`--db pestbot.db` and `--db postgresql+psycopg://…` both work."""
    return path_or_url if "://" in path_or_url else f"sqlite:///{path_or_url}"


class ServerSettings(EnvSettings):
    """`pestbot serve`: where it listens, how often the worker looks for due work."""

    host: str = "127.0.0.1"
    port: int = 3000
    worker_interval: float = Field(default=5.0, gt=0, description="seconds between worker sweeps when idle")
    worker_batch: int = Field(default=64, ge=1, le=1000, description="messages a worker claims at once")
    worker_concurrency: int = Field(default=8, ge=1, le=64, description="messages a worker sends at once")
    worker_lease: float = Field(default=60.0, ge=1, le=3600,
                                description="seconds a claim holds; then another worker takes it over")
    production: bool = Field(default=False, description="PESTBOT_PRODUCTION=1: refuse to start insecurely")


class SlackSettings(EnvSettings):
    """SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_APP_TOKEN (Socket Mode), SLACK_API_URL (a local fake)."""

    env_prefix: ClassVar[str] = "SLACK_"

    signing_secret: str = ""
    bot_token: str = ""
    app_token: str = ""
    api_url: str = "https://slack.com/api/"
    client_id: str = ""
    client_secret: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.signing_secret and (self.bot_token or self.client_id) or self.app_token)


INSECURE_DEV = "PESTBOT_TEAMS_INSECURE_DEV"  # Teams without authentication, for local tests only


class TeamsSettings(EnvSettings):
    """MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD, MICROSOFT_APP_TENANT_ID; PESTBOT_TEAMS_INSECURE_DEV=1 for local tests."""

    env_prefix: ClassVar[str] = "MICROSOFT_"
    env_names: ClassVar[dict[str, str]] = {"insecure_dev": INSECURE_DEV}

    app_id: str = ""
    app_password: str = ""
    app_tenant_id: str = ""
    # Also by its variable's name, as the tests and a config dict may give it.
    insecure_dev: bool = Field(default=False, validation_alias=AliasChoices("insecure_dev", INSECURE_DEV))

    @property
    def enabled(self) -> bool:
        return bool(self.app_id and self.app_password) or self.insecure_dev

    @property
    def incomplete(self) -> str | None:
        """Half the credentials: `pestbot serve` stops with this message, whether Slack is set or not."""
        if self.app_id and not self.app_password:
            return "MICROSOFT_APP_ID is gezet maar MICROSOFT_APP_PASSWORD niet: Teams kan zo niet starten."
        if self.app_password and not self.app_id:
            return "MICROSOFT_APP_PASSWORD is gezet maar MICROSOFT_APP_ID niet: Teams kan zo niet starten."
        return None
