"""Time travel with an injected clock: school weeks, school hours, downtime, escalation, snoozing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flows.calendar import Holiday, SchoolCalendar
from flows.delivery import deliver_outbox, fire_due_reminders
from tests.fakes import RecordingNotifier
from tests.helpers import FASE1, FASE2, INTAKE, Chat

AMS = __import__("zoneinfo").ZoneInfo("Europe/Amsterdam")


def at(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=AMS)


def test_a_holiday_inside_the_four_weeks_moves_the_evaluation_one_week():
    calendar = SchoolCalendar(holidays=(Holiday(name="Herfst", start=date(2026, 10, 17), end=date(2026, 10, 25)),))
    plain = SchoolCalendar()
    start = at(2026, 10, 13)  # the Tuesday before the autumn holiday
    assert plain.add_school_weeks(start, 4, AMS) == at(2026, 11, 10)
    assert calendar.add_school_weeks(start, 4, AMS) == at(2026, 11, 17)


def test_school_hours_and_days():
    calendar = SchoolCalendar(holidays=(Holiday(name="Kerst", start=date(2026, 12, 19), end=date(2027, 1, 3)),))
    assert calendar.is_open(at(2026, 11, 24, 10), AMS)
    assert not calendar.is_open(at(2026, 11, 28, 10), AMS)  # Saturday
    assert not calendar.is_open(at(2026, 11, 24, 19), AMS)  # evening
    assert not calendar.is_open(at(2026, 12, 22, 10), AMS)  # Christmas holiday
    assert calendar.next_open(at(2026, 11, 28, 10), AMS) == at(2026, 11, 30, 8)
    assert calendar.next_open(at(2026, 11, 24, 6), AMS) == at(2026, 11, 24, 8)
    assert calendar.next_open(at(2026, 12, 18, 17), AMS) == at(2027, 1, 4, 8)


def test_the_evaluation_of_a_case_counts_school_weeks(app, clock):
    clock.current = at(2026, 12, 1, 10).astimezone(UTC)
    chat = Chat(app)
    chat.script(INTAKE + FASE1 + FASE2)
    # 1 December + 20 school days, the Christmas holiday skipped: 12 January.
    assert chat.case().evaluation_due == at(2027, 1, 12, 10)


def _monitored_case(app, clock) -> Chat:
    chat = Chat(app)
    chat.script(INTAKE + FASE1 + FASE2)
    assert chat.case().state == "monitoring2"
    return chat


def test_nothing_is_delivered_on_saturday(app, clock):
    chat = _monitored_case(app, clock)
    due = chat.case().evaluation_due
    clock.current = (due + timedelta(days=4)).replace(hour=10)  # 5 Jan + 4 = Saturday 9 January
    assert clock.current.astimezone(AMS).weekday() == 5
    assert fire_due_reminders(app) == 0
    clock.current = at(2027, 1, 11, 7, 59).astimezone(UTC)  # Monday, before school
    assert fire_due_reminders(app) == 0
    clock.current = at(2027, 1, 11, 8, 0).astimezone(UTC)
    assert fire_due_reminders(app) == 1  # the evaluation, once; the stale check-in is dropped


def test_after_downtime_what_fell_due_comes_once(app, clock):
    notifier = RecordingNotifier()
    chat = _monitored_case(app, clock)
    deliver_outbox(app, notifier)
    clock.current = chat.case().evaluation_due + timedelta(days=7)  # the bot was down for a week
    for _ in range(3):
        fire_due_reminders(app)
        deliver_outbox(app, notifier)
    dms = notifier.dms("jdevries")
    assert [m.question_id for m in dms] == ["evaluation"]


def test_check_ins_come_weekly_until_the_evaluation(app, clock):
    notifier = RecordingNotifier()
    chat = _monitored_case(app, clock)
    due = chat.case().evaluation_due
    while clock.current < due - timedelta(hours=1):
        clock.advance(days=1)
        fire_due_reminders(app)
    deliver_outbox(app, notifier)
    checkins = [m for m in notifier.dms("jdevries") if "Check-in" in m.text]
    assert 2 <= len(checkins) <= 4  # weekly in term time, none in the holiday


def test_an_unanswered_evaluation_escalates_to_the_coordinator(app, clock):
    notifier = RecordingNotifier()
    chat = _monitored_case(app, clock)
    clock.current = chat.case().evaluation_due
    fire_due_reminders(app)
    clock.current = at(2027, 1, 8, 10).astimezone(UTC)  # 3 school days later
    fire_due_reminders(app)
    deliver_outbox(app, notifier)
    [escalation] = notifier.dms("sduijveman")
    assert "nog niet beantwoord" in escalation.text and "Jan de Vries" in escalation.text


def test_an_answered_evaluation_does_not_escalate(app, clock):
    notifier = RecordingNotifier()
    chat = _monitored_case(app, clock)
    clock.current = chat.case().evaluation_due
    fire_due_reminders(app)
    chat.say("nee")
    clock.current = at(2027, 1, 8, 10).astimezone(UTC)
    fire_due_reminders(app)
    deliver_outbox(app, notifier)
    # The coordinator hears that the case closed, and nothing of an unanswered evaluation.
    assert [m.text for m in notifier.dms("sduijveman") if "niet beantwoord" in m.text] == []
    assert any("is gesloten" in m.text for m in notifier.dms("sduijveman"))


def test_a_check_in_can_be_snoozed_the_evaluation_cannot(app, clock):
    chat = _monitored_case(app, clock)
    out = chat.say("later")
    assert "weer aan een check-in" in out and "donderdag 26 november 2026" in out
    clock.current = chat.case().evaluation_due
    assert "niet uitstellen" in chat.say("later")
    chat.say("nee")
    assert chat.case().state == "closed"
    assert "geen check-in om uit te stellen" in chat.say("later")
