"""What a mentor is told about a move through the protocol: the phase entered, or why the move was refused."""

from __future__ import annotations

from typing import Any

from flows import render
from flows.model import Case
from flows.protocol import CaseState, Trigger, allowed_triggers
from flows.turn import Turn


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
