"""The school's config file: the example loads, a broken one names the file, the line and the field.

Broken variants are made in memory from a small invented config; the expected line is found in the broken
text itself, so each test states exactly where the error has to point.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.settings import EXAMPLE_CONFIG
from bot.wiring import load_school
from flows.school import Role, SchoolConfig, parse_school
from flows.yamlsource import SourceError

CONFIG = """\
name: "De Vlinderschool"
language: nl
timezone: Europe/Amsterdam
evaluation_weeks: 4

safety_channel:
  name: veiligheid
  slack_channel: C0VLINDER1

departments:
  - {id: onderbouw, name: Onderbouw, school_leader: kbakker}
  - {id: bovenbouw, name: Bovenbouw, school_leader: rmeijer}

people:
  - id: adejong
    name: Anna de Jong
    roles: [mentor]
    department: onderbouw
    ids: {slack: U0ANNA0001, teams: "29:anna"}
  - id: bsmit
    name: Bram Smit
    roles: [mentor]
    department: bovenbouw
    ids: {slack: U0BRAM0001}
  - id: kbakker
    name: Karin Bakker
    roles: [school_leader, safety_team]
    department: onderbouw
    ids: {slack: U0KARIN001}
  - id: rmeijer
    name: Ruud Meijer
    roles: [school_leader]
    department: bovenbouw
    email: r.meijer@vlinderschool.example
  - id: lhendriks
    name: Lotte Hendriks
    roles: [anti_bullying_coordinator, safety_team]
    ids: {slack: U0LOTTE001}
  - id: ovanleeuwen
    name: Omar van Leeuwen
    roles: [safety_team]
    ids: {teams: "29:omar"}
  - id: wkok
    name: Wendy Kok
    roles: [care_coordinator]
