"""Bringing committed work out: reminders that fall due become messages; the outbox goes to a platform.

Issue 5 makes this safe for many workers (claims, leases, backoff, the school calendar); the rules of
what a reminder says and when it is moot live here.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flows import render
from flows.content import Content
from flows.messages import Choice, Message
from flows.model import Case, Event, OutboxMessage, Reminder
from flows.ports import Notifier
from flows.protocol import CaseState
from flows.questions import required_open
from flows.services import App

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BOT = "pestbot"


def fire_due_reminders(app: App, limit: int = 100) -> int:
    """Turn every reminder that fell due into a direct message; a reminder for a case that moved on is dropped."""
    now = app.clock.now()
    fired = 0
    with app.uow() as uow:
        for reminder in uow.reminders.due(now, limit):
            case = uow.cases.get(reminder.case_id)
            mentor = app.school.person(case.mentor_id) if case else None
            if case is None or mentor is None or case.state.value != reminder.for_state:
                reminder.status = "obsolete"
                continue
            conversation = uow.conversations.get(mentor.id)
            content = app.content(mentor, conversation)
            message = _reminder_message(app, reminder, case, content, now)
            if message is None:
                reminder.status = "done"
                continue
            uow.outbox.add(OutboxMessage(case.id, "dm", mentor.id, f"reminder_{reminder.kind}",
                                         message.model_dump(mode="json"), now))
            uow.events.add(Event(case.id, now, BOT, "reminder", {"kind": reminder.kind}))
            if conversation is not None and not conversation.pending:
                conversation.active_case_id = case.id  # a plain "ja" after the reminder answers it
            _follow_up(app, reminder, case, now)
            fired += 1
        uow.commit()
    return fired


def _reminder_message(app: App, reminder: Reminder, case: Case, content: Content, now: datetime) -> Message | None:
    label = render.label(case)
    if reminder.kind == "evaluation":
        key = "reminder_evaluation_f3" if case.state is CaseState.MONITORING3 else "reminder_evaluation"
        answers = content.texts.answers
        return Message(text=content.msg(key, case=label, weeks=app.school.evaluation_weeks), case_id=case.id,
                       question_id="evaluation",
                       choices=(Choice(label=answers["yes"], value="1"), Choice(label=answers["no"], value="2")))
    if reminder.kind == "checkin":
        if case.evaluation_due is not None and case.evaluation_due <= now:
            return None  # the evaluation itself is due: no check-in beside it
        return Message(text=content.msg("reminder_checkin", case=label), case_id=case.id)
    missing = render.missing(case, content)
    if not missing:
        return None
    days = (reminder.due_at - case.phase_started_at).days
    return Message(text=content.msg("reminder_nudge", case=label, id=case.id, days=days,
                                    state=content.state_name(case.state.value), missing=missing), case_id=case.id)


def _follow_up(app: App, reminder: Reminder, case: Case, now: datetime) -> None:
    """Check-ins come again until the evaluation; nudges come again while steps stay open.

    The next one counts from now, so a bot that was down for weeks sends one reminder, not a backlog.
    """
    school = app.school
    start = max(reminder.due_at, now)
    if reminder.kind == "checkin":
        following = start + timedelta(days=school.checkin_days)
        if case.evaluation_due is not None and following < case.evaluation_due:
            reminder.due_at = following
            return
    elif reminder.kind == "nudge" and required_open(case, app.content(None)):
        reminder.due_at = start + timedelta(days=school.nudge_days)
        return
    reminder.status = "sent"


def deliver_outbox(app: App, notifier: Notifier, limit: int = 100) -> int:
    """Send what the outbox holds; a failure is retried later with backoff, never dropped."""
    now = app.clock.now()
    sent = 0
    with app.uow() as uow:
        for item in uow.outbox.pending(now, limit):
            try:
                item.platform_message_id = notifier.send(item.target_kind, item.target,
                                                         Message.model_validate(item.payload))
            except Exception as exc:  # a platform error of any kind: retry later
                item.attempts += 1
                item.next_attempt_at = now + timedelta(seconds=min(3600, 5 * 2 ** item.attempts))
                item.status = "failed" if item.attempts >= MAX_ATTEMPTS else "pending"
                log.warning("delivery of outbox %s failed (%s), attempt %s", item.id, type(exc).__name__, item.attempts)
            else:
                item.status, item.sent_at = "sent", now
                sent += 1
            uow.commit()
    return sent
