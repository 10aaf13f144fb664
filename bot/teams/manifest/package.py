"""The Teams app package the school's IT administrator uploads as is: manifest.json, color.png and outline.png at
the root of a zip (`pestbot teams-package`, bot/cli_teams.py; docs/teams.md, section 3).

manifest.json beside this file is the manifest without the school: each `{{NAME}}` in it is filled from the
school config's `teams_app:` section (or the school's name) and the bot's Microsoft App ID. The icons are drawn once
by draw_icons.py and shipped as they are.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from flows.school import SchoolConfig

HERE = Path(__file__).parent
ICONS = ("color.png", "outline.png")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")  # the schema's "guid"
DEVELOPER_LIMIT, FULL_NAME_LIMIT = 32, 100  # developer.name and name.full in the schema


class PackageProblem(ValueError):
    """The package cannot be made as the config stands; the message says what to change, in Dutch."""


def _filled(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _filled(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_filled(item, values) for item in node]
    if isinstance(node, str) and node.startswith("{{") and node.endswith("}}"):
        return values[node[2:-2]]
    return node


def manifest_for(school: SchoolConfig, app_id: str) -> dict[str, Any]:
    """The school's manifest for the bot with this Microsoft App ID, or a PackageProblem."""
    if not GUID.match(app_id):
        raise PackageProblem(f"De Microsoft App ID is een GUID (zoals 12345678-1234-1234-1234-123456789abc); "
                             f"'{app_id[:60]}' is geen GUID.")
    app = school.teams_app
    pages = {"website": app.website, "privacy": app.privacy, "terms": app.terms}
    missing = [f"teams_app.{key}" for key, url in pages.items() if url is None]
    if missing:
        raise PackageProblem(f"In de schoolconfiguratie ontbreekt {_listed(missing)}: Teams toont bij de app de "
                             "website, de privacyverklaring en de gebruiksvoorwaarden van de school (https://…).")
    developer = app.developer or school.name
    if len(developer) > DEVELOPER_LIMIT:
        raise PackageProblem(f"De naam van de school is langer dan de {DEVELOPER_LIMIT} tekens die Teams een "
                             "ontwikkelaar geeft: zet een kortere in teams_app.developer.")
    full_name = app.full_name or f"{app.name} – {school.name}"
    if len(full_name) > FULL_NAME_LIMIT:
        raise PackageProblem(f"'{full_name[:40]}…' is langer dan de {FULL_NAME_LIMIT} tekens die Teams een volledige "
                             "naam geeft: zet een kortere in teams_app.full_name.")
    template = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    return _filled(template, {
        "MICROSOFT_APP_ID": app_id, "VERSION": app.version, "DEVELOPER": developer, "NAME": app.name,
        "FULL_NAME": full_name, "ACCENT_COLOR": app.accent_color, "WEBSITE": app.website or "",
        "PRIVACY": app.privacy or "", "TERMS": app.terms or ""})


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def build(school: SchoolConfig, app_id: str, out: Path) -> Path:
    """Write the package to `out`: the files at the root of the zip, as Teams wants them."""
    manifest = manifest_for(school, app_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        for name in ICONS:
            package.write(HERE / name, name)
    return out
