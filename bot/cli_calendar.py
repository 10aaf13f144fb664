"""`pestbot calendar import FILE --region … --year …`: the school holidays from the Rijksoverheid's open data
(a downloaded JSON file; no network at run time) into the calendar of the school's config.

Without --write it shows the `holidays:` block as it would be; with --write it replaces that block in the config
file and leaves every other line as it was, comments included. It changes the file only where it can prove the
result: the YAML read back must be the old config with just the new holidays; otherwise nothing is written and
the block is shown to paste by hand.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import typer

from bot.cli_support import fail, replace_file, settings_for

app = typer.Typer(help="De schoolkalender: schooldagen en vakanties.", no_args_is_help=True)

ConfigOption = typer.Option(None, "--config", help="het configuratiebestand van de school (standaard het voorbeeld)")
_TOP = re.compile(r"calendar:[ \t]*(#.*)?")
_KEY = re.compile(r"holidays:(?=\s|$)")


FileArgument = typer.Argument(..., help="de schoolvakanties van de Rijksoverheid, gedownload als JSON "
                                         "(opendata.rijksoverheid.nl, …/infotypes/schoolholidays)")
RegionOption = typer.Option(None, "--region", help="de vakantieregio van de school: noord, midden of zuid")
YearOption = typer.Option(None, "--year", help="het schooljaar, bijvoorbeeld 2026-2027 (nodig als het bestand "
                                               "meer schooljaren heeft)")
WriteOption = typer.Option(False, "--write", help="schrijf de vakanties in het configuratiebestand; zonder --write "
                                                  "toont Pestbot ze alleen")


@app.command("import")
def import_holidays(
    file: Path = FileArgument,
    region: str | None = RegionOption,
    year: str | None = YearOption,
    config: Path | None = ConfigOption,
    write: bool = WriteOption,
) -> None:
    """Zet de schoolvakanties van de Rijksoverheid (open data, JSON) in de kalender van de configuratie.

    Een vakantie in de configuratie die samenvalt met een nieuwe, wordt vervangen; de rest (eigen studiedagen,
    de zomervakantie van het lopende jaar) blijft staan."""
    from pydantic import ValidationError

    from bot.settings import EXAMPLE_CONFIG
    from bot.wiring import read_text
    from flows.calendar import SchoolCalendar
    from flows.holidays import HolidayDataError, holiday_lines, merge, read_published
    from flows.yamlsource import SourceError, parse_yaml

    nothing = "Er is niets geschreven:\n" if write else ""
    config_path = settings_for(None, config).config
    bundled = config_path.resolve().parent == EXAMPLE_CONFIG.resolve().parent
    if write and bundled:
        return fail(f"{nothing}Geef met --config het configuratiebestand van de school (of zet PESTBOT_CONFIG); "
                    "het voorbeeld dat met Pestbot meekomt, overschrijft Pestbot niet.")
    if region is None:
        return fail(f"{nothing}Geef de regio van de school met --region: noord, midden of zuid.")
    text, data = "", {}
    try:
        chosen = read_published(read_text(file), file.name, region, year)
        if not bundled:
            text = read_text(config_path)
            data, _ = parse_yaml(text, str(config_path))
    except (HolidayDataError, SourceError) as exc:
        return fail(f"{nothing}{exc}")
    if not isinstance(data, dict):
        return fail(f"{nothing}{config_path}: dit is geen configuratie (verwacht: sleutels als name:, calendar:).")
    try:
        current = SchoolCalendar.model_validate(data.get("calendar") or {})
    except ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return fail(f"{nothing}{config_path}: de kalender (calendar:) klopt nu niet ({wrong}). Herstel die eerst; "
                    "pestbot check-config zegt op welke regel.")
    merged = merge(current.holidays, chosen.holidays)
    lines = holiday_lines(merged.holidays, merged.advisory)
    block = "calendar:\n  holidays:\n" + "".join(f"    {line}\n" for line in lines)
    summary = _summary(chosen, merged)
    if not write:
        typer.echo(block, nl=False)
        target = "--config met het bestand van de school en --write" if bundled else "--write"
        typer.echo(f"{summary}\nSchrijf dit in de configuratie met {target}, of plak het onder calendar: "
                   "in de plaats van holidays:.", err=True)
        return None
    new_text = spliced(text, lines, str(config_path))
    if new_text is None:
        typer.echo(block, nl=False)
        return fail(f"{nothing}{config_path}: de kalender staat er anders in dan Pestbot veilig kan aanpassen "
                    "(bijvoorbeeld op één regel). Vervang holidays: onder calendar: zelf; plak daarvoor het "
                    f"blok hierboven.\n{summary}")
    try:
        replace_file(config_path.resolve(), new_text)
    except OSError as exc:
        return fail(f"{nothing}{config_path}: kan het bestand niet schrijven ({exc.strerror}).")
    typer.echo(f"{summary}\nGeschreven in {config_path}. Controleer het met: pestbot check-config --config "
               f"{config_path}\nDe draaiende bot neemt de kalender over na een SIGHUP: systemctl reload pestbot "
               "'pestbot-worker@*', of docker compose kill -s HUP serve worker.", err=True)
    return None


def _summary(chosen: Any, merged: Any) -> str:
    lines = [f"Schoolvakanties {chosen.year}, regio {chosen.region} (Rijksoverheid): {len(chosen.holidays)} vakanties."]
    if merged.replaced:
        lines.append(f"Vervangen: {_listed(merged.replaced)}.")
    if merged.kept:
        lines.append(f"Behouden: {_listed(merged.kept)}.")
    advised = sorted({h.name for h in chosen.holidays if h.advisory})
    if advised:
        lines.append(f"Adviesdata (de school mag ervan afwijken; vergelijk ze met de schoolgids): "
                     f"{', '.join(advised)}.")
    if chosen.skipped:
        lines.append(f"Overgeslagen, onbekende regio: {'; '.join(chosen.skipped)}.")
    if chosen.notice:
        lines.append(f"Toelichting van de Rijksoverheid: {chosen.notice}")
    return "\n".join(lines)


def _listed(holidays: Any) -> str:
    def day(d: date) -> str:
        return d.strftime("%d-%m-%Y")

    return ", ".join(f"{h.name} ({day(h.start)}" + (f" t/m {day(h.end)})" if h.end != h.start else ")")
                     for h in holidays)


def spliced(text: str, lines: list[str], source: str) -> str | None:
    """`text` with calendar → holidays replaced by `lines` (a calendar added at the end when there is none), every
    other line as it was; None unless the YAML read back is the old config with exactly these holidays."""
    import yaml

    from flows.calendar import SchoolCalendar
    from flows.yamlsource import SourceError, parse_yaml

    newline = "\r\n" if "\r\n" in text else "\n"
    rows = text.splitlines(keepends=True)
    if rows and not rows[-1].endswith("\n"):
        rows[-1] += newline
    new = _rows(rows, lines, newline)
    if new is None:
        return None
    result = "".join(new)
    try:
        old, _ = parse_yaml(text, source)
        back, _ = parse_yaml(result, source)
    except SourceError:
        return None
    expected = yaml.safe_load("\n".join(lines)) or []
    if not isinstance(back, dict) or not isinstance(back.get("calendar"), dict):
        return None
    if back["calendar"].get("holidays") != expected or _without_holidays(back) != _without_holidays(old):
        return None
    try:
        SchoolCalendar.model_validate(back["calendar"])
    except ValueError:
        return None
    return result


def _rows(rows: list[str], lines: list[str], newline: str) -> list[str] | None:
    tops = [i for i, row in enumerate(rows) if _TOP.fullmatch(row.rstrip("\r\n"))]
    if not tops:
        if any(row.startswith("calendar") for row in rows):
            return None  # a calendar in another form (flow style, quoted key): not ours to rewrite
        return [*rows, newline, f"calendar:{newline}", *_block("  ", lines, newline)]
    if len(tops) > 1:
        return None
    top = tops[0]
    last = top  # the calendar's last line with content; comments and blank lines after it belong to what follows
    for i in range(top + 1, len(rows)):
        if _content(rows[i]):
            if _indent(rows[i]) == 0:
                break
            last = i
    children = [i for i in range(top + 1, last + 1) if _content(rows[i])]
    if not children:
        return rows[:top + 1] + _block("  ", lines, newline) + rows[top + 1:]
    indent = _indent(rows[children[0]])
    keys = [i for i in children if _indent(rows[i]) == indent and _KEY.match(rows[i][indent:])]
    block = _block(" " * indent, lines, newline)
    if not keys:
        return rows[:last + 1] + block + rows[last + 1:]
    if len(keys) > 1:
        return None
    key = keys[0]
    stop = key
    rest = rows[key][indent + len("holidays:"):].strip()
    if not rest or rest.startswith("#"):  # a block value: the items below, deeper or as '- ' at the key's indent
        for i in range(key + 1, last + 1):
            if not _content(rows[i]):
                continue
            here = _indent(rows[i])
            if here < indent or (here == indent and not rows[i].lstrip(" ").startswith("-")):
                break
            stop = i
    return rows[:key] + block + rows[stop + 1:]


def _block(indent: str, lines: list[str], newline: str) -> list[str]:
    return [f"{indent}holidays:{newline}", *(f"{indent}  {line}{newline}" for line in lines)]


def _content(row: str) -> bool:
    stripped = row.strip()
    return bool(stripped) and not stripped.startswith("#")


def _indent(row: str) -> int:
    return len(row) - len(row.lstrip(" "))


def _without_holidays(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    calendar = data.get("calendar")
    rest = {k: v for k, v in data.items() if k != "calendar"}
    if isinstance(calendar, dict):
        calendar = {k: v for k, v in calendar.items() if k != "holidays"}
    if calendar:
        rest["calendar"] = calendar
    return rest
