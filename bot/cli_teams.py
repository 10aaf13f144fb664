"""`pestbot teams-package`: the Teams app package (manifest.json and two icons in a zip) that the school's IT
administrator uploads in the Teams admin center as is. The names and the school's pages come from the school config
(`teams_app:`), the bot's Microsoft App ID from --app-id or MICROSOFT_APP_ID, the setting `pestbot serve` uses.
"""

from __future__ import annotations

from pathlib import Path

import typer

from bot.cli_support import env, fail, settings_for

OutOption = typer.Option(Path("pestbot-teams.zip"), "--out", help="het zip-bestand (standaard pestbot-teams.zip)")
ConfigOption = typer.Option(None, "--config", help="het configuratiebestand van de school (standaard het voorbeeld)")
AppIdOption = typer.Option(None, "--app-id", help="de Microsoft App ID van de bot (standaard MICROSOFT_APP_ID)")


def teams_package(out: Path = OutOption, config: Path | None = ConfigOption, app_id: str | None = AppIdOption) -> None:
    """Maak het app-pakket voor Teams (manifest en pictogrammen) dat de beheerder uploadt in het Teams-beheercentrum."""
    from bot.settings import TeamsSettings
    from bot.teams.manifest.package import PackageProblem, build
    from bot.wiring import load_school
    from flows.yamlsource import SourceError

    configured = env(TeamsSettings).app_id
    chosen = (app_id or configured).strip()
    if not chosen:
        return fail("Er is geen app-pakket gemaakt: de Microsoft App ID van de bot ontbreekt. Geef --app-id of zet "
                    "MICROSOFT_APP_ID, zoals voor pestbot serve (Azure-portal → de Azure Bot → Configuration → "
                    "Microsoft App ID; docs/teams.md, deel 1).")
    settings = settings_for(None, config)
    try:
        written = build(load_school(settings.config), chosen, out)
    except SourceError as exc:
        return fail(f"Er is geen app-pakket gemaakt; de configuratie klopt niet:\n{exc}")
    except PackageProblem as exc:
        return fail(f"Er is geen app-pakket gemaakt.\n{exc}")
    if configured and configured.strip().lower() != chosen.lower():
        typer.echo(f"Let op: MICROSOFT_APP_ID is {configured}, het pakket noemt {chosen}. Teams stuurt berichten "
                   "naar de bot van het pakket; de server aanvaardt alleen die van zijn eigen app-id.", err=True)
    typer.echo(f"App-pakket geschreven: {written}\nUpload het in het Teams-beheercentrum (Teams apps → Manage apps → "
               "Upload new app) en sta het toe voor de medewerkers die Pestbot gebruiken; zie docs/teams.md.")
    return None
