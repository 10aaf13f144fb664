"""The yearly CSV of `pestbot stats`: incident registration (incidentregistratie) of the bullying cases in Pestbot,
in the categories of the Incidentenvenster-VO, with what Pestbot does not record said as such.

What the law and the sector ask, and where it says so:
- The Arbocatalogus VO, norm "Incidentenregistratie": the employer registers every incident of aggression,
  violence, bullying, discrimination and sexual and homophobic intimidation in or near the school, and analyses
  the registration periodically (https://www.arbocatalogus-vo.nl/psychosociale-arbeidsbelasting-psa/
  incidentenregistratie/).
- Voion's Incidentenvenster-VO, the free registration system for secondary schools, uses the definitions OCW had
  drawn up (https://www.voion.nl/veilig-en-vitaal-werken/sociale-veiligheid/sociale-veiligheid/
  incidentenregistratie/): the report "Definities van incidenten in het onderwijs" (ITS, Radboud Universiteit,
  for OCW, 2009). Its nine incidents, as schools list them (e.g. https://www.sophianum.nl/informatie/
  incidentregistratie/): physical violence with injury; physical violence with a weapon; carrying a weapon;
  sexual abuse; serious bullying (grove pesterijen); discrimination; threats; damage or theft; drugs. "Digital"
  is no category there but the means (waarmee: digital systems), so it is a part of a category here.
- The Wet veiligheid op school asks something else: monitoring the pupils' experienced and actual safety at least
  once a school year, among a representative share of them, with a standardised, valid and reliable instrument
  (Inrichtingsbesluit WVO, Stb. 2020, 209). Counts of reported cases are not that monitor and do not replace it.

Every case in Pestbot is a bullying case; whether it was "grof" the bot does not ask. The protocol asks a few
yes/no questions that tell more (digital, sexual images or messages, criminal acts) and records severe
incidents; the rest of the registration's categories it never asks, so they read "niet vastgelegd", never 0.
A question the school's protocol does not have reads "niet vastgelegd" too.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from babel.dates import format_date

from flows.content import Content
from flows.stats import Figures, cell, median_days, total

EVERY_CASE, INCIDENT = "*", "!incident"


@dataclass(frozen=True)
class Row:
    key: str  # its label is the message stats_cat_<key>
    source: str | None  # EVERY_CASE, INCIDENT, a yes/no question whose "yes" counts, or None: not recorded


# The nine incidents of the OCW definitions, in their order; digital bullying as a part of bullying.
CATEGORIES = (
    Row("physical_injury", None), Row("physical_weapon", None), Row("weapons", None), Row("sexual_abuse", None),
    Row("bullying", EVERY_CASE), Row("digital", "digital"), Row("discrimination", None), Row("threats", None),
    Row("damage_theft", None), Row("drugs", None),
)
# What the protocol records that none of the nine names: "overig" in the registration.
OTHER = (Row("sexual_content", "sexual_content"), Row("incident", INCIDENT), Row("criminal", "criminal_acts"))


def _how(row: Row, content: Content) -> str:
    if row.source == EVERY_CASE:
        return content.msg("stats_how_case")
    if row.source == INCIDENT:
        return content.msg("stats_how_incident")
    return content.msg("stats_how_yes", question=content.texts.questions[str(row.source)].label)


def _monthly(row: Row, figures: Figures) -> list[int]:
    if row.source == EVERY_CASE:
        return [m["new"] for m in figures.counts]
    if row.source == INCIDENT:
        return [m.get("incident", 0) for m in figures.counts]
    return [said.get(str(row.source), 0) for said in figures.yes] if figures.yes else [0] * len(figures.months)


def _recorded(row: Row, content: Content) -> bool:
    return row.source in (EVERY_CASE, INCIDENT) or row.source in content.questions


def _line(label: str, how: str, values: list[int]) -> list[str]:
    return [label, how, *(cell(v) for v in values), total(values)]


def table(figures: Figures, content: Content) -> list[list[str]]:
    """The registration as strings: a header, a row per category, then how the cases went through the protocol;
    every number already suppressed (1 to 4 as "<5")."""
    months = [format_date(month, "MMM yyyy", locale=content.language) for month in figures.months]
    out = [[content.msg("stats_category"), content.msg("stats_counted"), *months, content.msg("stats_total")]]
    for row in CATEGORIES + OTHER:
        label = content.msg(f"stats_cat_{row.key}")
        if _recorded(row, content):
            out.append(_line(label, _how(row, content), _monthly(row, figures)))
        else:
            out.append([label] + [content.msg("stats_not_recorded")] * (len(months) + 2))
    out.append([content.msg("stats_protocol")])
    for column in figures.columns:
        if column in ("new", "incident", "digital"):  # above already
            continue
        label = content.msg("stats_closed") if column == "closed" else content.msg(
            "stats_reached", phase=content.state_name(column))
        out.append(_line(label, "", [m[column] for m in figures.counts]))
    return out


def to_csv(figures: Figures, content: Content) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([content.msg("stats_title"), figures.year])
    writer.writerow([content.msg("stats_not_monitor")])
    writer.writerow([content.msg("stats_source")])
    writer.writerow([content.msg("stats_not_recorded_note")])
    writer.writerows(table(figures, content))
    writer.writerow([content.msg("stats_median"), median_days(figures)])
    return buffer.getvalue()
