"""Moving a case through the protocol: firing the machine's events, what the mentor is told about it,
and a severe incident where the case cannot go further."""

from __future__ import annotations

from typing import Any

from flows import render
from flows.effects import incident_noted, on_transition
from flows.engine import Outcome, Turn, advance, resume, set_pending
from flows.model import Case
from flows.protocol import CaseMachineModel, CaseState, Trigger, allowed_triggers, fire
from flows.questions import required_open


def transition(turn: Turn, case: Case, outcome: Outcome, trigger: Trigger, **kwargs: Any) -> Outcome:
    """Fire a protocol event; on refusal a message that names what is missing, and the case unchanged."""
    content = turn.content
    model = CaseMachineModel(state=case.state, closed_from=case.closed_from,
                             required_open=lambda: [n.question.id for n in required_open(case, content)],
                             new_agreements=bool(case.agreements_of("agreements_f3")))
    made = fire(model, trigger, **kwargs)
    if made is None:
        if trigger is Trigger.SEVERE_INCIDENT and case.state in (CaseState.FASE3, CaseState.FASE4) \
                and (kwargs.get("reason") or "").strip():
            return _incident_in_place(turn, case, outcome, kwargs["reason"])
        return outcome.say(refusal(turn, case, trigger, kwargs), case)
    effects = on_transition(case, made, turn.person.id, turn.school, content, turn.now)
    outcome.effects.events += effects.events
    outcome.effects.outgoing += effects.outgoing
    outcome.effects.reminders += effects.reminders
    outcome.effects.cancel_reminders = outcome.effects.cancel_reminders or effects.cancel_reminders
    outcome.changed = True
    set_pending(turn, outcome, None)
    outcome.say(entered(turn, case, made.source, made.trigger), case)
    if case.state is CaseState.CLOSED:
        return resume(turn, outcome, case)
    reopened = made.trigger == Trigger.REOPEN.value
    return advance(turn, case, outcome, again=reopened, complete=not reopened)


def _incident_in_place(turn: Turn, case: Case, outcome: Outcome, reason: str) -> Outcome:
    """A severe incident in fase 3 before its new agreements exist, or in fase 4: the school leader is
    already involved and there is no further phase; the incident is recorded and the team told."""
    effects = incident_noted(case, reason, turn.person.id, turn.school, turn.content, turn.now)
    outcome.effects.events += effects.events
    outcome.effects.outgoing += effects.outgoing
    outcome.changed = True
    case.updated_at = turn.now
    key = "incident_noted_f3" if case.state is CaseState.FASE3 else "incident_noted_f4"
    return outcome.say(turn.content.msg(key, channel=turn.school.safety_channel.name), case)


def entered(turn: Turn, case: Case, source: CaseState, trigger: str) -> str:
    content, school = turn.content, turn.school
    lines = []
    if trigger == Trigger.COMPLETE_PHASE.value and case.state is not CaseState.CLOSED:
        lines.append(content.msg("phase_done", state=content.state_name(source.value)))
    elif trigger == Trigger.SEVERE_INCIDENT.value:
        lines.append(content.msg("incident_moved", state=content.state_name(case.state.value)))
    elif trigger == Trigger.REOPEN.value:
        lines.append(content.msg("reopened", case=case.id))
    intro = content.texts.phase_intro[case.state.value]
    if case.state is CaseState.FASE4 and trigger == Trigger.SEVERE_INCIDENT.value:
        intro = content.msg("phase_intro_fase4_incident")
    lines.append(f"{content.state_name(case.state.value)}: {intro}")
    if trigger == Trigger.REOPEN.value:
        lines.append(content.msg("reopen_posted", channel=school.safety_channel.name))
    elif case.state is CaseState.FASE2:
        lines.append(content.msg("team_posted", channel=school.safety_channel.name))
    elif case.state in (CaseState.FASE3, CaseState.FASE4):
        lines.append(content.msg("leader_pinged", channel=school.safety_channel.name))
    elif case.state is CaseState.CLOSED:
        lines.append(content.msg("closed_told"))
    elif case.evaluation_due is not None:
        lines.append(content.msg("monitoring_started", date=render.day(content, school, case.evaluation_due),
                                 weeks=school.evaluation_weeks))
    return "\n".join(lines)


def refusal(turn: Turn, case: Case, trigger: Trigger, kwargs: dict[str, Any]) -> str:
    content = turn.content
    state = content.state_name(case.state.value)
    if trigger.value not in allowed_triggers(case.state):
        allowed = [content.msg(f"trigger_{t}") for t in allowed_triggers(case.state)]
        return content.msg("event_refused", state=state, allowed="; ".join(allowed) or "–")
    if trigger is Trigger.COMPLETE_PHASE:
        return content.msg("phase_refused", state=state, missing=render.missing(case, content))
    return content.msg("reason_required", command=content.texts.commands[_REASON_COMMAND[trigger]][0])


_REASON_COMMAND = {Trigger.CLOSE: "close", Trigger.REOPEN: "reopen", Trigger.SEVERE_INCIDENT: "incident",
                   Trigger.EVALUATE: "close"}
