"""What a mentor is told about a move through the protocol: the phase entered, or why the move was refused."""

from __future__ import annotations

from typing import Any

from flows import render
from flows.model import Case
from flows.effects import entry_of
from flows.protocol import CLOSED, Transition, Trigger
from flows.turn import Turn


def entered(turn: Turn, case: Case, made: Transition) -> str:
    """What the mentor reads after a move: the phase done, the new state and its intro, who was told."""
    content, school = turn.content, turn.school
    lines = []
    if made.trigger == Trigger.COMPLETE_PHASE.value and case.state != CLOSED:
        lines.append(content.msg("phase_done", state=content.state_name(made.source)))
    elif made.trigger == Trigger.SEVERE_INCIDENT.value:
        lines.append(content.msg("incident_moved", state=content.state_name(case.state)))
    elif made.trigger == Trigger.REOPEN.value:
        lines.append(content.msg("reopened", case=case.id))
    entry = entry_of(content, made)
    intro = content.msg(entry.intro) if entry.intro else content.texts.phase_intro[case.state]
    lines.append(f"{content.state_name(case.state)}: {intro}")
    if entry.tell:
        lines.append(content.msg(entry.tell, channel=school.safety_channel.name))
    elif content.protocol.is_monitoring(case.state) and case.evaluation_due is not None:
        lines.append(content.msg("monitoring_started", date=render.day(content, school, case.evaluation_due),
                                 weeks=school.evaluation_weeks))
    return "\n".join(lines)


def refusal(turn: Turn, case: Case, trigger: Trigger, kwargs: dict[str, Any]) -> str:
    content = turn.content
    state = content.state_name(case.state)
    allowed = content.protocol.allowed_triggers(case.state)
    if trigger.value not in allowed:
        words = [content.msg(f"trigger_{t}") for t in allowed]
        return content.msg("event_refused", state=state, allowed="; ".join(words) or "–")
    if trigger is Trigger.COMPLETE_PHASE:
        return content.msg("phase_refused", state=state, missing=render.missing(case, content))
    return content.msg("reason_required", command=content.texts.commands[_REASON_COMMAND[trigger]][0])


_REASON_COMMAND = {Trigger.CLOSE: "close", Trigger.REOPEN: "reopen", Trigger.SEVERE_INCIDENT: "incident",
                   Trigger.EVALUATE: "close"}
