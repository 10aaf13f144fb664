"""One case walked in Slack from `/pest nieuw` to closed: modals, buttons, the channel post, the reminder DM."""

from __future__ import annotations

from datetime import timedelta

from tests.slack.fake_slack import buttons, texts
from tests.slack.harness import USERS

MENTOR, DM = USERS["jdevries"], "D" + USERS["jdevries"][1:]
SAFETY = "C0SAFETY01"


def last_buttons(slack, channel: str = DM) -> list[dict]:
    return next(buttons(p) for p in reversed(slack.fake.posts(channel)) if buttons(p))


def press(slack, label: str, user: str = MENTOR, channel: str = DM) -> str:
    """Click the newest button with this label; what the bot answered."""
    [button] = [b for b in last_buttons(slack, channel) if b["text"]["text"] == label]
    before = slack.fake.count()
    assert slack.click(user, button, channel).status == 200
    slack.fake.settle(before)
    return "\n".join(texts(c.params) for c in slack.fake.calls[before:])


def say(slack, text: str) -> str:
    before = slack.fake.count()
    assert slack.dm(MENTOR, text).status == 200
    slack.fake.settle(before)
    return "\n".join(texts(c.params) for c in slack.fake.calls[before:])


def case(slack):
    with slack.app.uow() as uow:
        return uow.cases.get(uow.conversations.get("jdevries").active_case_id)


def test_a_whole_case_from_pest_nieuw_to_closed(slack, clock):
    fake = slack.fake
    # /pest nieuw: an ack at once, then the intake modal.
    before = fake.count()
    reply = slack.command(MENTOR, "nieuw")
    assert reply.status == 200
    fake.settle(before)
    [opened] = fake.of("views.open")
    intake = opened.params["view"]
    assert intake["callback_id"] == "pestbot_intake" and opened.params["trigger_id"].startswith("trigger.")
    before = fake.count()
    reply = slack.submit(MENTOR, intake, {"class_name": "2B", "department": 1, "bullied": "Anna de Jong",
                                          "bullies": "Bram Smit, Cas Peters",
                                          "what_happened": "Ze sluiten haar buiten in de pauze", "digital": 2})
    assert reply.status == 200 and reply.body == ""  # the modal closes
    fake.settle(before)
    assert fake.of("conversations.open")[-1].params["users"] == MENTOR
    shown = "\n".join(texts(p) for p in fake.posts(DM))
    assert "Nieuwe zaak" in shown and "Heb je de gepeste leerling gesproken?" in shown
    assert case(slack).state == "fase1" and case(slack).value("bullies") == ["Bram Smit", "Cas Peters"]

    # Fase 1: buttons for ja/nee, typing for the rest, a modal for the agreement.
    assert "Genoteerd" in press(slack, "ja")
    say(slack, "overslaan")
    press(slack, "ja")
    before = fake.count()
    [agree] = [b for b in last_buttons(slack) if b["action_id"] == "agreement"]
    slack.click(MENTOR, agree)
    fake.settle(before)
    form = fake.of("views.open")[-1].params["view"]
    assert form["callback_id"] == "pestbot_agreement"
    before = fake.count()
    assert slack.submit(MENTOR, form, {"what": "Niet meer buitensluiten in de pauze",
                                       "how": "Vraag elke week na bij Anna",
                                       "if_broken": "Dan volgt een gesprek met de ouders (fase 3)"}).status == 200
    fake.settle(before)
    [agreement] = case(slack).agreements
    assert agreement.how_checked == "Vraag elke week na bij Anna"  # "vraag …" is an answer here, not a command
    press(slack, "ja")
    say(slack, "overslaan")
    assert "Fase 2" in press(slack, "ja")

    # Fase 2: the bot informs the team itself; the mentor answers the rest.
    press(slack, "ja")
    press(slack, "ja")
    out = press(slack, "n.v.t.")
    assert case(slack).state == "monitoring2" and "Monitoren na fase 2" in out

    # The worker posts the summary in the private channel, mentioning the team, with a details button.
    assert fake.posts(SAFETY) == []  # nothing before the worker delivers what was committed
    slack.sweep()
    [summary] = fake.posts(SAFETY)
    for person in ("tbos", "sduijveman", "ngroen", "mzwart"):
        assert f"<@{USERS[person]}>" in texts(summary)
    assert "A.d.J." in texts(summary) and "Anna" not in texts(summary)
    with slack.app.uow() as uow:
        assert uow.outbox.pending(clock.now(), 10) == []
    # Details open only for someone allowed to see the case.
    detail = press(slack, "Details bekijken", user=USERS["ngroen"], channel=SAFETY)
    assert "Anna de Jong" in detail and fake.of("views.open")[-1].params["trigger_id"]
    detail = press(slack, "Details bekijken", user=USERS["fyilmaz"], channel=SAFETY)
    assert "Geen toegang" in detail and "Anna" not in detail

    # The Home tab: the mentor's own case, the coordinator every open case, another mentor none.
    for who, expect in (("jdevries", "Monitoren na fase 2"), ("sduijveman", "mentor: Jan de Vries"),
                        ("fyilmaz", "geen open zaken")):
        before = fake.count()
        slack.event({"type": "app_home_opened", "user": USERS[who], "tab": "home", "channel": "D1"})
        fake.settle(before)
        published = fake.of("views.publish")[-1].params
        assert published["user_id"] == USERS[who] and expect in texts(published)

    # Four weeks on (school weeks: a holiday moves it): the evaluation arrives as a direct message.
    due = case(slack).evaluation_due
    assert due - clock.now() >= timedelta(weeks=4)
    clock.current = due + timedelta(minutes=1)
    school = slack.app.school
    while not school.calendar.is_open(clock.now(), school.zone()):
        clock.advance(hours=1)
    before = len(fake.of("conversations.open"))
    assert slack.sweep()[1] >= 1
    assert fake.of("conversations.open")[before].params["users"] == MENTOR
    reminder = next(p for p in reversed(fake.posts(DM)) if buttons(p))
    assert "nog steeds gepest" in texts(reminder)
    out = press(slack, "nee")
    assert case(slack).state == "closed" and "gesloten" in out.lower()
