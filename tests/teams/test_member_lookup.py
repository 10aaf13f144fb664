"""People by e-mail on Teams: a school person listed with an e-mail address and no Teams id is found on first
contact through the Bot Framework's member look-up (`GET /v3/conversations/{id}/members/{userId}`), and the
mapping is stored so that proactive messages reach them too. No Graph permission is involved."""

from __future__ import annotations

import pytest
import yaml

from bot.wiring import PLATFORMS
from flows.messages import Message
from flows.school import parse_school
from tests.conftest import EXAMPLE_CONFIG

NEW_USER = "29:1GcS4EyB_oSI8A88XmWBN7NJFyMqe3QGnJdgLfFGkJnVelzRGos0bPbpsfJjcbAD22bmKc4GMbrY2g4JDrrA8vM06X1"
OBJECT_ID = "9d3e08f9-a7ae-43aa-a4d3-de3f319a8a9c"


def member(email: str | None, upn: str | None = None, user: str = NEW_USER) -> dict[str, object]:
    """A member as the connector answers it: the response sample for a regular user in Microsoft's docs
    ("Get Teams specific context for your bot", Get single member details, JSON tab), names invented."""
    account: dict[str, object] = {"id": user, "objectId": OBJECT_ID, "givenName": "Jan", "surname": "de Vries",
                                  "userPrincipalName": upn or "jdevries@voorbeeldschool.nl",
                                  "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "userRole": "user"}
    if email is not None:
        account["email"] = email
    return account


def school_by_email(**emails: str):  # type: ignore[no-untyped-def]
    """The example school with these people listed by e-mail only (their Teams ids taken out)."""
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["id"] in emails:
            person["ids"].pop("teams", None)
            person["email"] = emails[person["id"]]
    return parse_school(yaml.safe_dump(data, allow_unicode=True), "test", PLATFORMS)


@pytest.fixture
def teams(start, wired):  # type: ignore[no-untyped-def]
    wired.app.school = school_by_email(jdevries="j.devries@voorbeeldschool.nl")
    return start()


def test_a_person_listed_by_email_is_found_on_first_contact_and_remembered(teams):
    teams.connector.members[NEW_USER] = member("J.deVries@Voorbeeldschool.nl")  # case as Entra keeps it
    [reply] = teams.say("hallo", user=NEW_USER)
    assert "Jan de Vries" in reply.text and "ken je niet" not in reply.text
    assert teams.connector.member_lookups == [(f"a:personal-{NEW_USER}", NEW_USER)]
    [ref] = [r for r in teams.rows("conversation_refs") if r["key"] == f"user:{NEW_USER}"]
    assert ref["person_id"] == "jdevries"
    teams.say("help", user=NEW_USER)
    assert len(teams.connector.member_lookups) == 1  # asked once, not per message


def test_the_stored_mapping_lets_the_worker_write_to_them(teams):
    teams.connector.members[NEW_USER] = member("j.devries@voorbeeldschool.nl")
    teams.say("hallo", user=NEW_USER)
    before = len(teams.connector.posted)
    assert teams.notifier.send("person", "jdevries", Message(text="Herinnering")) is not None
    [posted] = teams.connector.posted[before:]
    assert posted.conversation == f"a:personal-{NEW_USER}" and "Herinnering" in posted.text


def test_the_user_principal_name_counts_when_there_is_no_email(teams):
    teams.connector.members[NEW_USER] = member(None, upn="J.DeVries@voorbeeldschool.nl")
    [reply] = teams.say("hallo", user=NEW_USER)
    assert "Jan de Vries" in reply.text


def test_someone_whose_address_is_not_in_the_config_is_refused_and_nothing_is_stored(teams):
    teams.connector.members[NEW_USER] = member("stagiair@voorbeeldschool.nl", upn="stagiair@voorbeeldschool.nl")
    [reply] = teams.say("hallo", user=NEW_USER)
    assert "ken je niet" in reply.text
    assert not [r for r in teams.rows("conversation_refs") if r["key"] == f"user:{NEW_USER}"]


def test_a_failed_look_up_is_refused_now_and_tried_again_next_time(teams):
    teams.connector.failing_lookups = 1
    teams.connector.members[NEW_USER] = member("j.devries@voorbeeldschool.nl")
    [reply] = teams.say("hallo", user=NEW_USER)
    assert "ken je niet" in reply.text
    [reply] = teams.say("hallo", user=NEW_USER)
    assert "Jan de Vries" in reply.text and len(teams.connector.member_lookups) == 2


def test_the_address_of_someone_with_a_configured_teams_id_does_not_make_another_account_theirs(teams):
    # Thomas Bos keeps his Teams id in the config: an account that claims his address is not him.
    teams.connector.members[NEW_USER] = member("t.bos@voorbeeldschool.nl")
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["id"] == "tbos":
            person["email"] = "t.bos@voorbeeldschool.nl"
        if person["id"] == "jdevries":
            person["ids"].pop("teams")
            person["email"] = "j.devries@voorbeeldschool.nl"
    teams.app.school = parse_school(yaml.safe_dump(data, allow_unicode=True), "test", PLATFORMS)
    [reply] = teams.say("hallo", user=NEW_USER)
    assert "ken je niet" in reply.text


def test_people_with_a_configured_teams_id_need_no_look_up(teams):
    [reply] = teams.say("hallo", user="29:mentor-fyilmaz")  # Fatma is still configured by her Teams id
    assert "Fatma Yilmaz" in reply.text and teams.connector.member_lookups == []
