"""The Teams app manifest and its package."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bot.teams.manifest import package

APP_ID = "12345678-1234-1234-1234-123456789abc"


def test_the_manifest_offers_the_bot_in_personal_team_and_group_chats():
    manifest = json.loads((Path(package.__file__).parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["manifestVersion"] == "1.16" and manifest["id"] == package.PLACEHOLDER
    [bot] = manifest["bots"]
    assert bot["botId"] == package.PLACEHOLDER and set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_the_package_has_the_app_id_and_both_icons(tmp_path):
    out = package.build(APP_ID, tmp_path / "pestbot-teams.zip")
    with zipfile.ZipFile(out) as zipped:
        assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zipped.read("manifest.json"))
        assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
        for name, size in (("color.png", 192), ("outline.png", 32)):
            data = zipped.read(name)
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == size
    with pytest.raises(SystemExit):
        package.build("not-a-guid", tmp_path / "x.zip")
