"""The process's settings, from the environment (and the CLI's options). The only place that reads them."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

EXAMPLE_CONFIG = Path(__file__).parent / "data" / "school.example.yaml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PESTBOT_", extra="ignore")

    database_url: str = Field(default="sqlite:///pestbot.db", description="SQLAlchemy URL")
    config: Path = Field(default=EXAMPLE_CONFIG, description="the school's configuration file")
    log_level: str = "WARNING"


def database_url_for(path_or_url: str) -> str:
    """`--db pestbot.db` and `--db postgresql+psycopg://…` both work."""
    return path_or_url if "://" in path_or_url else f"sqlite:///{path_or_url}"
