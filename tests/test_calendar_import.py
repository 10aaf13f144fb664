"""`pestbot calendar import FILE --region … --year …`: the school holidays from the Rijksoverheid's open data
into the calendar of the school's config, as an IT admin runs it. The files are those of tests/test_holidays.py,
which name their sources."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.settings import EXAMPLE_CONFIG
from bot.wiring import load_school
from tests.test_holidays import ALL_YEARS, ONE_YEAR

EXAMPLE = EXAMPLE_CONFIG.read_text(encoding="utf-8")
OLD_BLOCK = EXAMPLE[EXAMPLE.index("  holidays:\n"):EXAMPLE.index("\nsafety_channel:")]


@pytest.fixture
def school_dir(tmp_path: Path) -> Path:
    (tmp_path / "school.yaml").write_text(EXAMPLE, encoding="utf-8")
    (tmp_path / "vakanties.json").write_text(ALL_YEARS, encoding="utf-8")
    return tmp_path


def run(school_dir: Path, *args: str, write: bool = False):  # type: ignore[no-untyped-def]
    extra = ["--write"] if write else []
    return CliRunner().invoke(cli, ["calendar", "import", str(school_dir / "vakanties.json"),
                                    "--config", str(school_dir / "school.yaml"), *args, *extra])


def holidays(path: Path) -> list[tuple[str, date, date]]:
    return [(h.name, h.start, h.end) for h in load_school(path).calendar.holidays]


def test_without_write_it_shows_the_block_and_changes_nothing(school_dir):
    result = run(school_dir, "--region", "midden", "--year", "2026-2027")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("calendar:\n  holidays:\n"
                                    "    - {name: Herfstvakantie, start: 2026-10-17, end: 2026-10-25}  # adviesdatum\n")
    assert "    - {name: Zomervakantie, start: 2027-07-17, end: 2027-08-29}\n" in result.stdout
    assert "Schoolvakanties 2026-2027, regio midden (Rijksoverheid): 5 vakanties." in result.stderr
    assert "Adviesdata" in result.stderr and "Herfstvakantie, Voorjaarsvakantie" in result.stderr
    assert "--write" in result.stderr
    assert (school_dir / "school.yaml").read_text(encoding="utf-8") == EXAMPLE


def test_write_replaces_the_holidays_and_keeps_the_rest_of_the_file_with_its_comments(school_dir):
    (school_dir / "school.yaml").chmod(0o640)  # as docs/deploy.md installs it: the bot reads it as its group
    result = run(school_dir, "--region", "midden", "--year", "2026-2027", write=True)
    assert result.exit_code == 0, result.output
    assert (school_dir / "school.yaml").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in school_dir.iterdir()) == ["school.yaml", "vakanties.json"]  # no leftovers
    written = (school_dir / "school.yaml").read_text(encoding="utf-8")
    new_block = written[written.index("  holidays:\n"):written.index("\nsafety_channel:")]
    assert written.replace(new_block, OLD_BLOCK) == EXAMPLE  # every other byte as it was, comments included
    assert holidays(school_dir / "school.yaml") == [
        ("Herfstvakantie", date(2026, 10, 17), date(2026, 10, 25)),
        ("Kerstvakantie", date(2026, 12, 19), date(2027, 1, 3)),
        ("Voorjaarsvakantie", date(2027, 2, 20), date(2027, 2, 28)),
        ("Meivakantie", date(2027, 4, 24), date(2027, 5, 2)),
        ("Zomervakantie", date(2027, 7, 17), date(2027, 8, 29))]
    assert "Geschreven in" in result.stderr and "pestbot check-config" in result.stderr
    check = CliRunner().invoke(cli, ["check-config", "--config", str(school_dir / "school.yaml")])
    assert check.exit_code == 0, check.output


def test_the_next_year_keeps_this_summer_and_the_schools_own_days(school_dir):
    config = school_dir / "school.yaml"
    config.write_text(EXAMPLE.replace(
        "    - {name: Herfstvakantie, start: 2026-10-17, end: 2026-10-25}\n",
        "    - {name: Zomervakantie, start: 2026-07-18, end: 2026-08-30}\n"
        "    - {name: Herfstvakantie, start: 2026-10-17, end: 2026-10-25}\n"
        "    - {name: Studiedag, start: 2026-11-12, end: 2026-11-12}\n"), encoding="utf-8")
    result = run(school_dir, "--region", "midden", "--year", "2026-2027", write=True)
    assert result.exit_code == 0, result.output
    names = [name for name, _, _ in holidays(config)]
    assert names == ["Zomervakantie", "Herfstvakantie", "Studiedag", "Kerstvakantie", "Voorjaarsvakantie",
                     "Meivakantie", "Zomervakantie"]
    assert "Behouden: Zomervakantie (18-07-2026 t/m 30-08-2026), Studiedag (12-11-2026)" in result.stderr
    first = config.read_text(encoding="utf-8")
    again = run(school_dir, "--region", "midden", "--year", "2026-2027", write=True)
    assert again.exit_code == 0, again.output
    assert config.read_text(encoding="utf-8") == first  # the same import twice: the same file


def test_a_config_without_a_calendar_gets_one_at_the_end(school_dir):
    config = school_dir / "school.yaml"
    start, stop = EXAMPLE.index("# Reminders to people come"), EXAMPLE.index("safety_channel:")
    without = EXAMPLE[:start] + EXAMPLE[stop:]
    config.write_text(without, encoding="utf-8")
    result = run(school_dir, "--region", "zuid", "--year", "2026-2027", write=True)
    assert result.exit_code == 0, result.output
    written = config.read_text(encoding="utf-8")
    assert written.startswith(without)
    assert holidays(config)[2] == ("Voorjaarsvakantie", date(2027, 2, 13), date(2027, 2, 21))
    assert load_school(config).calendar.working_days == ("mon", "tue", "wed", "thu", "fri")


def test_a_calendar_written_on_one_line_is_not_guessed_at(school_dir):
    config = school_dir / "school.yaml"
    start, stop = EXAMPLE.index("calendar:\n"), EXAMPLE.index("safety_channel:")
    one_line = 'calendar: {working_days: [mon, tue, wed, thu, fri], day_start: "08:00"}\n\n'
    flow = EXAMPLE[:start] + one_line + EXAMPLE[stop:]
    config.write_text(flow, encoding="utf-8")
    result = run(school_dir, "--region", "noord", "--year", "2026-2027", write=True)
    assert result.exit_code == 2
    assert config.read_text(encoding="utf-8") == flow
    assert "Er is niets geschreven" in result.stderr and "plak" in result.stderr
    assert "    - {name: Herfstvakantie, start: 2026-10-10, end: 2026-10-18}  # adviesdatum\n" in result.stdout


@pytest.mark.parametrize(("args", "said"), [
    (["--region", "oost", "--year", "2026-2027"], "Onbekende regio 'oost'. Kies noord, midden of zuid."),
    (["--year", "2026-2027"], "Geef de regio van de school met --region: noord, midden of zuid."),
    (["--region", "midden", "--year", "2030-2031"],
     "Schooljaar 2030-2031 staat niet in vakanties.json; wel: 2025-2026, 2026-2027."),
    (["--region", "midden"], "Kies een schooljaar met --year: 2025-2026, 2026-2027."),
])
def test_a_wrong_region_or_year_says_what_to_choose_and_writes_nothing(school_dir, args, said):
    result = run(school_dir, *args, write=True)
    assert result.exit_code == 2
    assert said in result.stderr
    assert result.stderr.startswith("Er is niets geschreven")
    assert (school_dir / "school.yaml").read_text(encoding="utf-8") == EXAMPLE


@pytest.mark.parametrize(("text", "said"), [
    ("<html><body>Schoolvakanties</body></html>", "vakanties.json is geen JSON"),
    ('{"id": "x"}', "hierin staan geen schoolvakanties van de Rijksoverheid"),
])
def test_a_malformed_file_writes_nothing(school_dir, text, said):
    (school_dir / "vakanties.json").write_text(text, encoding="utf-8")
    result = run(school_dir, "--region", "midden", "--year", "2026-2027", write=True)
    assert result.exit_code == 2
    assert said in result.stderr
    assert (school_dir / "school.yaml").read_text(encoding="utf-8") == EXAMPLE


def test_a_missing_file_is_named(school_dir):
    (school_dir / "vakanties.json").unlink()
    result = run(school_dir, "--region", "midden")
    assert result.exit_code == 2
    assert "vakanties.json: kan het bestand niet lezen" in result.stderr


def test_a_broken_calendar_in_the_config_is_said_first(school_dir):
    config = school_dir / "school.yaml"
    broken = EXAMPLE.replace("start: 2026-12-19, end: 2027-01-03", "start: 2027-01-03, end: 2026-12-19")
    config.write_text(broken, encoding="utf-8")
    result = run(school_dir, "--region", "midden", "--year", "2026-2027", write=True)
    assert result.exit_code == 2
    assert "de kalender (calendar:) klopt nu niet" in result.stderr and "Kerstvakantie" in result.stderr
    assert config.read_text(encoding="utf-8") == broken


def test_the_example_that_comes_with_pestbot_is_not_written(tmp_path, monkeypatch):
    monkeypatch.delenv("PESTBOT_CONFIG", raising=False)
    (tmp_path / "vakanties.json").write_text(ONE_YEAR, encoding="utf-8")
    result = CliRunner().invoke(cli, ["calendar", "import", str(tmp_path / "vakanties.json"), "--region", "midden",
                                      "--write"])
    assert result.exit_code == 2
    assert "--config" in result.stderr
    assert EXAMPLE_CONFIG.read_text(encoding="utf-8") == EXAMPLE
    shown = CliRunner().invoke(cli, ["calendar", "import", str(tmp_path / "vakanties.json"), "--region", "midden"])
    assert shown.exit_code == 0, shown.output
    assert len(yaml.safe_load(shown.stdout)["calendar"]["holidays"]) == 5  # this year's only, no example merged


LINES = ["- {name: Kerstvakantie, start: 2026-12-19, end: 2027-01-03}"]


@pytest.mark.parametrize(("before", "after"), [
    # holidays as an empty flow list, a trailing comment kept
    ("calendar:\n  day_start: '08:00'\n  holidays: []  # per jaar\n# next\nname: X\n",
     ("calendar:\n  day_start: '08:00'\n  holidays:\n    - {name: Kerstvakantie, start: 2026-12-19, end: 2027-01-03}\n"
     "# next\nname: X\n")),
    # items at the key's own indentation, a comment between them, a key after them
    (("calendar:\n  holidays:\n  - {name: A, start: 2026-01-01, end: 2026-01-02}\n  # oud\n"
     "  - {name: B, start: 2026-02-01, end: 2026-02-02}\n  day_end: '16:00'\nname: X\n"),
     ("calendar:\n  holidays:\n    - {name: Kerstvakantie, start: 2026-12-19, end: 2027-01-03}\n  day_end: '16:00'\n"
     "name: X\n")),
    # no holidays yet: added at the end of the calendar, before the comments of what follows
    ("name: X\ncalendar:   # de kalender\n    working_days: [mon, tue]\n\n# kanaal\nsafety_channel: {name: s}\n",
     ("name: X\ncalendar:   # de kalender\n    working_days: [mon, tue]\n    holidays:\n"
     "      - {name: Kerstvakantie, start: 2026-12-19, end: 2027-01-03}\n\n# kanaal\nsafety_channel: {name: s}\n")),
    # Windows line endings stay Windows line endings
    ("calendar:\r\n  holidays:\r\n    - {name: A, start: 2026-01-01, end: 2026-01-02}\r\nname: X\r\n",
     "calendar:\r\n  holidays:\r\n    - {name: Kerstvakantie, start: 2026-12-19, end: 2027-01-03}\r\nname: X\r\n"),
])
def test_the_holidays_block_is_found_however_it_is_written(before, after):
    from bot.cli_calendar import spliced

    assert spliced(before, LINES, "school.yaml") == after


@pytest.mark.parametrize("before", [
    "calendar: {holidays: []}\n",  # flow style
    "calendar:\n  holidays: [\n    {name: A, start: 2026-01-01, end: 2026-01-02}]\nname: X\n",  # a flow list over lines
    "calendar:\n  holidays: &h []\nother: *h\n",  # an anchor another key refers to
])
def test_what_it_cannot_prove_it_does_not_write(before):
    from bot.cli_calendar import spliced

    assert spliced(before, LINES, "school.yaml") is None
