"""Settings from the environment, as the deploy docs name them (docs/deploy.md), without pydantic-settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import ServerSettings, Settings, SlackSettings, TeamsSettings


def test_each_setting_comes_from_its_variable_and_an_option_wins(monkeypatch):
    monkeypatch.setenv("PESTBOT_DATABASE_URL", "postgresql+psycopg://db/pestbot")
    monkeypatch.setenv("pestbot_log_level", "info")  # any case, as before
    monkeypatch.setenv("PESTBOT_PRODUCTION", "1")
    monkeypatch.setenv("PESTBOT_PORT", "8080")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("PESTBOT_TEAMS_INSECURE_DEV", "true")
    settings = Settings(config=Path("school.yaml"))
    assert settings.database_url == "postgresql+psycopg://db/pestbot" and settings.log_level == "info"
    assert settings.production is True and settings.config == Path("school.yaml")
    assert ServerSettings().port == 8080 and ServerSettings(port=9000).port == 9000
    assert SlackSettings().bot_token == "xoxb-1" and TeamsSettings().insecure_dev is True
    assert TeamsSettings(insecure_dev=False).insecure_dev is False


def test_a_bad_value_is_refused(monkeypatch):
    monkeypatch.setenv("PESTBOT_LOG_LEVEL", "LOUD")
    with pytest.raises(ValidationError):
        Settings()


def test_the_console_does_not_import_pydantic_settings():
    import subprocess
    import sys

    code = "import sys, bot.cli; print('pydantic_settings' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
