"""Reminders that fall due become messages: the evaluation, check-ins, nudges, and the escalation.

Any number of workers may run this: each claims a batch (storage makes the claim atomic), and turns
it into outbox rows in one transaction, so a reminder becomes a message exactly once. Reminders to
people come on school days within working hours only; each checks its case again first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flows import render
from flows.content import Content
from flows.messages import Choice, Message
from flows.model import CHECKIN, Case, Conversation, Event, OutboxMessage, Pending, Reminder
from flows.ports import UnitOfWork
from flows.protocol_spec import ReminderKind
from flows.questions import EVALUATION, required_open
from flows.school import Role
from flows.services import App, changes

BOT = "pestbot"
LEASE = timedelta(seconds=60)


def fire_due_reminders(app: App, limit: int = 200, lease: timedelta = LEASE) -> int:
    """One sweep: claim due reminders, turn them into messages. The number of messages queued."""
    now = app.clock.now()
    school = app.school
    if not school.calendar.is_open(now, school.zone()):
        return 0  # no reminders to people at night, at weekends or in the holidays; they wait
    queued = 0
    # Claim and turn into messages in one transaction: the claimed rows stay locked (PostgreSQL skips
    # them for other workers; SQLite has one writer), and a worker that dies leaves them unclaimed.
    with app.uow() as uow:
        token, claimed = uow.reminders.claim(now, lease, limit)
        if not claimed:
            return 0
        batch = _Batch(uow)
        reminders = uow.reminders.hold(token, [c.id for c in claimed])
        cases = uow.cases.get_many({r.case_id for r in reminders})
        for reminder in reminders:
            queued += _fire(app, batch, reminder, cases.get(reminder.case_id), now)
            reminder.claim_token, reminder.lease_until = None, None
        uow.reminders.schedule_many(batch.follow_ups)
        uow.outbox.add_many(batch.outbox)
        uow.events.add_many(batch.events)
        uow.audit.add_many(changes(batch.events, BOT, now))  # the bot's own changes are on record too
        uow.commit()
    return queued


class _Batch:
    """One claimed batch: its unit of work, the conversations read once, the reminders to schedule."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.conversations: dict[str, Conversation | None] = {}
        self.follow_ups: list[Reminder] = []
        self.outbox: list[OutboxMessage] = []
        self.events: list[Event] = []

    def conversation(self, person_id: str) -> Conversation | None:
        if person_id not in self.conversations:
            self.conversations[person_id] = self.uow.conversations.get(person_id)
        return self.conversations[person_id]


def _fire(app: App, batch: _Batch, reminder: Reminder, case: Case | None, now: datetime) -> int:
    mentor = app.school.person(case.mentor_id) if case else None
    if case is None or mentor is None or case.state != reminder.for_state:
        reminder.status = "obsolete"  # the case moved on or was closed: nothing to remind of
        return 0
    if reminder.kind == ReminderKind.ESCALATION:
        return _escalate(app, batch, reminder, case, now)
    conversation = batch.conversation(mentor.id)
    message = _message(app, reminder, case, app.content(mentor, conversation), now)
    if message is None:
        reminder.status = "done"
        return 0
    batch.outbox.append(OutboxMessage(case.id, "dm", mentor.id, f"reminder_{reminder.kind}",
                                      message.model_dump(mode="json"), now))
    batch.events.append(Event(case.id, now, BOT, "reminder", {"kind": reminder.kind, "to": mentor.id}))
    if message.question_id is not None:
        _now_asked(batch, mentor.id, case, message.question_id, now)
    _follow_up(app, batch, reminder, case, now)
    return 1


def _now_asked(batch: _Batch, person_id: str, case: Case, question_id: str, now: datetime) -> None:
    """The evaluation or a check-in is now the last thing put to the mentor: a plain "nee" or a typed
    note answers it, whatever case they were working on; after it, the bot goes back to that case."""
    conversation = batch.conversation(person_id)
    if conversation is None:
        return  # never talked to the bot: their first message starts a conversation (and names the case)
    previous = conversation.pending
    resume = conversation.active_case_id if conversation.active_case_id != case.id else (
        previous.resume_case_id if previous else None)
    conversation.active_case_id = case.id
    conversation.pending = Pending(case.id, question_id, resume_case_id=resume)
    conversation.updated_at = now


def _message(app: App, reminder: Reminder, case: Case, content: Content, now: datetime) -> Message | None:
    label = render.label(case)
    if reminder.kind == ReminderKind.EVALUATION:
        evaluation = content.protocol.states[case.state].evaluation
        key = evaluation.reminder if evaluation else "reminder_evaluation"
        answers = content.texts.answers
        return Message(text=content.msg(key, case=label, weeks=app.school.evaluation_weeks), case_id=case.id,
                       question_id=EVALUATION.id,
                       choices=(Choice(label=answers["yes"], value="1"), Choice(label=answers["no"], value="2")))
    if reminder.kind == ReminderKind.CHECKIN:
        if case.evaluation_due is not None and case.evaluation_due <= now:
            return None  # the evaluation itself is due: no check-in beside it
        return Message(text=content.msg("reminder_checkin", case=label, days=app.school.snooze_days),
                       case_id=case.id, question_id=CHECKIN)
    missing = render.missing(case, content)
    if not missing:
        return None
    days = (now - case.phase_started_at).days
    return Message(text=content.msg("reminder_nudge", case=label, id=case.id, days=days,
                                    state=content.state_name(case.state), missing=missing), case_id=case.id)


def _follow_up(app: App, batch: _Batch, reminder: Reminder, case: Case, now: datetime) -> None:
    """Check-ins come again until the evaluation; nudges while steps stay open; an unanswered
    evaluation escalates to the coordinator. Each counts from now: after downtime, one reminder."""
    school, zone = app.school, app.school.zone()
    reminder.status = "sent"
    if reminder.kind == ReminderKind.CHECKIN:
        following = school.calendar.next_open(now + timedelta(days=school.checkin_days), zone)
        if case.evaluation_due is not None and following < case.evaluation_due:
            reminder.due_at, reminder.status = following, "pending"
    elif reminder.kind == ReminderKind.NUDGE and required_open(case, app.content(None)):
        reminder.due_at, reminder.status = school.calendar.add_school_days(now, school.nudge_days, zone), "pending"
    elif reminder.kind == ReminderKind.EVALUATION:
        due = school.calendar.add_school_days(now, school.escalation_days, zone)
        batch.follow_ups.append(Reminder(case.id, ReminderKind.ESCALATION, due, reminder.for_state))


def _escalate(app: App, batch: _Batch, reminder: Reminder, case: Case, now: datetime) -> int:
    """The mentor left the evaluation unanswered: the coordinator, who monitors every case, is told."""
    reminder.status = "sent"
    mentor = app.school.person(case.mentor_id)
    queued = 0
    for coordinator in app.school.with_role(Role.ANTI_BULLYING_COORDINATOR):
        content = app.content(coordinator, batch.conversation(coordinator.id))
        text = content.msg("reminder_escalation", case=render.label(case), mentor=mentor.name if mentor else "–",
                           days=app.school.escalation_days,
                           date=render.day(content, app.school, case.evaluation_due))
        message = Message(text=text, case_id=case.id)
        batch.outbox.append(OutboxMessage(case.id, "dm", coordinator.id, ReminderKind.ESCALATION,
                                          message.model_dump(mode="json"), now))
        queued += 1
    batch.events.append(Event(case.id, now, BOT, "escalated", {"to": [p.id for p in app.school.with_role(
        Role.ANTI_BULLYING_COORDINATOR)]}))
    return queued
