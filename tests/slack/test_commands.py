"""`/pest` and its subcommands, pings with details buttons, and people found by e-mail address."""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from slack_sdk import WebClient

from bot.slack.identity import People
from flows.school import SchoolConfig
from tests.helpers import INTAKE, Chat
from tests.slack.fake_slack import buttons, texts
from tests.slack.harness import USERS

MENTOR = USERS["jdevries"]


def test_pest_subcommands_answer_in_dutch_and_anything_else_gets_the_help(slack):
    Chat(slack.app).script(INTAKE)
    status = slack.command(MENTOR, "status")
    assert status.status == 200 and status.json()["response_type"] == "ephemeral"
    assert "Fase 1 – informatie en herstel" in texts(status.json())
    assert "Wie informeer je in Fase 1" in texts(slack.command(MENTOR, "wie").json())
    assert "antipestcoördinator (Sharon Duijveman)" in texts(slack.command(MENTOR, "advies").json())
    assert "pestweb" in texts(slack.command(MENTOR, "tips").json())
    overview = texts(slack.command(MENTOR, "overzicht").json())
    assert "Open zaken" in overview and "volgende stap: 1. gesprek met de gepeste leerling" in overview
    assert "/pest nieuw" in texts(slack.command(MENTOR, "help").json())
    assert "/pest nieuw" in texts(slack.command(MENTOR, "doe iets").json())
    assert "geen open zaken" in texts(slack.command(USERS["fyilmaz"], "overzicht").json())
    assert "mentor: Jan de Vries" in texts(slack.command(USERS["sduijveman"], "overzicht").json())


def test_only_mentors_and_the_coordinator_get_the_intake_form(slack):
    reply = slack.command(USERS["ngroen"], "nieuw")
    assert "Alleen mentoren en de antipestcoördinator" in texts(reply.json())
    assert slack.fake.of("views.open") == []


def test_a_severe_incident_pings_the_school_leader_and_coordinator_with_a_details_button(slack):
    Chat(slack.app).script(INTAKE)
    before = slack.fake.count()
    slack.dm(MENTOR, "incident Bram sloeg Anna in de kantine")
    slack.fake.settle(before)
    slack.sweep()
    [ping] = slack.fake.posts("C0SAFETY01")
    # The protocol: a severe incident brings the school leader in, and the social-safety team meets on it.
    assert all(f"<@{uid}>" in texts(ping) for uid in ("U0LEADER01", "U0COORD001", "U0TEAM0001", "U0TEAM0002"))
    assert "<@U0LEADER02>" not in texts(ping)  # the other department's leader is not concerned
    assert "Ernstig incident" in texts(ping) and [b["action_id"] for b in buttons(ping)] == ["details"]
    with slack.wired.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT platform_message_id FROM outbox")).scalar()
    assert stored == f"slack:{ping_ts(slack)}"  # Slack's ts is kept as the message's id, by platform


def test_people_without_a_slack_id_are_found_by_their_e_mail_address(wired, fake_slack):
    data = wired.app.school.model_dump()
    for person in data["people"]:
        if person["id"] == "jdevries":
            person.update(ids={}, email="jdevries@school.nl")
    mapping = People(SimpleNamespace(school=SchoolConfig.model_validate(data)))
    fake_slack.emails["U0NEWMAIL1"] = "jdevries@school.nl"
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    assert mapping.person("U0NEWMAIL1", client).id == "jdevries"
    assert mapping.person("U0STRANGER", client) is None
    assert mapping.user_id(mapping.school.person("jdevries"), client) == "U0NEWMAIL1"
    assert [c.method for c in fake_slack.calls] == ["users.info", "users.info", "users.lookupByEmail"]
    mapping.person("U0NEWMAIL1", client)
    assert len(fake_slack.calls) == 3  # remembered


def ping_ts(slack) -> str:
    [call] = [c for c in slack.fake.calls if c.method == "chat.postMessage" and c.params["channel"] == "C0SAFETY01"]
    return call.response["ts"]


def test_a_command_word_while_an_answer_is_awaited_gets_two_buttons_instead_of_a_slash(slack):
    """Slack takes a leading "/" for a slash command, so there the bot asks: the command, or the answer?"""
    Chat(slack.app).script(INTAKE[:3])  # who is bullied? (names)
    before = slack.fake.count()
    slack.dm(MENTOR, "sluit het pesten is gestopt")
    slack.fake.settle(before)
    [asked] = [p for p in slack.fake.posts("D" + MENTOR[1:]) if "Bedoel je de opdracht" in texts(p)]
    labels = [b["text"]["text"] for b in buttons(asked)]
    assert labels == ["de opdracht", "mijn antwoord"]
    before = slack.fake.count()
    slack.click(MENTOR, buttons(asked)[0])
    slack.fake.settle(before)
    assert any("Gesloten" in texts(p) for p in slack.fake.posts("D" + MENTOR[1:])[-3:])
    with slack.wired.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT state FROM cases")).scalar() == "closed"
