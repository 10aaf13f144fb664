"""The `pestbot` command (Typer). Heavy imports happen inside the commands that need them."""

from __future__ import annotations

from pathlib import Path

import typer

from bot import cli_calendar, cli_people, cli_teams
from bot.cli_support import (
    SERVER_MISSING,
    build_app,
    dutch_counts,
    env,
    fail,
    need_server,
    server_installed,
    settings_for,
    start_logging,
)
from bot.cli_support import chat as run_chat

app = typer.Typer(help="Pestbot: het pestprotocol van je school, stap voor stap in de chat.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="De database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
outbox_app = typer.Typer(help="Berichten die niet bezorgd konden worden.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
app.add_typer(cli_people.app, name="people")
app.add_typer(cli_calendar.app, name="calendar")
app.command("teams-package")(cli_teams.teams_package)

DbOption = typer.Option(None, "--db", help="SQLite-bestand of database-URL (standaard ./pestbot.db of PESTBOT_DATABASE_URL)")
ConfigOption = typer.Option(None, "--config", help="het configuratiebestand van de school (standaard het voorbeeld)")


_settings = settings_for


@app.command()
def chat(
    as_person: str | None = typer.Option(None, "--as", help="speel deze persoon (id of e-mailadres uit de configuratie)"),
    db: str | None = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Chat met Pestbot in de terminal, zonder Slack of Teams."""
    run_chat(as_person, db, config)  # also reached without Typer: bot/entry.py


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
    need_server()
    from aiohttp import web

    from bot.clock import SystemClock
    from bot.reload import install_reload
    from bot.server import NotConfigured, create_web_app
    from bot.settings import ServerSettings, SlackSettings, TeamsSettings
    from flows.yamlsource import SourceError

    settings = _settings(db, config)
    server = env(ServerSettings)
    server.host, server.port = host or server.host, port or server.port
    if socket_mode:
        from bot.slack.socket_mode import serve as serve_socket_mode

        wired = build_app(settings, SystemClock())
        try:
            start_logging(settings)
            install_reload(wired.app, settings.config)  # SIGHUP: the people again, without a restart
            return serve_socket_mode(wired, env(SlackSettings), server)
        except (SourceError, ValueError, NotConfigured) as exc:
            return fail(f"Pestbot kan niet starten:\n{exc}")
    wired = build_app(settings, SystemClock())
    try:
        web_app = create_web_app(wired, server, env(SlackSettings), env(TeamsSettings))
    except (SourceError, NotConfigured) as exc:
        return fail(f"Pestbot kan niet starten:\n{exc}")
    start_logging(settings)
    install_reload(wired.app, settings.config)  # SIGHUP: the people again, without a restart
    web.run_app(web_app, host=server.host, port=server.port, print=lambda text: typer.echo(text, err=True))


@app.command()
def worker(db: str | None = DbOption, config: Path | None = ConfigOption) -> None:
    """Alleen de worker: herinneringen en berichten bezorgen (naast een of meer servers)."""
    need_server()
    import asyncio
    from datetime import timedelta

    from bot.clock import SystemClock
    from bot.reload import install_reload
    from bot.server import NOTIFIER, NotConfigured, create_web_app
    from bot.settings import ServerSettings, SlackSettings, TeamsSettings
    from bot.worker import run_forever

    settings = _settings(db, config)
    server = env(ServerSettings)
    wired = build_app(settings, SystemClock())
    try:
        notifier = create_web_app(wired, server, env(SlackSettings), env(TeamsSettings), run_worker=False)[NOTIFIER]
    except NotConfigured as exc:
        return fail(f"Pestbot kan niet starten:\n{exc}")
    start_logging(settings)
    install_reload(wired.app, settings.config)
    asyncio.run(run_forever(wired.app, notifier, server.worker_interval, server.worker_batch,
                            server.worker_concurrency, timedelta(seconds=server.worker_lease)))


@app.command()
def diagram(protocol: str | None = typer.Option(
        None, "--protocol", help="Een protocol (vo, po) of de map of protocol.yaml van een eigen protocol; "
                                 "zonder: dat van de schoolconfig.")) -> None:
    """Print het protocol als Mermaid-toestandsdiagram."""
    from bot.wiring import load_school, protocol_of
    from flows.content import load_protocol
    from flows.protocol import diagram as mermaid
    from flows.yamlsource import SourceError

    try:
        if protocol is None:
            config = _settings(None, None).config
            protocol = protocol_of(load_school(config), config)
        typer.echo(mermaid(load_protocol(protocol)), nl=False)
    except SourceError as exc:
        fail(f"Het protocol klopt niet:\n{exc}")


@db_app.command("upgrade")
def db_upgrade(db: str | None = DbOption) -> None:
    """Breng de database naar de nieuwste versie (Alembic); oude onversleutelde rijen worden versleuteld."""
    from bot.keys import KeyProblem, cipher_from, resolve_key, wrong_key
    from storage.database import make_engine, upgrade
    from storage.sealing import WrongKey, check

    settings = _settings(db, None)
    try:
        key = resolve_key(settings.database_url, settings.encryption_key, settings.production)
        engine = make_engine(settings.database_url, cipher=cipher_from(key.text))  # the migrations seal with it
        try:
            check(engine)
        except WrongKey:
            raise wrong_key(key) from None
        upgrade(engine)
        check(engine)
    except KeyProblem as exc:
        return fail(f"De database is niet bijgewerkt:\n{exc}")
    typer.echo("De database is bijgewerkt.")


def _wired(db: str | None, config: Path | None):  # type: ignore[no-untyped-def]
    from bot.clock import SystemClock

    return build_app(_settings(db, config), SystemClock())


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


AsOption = typer.Option(..., "--as", help="wie dit doet (id uit de configuratie); het staat in het logboek")


def _write(path: Path, data: bytes) -> Path:
    """Files with children's data: readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_bytes(data)
    return path


@app.command("export")
def export(
    case: str = typer.Argument(..., help="het zaaknummer"),
    as_person: str = AsOption,
    fmt: str = typer.Option("html", "--format", help="html of pdf"),
    out: Path | None = typer.Option(None, "--out", help="het bestand (standaard dossier-ZAAK.html/.pdf)"),
    db: str | None = DbOption, config: Path | None = ConfigOption,
) -> None:
    """Het dossier van een zaak (tijdlijn, antwoorden, afspraken), voor het gesprek in fase 3 of 4."""
    from flows.dossier import export_dossier

    if fmt not in ("html", "pdf"):
        return fail("Kies --format html of --format pdf.")
    result = export_dossier(_wired(db, config).app, as_person, case, fmt)
    if result is None:
        return fail("Geen toegang: die zaak bestaat niet of je bent er niet bij betrokken.")
    typer.echo(f"Dossier geschreven: {_write(out or Path(result.filename), result.data)}")


@app.command("stats")
def stats(
    year: str | None = typer.Option(None, "--year", help="schooljaar, bijvoorbeeld 2026-2027 (standaard dit jaar)"),
    as_person: str = AsOption,
    out: Path = typer.Option(Path("."), "--out", help="de map voor de CSV en de grafiek"),
    db: str | None = DbOption, config: Path | None = ConfigOption,
) -> None:
    """Incidentregistratie pesten per schooljaar: een CSV in de categorieën van het Incidentenvenster-VO en een
    grafiek, geanonimiseerd (aantallen onder 5 staan als '<5'). Geen monitor sociale veiligheid: de jaarlijkse
    leerlingvragenlijst van de Wet veiligheid op school vervangt dit niet."""
    from bot.chart import write_chart
    from flows.registration import to_csv
    from flows.stats import chart_series, parse_year, statistics

    if year is not None and parse_year(year) is None:
        return fail("Schrijf het schooljaar als 2026-2027.")
    app_ = _wired(db, config).app
    figures = statistics(app_, as_person, parse_year(year) if year else None)
    if figures is None:
        return fail("Geen toegang: de cijfers zijn voor de antipestcoördinator en het team sociale veiligheid.")
    content = app_.content(app_.school.person(as_person))
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"pestbot-stats-{figures.year}.csv"
    csv_path.write_text(to_csv(figures, content), encoding="utf-8")
    chart = write_chart(chart_series(figures, content),
                        content.msg("stats_chart_title", school=app_.school.name, year=figures.year),
                        out / f"pestbot-stats-{figures.year}.svg")
    typer.echo(f"Geschreven: {csv_path} en {chart}")


def _platform_notifier(wired):  # type: ignore[no-untyped-def]
    """The platforms' notifier when Slack or Teams is configured (to delete the bot's posts), else None."""
    from bot.settings import ServerSettings, SlackSettings, TeamsSettings

    slack, teams = env(SlackSettings), env(TeamsSettings)
    if not server_installed():  # the console's install: fine, unless a platform is set up here
        return fail(SERVER_MISSING) if slack.bot_token or slack.client_id or teams.enabled else None
    from bot.server import NOTIFIER, NotConfigured, create_web_app

    try:
        web_app = create_web_app(wired, env(ServerSettings), slack, teams, run_worker=False)
        return web_app[NOTIFIER]
    except NotConfigured:
        return None


@app.command("purge")
def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="alleen laten zien wat weg zou gaan"),
    as_person: str | None = typer.Option(None, "--as", help="standaard de bewaartermijn-taak zelf (pestbot)"),
    db: str | None = DbOption, config: Path | None = ConfigOption,
) -> None:
    """Verwijder gesloten zaken na de bewaartermijn, met de berichten van de bot waar het platform dat toestaat."""
    from flows.retention import BOT, purge_expired

    wired = _wired(db, config)
    notifier = None if dry_run else _platform_notifier(wired)
    report = purge_expired(wired.app, as_person or BOT, notifier, dry_run)
    if report is None:
        return fail("Geen toegang: opschonen is voor de antipestcoördinator.")
    head = "Zou verwijderen" if dry_run else "Verwijderd"
    typer.echo(f"Bewaartermijn {wired.app.school.retention_months} maanden: gesloten vóór "
               f"{report.cutoff:%d-%m-%Y}. {head}: {len(report.cases)} zaak/zaken.")
    for item in report.cases:
        counts = dutch_counts(item.counts)
        typer.echo(f"  zaak {item.case_id} (gesloten {item.closed_at:%d-%m-%Y}): {counts}; berichten in de chat "
                   f"verwijderd {item.posts_deleted}, niet verwijderd {item.posts_kept}")
    if not dry_run:
        if report.posts_deleted or report.posts_kept:
            typer.echo(f"Berichten van eerder verwijderde zaken: verwijderd {report.posts_deleted}, "
                       f"nog niet verwijderd {report.posts_kept} (de volgende keer opnieuw).")
        typer.echo(f"Ontvangstbewijzen van berichten ouder dan een week verwijderd: {report.receipts}.")


@app.command("erase-student")
def erase_student(
    name: str = typer.Argument(..., help="de volledige naam van de leerling"),
    as_person: str = AsOption, db: str | None = DbOption, config: Path | None = ConfigOption,
) -> None:
    """Wis de naam van een leerling uit elke zaak (AVG-verzoek); het verslag noemt waar."""
    from flows.retention import erase_student as erase

    report = erase(_wired(db, config).app, as_person, name)
    if report is None:
        return fail("Geen toegang: wissen is voor de antipestcoördinator.")
    if not report.found:
        return fail("Geen leerling met precies deze naam in de zaken; er is niets gewist. Controleer de "
                     "schrijfwijze (volledige naam).")
    for case_id, where in report.cases.items():
        typer.echo(f"  zaak {case_id}: " + dutch_counts(where))
    typer.echo(f"Gewist in {len(report.cases)} zaak/zaken.")
    for case_id, first, times in report.undecided:
        typer.echo(f"  Niet gewist, beslis zelf: in zaak {case_id} staat de voornaam '{first}' nog {times} keer; "
                   "een ander kind in die zaak heeft dezelfde voornaam.")


@app.command("inzage")
def inzage(
    name: str = typer.Argument(..., help="de volledige naam van de leerling"),
    as_person: str = AsOption,
    out: Path = typer.Option(..., "--out", help="het bestand (.html of .pdf)"),
    db: str | None = DbOption, config: Path | None = ConfigOption,
) -> None:
    """Wat Pestbot over een leerling bewaart (inzageverzoek), met andere kinderen onherkenbaar gemaakt."""
    from flows.dossier import to_html
    from flows.retention import inzage as access_request

    wired = _wired(db, config)
    doc = access_request(wired.app, as_person, name)
    if doc is None:
        return fail("Geen toegang: inzageverzoeken zijn voor de antipestcoördinator.")
    data = wired.app.renderers["pdf"](doc) if out.suffix.lower() == ".pdf" else to_html(doc)
    typer.echo(f"Inzage geschreven: {_write(out, data)}")


key_app = typer.Typer(help="De sleutel van de versleutelde gegevens.", invoke_without_command=True)
app.add_typer(key_app, name="key")


@key_app.callback()
def key(context: typer.Context) -> None:
    """Zonder opdracht: maak een nieuwe sleutel voor PESTBOT_ENCRYPTION_KEY."""
    from cryptography.fernet import Fernet

    if context.invoked_subcommand is None:
        typer.echo(Fernet.generate_key().decode())


@key_app.command("rotate")
def key_rotate(db: str | None = DbOption) -> None:
    """Versleutel alles opnieuw met een nieuwe sleutel: PESTBOT_ENCRYPTION_KEY=nieuw,oud (of, zonder die
    variabele, het sleutelbestand van de database). Per portie; afgebroken? Opnieuw starten gaat verder."""
    from bot.keys import KeyProblem, rotation

    settings = _settings(db, None)
    try:
        done = rotation(settings.database_url, settings.encryption_key, settings.production,
                        lambda table, count: typer.echo(f"  {table}: {count}"))
    except KeyProblem as exc:
        return fail(f"De sleutel is niet gewisseld:\n{exc}")
    typer.echo(f"Opnieuw versleuteld: {done} waarden. " + (
        "Zet nu alleen de nieuwe sleutel in PESTBOT_ENCRYPTION_KEY." if settings.encryption_key else
        "Het sleutelbestand bevat nu alleen de nieuwe sleutel."))


@app.command("check-config")
def check_config(config: Path | None = ConfigOption) -> None:
    """Controleer het configuratiebestand van de school en de inhoud van het protocol."""
    from bot.wiring import languages_said, load_contents, load_school
    from flows.yamlsource import SourceError

    settings = _settings(None, config)
    try:
        school = load_school(settings.config)
        contents = load_contents(school, settings.config)
    except SourceError as exc:
        return fail(f"De configuratie klopt niet:\n{exc}")
    protocol = contents[school.language].protocol
    typer.echo(f"In orde: {school.name}, {len(school.people)} personen, {len(school.departments)} afdelingen; "
               f"protocol: {protocol.name} ({len(protocol.states)} toestanden).")
    typer.echo(languages_said(contents))


def main() -> None:
    app()
