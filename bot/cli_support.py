"""What every `pestbot` command shares: settings from the environment, a Dutch message and exit 2 instead of
a traceback, the wired app, logging for the long-running processes, counts in Dutch."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, TypeVar

from bot.settings import Settings, database_url_for

T = TypeVar("T")
EXPECTED = {"bool_parsing": "verwacht 1 of 0", "int_parsing": "verwacht een geheel getal",
            "float_parsing": "verwacht een getal", "greater_than": "te klein", "greater_than_equal": "te klein",
            "less_than_equal": "te groot", "less_than": "te groot", "string_pattern_mismatch": "niet een van de keuzes"}


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    raise SystemExit(2)


def env(model: type[T]) -> T:
    """Settings from the environment, or a Dutch message naming the variable that is not a setting (exit 2)."""
    from pydantic import ValidationError

    try:
        return model()
    except ValidationError as exc:
        wrong = "; ".join(f"{model.env_name('.'.join(map(str, e['loc'])))}={e.get('input')!s:.40} "
                          f"({EXPECTED.get(e['type'], e['msg'])})" for e in exc.errors())
        fail(f"Pestbot kan niet starten; een instelling klopt niet: {wrong}")
        raise  # unreachable: fail() exits


def settings_for(db: str | None, config: Path | None) -> Settings:
    """The settings from the environment, with a command's --db and --config over them."""
    settings = env(Settings)
    if db:
        settings.database_url = database_url_for(db)
    if config:
        settings.config = config
    return settings


def chat(as_person: str | None, db: str | None, config: Path | None) -> None:
    """`pestbot chat`: the console, as a mentor (or `as_person`) of the school's configuration."""
    from bot.clock import OffsetClock
    from bot.console import Console, KeyValue, input_lines
    from flows.school import Role

    settings = settings_for(db, config)
    clock = OffsetClock()
    wired = build_app(settings, clock)
    school = wired.app.school
    person = school.named(as_person) if as_person else school.with_role(Role.MENTOR)[0]
    if person is None:
        shown = ", ".join(p.id for p in school.people[:12]) + (" …" if len(school.people) > 12 else "")
        return fail(f"Onbekende persoon '{as_person}': geef een id of e-mailadres uit de configuratie ({shown}).")
    console = Console(wired.app, clock, person.id, KeyValue(wired.app.uow), exports=settings.exports)
    console.run(input_lines(None if sys.stdin.isatty() else sys.stdin))
    return None


SERVER_MISSING = ("Pestbot kan niet starten: de onderdelen voor Slack en Teams zijn niet geïnstalleerd (de "
                  "console heeft ze niet nodig). Installeer ze met: pip install 'pestbot[server]' "
                  "(vanuit de broncode: pip install -e '.[server]').")


def server_installed() -> bool:
    """Are the `server` extra's packages (aiohttp, Bolt, botbuilder) installed? The console needs none."""
    try:
        import aiohttp  # noqa: F401
        import botbuilder.core  # noqa: F401
        import slack_bolt  # noqa: F401
    except ImportError:
        return False
    return True


def need_server() -> None:
    """`serve`, `worker`: a Dutch message naming the extra to install, instead of a ModuleNotFoundError."""
    if not server_installed():
        fail(SERVER_MISSING)


def start_logging(settings: Settings) -> None:
    """The long-running processes (serve, worker) log as PESTBOT_LOG_LEVEL and PESTBOT_LOG_FORMAT say."""
    from bot.logsetup import configure

    configure(settings.log_level, settings.log_format)


def build_app(settings: Settings, clock: Any):  # type: ignore[no-untyped-def]
    """The wired app, or a Dutch message and exit 2 (a config error, a wrong or missing key, an old schema)."""
    from bot.keys import KeyProblem
    from bot.wiring import build
    from flows.yamlsource import SourceError
    from storage.database import SchemaOutOfDate

    try:
        return build(settings.config, settings.database_url, clock)
    except SourceError as exc:
        return fail(f"Pestbot kan niet starten; de configuratie klopt niet:\n{exc}")
    except (KeyProblem, SchemaOutOfDate) as exc:
        return fail(f"Pestbot kan niet starten:\n{exc}")


COUNTED = {"answers": "antwoorden", "agreements": "afspraken", "events": "tijdlijn", "outbox": "berichten",
           "reminders": "herinneringen", "students": "leerlingkoppelingen"}


def dutch_counts(found: dict[str, int]) -> str:
    return ", ".join(f"{COUNTED.get(k, k)} {v}" for k, v in found.items())


def replace_file(target: Path, text: str) -> None:
    """Whole or not at all (a running bot may read it at any moment: SIGHUP), keeping an existing file's mode,
    owner and group (the bot reads /etc/pestbot/school.yaml as its group); where the owner can't be kept (not
    root), the file is written in place instead."""
    import shutil

    partial = target.with_name(f".{target.name}.tmp")
    try:
        partial.write_text(text, encoding="utf-8")
        if target.exists():
            before = target.stat()
            shutil.copymode(target, partial)
            if (partial.stat().st_uid, partial.stat().st_gid) != (before.st_uid, before.st_gid):
                os.chown(partial, before.st_uid, before.st_gid)
    except OSError:
        partial.unlink(missing_ok=True)
        target.write_text(text, encoding="utf-8")
        return
    os.replace(partial, target)
