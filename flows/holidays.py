"""The school holidays as the Rijksoverheid publishes them, for the calendar of the school's config.

The open data (https://www.rijksoverheid.nl/opendata/schoolvakanties, JSON) comes as one object per school
year, or as a list of them (all school years): `content` → `schoolyear` and `vacations`; each vacation has a
`type` (its name, sometimes wrapped in whitespace), `compulsorydates` ("false": the ministry only advises
these dates, a school may differ) and `regions`: `region` (noord, midden, zuid, or "heel Nederland" for all
three), `startdate` and `enddate`. Those are instants in UTC: the start at 00:00Z of the first day, the end at
23:59 Dutch time on the last day (21:59Z in summer time, 22:59Z in winter time). Read in Dutch time, both give
the first and the last day of the holiday; our Holiday's end is inclusive too.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flows.calendar import Holiday

REGIONS = ("noord", "midden", "zuid")
EVERYWHERE = "heel nederland"
DUTCH_TIME = ZoneInfo("Europe/Amsterdam")  # the publisher's days are Dutch days, whatever the school's zone
_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_PLAIN = re.compile(r"^[^\W_][\w '()-]*$")  # a name YAML reads as itself, inside a flow mapping too
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}


class HolidayDataError(ValueError):
    """The file, the region or the school year can't be used; the message says why, in Dutch."""


@dataclass(frozen=True)
class Published:
    name: str
    start: date
    end: date  # inclusive: the last day of the holiday
    advisory: bool = False  # compulsorydates "false": advised dates only


@dataclass(frozen=True)
class SchoolYear:
    year: str
    region: str
    holidays: tuple[Published, ...]
    notice: str = ""  # the publisher's remark (which dates are advice), readable
    skipped: tuple[str, ...] = ()  # region names we did not know, by holiday: said, not silently dropped


@dataclass(frozen=True)
class Merged:
    holidays: tuple[Holiday, ...]
    replaced: tuple[Holiday, ...] = ()
    kept: tuple[Holiday, ...] = ()
    advisory: frozenset[Holiday] = field(default_factory=frozenset)


def school_year(value: str) -> str:
    """'2026-2027' from '2026-2027', '2026/2027' or ' 2026 - 2027 '."""
    year = re.sub(r"\s+", "", value).replace("/", "-")
    found = _YEAR.match(year)
    if not found or int(found[2]) != int(found[1]) + 1:
        raise HolidayDataError(f"Schooljaar '{value.strip()}': schrijf het als 2026-2027.")
    return year


def read_published(text: str, source: str, region: str, year: str | None) -> SchoolYear:
    """The holidays of `region` in school `year` (None: the one school year in the file)."""
    wanted = region.strip().lower()
    if wanted not in REGIONS:
        raise HolidayDataError(f"Onbekende regio '{region.strip()}'. Kies noord, midden of zuid.")
    chosen = school_year(year) if year is not None else None
    years = _years(_load(text, source), source)
    if chosen is None:
        if len(years) > 1:
            raise HolidayDataError(f"{source} heeft meer schooljaren. Kies een schooljaar met --year: "
                                   f"{', '.join(sorted(years))}.")
        chosen = next(iter(years))
    if chosen not in years:
        raise HolidayDataError(f"Schooljaar {chosen} staat niet in {source}; wel: {', '.join(sorted(years))}.")
    vacations, notice = years[chosen]
    holidays: list[Published] = []
    skipped: list[str] = []
    for vacation in vacations:
        name, advisory, regions = _vacation(vacation, source)
        for entry in regions:
            where = _text(entry, "region", source, name).lower()
            if where not in (wanted, EVERYWHERE):
                if where not in REGIONS:
                    skipped.append(f"{name}: regio '{where}'")
                continue
            start = _day(entry, "startdate", source, f"{name} ({_text(entry, 'region', source, name)})")
            end = _day(entry, "enddate", source, f"{name} ({_text(entry, 'region', source, name)})")
            if end < start:
                raise HolidayDataError(f"{source}: {name} ({_text(entry, 'region', source, name)}): het einde "
                                       "ligt voor het begin.")
            holidays.append(Published(name, start, end, advisory))
    if not holidays:
        raise HolidayDataError(f"{source}: geen vakanties voor regio {wanted} in schooljaar {chosen}.")
    holidays.sort(key=lambda h: (h.start, h.end))
    return SchoolYear(chosen, wanted, tuple(holidays), notice, tuple(skipped))


