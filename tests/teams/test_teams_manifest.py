"""The Teams app package an IT administrator uploads as is (issue 18): `pestbot teams-package` builds it from the
school config and the bot's Microsoft App ID; its manifest is valid against Microsoft's own schema, and its icons
follow Microsoft's icon rules.

Sources, none of them copied into this repository:
- The current generally available manifest version: "Microsoft 365 app manifest schema reference",
  learn.microsoft.com/microsoft-365/extensibility/schema (sitemap 2026-08-11): "What's new in manifest version 1.30"
  (August 2026); 1.29 and older under "All generally available versions". Not the developer preview.
- The schema itself: Microsoft's npm package @microsoft/app-manifest (github.com/OfficeDev/microsoft-365-agents-
  toolkit, MIT), build/json-schemas/teams/v1.30/, fetched with `npm pack` into a cache when the tests run.
- The icon rules: "Teams app package", learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/
  apps-package (MicrosoftDocs/msteams-docs, msteams-platform/concepts/build-and-test/apps-package.md), "App icons".
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.settings import EXAMPLE_CONFIG
from bot.teams.manifest import package
from bot.wiring import load_school
from flows.school import parse_school
from flows.yamlsource import SourceError

APP_ID = "12345678-1234-1234-1234-123456789abc"
GA_VERSION = "1.30"  # learn.microsoft.com/microsoft-365/extensibility/schema, "What's new in manifest version 1.30"
SCHEMA_PACKAGE = "@microsoft/app-manifest@1.1.2"  # ships json-schemas/teams/v1.0 … v1.30 and vDevPreview
SCHEMA_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pestbot-tests" / "app-manifest-1.1.2"
REQUIRE_ALL = os.environ.get("PESTBOT_REQUIRE_POSTGRES") == "1"  # CI: everything runs, nothing is skipped
COMMANDS = ["nieuw", "status", "zaken", "wie", "advies", "help"]


# --- Microsoft's schema, from the npm registry ------------------------------------------------------------------

def _fetch_schemas(folder: Path) -> str | None:
    """Microsoft's v1.30 schema files, taken from the npm package into `folder`; the reason when that fails."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    with tempfile.TemporaryDirectory() as work:
        try:
            done = subprocess.run([npm, "pack", SCHEMA_PACKAGE, "--silent", "--pack-destination", work],
                                  cwd=work, capture_output=True, text=True, timeout=180, check=False)
        except subprocess.TimeoutExpired:
            return f"npm pack {SCHEMA_PACKAGE} took longer than 180 s"
        if done.returncode != 0:
            return f"npm pack {SCHEMA_PACKAGE} failed: {(done.stderr or done.stdout).strip()[-300:]}"
        [tgz] = Path(work).glob("*.tgz")
        prefix = f"package/build/json-schemas/teams/v{GA_VERSION}/"
        staging = Path(tempfile.mkdtemp(dir=folder.parent))
        with tarfile.open(tgz) as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.startswith(prefix) and member.name.endswith(".json"):
                    (staging / Path(member.name).name).write_bytes(tar.extractfile(member).read())
        if not (staging / "MicrosoftTeams.schema.json").exists():
            return f"{SCHEMA_PACKAGE} has no {prefix}MicrosoftTeams.schema.json"
        try:
            staging.rename(folder)  # another worker may have been first: then its copy is used
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return None


@pytest.fixture(scope="session")
def manifest_validator():
    """A validator of Microsoft's v1.30 schema; $refs resolve only among the files of that folder, never online."""
    from jsonschema import Draft4Validator, Draft6Validator, validators
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import DRAFT4

    folder = SCHEMA_CACHE / f"v{GA_VERSION}"
    if not (folder / "MicrosoftTeams.schema.json").exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        reason = _fetch_schemas(folder)
        if reason:
            if REQUIRE_ALL:
                pytest.fail(f"PESTBOT_REQUIRE_POSTGRES=1 but Microsoft's manifest schema is not available: {reason}")
            pytest.skip(f"Microsoft's manifest schema is not available ({reason})")

    def offline(uri: str):
        raise NoSuchResource(ref=uri)

    base = f"https://developer.microsoft.com/json-schemas/teams/v{GA_VERSION}/"
    documents = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")}
    registry = Registry(retrieve=offline).with_resources(
        (base + name, Resource.from_contents(document, default_specification=DRAFT4))
        for name, document in documents.items())
    # The schema says draft-04 but pins manifestVersion with `const` (draft-06), which draft-04 would ignore.
    checker = validators.extend(Draft4Validator, {"const": Draft6Validator.VALIDATORS["const"]})
    return checker(registry.contents(base + "MicrosoftTeams.schema.json"), registry=registry)


