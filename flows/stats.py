"""Incident registration (incidentregistratie) of the bullying cases reported in Pestbot: anonymised counts per
month of a school year (1 August – 31 July), by the month a case was reported. The registration the Arbocatalogus
VO asks of a school, for the cases that came through the bot; not the monitoring of pupils' social safety that
the Wet veiligheid op school asks (an annual survey of a representative share of the pupils), and no
replacement for it. The CSV in the registration's categories is flows/registration.py.

No count from 1 to 4 is ever shown: it reads "<5", in the table, the CSV and the chart. A total whose
cells include a suppressed one would give that cell away, so it shows as "<5" or as a lower bound
("≥N", N counting each suppressed cell as 1, which anyone could work out already).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

from babel.dates import format_date

from flows.access import can_see_stats
from flows.content import Content
from flows.model import AuditRecord
from flows.protocol import CLOSED
from flows.school import SchoolConfig

SMALL = "<5"
MIN_SHOWN = 5


@dataclass
class Figures:
    year: str
    months: list[date]
    counts: list[dict[str, int]]
    close_days: list[int] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # new, the protocol's counted phases, incident, digital, closed
    yes: list[dict[str, int]] = field(default_factory=list)  # per month: question → cases that answered "yes"


def parse_year(text: str) -> str | None:
    match = re.fullmatch(r"\s*(\d{4})\s*[-/]\s*(\d{4})\s*", text)
    if not match or int(match[2]) != int(match[1]) + 1:
        return None
    return f"{match[1]}-{match[2]}"


def school_year_of(moment: datetime, school: SchoolConfig) -> str:
    local = moment.astimezone(school.zone())
    first = local.year if local.month >= 8 else local.year - 1
    return f"{first}-{first + 1}"


def bounds(year: str, school: SchoolConfig) -> tuple[datetime, datetime]:
    first = int(year[:4])
    zone = school.zone()
    return datetime(first, 8, 1, tzinfo=zone), datetime(first + 1, 8, 1, tzinfo=zone)


def compute(uow: Any, school: SchoolConfig, year: str, counted: tuple[str, ...]) -> Figures:
    """`counted`: the phases whose reaching is counted (the protocol's `counted`)."""
    start, end = bounds(year, school)
    months = [date(start.year + (m >= 5), (m + 7) % 12 + 1, 1) for m in range(12)]  # Aug … Jul
    columns = ("new", *counted, "incident", "digital", "closed")
    counts = [dict.fromkeys(columns, 0) for _ in months]
    yes: list[dict[str, int]] = [{} for _ in months]
    cases = uow.cases.created_between(start, end)
    transitions: dict[str, list[dict[str, Any]]] = {}
    for event in uow.events.for_cases({c.id for c in cases}, ("transition",)) if cases else []:
        transitions.setdefault(event.case_id, []).append(event.data)
    days: list[int] = []
    for case in cases:
        local = case.created_at.astimezone(school.zone())
        row = counts[(local.month - 8) % 12]
        moves = transitions.get(case.id, [])
        reached = {m["to"] for m in moves}
        row["new"] += 1
        for phase in counted:
            row[phase] += phase in reached
        row["incident"] += any(m.get("trigger") == "severe_incident" for m in moves)
        row["digital"] += case.value("digital") == "yes"
        said = yes[(local.month - 8) % 12]
        for answer in case.answers:
            if not answer.skipped and answer.value == "yes":
                said[answer.question_id] = said.get(answer.question_id, 0) + 1
        if case.state == CLOSED:
            row["closed"] += 1
            days.append((case.phase_started_at - case.created_at).days)
    return Figures(year, months, counts, days, columns, yes)


def cell(n: int) -> str:
    return SMALL if 0 < n < MIN_SHOWN else str(n)


def total(values: list[int]) -> str:
    """A total that never gives a suppressed cell away."""
    whole = sum(values)
    if 0 < whole < MIN_SHOWN:
        return SMALL
    hidden = [v for v in values if 0 < v < MIN_SHOWN]
    if not hidden:
        return str(whole)
    return f"≥{sum(v for v in values if v >= MIN_SHOWN) + len(hidden)}"


def median_days(figures: Figures) -> str:
    return SMALL if len(figures.close_days) < MIN_SHOWN else str(round(median(figures.close_days)))


def rows(figures: Figures, content: Content) -> list[list[str]]:
    """The table as strings: a header, one row per month, the totals, every number already suppressed."""
    columns = figures.columns
    out = [["month", *columns]]
    for month, counts in zip(figures.months, figures.counts):
        out.append([format_date(month, "MMM yyyy", locale=content.language), *(cell(counts[c]) for c in columns)])
    out.append([content.msg("stats_total"), *(total([m[c] for m in figures.counts]) for c in columns)])
    return out


def chart_series(figures: Figures, content: Content, column: str = "new") -> list[tuple[str, int | None]]:
    """What the chart may draw: a month and its count, or None where the count must not show."""
    return [(format_date(month, "MMM", locale=content.language),
             None if 0 < counts[column] < MIN_SHOWN else counts[column])
            for month, counts in zip(figures.months, figures.counts)]


def table_text(figures: Figures, content: Content) -> str:
    lines = [content.msg("stats_header", year=figures.year), content.msg("stats_columns")]
    for row in rows(figures, content)[1:]:
        lines.append(f"{row[0]}: " + " · ".join(row[1:]))
    lines.append(content.msg("stats_close_days", days=median_days(figures)))
    return "\n".join(lines)


def statistics(app: Any, person_id: str, year: str | None = None) -> Figures | None:
    """The figures of a school year for the coordinator and the team; None (on record) for anyone else."""
    person = app.school.person(person_id)
    now = app.clock.now()
    year = year or school_year_of(now, app.school)
    with app.uow() as uow:
        if person is None or not can_see_stats(person):
            uow.audit.add(AuditRecord(now, person_id, "denied", None, {"what": "stats"}))
            uow.commit()
            return None
        figures = compute(uow, app.school, year, app.protocol.counted)
        uow.audit.add(AuditRecord(now, person.id, "stats", None, {"year": year}))
        uow.commit()
    return figures
