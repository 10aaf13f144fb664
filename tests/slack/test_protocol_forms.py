"""Slack's own forms follow the school's protocol and the reader's language (issue 16): the intake modal was
written out in bot/slack/views.py with this school's questions, and Slack's forms and help were worded in the
config's language whatever the person had chosen with `taal en`."""

from __future__ import annotations

from bot.settings import PO_EXAMPLE_CONFIG, SlackSettings
from bot.wiring import build
from tests.slack.fake_slack import texts
from tests.slack.harness import SECRET, USERS, Server

MENTOR = USERS["jdevries"]


def test_after_taal_en_slacks_forms_and_help_are_english(slack):
    before = slack.fake.count()
    slack.dm(MENTOR, "taal en")
    slack.fake.settle(before)
    assert "English" in texts(slack.fake.posts()[-1])
    before = slack.fake.count()
    assert slack.command(MENTOR, "nieuw").status == 200
    slack.fake.settle(before)
    view = slack.fake.of("views.open")[-1].params["view"]
    assert view["title"]["text"] == "New report"
    labels = [block["label"]["text"] for block in view["blocks"] if block["type"] == "input"]
    assert "In which class is the bullying happening?" in labels
    assert "How to use /pest" in texts(slack.command(MENTOR, "doe iets").json())


def test_the_intake_form_asks_the_report_of_the_schools_protocol(fake_slack, database_url, clock):
    """The example primary school (protocol po): its report asks who signalled it, and nothing about sexual
    content; a submitted form opens a case in stap 1."""
    wired = build(PO_EXAMPLE_CONFIG, database_url, clock)
    settings = SlackSettings(signing_secret=SECRET, bot_token="xoxb-test", api_url=fake_slack.url)
    teacher = "U0PLEERK01"
    try:
        with Server(wired, fake_slack, settings) as slack:
            slack.team = "T0REGENB01"
            before = fake_slack.count()
            slack.command(teacher, "nieuw")
            fake_slack.settle(before)
            view = fake_slack.of("views.open")[-1].params["view"]
            ids = [block["block_id"] for block in view["blocks"] if block["type"] == "input"]
            assert ids == ["class_name", "department", "bullied", "bullies", "what_happened", "signalled_by",
                           "digital"]
            labels = {block["block_id"]: block["label"]["text"] for block in view["blocks"] if block["type"] == "input"}
            assert labels["class_name"] == "In welke groep speelt het pesten?"
            before = fake_slack.count()
            reply = slack.submit(teacher, view, {"class_name": "6", "department": 2, "bullied": "Anna de Jong",
                                                 "bullies": "Bram Smit", "what_happened": "Uitlachen op het plein",
                                                 "signalled_by": 2, "digital": 2})
            assert reply.status == 200 and reply.body == ""
            fake_slack.settle(before)
            shown = "\n".join(texts(p) for p in fake_slack.posts())
            assert "Stap 1 – gesprekken en afspraken" in shown and "apart met de gepeste leerling" in shown
            with wired.app.uow() as uow:
                [case] = uow.cases.for_mentor("lbakker")
                assert case.state == "stap1" and case.value("signalled_by") == "parent"
    finally:
        wired.engine.dispose()


def test_an_intake_form_with_one_bad_answer_stores_nothing_and_names_the_field(slack):
    """The answers before the bad one are not kept either: the whole form is one turn (flows.services.start_case)."""
    before = slack.fake.count()
    slack.command(MENTOR, "nieuw")
    slack.fake.settle(before)
    view = slack.fake.of("views.open")[-1].params["view"]
    reply = slack.submit(MENTOR, view, {"class_name": "2B", "department": 1, "bullied": "ja", "bullies": "Bram Smit",
                                        "what_happened": "Ze sluiten haar buiten", "digital": 2})
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors" and set(body["errors"]) == {"bullied"}
    with slack.app.uow() as uow:
        assert uow.cases.for_mentor("jdevries") == [] and uow.conversations.get("jdevries") is None
