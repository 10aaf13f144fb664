"""What entering a state brings with it, as the protocol file says: posts and messages, reminders, steps the
bot does itself.

Pure: it returns the effects; the service commits them with the case in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flows import render
from flows.content import Content
from flows.messages import Message, Outgoing
from flows.model import Case, Event, Reminder
from flows.protocol import CLOSED, Transition, Trigger
from flows.protocol_spec import Entry, Notice, ReminderKind
from flows.questions import visible
from flows.school import Person, Role, SchoolConfig

BOT = "pestbot"
SAFETY_CHANNEL = "safety"


@dataclass
class Effects:
    events: list[Event] = field(default_factory=list)
    outgoing: list[Outgoing] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    cancel_reminders: bool = False


def audience(case: Case, school: SchoolConfig, to: tuple[str, ...]) -> list[Person]:
    """The people a notice names: the department's school leader and social-safety team, or a role. Before
    the report names the department (a protocol that allows an incident before it), every department's leader."""
    departments = [case.department] if case.department else [d.id for d in school.departments]
    people: list[Person | None] = []
    for who in to:
        if who == "school_leader":
            people += [school.school_leader_of(d) for d in departments]
        elif who == "safety_team":
            people += [p for d in departments for p in school.safety_team(d)]
        else:
            people += school.with_role(Role(who))
    return list({p.id: p for p in people if p is not None}.values())


def entry_of(content: Content, transition: Transition) -> Entry:
    """What entering the destination this way brings: by a reopen, by a severe incident, or as usual."""
    spec = content.protocol.states[transition.dest]
    if transition.trigger == Trigger.REOPEN.value:
        return content.protocol.on_reopen
    if transition.trigger == Trigger.SEVERE_INCIDENT.value and spec.by_incident is not None:
        return spec.by_incident
    return spec.on_enter


def _notices(case: Case, notices: tuple[Notice, ...], actor: str, school: SchoolConfig, content: Content,
             how: str = "–", reason: str | None = None) -> list[Outgoing]:
    mentor = school.person(case.mentor_id)
    words = {"case": render.label(case), "id": case.id, "class_name": case.class_name or "?",
             "bullied": render.students(case, "bullied", full=False),
             "bullies": render.students(case, "bullies", full=False),
             "state": content.state_name(case.state), "mentor": mentor.name if mentor else "–",
             "how": how, "reason": (reason or "").strip() or "–"}
    out: list[Outgoing] = []
    for notice in notices:
        people = audience(case, school, notice.to)
        if notice.post is not None:
            out.append(Outgoing(target_kind="channel", target=SAFETY_CHANNEL, kind=notice.post,
                                message=Message(text=content.msg(notice.post, **words),
                                                mentions=tuple(p.id for p in people), case_id=case.id)))
        else:
            text = content.msg(notice.key, **words)
            out += [Outgoing(target_kind="dm", target=p.id, kind=notice.key,
                             message=Message(text=text, case_id=case.id)) for p in people if p.id != actor]
    return out


def _auto_answer(case: Case, content: Content, now: datetime, effects: Effects, reason: str | None = None) -> None:
    """Steps the bot did itself: the team informed by its own post; why the case is in this phase."""
    for numbered in visible(case, content):
        auto = numbered.question.auto
        value = "yes" if auto == "team_post" else reason if auto == "entry_reason" else None
        if value:
            case.set_answer(numbered.question.id, value, BOT, now)
            effects.events.append(Event(case.id, now, BOT, "answered", {"question": numbered.question.id, "value": value}))


def incident_noted(case: Case, reason: str, actor: str, school: SchoolConfig, content: Content,
                   now: datetime) -> Effects:
    """A severe incident where the case stays in its state (`incident_here` in the protocol): on the
    timeline, and the people the protocol names told at once."""
    here = content.protocol.states[case.state].incident_here
    effects = Effects(events=[Event(case.id, now, actor, "incident", {"reason": reason.strip()})])
    if here is not None:
        effects.outgoing += _notices(case, here.notices, actor, school, content, reason=reason)
    _record(case, effects, actor, now)
    return effects


def on_transition(case: Case, transition: Transition, actor: str, school: SchoolConfig, content: Content,
                  now: datetime) -> Effects:
    """Apply a transition the machine made to the case, and say what must follow from it."""
    protocol, dest = content.protocol, transition.dest
    case.state = dest
    case.phase_started_at = now
    case.updated_at = now
    reopened = transition.trigger == Trigger.REOPEN.value
    if dest == CLOSED:
        case.closed_from = transition.source
        case.evaluation_due = None
    elif reopened:
        case.closed_from = None
    effects = Effects(events=[Event(case.id, now, actor, "transition", {
        "from": transition.source, "to": dest, "trigger": transition.trigger, "reason": transition.reason})])
    effects.cancel_reminders = dest == CLOSED
    effects.reminders += _reminders(case, protocol.states[dest].reminders, school, now)
    entry = entry_of(content, transition)
    how = content.msg(f"closed_by_{transition.trigger}") if dest == CLOSED else "–"
    effects.outgoing += _notices(case, entry.notices, actor, school, content, how, transition.reason)
    if protocol.is_phase(dest) and not reopened:
        reason = None
        if entry.entry_reason is not None:
            reason = content.msg(entry.entry_reason, weeks=school.evaluation_weeks,
                                 reason=(transition.reason or "").strip())
        _auto_answer(case, content, now, effects, reason)
    _record(case, effects, actor, now)
    return effects


def _reminders(case: Case, kinds: tuple[str, ...], school: SchoolConfig, now: datetime) -> list[Reminder]:
    """The reminders the state brings; school weeks and days come from the school's calendar (a holiday
    inside the four weeks moves the evaluation)."""
    calendar, zone = school.calendar, school.zone()
    out = []
    for kind in map(ReminderKind, kinds):
        if kind is ReminderKind.NUDGE:
            due = calendar.add_school_days(now, school.nudge_days, zone)
        elif kind is ReminderKind.EVALUATION:
            due = case.evaluation_due = calendar.next_open(
                calendar.add_school_weeks(now, school.evaluation_weeks, zone), zone)
        else:
            due = calendar.next_open(now + timedelta(days=school.checkin_days), zone)
        out.append(Reminder(case.id, kind, due, case.state))
    return out


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
