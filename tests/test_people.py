"""The school's staff as an IT admin keeps them: a people file beside the config (`people_file:`), written from
a staff export by `pestbot people import STAFF.csv`, and reloaded without a restart (SIGHUP), each reload
validated. All names invented."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.reload import install_reload, reload_people
from bot.wiring import load_school
from flows.yamlsource import SourceError
from tests.test_school_config import CONFIG

# A staff export as a spreadsheet saves it in a Dutch locale: semicolons, Dutch headers, roles in one cell.
STAFF_CSV = """\
Naam;E-mail;Rollen;Afdeling
Anna de Jong;A.deJong@vlinderschool.example;mentor;Onderbouw
Bram Smit;b.smit@vlinderschool.example;mentor;bovenbouw
Karin Bakker;k.bakker@vlinderschool.example;schoolleider, sociale veiligheid;onderbouw
Ruud Meijer;r.meijer@vlinderschool.example;schoolleider;Bovenbouw
Lotte Hendriks;l.hendriks@vlinderschool.example;antipestcoördinator, sociale veiligheid;
Sanne Vos;s.vos@vlinderschool.example;mentor;onderbouw
"""

# The small config of test_school_config with its people moved to the people file, except one kept by hand.
# Departments name their leader by e-mail: the ids of imported people are made by the import.
HEAD = (CONFIG.split("people:\n", 1)[0].replace("school_leader: kbakker", "school_leader: k.bakker@vlinderschool.example")
        .replace("school_leader: rmeijer", "school_leader: R.Meijer@vlinderschool.example"))
BY_HAND = """\
people_file: personeel.yaml
people:
  - id: wkok
    name: Wendy Kok
    roles: [care_coordinator]
