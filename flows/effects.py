"""What entering a state brings with it: posts and pings for the safety channel, reminders, auto-done steps.

Pure: it returns the effects; the service commits them with the case in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flows import render
from flows.content import Content
from flows.messages import Message, Outgoing
from flows.model import Case, Event, Reminder
from flows.protocol import MONITORING_STATES, CaseState, Transition, Trigger
from flows.questions import visible
from flows.school import Role, SchoolConfig

BOT = "pestbot"
SAFETY_CHANNEL = "safety"


@dataclass
class Effects:
    events: list[Event] = field(default_factory=list)
    outgoing: list[Outgoing] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    cancel_reminders: bool = False


def _ping(case: Case, school: SchoolConfig, content: Content, key: str, team: bool = False) -> Outgoing:
    """A post in the safety channel that mentions the school leader concerned and the coordinator, and
    with `team` the whole social-safety team (fase 3 and 4, severe incidents: the team meets on those)."""
    people = [school.school_leader_of(case.department), *school.with_role(Role.ANTI_BULLYING_COORDINATOR)]
    if team:
        people += school.safety_team(case.department)
    mentions = tuple(dict.fromkeys(p.id for p in people if p is not None))
    mentor = school.person(case.mentor_id)
    text = content.msg(key, case=render.label(case), state=content.state_name(case.state.value),
                       mentor=mentor.name if mentor else "–")
    return Outgoing(target_kind="channel", target=SAFETY_CHANNEL, kind=key,
                    message=Message(text=text, mentions=mentions, case_id=case.id))


def _summary(case: Case, school: SchoolConfig, content: Content) -> Outgoing:
    """Fase 2: the team is informed by the bot's own post; it says little (initials, class, phase, id)."""
    mentor = school.person(case.mentor_id)
    mentions = tuple(p.id for p in school.safety_team(case.department))
    text = content.msg("summary_fase2", case=case.id, class_name=case.class_name or "?",
                       state=content.state_name(case.state.value),
                       bullied=render.students(case, "bullied", full=False),
                       bullies=render.students(case, "bullies", full=False),
                       mentor=mentor.name if mentor else "–")
    return Outgoing(target_kind="channel", target=SAFETY_CHANNEL, kind="summary_fase2",
                    message=Message(text=text, mentions=mentions, case_id=case.id))


def _auto_answer(case: Case, content: Content, now: datetime, effects: Effects, reason: str | None = None) -> None:
    """Steps the bot did itself: the team informed by its own post; why the case is in this phase."""
    for numbered in visible(case, content):
        auto = numbered.question.auto
        value = "yes" if auto == "team_post" else reason if auto == "entry_reason" else None
        if value:
            case.set_answer(numbered.question.id, value, BOT, now)
            effects.events.append(Event(case.id, now, BOT, "answered", {"question": numbered.question.id, "value": value}))


def _entry_reason(case: Case, transition: Transition, school: SchoolConfig, content: Content) -> str:
    if transition.trigger == Trigger.SEVERE_INCIDENT.value:
        return content.msg("entry_reason_incident", reason=(transition.reason or "").strip())
    return content.msg(f"entry_reason_{case.state.value}", weeks=school.evaluation_weeks)


def _closed(case: Case, transition: Transition, actor: str, school: SchoolConfig, content: Content) -> list[Outgoing]:
    """The coordinator follows every case and monitors how it goes: told when one closes."""
    how = content.msg(f"closed_by_{transition.trigger}")
    mentor = school.person(case.mentor_id)
    text = content.msg("closed_to_coordinator", case=render.label(case), how=how,
                       reason=(transition.reason or "").strip() or "–", mentor=mentor.name if mentor else "–")
    return [Outgoing(target_kind="dm", target=p.id, kind="closed", message=Message(text=text, case_id=case.id))
            for p in school.with_role(Role.ANTI_BULLYING_COORDINATOR) if p.id != actor]


def incident_noted(case: Case, reason: str, actor: str, school: SchoolConfig, content: Content,
                   now: datetime) -> Effects:
    """A severe incident where the case stays in its phase (fase 3 before new agreements, fase 4):
    on the timeline, and the school leader, the coordinator and the team told at once."""
    effects = Effects(events=[Event(case.id, now, actor, "incident", {"reason": reason.strip()})])
    effects.outgoing.append(_ping(case, school, content, "ping_incident_in_place", team=True))
    _record(case, effects, actor, now)
    return effects


def on_transition(case: Case, transition: Transition, actor: str, school: SchoolConfig, content: Content,
                  now: datetime) -> Effects:
    """Apply a transition the machine made to the case, and say what must follow from it."""
    dest = transition.dest
    case.state = dest
    case.phase_started_at = now
    case.updated_at = now
    if dest is CaseState.CLOSED:
        case.closed_from = transition.source
        case.evaluation_due = None
    elif transition.trigger == Trigger.REOPEN.value:
        case.closed_from = None
    effects = Effects(events=[Event(case.id, now, actor, "transition", {
        "from": transition.source.value, "to": dest.value, "trigger": transition.trigger,
        "reason": transition.reason})])
    calendar, zone = school.calendar, school.zone()
    nudge = Reminder(case.id, "nudge", calendar.add_school_days(now, school.nudge_days, zone), dest.value)
    if dest is CaseState.CLOSED:
        effects.cancel_reminders = True
        effects.outgoing += _closed(case, transition, actor, school, content)
    elif dest in MONITORING_STATES:
        # School weeks: a holiday inside the four weeks moves the evaluation.
        case.evaluation_due = calendar.next_open(calendar.add_school_weeks(now, school.evaluation_weeks, zone), zone)
        checkin = calendar.next_open(now + timedelta(days=school.checkin_days), zone)
        effects.reminders += [
            Reminder(case.id, "evaluation", case.evaluation_due, dest.value),
            Reminder(case.id, "checkin", checkin, dest.value),
        ]
    else:
        effects.reminders.append(nudge)
    if transition.trigger == Trigger.REOPEN.value:
        effects.outgoing.append(_ping(case, school, content, "ping_reopened"))
    elif dest is CaseState.FASE2:
        effects.outgoing.append(_summary(case, school, content))
        _auto_answer(case, content, now, effects)
    elif dest in (CaseState.FASE3, CaseState.FASE4):
        severe = transition.trigger == Trigger.SEVERE_INCIDENT.value
        key = "ping_incident" if severe else f"ping_{dest.value}"
        effects.outgoing.append(_ping(case, school, content, key, team=True))
        _auto_answer(case, content, now, effects, _entry_reason(case, transition, school, content))
    _record(case, effects, actor, now)
    return effects


def _record(case: Case, effects: Effects, actor: str, now: datetime) -> None:
    """Every effect is on the timeline too: who caused which post, ping or reminder, and when."""
    for out in effects.outgoing:
        effects.events.append(Event(case.id, now, actor, "informed", {
            "kind": out.kind, "to": f"{out.target_kind}:{out.target}", "mentions": list(out.message.mentions)}))
    for reminder in effects.reminders:
        effects.events.append(Event(case.id, now, actor, "scheduled", {
            "kind": reminder.kind, "due": reminder.due_at.isoformat()}))
    if effects.cancel_reminders:
        effects.events.append(Event(case.id, now, actor, "reminders_cancelled", {}))