# --- helpers ----------------------------------------------------------------------------------------------------

def example_with(section: str) -> str:
    """The example config with its `teams_app:` section replaced by `section` (empty: no section at all)."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    start = text.index("teams_app:")
    end = text.index("\n\n", start)
    return text[:start] + section + text[end:]


def write_config(tmp_path: Path, section: str) -> Path:
    path = tmp_path / "school.yaml"
    path.write_text(example_with(section), encoding="utf-8")
    return path


def unzip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def image(data: bytes):  # type: ignore[no-untyped-def]
    from PIL import Image

    return Image.open(io.BytesIO(data))


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["teams-package", *args])


@pytest.fixture
def no_app_id_set(monkeypatch):
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)


# --- the package ------------------------------------------------------------------------------------------------

def test_the_package_is_the_manifest_and_both_icons_at_the_root_of_the_zip(tmp_path):
    """apps-package.md: "zip the files in the app package folder" — the files, not a folder holding them."""
    out = package.build(load_school(EXAMPLE_CONFIG), APP_ID, tmp_path / "pestbot-teams.zip")
    assert sorted(unzip(out)) == ["color.png", "manifest.json", "outline.png"]


def test_the_manifest_is_valid_against_microsofts_schema(tmp_path, manifest_validator):
    for school in (load_school(EXAMPLE_CONFIG), parse_school(example_with(OWN), "school.yaml")):
        manifest = json.loads(unzip(package.build(school, APP_ID, tmp_path / "p.zip"))["manifest.json"])
        errors = sorted(manifest_validator.iter_errors(manifest), key=str)
        assert errors == [], "\n".join(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_the_schema_check_is_not_blind(manifest_validator):
    """The same validator refuses an older manifestVersion, a property the schema does not know and a bot id that
    is no GUID: a passing validation above means something."""
    good = package.manifest_for(load_school(EXAMPLE_CONFIG), APP_ID)
    assert manifest_validator.is_valid(good)
    assert not manifest_validator.is_valid({**good, "manifestVersion": "1.16"})
    assert not manifest_validator.is_valid({**good, "pestbot": True})
    assert not manifest_validator.is_valid({**good, "bots": [{**good["bots"][0], "botId": "pestbot"}]})


def test_the_manifest_is_at_the_current_generally_available_version():
    manifest = package.manifest_for(load_school(EXAMPLE_CONFIG), APP_ID)
    assert manifest["manifestVersion"] == GA_VERSION
    assert manifest["$schema"] == f"https://developer.microsoft.com/json-schemas/teams/v{GA_VERSION}/MicrosoftTeams.schema.json"


def test_the_app_and_its_bot_are_the_microsoft_app_id_in_personal_team_and_group_chats():
    manifest = package.manifest_for(load_school(EXAMPLE_CONFIG), APP_ID)
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"personal", "team", "groupChat"}
    [commands] = bot["commandLists"]
    assert commands["scopes"] == ["personal"] and [c["title"] for c in commands["commands"]] == COMMANDS
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    # No tab, no sign-in: nothing is loaded in Teams from another domain, no Entra app is asked for.
    assert manifest["validDomains"] == [] and "webApplicationInfo" not in manifest
    assert "{{" not in json.dumps(manifest)


def test_without_a_teams_app_section_the_names_come_from_the_schools_name():
    school = parse_school(example_with(WITH_URLS), "school.yaml")
    manifest = package.manifest_for(school, APP_ID)
    assert manifest["name"] == {"short": "Pestbot", "full": "Pestbot – Voorbeeldschool"}
    assert manifest["developer"]["name"] == "Voorbeeldschool"
    assert manifest["accentColor"] == "#2E6B4F" and manifest["version"] == "1.0.0"


def test_the_teams_app_section_names_the_app_the_developer_and_the_schools_pages():
    school = parse_school(example_with(OWN), "school.yaml")
    manifest = package.manifest_for(school, APP_ID)
    assert manifest["name"] == {"short": "Pestmelder", "full": "Pestmelder van het Zonnecollege"}
    assert manifest["developer"] == {"name": "Stichting Zon", "websiteUrl": "https://zonnecollege.example",
                                     "privacyUrl": "https://zonnecollege.example/privacy",
                                     "termsOfUseUrl": "https://zonnecollege.example/voorwaarden"}
    assert manifest["accentColor"] == "#1A5276" and manifest["version"] == "2.1.0"


WITH_URLS = """teams_app:
  website: https://www.example.org
  privacy: https://www.example.org/privacy
  terms: https://www.example.org/voorwaarden"""