def _load(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise HolidayDataError(f"{source} is geen JSON (regel {exc.lineno}, teken {exc.colno}). Download de "
                               "schoolvakanties als JSON (…/schoolyear/2026-2027?output=json).") from None


def _years(data: Any, source: str) -> dict[str, tuple[list[Any], str]]:
    """School year → (its vacations, the notice), from one object or a list of them."""
    items = data if isinstance(data, list) else [data]
    years: dict[str, tuple[list[Any], str]] = {}
    for item in items:
        contents = item.get("content") if isinstance(item, dict) else None
        if not isinstance(contents, list):
            years = {}
            break
        notice = item.get("notice")
        notice = " ".join(html.unescape(notice).split()).lstrip("¹²³* ") if isinstance(notice, str) else ""
        for content in contents:
            schoolyear = content.get("schoolyear") if isinstance(content, dict) else None
            vacations = content.get("vacations") if isinstance(content, dict) else None
            if not isinstance(schoolyear, str) or not isinstance(vacations, list):
                raise HolidayDataError(f"{source}: een schooljaar zonder 'schoolyear' of zonder lijst 'vacations'.")
            try:
                year = school_year(schoolyear)
            except HolidayDataError:
                raise HolidayDataError(f"{source}: schooljaar '{schoolyear.strip()}' is geen schooljaar.") from None
            before = years.get(year, ([], notice))
            years[year] = (before[0] + vacations, before[1] or notice)
    if not years:
        raise HolidayDataError(f"{source}: hierin staan geen schoolvakanties van de Rijksoverheid (verwacht: "
                               "content → schoolyear, vacations → regions). Download de JSON van "
                               "opendata.rijksoverheid.nl (…/infotypes/schoolholidays).")
    return years


def _vacation(vacation: Any, source: str) -> tuple[str, bool, list[Any]]:
    kind = vacation.get("type") if isinstance(vacation, dict) else None
    name = " ".join(kind.split()) if isinstance(kind, str) else ""
    if not name:
        raise HolidayDataError(f"{source}: een vakantie zonder naam ('type').")
    regions = vacation.get("regions")
    if not isinstance(regions, list) or not all(isinstance(r, dict) for r in regions):
        raise HolidayDataError(f"{source}: {name} heeft geen lijst 'regions'.")
    compulsory = vacation.get("compulsorydates")
    advisory = compulsory is False or (isinstance(compulsory, str) and compulsory.strip().lower() == "false")
    return name, advisory, regions


def _text(entry: dict[str, Any], key: str, source: str, name: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise HolidayDataError(f"{source}: {name}: '{key}' ontbreekt.")
    return " ".join(value.split())


def _day(entry: dict[str, Any], key: str, source: str, what: str) -> date:
    value = _text(entry, key, source, what)
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise HolidayDataError(f"{source}: {what}: {key} '{value}' is geen datum.") from None
    return moment.astimezone(DUTCH_TIME).date() if moment.tzinfo else moment.date()


def merge(existing: Sequence[Holiday], imported: Sequence[Published]) -> Merged:
    """The config's holidays with the imported ones: an existing holiday that overlaps an imported one is
    replaced by it; the rest (the school's own days, another school year) is kept. Sorted by date."""
    new = [Holiday(name=h.name, start=h.start, end=h.end) for h in imported]
    replaced = tuple(h for h in existing if any(h.start <= n.end and n.start <= h.end for n in new))
    kept = tuple(h for h in existing if h not in replaced)
    holidays = tuple(sorted(kept + tuple(dict.fromkeys(new)), key=lambda h: (h.start, h.end, h.name)))
    advisory = frozenset(Holiday(name=h.name, start=h.start, end=h.end) for h in imported if h.advisory)
    return Merged(holidays, replaced, kept, advisory)


def holiday_lines(holidays: Sequence[Holiday], advisory: frozenset[Holiday] = frozenset()) -> list[str]:
    """One YAML flow-mapping line per holiday (`- {name: …, start: …, end: …}`), as the example config writes
    them; advised dates say so in a comment."""
    lines = []
    for h in holidays:
        plain = _PLAIN.match(h.name) and h.name.lower() not in _YAML_WORDS
        name = h.name if plain else json.dumps(h.name, ensure_ascii=False)
        line = f"- {{name: {name}, start: {h.start.isoformat()}, end: {h.end.isoformat()}}}"
        lines.append(line + ("  # adviesdatum" if h in advisory else ""))
    return lines
