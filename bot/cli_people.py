"""`pestbot people …`: the school's staff from a staff export, into the people file the config names."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from bot.cli_support import fail, replace_file, settings_for

app = typer.Typer(help="De medewerkers van de school (uit een personeelsexport).", no_args_is_help=True)

ConfigOption = typer.Option(None, "--config", help="het configuratiebestand van de school (standaard het voorbeeld)")
DEFAULT_FILE = "personeel.yaml"


@app.command("import")
def import_people(
    export: Path = typer.Argument(..., help="de personeelsexport (CSV) met de kolommen naam, e-mail, rollen, "
                                            "afdeling (ook name, email, roles, department)"),
    config: Path | None = ConfigOption,
) -> None:
    """Zet een personeelsexport (CSV) om in het personenbestand van de configuratie (people_file).

    Iedereen houdt zijn id (zaken noemen hun mentor bij id): een bekend e-mailadres houdt zijn persoon, met de
    Slack- of Teams-accounts die er met de hand bij staan. Pas als het geheel klopt, wordt het bestand geschreven;
    daarna leest de draaiende bot het opnieuw na een SIGHUP (systemctl reload pestbot), zonder herstart."""
    import yaml

    from bot.wiring import PLATFORMS, load_contents, people_path, read_text
    from flows.school import parse_people, parse_school
    from flows.staff import StaffError, import_staff
    from flows.yamlsource import SourceError, parse_yaml

    config_path = settings_for(None, config).config
    try:
        text = read_text(config_path)
        data, _ = parse_yaml(text, str(config_path))
        data = data if isinstance(data, dict) else {}
        target = people_path(config_path, text)
        named = target is not None
        target = target or config_path.parent / DEFAULT_FILE
        before = _before(target)
        by_hand = [p.get("id") for p in data.get("people") or [] if isinstance(p, dict)]
        departments = [(d.get("id"), d.get("name")) for d in data.get("departments") or [] if isinstance(d, dict)]
        imported = import_staff(read_text(export), str(export), departments, before, [i for i in by_hand if i])
        written = _header(export) + yaml.safe_dump({"people": imported.people}, allow_unicode=True, sort_keys=False)
        people = parse_people(written, str(target), PLATFORMS)
        school = parse_school(text, str(config_path), PLATFORMS, people if named else ())
        if named:
            load_contents(school, config_path)  # every role the protocol needs is someone's
    except (SourceError, StaffError) as exc:
        return fail(f"Er is niets geschreven:\n{exc}")
    replace_file(target, written)
    typer.echo(f"{len(imported.people)} personen in {target} ({imported.new} nieuw, {imported.gone} niet meer).")
    if named:
        typer.echo("Laat de draaiende bot ze lezen met een SIGHUP: systemctl reload pestbot 'pestbot-worker@*', "
                   "of docker compose kill -s HUP serve worker; een herstart mag ook.")
    else:
        typer.echo(f"Zet nu 'people_file: {target.name}' in {config_path} en haal de mensen uit de export daar "
                   "onder people: weg; dan 'pestbot check-config'.")


def _before(target: Path):  # type: ignore[no-untyped-def]
    """The people file as it is: whose ids to keep. A broken one is not guessed at (ids would change)."""
    from bot.wiring import PLATFORMS, read_text
    from flows.school import parse_people
    from flows.yamlsource import SourceError

    if not target.exists():
        return ()
    try:
        return parse_people(read_text(target), str(target), PLATFORMS)
    except SourceError as exc:
        raise SourceError(f"{exc}\nHet bestaande personenbestand klopt niet; herstel het, of haal het weg (dan "
                          "krijgt ieder een id uit het e-mailadres, en zaken van een oud id vinden hun mentor "
                          "niet meer).") from None


def _header(export: Path) -> str:
    return (f"# Geschreven door 'pestbot people import {export.name}' op {date.today().isoformat()}.\n"
            "# Een volgende import overschrijft dit bestand: pas de export aan, of zet iemand met de hand onder\n"
            "# people: in de configuratie zelf.\n")
