"""The `pestbot` command (Typer). Heavy imports happen inside the commands that need them."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from bot.settings import Settings, database_url_for

app = typer.Typer(help="Pestbot: het pestprotocol van je school, stap voor stap in de chat.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="De database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
outbox_app = typer.Typer(help="Berichten die niet bezorgd konden worden.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")

DbOption = typer.Option(None, "--db", help="SQLite-bestand of database-URL (standaard ./pestbot.db of PESTBOT_DATABASE_URL)")
ConfigOption = typer.Option(None, "--config", help="het configuratiebestand van de school (standaard het voorbeeld)")


def _settings(db: str | None, config: Path | None) -> Settings:
    settings = Settings()
    if db:
        settings.database_url = database_url_for(db)
    if config:
        settings.config = config
    return settings


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(2)


@app.command()
def chat(
    as_person: str | None = typer.Option(None, "--as", help="speel deze persoon (id uit de configuratie)"),
    db: str | None = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Chat met Pestbot in de terminal, zonder Slack of Teams."""
    from bot.clock import OffsetClock
    from bot.console import Console, KeyValue, input_lines
    from bot.wiring import build
    from flows.school import Role
    from flows.yamlsource import SourceError

    settings = _settings(db, config)
    clock = OffsetClock()
    try:
        wired = build(settings.config, settings.database_url, clock)
    except SourceError as exc:
        return _fail(f"Pestbot kan niet starten; de configuratie klopt niet:\n{exc}")
    school = wired.app.school
    person = school.person(as_person) if as_person else school.with_role(Role.MENTOR)[0]
    if person is None:
        return _fail(f"Onbekende persoon '{as_person}'. Kies uit: {', '.join(p.id for p in school.people)}.")
    console = Console(wired.app, clock, person.id, KeyValue(wired.app.uow))
    console.run(input_lines(None if sys.stdin.isatty() else sys.stdin))


@app.command()
def serve(
    host: str | None = typer.Option(None, "--host", help="adres (standaard 127.0.0.1 of PESTBOT_HOST)"),
    port: int | None = typer.Option(None, "--port", help="poort (standaard 3000 of PESTBOT_PORT)"),
    db: str | None = DbOption,
    config: Path | None = ConfigOption,
    socket_mode: bool = typer.Option(False, "--socket-mode",
                                     help="Slack via Socket Mode (SLACK_APP_TOKEN), zonder publiek adres"),
) -> None:
    """Start de server voor Slack en Teams, met de worker ernaast."""
    from aiohttp import web

    from bot.clock import SystemClock
    from bot.server import NotConfigured, create_web_app
    from bot.settings import ServerSettings, SlackSettings, TeamsSettings
    from bot.wiring import build
    from flows.yamlsource import SourceError

    settings = _settings(db, config)
    server = ServerSettings()
    server.host, server.port = host or server.host, port or server.port
    if socket_mode:
        from bot.slack.socket_mode import serve as serve_socket_mode

        try:
            wired = build(settings.config, settings.database_url, SystemClock())
            return serve_socket_mode(wired, SlackSettings(), server)
        except (SourceError, ValueError) as exc:
            return _fail(f"Pestbot kan niet starten:\n{exc}")
    try:
        wired = build(settings.config, settings.database_url, SystemClock())
        web_app = create_web_app(wired, server, SlackSettings(), TeamsSettings())
    except (SourceError, NotConfigured) as exc:
        return _fail(f"Pestbot kan niet starten:\n{exc}")
    web.run_app(web_app, host=server.host, port=server.port, print=lambda text: typer.echo(text, err=True))


@app.command()
def worker(db: str | None = DbOption, config: Path | None = ConfigOption) -> None:
    """Alleen de worker: herinneringen en berichten bezorgen (naast een of meer servers)."""
    import asyncio

    from bot.clock import SystemClock
    from bot.server import NotConfigured, create_web_app
    from bot.settings import ServerSettings, SlackSettings, TeamsSettings
    from bot.wiring import build
    from bot.worker import run_forever

    settings = _settings(db, config)
    server = ServerSettings()
    try:
        wired = build(settings.config, settings.database_url, SystemClock())
        notifier = create_web_app(wired, server, SlackSettings(), TeamsSettings(), run_worker=False)["notifier"]
    except NotConfigured as exc:
        return _fail(f"Pestbot kan niet starten:\n{exc}")
    asyncio.run(run_forever(wired.app, notifier, server.worker_interval, server.worker_batch,
                            server.worker_concurrency))


@app.command()
def diagram() -> None:
    """Print het protocol als Mermaid-toestandsdiagram."""
    from flows.protocol import diagram as mermaid

    typer.echo(mermaid(), nl=False)


@db_app.command("upgrade")
def db_upgrade(db: str | None = DbOption) -> None:
    """Breng de database naar de nieuwste versie (Alembic)."""
    from storage.database import make_engine, upgrade

    settings = _settings(db, None)
    upgrade(make_engine(settings.database_url))
    typer.echo("De database is bijgewerkt.")


def _wired(db: str | None, config: Path | None):  # type: ignore[no-untyped-def]
    from bot.clock import SystemClock
    from bot.wiring import build

    settings = _settings(db, config)
    return build(settings.config, settings.database_url, SystemClock())


@outbox_app.command("failed")
def outbox_failed(db: str | None = DbOption, config: Path | None = ConfigOption) -> None:
    """Toon de berichten die na alle pogingen niet bezorgd zijn."""
    from flows.delivery import failed_deliveries

    rows = failed_deliveries(_wired(db, config).app)
    for outbox_id, case_id, kind, error in rows:
        typer.echo(f"{outbox_id}\tzaak {case_id or '-'}\t{kind}\t{error or '-'}")
    typer.echo(f"{len(rows)} niet bezorgd.")


@outbox_app.command("retry")
def outbox_retry(
    ids: list[int] | None = typer.Argument(None, help="de nummers uit 'pestbot outbox failed'; leeg: alle"),
    db: str | None = DbOption, config: Path | None = ConfigOption,
) -> None:
    """Bezorg niet-bezorgde berichten opnieuw (de worker pakt ze meteen op)."""
    from flows.delivery import retry_failed

    count = retry_failed(_wired(db, config).app, ids or None)
    typer.echo(f"{count} bericht(en) worden opnieuw bezorgd.")


@app.command("check-config")
def check_config(config: Path | None = ConfigOption) -> None:
    """Controleer het configuratiebestand van de school en de inhoud van het protocol."""
    from bot.wiring import load_school
    from flows.content import load_content
    from flows.yamlsource import SourceError

    settings = _settings(None, config)
    try:
        school = load_school(settings.config)
        load_content()
    except SourceError as exc:
        return _fail(f"De configuratie klopt niet:\n{exc}")
    typer.echo(f"In orde: {school.name}, {len(school.people)} personen, {len(school.departments)} afdelingen.")


def main() -> None:
    app()