"""


@pytest.fixture
def school_dir(tmp_path: Path) -> Path:
    (tmp_path / "school.yaml").write_text(HEAD + BY_HAND, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    return tmp_path


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def people_file(school_dir: Path) -> list[dict]:
    return yaml.safe_load((school_dir / "personeel.yaml").read_text(encoding="utf-8"))["people"]


def test_a_staff_export_becomes_the_people_file_and_the_config_loads_with_it(school_dir):
    result = run("people", "import", str(school_dir / "staff.csv"), "--config", str(school_dir / "school.yaml"))
    assert result.exit_code == 0, result.output
    assert "6 personen" in result.output and "personeel.yaml" in result.output
    people = {p["email"]: p for p in people_file(school_dir)}
    anna = people["A.deJong@vlinderschool.example"]
    assert anna["id"] == "a-dejong" and anna["roles"] == ["mentor"] and anna["department"] == "onderbouw"
    assert people["k.bakker@vlinderschool.example"]["roles"] == ["school_leader", "safety_team"]
    assert "department" not in people["l.hendriks@vlinderschool.example"]
    school = load_school(school_dir / "school.yaml")
    assert school.person("wkok") is not None and school.by_email("a.dejong@vlinderschool.example").id == "a-dejong"
    assert len(school.people) == 7


def test_a_new_export_keeps_the_ids_people_already_have(school_dir):
    """Cases name their mentor by id: a renamed colleague with the same address must keep theirs."""
    config = str(school_dir / "school.yaml")
    assert run("people", "import", str(school_dir / "staff.csv"), "--config", config).exit_code == 0
    text = (school_dir / "personeel.yaml").read_text(encoding="utf-8").replace("id: a-dejong", "id: anna")
    (school_dir / "personeel.yaml").write_text(text, encoding="utf-8")
    renamed = STAFF_CSV.replace("Anna de Jong", "Anna Bakker-de Jong").replace("Sanne Vos;s.vos", "Sanne Vos;sanne.vos")
    (school_dir / "staff.csv").write_text(renamed, encoding="utf-8")
    result = run("people", "import", str(school_dir / "staff.csv"), "--config", config)
    assert result.exit_code == 0, result.output
    people = {p["email"].lower(): p for p in people_file(school_dir)}
    assert people["a.dejong@vlinderschool.example"]["id"] == "anna"
    assert people["a.dejong@vlinderschool.example"]["name"] == "Anna Bakker-de Jong"
    assert "1 nieuw" in result.output and "1 niet meer" in result.output  # s.vos left, sanne.vos came


@pytest.mark.parametrize("bad, says", [
    ("Sanne Vos;s.vos@vlinderschool.example;conciërge;onderbouw", "regel 7: onbekende rol 'conciërge'"),
    ("Sanne Vos;s.vos@vlinderschool.example;mentor;brugklas", "regel 7: onbekende afdeling 'brugklas'"),
    ("Sanne Vos;geen-adres;mentor;onderbouw", "regel 7: geen geldig e-mailadres"),
    ("Sanne Vos;b.smit@vlinderschool.example;mentor;onderbouw", "regel 7: b.smit@vlinderschool.example staat ook op regel 3"),
    (";s.vos@vlinderschool.example;mentor;onderbouw", "regel 7: geen naam"),
])
def test_a_wrong_line_is_named_and_nothing_is_written(school_dir, bad, says):
    (school_dir / "staff.csv").write_text(STAFF_CSV.replace(STAFF_CSV.splitlines()[-1], bad), encoding="utf-8")
    result = run("people", "import", str(school_dir / "staff.csv"), "--config", str(school_dir / "school.yaml"))
    assert result.exit_code == 2 and says in result.output, result.output
    assert not (school_dir / "personeel.yaml").exists()


def test_an_export_without_the_needed_columns_says_which_are_missing(school_dir):
    (school_dir / "staff.csv").write_text("Naam,Functie\nAnna de Jong,docent\n", encoding="utf-8")
    result = run("people", "import", str(school_dir / "staff.csv"), "--config", str(school_dir / "school.yaml"))
    assert result.exit_code == 2 and "e-mail" in result.output and "rollen" in result.output


def test_people_the_config_cannot_use_are_refused_before_anything_is_written(school_dir):
    """Valid lines, an invalid whole: nobody is anti-bullying coordinator any more."""
    no_coordinator = STAFF_CSV.replace("antipestcoördinator, sociale veiligheid", "sociale veiligheid")
    (school_dir / "staff.csv").write_text(no_coordinator, encoding="utf-8")
    result = run("people", "import", str(school_dir / "staff.csv"), "--config", str(school_dir / "school.yaml"))
    assert result.exit_code == 2 and "anti_bullying_coordinator" in result.output
    assert not (school_dir / "personeel.yaml").exists()


def test_an_error_in_the_people_file_names_that_file_and_line(school_dir):
    (school_dir / "personeel.yaml").write_text(
        "people:\n  - id: adejong\n    name: Anna de Jong\n    roles: [mentor, tovenaar]\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"personeel.yaml, regel 4"):
        load_school(school_dir / "school.yaml")


def test_a_missing_people_file_is_said_plainly(school_dir):
    with pytest.raises(SourceError, match="personeel.yaml: kan het bestand niet lezen"):
        load_school(school_dir / "school.yaml")


# --- reload without a restart ---------------------------------------------------------------------------


@pytest.fixture
def running(school_dir, wired):  # type: ignore[no-untyped-def]
    """A running app whose config is the school_dir one, with the staff imported."""
    config = school_dir / "school.yaml"
    assert run("people", "import", str(school_dir / "staff.csv"), "--config", str(config)).exit_code == 0
    wired.app.school = load_school(config)
    return wired.app, config


def a_colleague_joins(school_dir: Path, config: Path) -> None:
    """Tim Kras is in the next staff export, and it is imported."""
    (school_dir / "staff.csv").write_text(STAFF_CSV + "Tim Kras;t.kras@vlinderschool.example;mentor;bovenbouw\n",
                                          encoding="utf-8")
    assert run("people", "import", str(school_dir / "staff.csv"), "--config", str(config)).exit_code == 0


def test_a_reload_takes_the_people_as_they_are_now(running, school_dir):
    app, config = running
    a_colleague_joins(school_dir, config)
    said = reload_people(app, config)
    assert app.school.by_email("t.kras@vlinderschool.example") is not None
    assert "8 personen" in said


def test_a_reload_of_a_broken_file_keeps_the_people_as_they_were(running, school_dir):
    app, config = running
    before = app.school
    (school_dir / "personeel.yaml").write_text("people:\n  - id: x\n", encoding="utf-8")
    said = reload_people(app, config)
    assert app.school is before and "niet herladen" in said and "personeel.yaml" in said


def test_a_reload_takes_only_the_people_and_says_what_waits_for_a_restart(running, school_dir):
    app, config = running
    config.write_text(config.read_text(encoding="utf-8").replace("evaluation_weeks: 4", "evaluation_weeks: 6"),
                      encoding="utf-8")
    said = reload_people(app, config)
    assert app.school.evaluation_weeks == 4 and "evaluation_weeks" in said and "herstart" in said


def test_a_reload_takes_the_calendar_too(running, school_dir):
    """Once a year the holidays change (pestbot calendar import --write): a reload takes them."""
    app, config = running
    text = config.read_text(encoding="utf-8").replace(
        "evaluation_weeks: 4", "evaluation_weeks: 4\ncalendar:\n  holidays:\n"
        "    - {name: Kerstvakantie, start: 2026-12-19, end: 2027-01-03}")
    config.write_text(text, encoding="utf-8")
    said = reload_people(app, config)
    assert [h.name for h in app.school.calendar.holidays] == ["Kerstvakantie"] and "herstart" not in said


def test_sighup_reloads_the_people(running, school_dir):
    app, config = running
    a_colleague_joins(school_dir, config)
    previous = install_reload(app, config)
    try:
        os.kill(os.getpid(), signal.SIGHUP)
        assert app.school.by_email("t.kras@vlinderschool.example") is not None
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_slack_finds_people_by_email_as_they_are_after_a_reload(running, school_dir):
    from bot.slack.identity import People

    app, config = running
    people = People(app)

    class Client:  # users.info as Slack answers it (api.slack.com/methods/users.info, profile.email)
        def users_info(self, user: str):  # type: ignore[no-untyped-def]
            return type("R", (), {"data": {"ok": True, "user": {"id": user, "profile": {
                "email": "t.kras@vlinderschool.example"}}}})()

    assert people.person("U0TIM00001", Client()) is None
    a_colleague_joins(school_dir, config)
    reload_people(app, config)
    assert people.person("U0TIM00001", Client()).name == "Tim Kras"


def test_the_console_plays_a_person_named_by_e_mail(school_dir, tmp_path):
    config = str(school_dir / "school.yaml")
    assert run("people", "import", str(school_dir / "staff.csv"), "--config", config).exit_code == 0
    result = CliRunner().invoke(cli, ["chat", "--as", "A.DeJong@vlinderschool.example", "--config", config,
                                      "--db", str(tmp_path / "p.db")], input="help\n")
    assert result.exit_code == 0 and "Anna de Jong" in result.output, result.output
    result = run("chat", "--as", "niemand@vlinderschool.example", "--config", config, "--db", str(tmp_path / "p.db"))
    assert result.exit_code == 2 and "geef een id of e-mailadres" in result.output
