"""The composition root: config, content, database and clock wired into one `App`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flows.content import Content, LanguageError, load_content, roles_needed, shipped
from flows.languages import DEFAULT_LANGUAGE, language_name, own_file
from flows.ports import Clock
from flows.school import Role, SchoolConfig, parse_people, parse_school
from flows.services import App, keyed_fingerprint
from flows.yamlsource import SourceError, parse_yaml

PLATFORMS = ("slack", "teams")  # the chat platforms with an adapter (bot/<platform>/); people's `ids` name these


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"{path}: kan het bestand niet lezen ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: het bestand is geen UTF-8 (byte {exc.start})") from None


def people_path(config_path: Path, text: str) -> Path | None:
    """The people file the config names (`people_file:`), relative to the config; None when it names none."""
    if "people_file" not in text:  # most configs: no second parse of the YAML
        return None
    data, _ = parse_yaml(text, str(config_path))
    name = data.get("people_file") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        return None  # not a file name: the config's own validation says so
    path = Path(name)
    return path if path.is_absolute() else config_path.parent / path


def load_school(path: Path) -> SchoolConfig:
    """The school's config, with the people of its people file; errors name the file and line."""
    text = read_text(path)
    more = people_path(path, text)
    people = parse_people(read_text(more), str(more), PLATFORMS) if more is not None else ()
    return parse_school(text, str(path), PLATFORMS, people)


def protocol_of(school: SchoolConfig, config_path: Path) -> str:
    """The school's protocol: a shipped one by name, or its own folder, relative to the config file."""
    name = school.protocol
    if shipped(name):
        return name
    path = Path(name)
    return str(path if path.is_absolute() else (config_path.parent / path))


def languages_of(school: SchoolConfig, config_path: Path) -> tuple[str, ...] | None:
    """The languages the school offers: codes, and its own words files relative to the config file."""
    if school.languages is None:
        return None
    return tuple(str(config_path.parent / entry) if own_file(entry) and not Path(entry).is_absolute() else entry
                 for entry in school.languages)


def load_contents(school: SchoolConfig, config_path: Path) -> dict[str, Content]:
    """The school's protocol with its words in every language it offers; the school's language is one of them,
    as is each person's; every role the protocol needs is someone's in the config."""
    try:
        contents = load_content(protocol_of(school, config_path), languages_of(school, config_path))
    except LanguageError as exc:
        raise SourceError(f"{config_path}: {exc}") from None
    if school.language not in contents:
        raise SourceError(f"{config_path}: language: {school.language} wordt niet aangeboden; zet die taal ook "
                          f"onder languages (nu: {', '.join(contents)})")
    check_languages(school, contents, config_path)
    check_roles(school, contents[school.language], config_path)
    return contents


def check_languages(school: SchoolConfig, contents: dict[str, Content], config_path: Path) -> None:
    """Every person's language is one the school offers (also checked when people are reloaded)."""
    wrong = [f"{config_path}: persoon {p.id}: taal '{p.language}' wordt niet aangeboden (languages: "
             f"{', '.join(contents)})" for p in school.people if p.language and p.language not in contents]
    if wrong:
        raise SourceError("\n".join(wrong))


def languages_said(contents: dict[str, Content]) -> str:
    """The languages offered, in Dutch, and for each partial one how much of it is said in the default."""
    said = [f"{code} ({language_name(code)}" + (f": {c.fallback} van {c.total} teksten in het "
                                                f"{language_name(DEFAULT_LANGUAGE)})" if c.fallback else ")")
            for code, c in contents.items()]
    return f"Talen: {', '.join(said)}."


def check_roles(school: SchoolConfig, content: Content, config_path: Path) -> None:
    """Every role the protocol names is someone's in the config (also checked when people are reloaded)."""
    missing = sorted(role for role in roles_needed(content) if not school.with_role(Role(role)))
    if missing:
        raise SourceError(f"{config_path}: het protocol ({content.protocol.name}) noemt de rol "
                          f"{', '.join(missing)}, maar niemand in people heeft die rol")


@dataclass
class Wired:
    app: App
    engine: Any  # sqlalchemy.Engine, kept for the console's own small state and for shutdown


def build(config_path: Path, database_url: str, clock: Clock, migrate: bool = True,
          encryption_key: str | None = None) -> Wired:
    """`encryption_key` (Fernet, comma-separated for rotation) defaults to PESTBOT_ENCRYPTION_KEY; without
    one, a development database gets a key file of its own (bot/keys.py); PESTBOT_PRODUCTION=1 refuses that."""
    from bot.keys import cipher_from, fingerprint_key, resolve_key, wrong_key
    from bot.pdf import render_pdf
    from bot.settings import Settings
    from storage.database import ensure_schema, make_engine
    from storage.sealing import WrongKey
    from storage.sealing import check as check_key
    from storage.uow import SqlAlchemyUnitOfWork

    school = load_school(config_path)
    contents = load_contents(school, config_path)
    settings = Settings()
    key = settings.encryption_key if encryption_key is None else encryption_key
    keys = resolve_key(database_url, key, settings.production)
    engine = make_engine(database_url, cipher=cipher_from(keys.text))
    if migrate:
        ensure_schema(engine)
    try:
        check_key(engine)
    except WrongKey:
        engine.dispose()
        raise wrong_key(keys) from None
    app = App(school=school, contents=contents, uow=lambda: SqlAlchemyUnitOfWork(engine), clock=clock,
              renderers={"pdf": render_pdf}, reply_lease=timedelta(seconds=settings.reply_lease),
              fingerprint=keyed_fingerprint(fingerprint_key(keys.text)))
    return Wired(app=app, engine=engine)