OWN = """teams_app:
  name: Pestmelder
  full_name: Pestmelder van het Zonnecollege
  developer: Stichting Zon
  website: https://zonnecollege.example
  privacy: https://zonnecollege.example/privacy
  terms: https://zonnecollege.example/voorwaarden
  accent_color: "#1A5276"
  version: 2.1.0"""


# --- the icons: apps-package.md, "App icons" --------------------------------------------------------------------

def test_the_color_icon_is_192_pixels_full_colour_on_a_solid_square_with_48_pixels_of_padding(tmp_path):
    """"The color version of your icon ... must be 192x192 pixels. Your icon symbol (96x96 pixels) can be any color,
    but it must sit on a solid or fully transparent square background"; "include 48 pixels of padding around your
    symbol"; "Don't round the corners of your icon". The background is the manifest's accent colour."""
    files = unzip(package.build(load_school(EXAMPLE_CONFIG), APP_ID, tmp_path / "p.zip"))
    icon = image(files["color.png"])
    assert icon.format == "PNG" and icon.size == (192, 192)
    pixels = icon.convert("RGBA").load()
    background = pixels[0, 0]
    accent = json.loads(files["manifest.json"])["accentColor"]
    assert background == (*bytes.fromhex(accent[1:]), 255)
    padding = [(x, y) for x in range(192) for y in range(192) if not (48 <= x < 144 and 48 <= y < 144)]
    assert all(pixels[xy] == background for xy in padding), "only the background outside the 96×96 symbol"
    symbol = {pixels[x, y] for x in range(48, 144) for y in range(48, 144)}
    assert all(alpha == 255 for *_, alpha in symbol), "opaque"
    assert any(len({r, g, b}) > 1 and (r, g, b, a) != background for r, g, b, a in symbol), "a colour of its own"
    assert len(symbol) > 3


def test_the_outline_icon_is_32_pixels_white_on_transparent_without_padding(tmp_path):
    """"the ouline icon size must be in 32x32 pixels. It must be either white with a transparent background ... No
    other colors are allowed. The outline icon mustn't contain any additional padding around the symbol"; "The RGB
    values of white used in your icon must be Red: 255, Green: 255, Blue: 255. All other parts of the outline icon
    must be fully transparent, with the alpha channel set to 0.\""""
    icon = image(unzip(package.build(load_school(EXAMPLE_CONFIG), APP_ID, tmp_path / "p.zip"))["outline.png"])
    assert icon.format == "PNG" and icon.size == (32, 32) and icon.mode == "RGBA"
    pixels = [icon.getpixel((x, y)) for y in range(32) for x in range(32)]
    assert all(a == 0 or (r, g, b) == (255, 255, 255) for r, g, b, a in pixels), "white or transparent only"
    assert any(a == 0 for *_, a in pixels) and any(a == 255 for *_, a in pixels)
    assert icon.getchannel("A").getbbox() == (0, 0, 32, 32), "the symbol reaches every edge: no padding"