"""


def line_of(text: str, needle: str) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, f"{needle!r} staat op {len(hits)} regels, verwacht precies één"
    return hits[0]


def broken(old: str, new: str) -> str:
    assert CONFIG.count(old) == 1, f"{old!r} komt {CONFIG.count(old)} keer voor"
    return CONFIG.replace(old, new)


def error_for(text: str) -> str:
    with pytest.raises(SourceError) as info:
        parse_school(text, "school.yaml")
    return str(info.value)


@pytest.fixture(scope="module")
def school() -> SchoolConfig:
    return parse_school(CONFIG, "school.yaml")


# --- good configs ------------------------------------------------------------------------------------


def test_the_example_config_loads():
    school = load_school(EXAMPLE_CONFIG)
    assert school.name
    assert school.zone() == ZoneInfo("Europe/Amsterdam")
    assert school.with_role(Role.ANTI_BULLYING_COORDINATOR)
    for dept in school.departments:
        assert school.school_leader_of(dept.id).has(Role.SCHOOL_LEADER)


def test_the_invented_config_loads_with_defaults(school):
    assert school.name == "De Vlinderschool"
    assert len(school.people) == 7 and len(school.departments) == 2
    assert school.checkin_days == 7 and school.retention_months == 24
    assert school.safety_channel.name == "veiligheid"
    assert school.person("adejong").name == "Anna de Jong"
    assert school.person("niemand") is None and school.person(None) is None
    assert school.school_leader_of("bovenbouw").id == "rmeijer"
    assert school.school_leader_of("middenbouw") is None


# --- lookups -----------------------------------------------------------------------------------------


def test_safety_team_is_the_departments_school_leader_plus_the_team(school):
    assert [p.id for p in school.safety_team("bovenbouw")] == ["rmeijer", "kbakker", "lhendriks", "ovanleeuwen"]


def test_safety_team_has_no_duplicates_when_the_school_leader_is_also_in_the_team(school):
    team = [p.id for p in school.safety_team("onderbouw")]
    assert team == ["kbakker", "lhendriks", "ovanleeuwen"]
    assert len(team) == len(set(team))


def test_safety_team_without_a_department_is_the_standing_team(school):
    assert [p.id for p in school.safety_team(None)] == ["kbakker", "lhendriks", "ovanleeuwen"]
    assert [p.id for p in school.safety_team("middenbouw")] == ["kbakker", "lhendriks", "ovanleeuwen"]


def test_by_platform_id(school):
    assert school.by_platform_id("slack", "U0ANNA0001").id == "adejong"
    assert school.by_platform_id("teams", "29:omar").id == "ovanleeuwen"
    assert school.by_email("r.meijer@vlinderschool.example").id == "rmeijer"
    assert school.by_platform_id("slack", "U0ONBEKEND") is None
    assert school.by_platform_id("teams", "U0ANNA0001") is None  # a Slack id is no Teams id
    assert school.by_platform_id("whatsapp", "U0ANNA0001") is None  # a platform nobody has an account on
    assert school.by_platform_id("email", "r.meijer@vlinderschool.example") is None  # an address is no account


# --- bad configs: field and line -------------------------------------------------------------------


def test_unknown_timezone():
    text = broken("timezone: Europe/Amsterdam", "timezone: Europe/Amsterdm")
    message = error_for(text)
    assert f"school.yaml, regel {line_of(text, 'Amsterdm')}, veld timezone" in message
    assert "onbekende tijdzone" in message


def test_duplicate_person_id_names_the_second_person():
    text = broken("  - id: bsmit\n", "  - id: adejong\n")
    second = [i for i, line in enumerate(text.splitlines(), 1) if line == "  - id: adejong"][1]
    message = error_for(text)
    assert f"school.yaml, regel {second}, veld people.1.id" in message
    assert "dubbele persoon-id: adejong" in message


def test_duplicate_department_id_names_the_second_department():
    text = broken("{id: bovenbouw, name: Bovenbouw,", "{id: onderbouw, name: Bovenbouw,")
    message = error_for(text)
    assert f"school.yaml, regel {line_of(text, 'name: Bovenbouw')}, veld departments.1.id" in message
    assert "dubbele afdeling-id: onderbouw" in message


def test_department_leader_who_is_no_school_leader():
    text = broken("school_leader: rmeijer}", "school_leader: bsmit}")
    message = error_for(text)
    assert f"school.yaml, regel {line_of(text, 'school_leader: bsmit')}, veld departments.1.school_leader" in message
    assert "bsmit" in message and "school_leader" in message


def test_department_leader_who_does_not_exist():
    text = broken("school_leader: rmeijer}", "school_leader: niemand}")
    message = error_for(text)
    assert f"regel {line_of(text, 'school_leader: niemand')}, veld departments.1.school_leader" in message


def test_person_in_an_unknown_department():
    text = broken("    department: bovenbouw\n    ids: {slack: U0BRAM0001}",
                  "    department: middenbouw\n    ids: {slack: U0BRAM0001}")
    message = error_for(text)
    assert f"school.yaml, regel {line_of(text, 'middenbouw')}, veld people.1.department" in message
    assert "onbekende afdeling 'middenbouw'" in message


def test_unknown_role():
    text = broken("roles: [care_coordinator]", "roles: [zorgcoordinator]")
    message = error_for(text)
    assert f"school.yaml, regel {line_of(text, 'zorgcoordinator')}, veld people.6.roles" in message
    assert "anti_bullying_coordinator" in message  # the roles that do exist


def test_no_anti_bullying_coordinator():
    text = broken("roles: [anti_bullying_coordinator, safety_team]", "roles: [safety_team]")
    message = error_for(text)
    assert f"school.yaml, regel {line_of(text, 'people:')}, veld people" in message
    assert "niemand met de rol anti_bullying_coordinator" in message


def test_typo_in_a_top_level_field():
    text = broken("evaluation_weeks: 4", "evaluation_weks: 4")
    message = error_for(text)
    assert f"school.yaml, regel {line_of(text, 'evaluation_weks')}, veld evaluation_weks" in message
    assert "Extra inputs are not permitted" in message


def test_typo_in_a_persons_field():
    text = broken("    ids: {slack: U0LOTTE001}", "    accounts: {slack: U0LOTTE001}")
    message = error_for(text)
    assert f"school.yaml, regel {line_of(text, 'accounts')}, veld people.4.accounts" in message


def test_a_platform_the_bot_has_no_adapter_for_is_refused_where_it_is_written(tmp_path):
    """`ids: {slak: …}` would otherwise be an account nobody can write from, without a word."""
    path = tmp_path / "school.yaml"
    path.write_text(broken("    ids: {slack: U0LOTTE001}", "    ids: {slak: U0LOTTE001}"), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load_school(path)
    message = str(caught.value)
    assert f"regel {line_of(path.read_text(), 'slak')}, veld people.4.ids.slak" in message
    assert "onbekend platform 'slak' (bekend: slack, teams)" in message


def test_slack_id_and_teams_id_as_written_before_ids_are_still_read():
    """Configs written for the first release name the accounts `slack_id:` / `teams_id:`."""
    school = parse_school(broken('    ids: {slack: U0ANNA0001, teams: "29:anna"}',
                                 '    slack_id: U0ANNA0001\n    teams_id: "29:anna"'), "school.yaml")
    assert school.person("adejong").ids == {"slack": "U0ANNA0001", "teams": "29:anna"}
    assert school.by_platform_id("teams", "29:anna").id == "adejong"
    message = error_for(broken("    ids: {slack: U0LOTTE001}", "    ids: {slack: U0LOTTE001}\n    slack_id: U0X"))
    assert "slack_id en ids.slack samen" in message


def test_out_of_range_number():
    text = broken("evaluation_weeks: 4", "evaluation_weeks: 0")
    message = error_for(text)
    assert f"regel {line_of(text, 'evaluation_weeks')}, veld evaluation_weeks" in message


def test_yaml_error_in_the_config():
    text = broken("  - {id: onderbouw, name: Onderbouw,", "  - {id: onderbouw, name: [Onderbouw,")
    message = error_for(text)
    assert message.startswith("school.yaml, regel ") and "ongeldige YAML" in message


def test_empty_config_names_the_missing_fields():
    message = error_for("# nog leeg\n")
    for field in ("name", "departments", "people"):
        assert f"veld {field}: Field required" in message


def test_every_error_is_reported_not_only_the_first():
    text = broken("timezone: Europe/Amsterdam", "timezone: Nergens/Hier")
    text = text.replace("evaluation_weeks: 4", "evaluation_weeks: 99")
    message = error_for(text)
    assert "veld timezone" in message and "veld evaluation_weeks" in message


# --- the command line --------------------------------------------------------------------------------


def test_check_config_on_a_broken_file_exits_2_with_file_and_line(tmp_path: Path):
    text = broken("timezone: Europe/Amsterdam", "timezone: Europe/Amsterdm")
    path = tmp_path / "BAD.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check-config", "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert "De configuratie klopt niet" in result.stderr
    assert f"{path}, regel {line_of(text, 'Amsterdm')}, veld timezone" in result.stderr
    assert "onbekende tijdzone" in result.stderr


def test_check_config_on_a_missing_file_exits_2(tmp_path: Path):
    path = tmp_path / "bestaat-niet.yaml"
    result = CliRunner().invoke(cli, ["check-config", "--config", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr and "kan het bestand niet lezen" in result.stderr


def test_check_config_on_a_good_file_says_so(tmp_path: Path):
    path = tmp_path / "school.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check-config", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "In orde: De Vlinderschool, 7 personen, 2 afdelingen; protocol: Pestprotocol voortgezet onderwijs" \
        in result.stdout


# --- issue 14, item 9: mistakes that used to pass -------------------------------------------------------


@pytest.mark.parametrize("field, old, new", [
    ("ids.slack", "    ids: {slack: U0BRAM0001}\n", "    ids: {slack: U0ANNA0001}\n"),
    ("ids.teams", '    ids: {teams: "29:omar"}\n', '    ids: {teams: "29:anna"}\n'),
    ("email", "    roles: [care_coordinator]\n",
     "    roles: [care_coordinator]\n    email: R.Meijer@Vlinderschool.example\n"),
])
def test_two_people_with_one_platform_account_is_an_error_at_the_second(field, old, new):
    """The coordinator's Slack account mapped to a mentor would let the one act as the other."""
    text = broken(old, new)
    message = error_for(text)
    needle = new.strip().splitlines()[-1].strip()
    second = max(i for i, line in enumerate(text.splitlines(), 1) if line.strip() == needle)
    assert f"school.yaml, regel {second}, veld people." in message and f".{field}" in message
    assert "al van" in message


def test_a_key_given_twice_is_an_error_not_the_last_one_silently():
    """`roles:` twice made a mentor coordinator without a word."""
    text = broken("    roles: [mentor]\n    department: bovenbouw\n",
                  "    roles: [mentor]\n    department: bovenbouw\n    roles: [anti_bullying_coordinator]\n")
    message = error_for(text)
    assert f"school.yaml, regel {line_of(text, 'roles: [anti_bullying_coordinator]')}" in message
    assert "dubbele sleutel 'roles'" in message


def test_e_mail_addresses_match_whatever_their_case(school):
    assert school.by_email("R.MEIJER@vlinderschool.example").id == "rmeijer"