# --- the config -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("section", "said"), [
    ("teams_app:\n  website: http://www.example.org", "teams_app.website: Value error, een https-adres"),
    ("teams_app:\n  privacy: www.example.org/privacy", "teams_app.privacy: Value error, een https-adres"),
    ('teams_app:\n  accent_color: "groen"', "teams_app.accent_color: Value error, een kleur als #2E6B4F"),
    ("teams_app:\n  name: Pestbot van het Voorbeeldcollege", "teams_app.name: Value error, hoogstens 30 tekens"),
    ("teams_app:\n  developer: Stichting Voortgezet Onderwijs Voorbeeldstad",
     "teams_app.developer: Value error, hoogstens 32 tekens"),
    ("teams_app:\n  version: '1.0'", "teams_app.version: Value error, drie getallen"),
    ("teams_app:\n  colour: '#2E6B4F'", "teams_app.colour: Extra inputs are not permitted"),
])
def test_a_wrong_teams_app_section_is_refused_in_dutch_naming_the_field(section, said):
    with pytest.raises(SourceError) as caught:
        parse_school(example_with(section), "school.yaml")
    assert said in str(caught.value)


def test_the_example_config_shows_the_teams_app_section():
    school = load_school(EXAMPLE_CONFIG)
    assert school.teams_app.website and school.teams_app.website.startswith("https://")


# --- as the school's administrator runs it ----------------------------------------------------------------------

def test_teams_package_writes_the_zip_and_says_where_to_upload_it(tmp_path, no_app_id_set):
    out = tmp_path / "uit" / "pestbot.zip"
    result = run("--out", str(out), "--app-id", APP_ID)
    assert result.exit_code == 0, result.output
    assert json.loads(unzip(out)["manifest.json"])["bots"][0]["botId"] == APP_ID
    assert str(out) in result.output and "Manage apps" in result.output and "docs/teams.md" in result.output


def test_teams_package_takes_the_app_id_the_server_uses(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID.upper())
    result = run("--out", str(tmp_path / "p.zip"))
    assert result.exit_code == 0, result.output
    assert json.loads(unzip(tmp_path / "p.zip")["manifest.json"])["id"] == APP_ID.upper()


def test_teams_package_without_an_app_id_says_where_to_find_it(tmp_path, no_app_id_set):
    result = run("--out", str(tmp_path / "p.zip"))
    assert result.exit_code == 2 and not (tmp_path / "p.zip").exists()
    assert "Microsoft App ID" in result.stderr and "--app-id" in result.stderr and "MICROSOFT_APP_ID" in result.stderr


def test_teams_package_refuses_an_app_id_that_is_no_guid(tmp_path, no_app_id_set):
    result = run("--out", str(tmp_path / "p.zip"), "--app-id", "pestbot-app")
    assert result.exit_code == 2 and "'pestbot-app' is geen GUID" in result.stderr


def test_teams_package_refuses_pages_that_are_not_https(tmp_path, no_app_id_set):
    config = write_config(tmp_path, "teams_app:\n  website: http://www.example.org")
    result = run("--out", str(tmp_path / "p.zip"), "--app-id", APP_ID, "--config", str(config))
    assert result.exit_code == 2 and not (tmp_path / "p.zip").exists()
    assert "teams_app.website" in result.stderr and "https-adres" in result.stderr


def test_teams_package_names_the_pages_the_config_does_not_give(tmp_path, no_app_id_set):
    config = write_config(tmp_path, "teams_app:\n  website: https://www.example.org")
    result = run("--out", str(tmp_path / "p.zip"), "--app-id", APP_ID, "--config", str(config))
    assert result.exit_code == 2 and not (tmp_path / "p.zip").exists()
    assert "teams_app.privacy" in result.stderr and "teams_app.terms" in result.stderr
    assert "teams_app.website" not in result.stderr


def test_a_school_name_too_long_for_teams_asks_for_a_developer_name(tmp_path, no_app_id_set):
    text = example_with(WITH_URLS).replace('name: "Voorbeeldschool"', 'name: "Stichting Voorbeeldscholen Noord-Holland"')
    config = tmp_path / "school.yaml"
    config.write_text(text, encoding="utf-8")
    result = run("--out", str(tmp_path / "p.zip"), "--app-id", APP_ID, "--config", str(config))
    assert result.exit_code == 2 and "teams_app.developer" in result.stderr and "32 tekens" in result.stderr
