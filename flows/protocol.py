"""The anti-bullying protocol as one shared `transitions` state machine for every case.

The machine never does I/O. A case is wrapped in a `CaseMachineModel` for the length of one trigger;
its guards read the case, its `after` callback records the transition so the service can commit it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

from transitions import EventData, Machine


class CaseState(str, Enum):
    INTAKE = "intake"
    FASE1 = "fase1"
    FASE2 = "fase2"
    MONITORING2 = "monitoring2"
    FASE3 = "fase3"
    MONITORING3 = "monitoring3"
    FASE4 = "fase4"
    CLOSED = "closed"


S = CaseState
OPEN_STATES = tuple(s for s in CaseState if s is not S.CLOSED)
PHASE_STATES = (S.INTAKE, S.FASE1, S.FASE2, S.FASE3, S.FASE4)
MONITORING_STATES = (S.MONITORING2, S.MONITORING3)


class Trigger(str, Enum):
    COMPLETE_PHASE = "complete_phase"
    EVALUATE = "evaluate"
    SEVERE_INCIDENT = "severe_incident"
    CLOSE = "close"
    REOPEN = "reopen"


def _transitions() -> list[dict[str, Any]]:
    t = Trigger
    rows: list[dict[str, Any]] = [
        {"trigger": t.COMPLETE_PHASE, "source": S.INTAKE, "dest": S.FASE1, "conditions": "steps_done"},
        {"trigger": t.COMPLETE_PHASE, "source": S.FASE1, "dest": S.FASE2, "conditions": "steps_done"},
        {"trigger": t.COMPLETE_PHASE, "source": S.FASE2, "dest": S.MONITORING2, "conditions": "steps_done"},
        {"trigger": t.COMPLETE_PHASE, "source": S.FASE3, "dest": S.MONITORING3, "conditions": "steps_done"},
        {"trigger": t.COMPLETE_PHASE, "source": S.FASE4, "dest": S.CLOSED, "conditions": "steps_done"},
        {"trigger": t.EVALUATE, "source": S.MONITORING2, "dest": S.FASE3, "conditions": "still_bullying"},
        {"trigger": t.EVALUATE, "source": S.MONITORING3, "dest": S.FASE4, "conditions": "still_bullying"},
        {"trigger": t.EVALUATE, "source": list(MONITORING_STATES), "dest": S.CLOSED, "unless": "still_bullying"},
        {"trigger": t.SEVERE_INCIDENT, "source": [S.FASE1, S.FASE2, S.MONITORING2], "dest": S.FASE3, "conditions": "has_reason"},
        # In fase 3 an incident moves the case on only once fase 3's new agreements exist (the protocol:
        # fase 4 is "the agreements made in fase 3 are not kept"); before that it is recorded in place.
        {"trigger": t.SEVERE_INCIDENT, "source": S.FASE3, "dest": S.FASE4,
         "conditions": ["has_reason", "new_agreements_made"]},
        {"trigger": t.SEVERE_INCIDENT, "source": S.MONITORING3, "dest": S.FASE4, "conditions": "has_reason"},
        {"trigger": t.CLOSE, "source": list(OPEN_STATES), "dest": S.CLOSED, "conditions": "has_reason"},
    ]
    for state in OPEN_STATES:
        rows.append({"trigger": t.REOPEN, "source": S.CLOSED, "dest": state,
                     "conditions": ["has_reason", f"closed_from_{state.value}"]})
    for row in rows:
        row["trigger"] = row["trigger"].value
        row["after"] = "record"
    return rows


def _definition() -> dict[str, Any]:
    return {"states": CaseState, "transitions": _transitions(), "initial": S.INTAKE,
            "auto_transitions": False, "send_event": True}


@cache
def machine() -> Machine:
    """The one machine all cases share (built on first use, not at import)."""
    return Machine(model=None, **_definition())


def diagram() -> str:
    """The machine as a Mermaid state diagram (transitions' GraphMachine, mermaid engine)."""
    from transitions.extensions import GraphMachine

    class _Anchor:
        pass

    graph = GraphMachine(model=None, graph_engine="mermaid", show_conditions=True, title="Pestbot", **_definition())
    anchor = _Anchor()
    graph.add_model(anchor, initial=S.INTAKE)
    source = anchor.get_graph().draw(None)  # type: ignore[attr-defined]
    # Drop the highlighting of the anchor's current state: the diagram is about the protocol.
    return "\n".join(line for line in source.splitlines() if not line.strip().startswith("Class ")).strip() + "\n"


@dataclass
class Transition:
    source: CaseState
    dest: CaseState
    trigger: str
    reason: str | None


@dataclass
class CaseMachineModel:
    """What the machine sees of a case for one trigger: its state and the facts the guards need."""

    state: CaseState
    closed_from: CaseState | None
    required_open: Callable[[], list[str]]
    new_agreements: bool = False  # fase 3's new agreements exist
    transitions: list[Transition] = field(default_factory=list)

    def steps_done(self, event: EventData) -> bool:
        return not self.required_open()

    def still_bullying(self, event: EventData) -> bool:
        return bool(event.kwargs.get("still_bullying"))

    def new_agreements_made(self, event: EventData) -> bool:
        return self.new_agreements

    def has_reason(self, event: EventData) -> bool:
        return bool((event.kwargs.get("reason") or "").strip())

    def record(self, event: EventData) -> None:
        self.transitions.append(Transition(
            source=CaseState[event.transition.source], dest=CaseState[event.transition.dest],
            trigger=event.event.name, reason=event.kwargs.get("reason")))

    def __getattr__(self, name: str) -> Callable[[EventData], bool]:
        if name.startswith("closed_from_"):
            wanted = name.removeprefix("closed_from_")
            return lambda event: self.closed_from is not None and self.closed_from.value == wanted
        raise AttributeError(name)


def allowed_triggers(state: CaseState) -> list[str]:
    return machine().get_triggers(state)


def fire(model: CaseMachineModel, trigger: Trigger, **kwargs: Any) -> Transition | None:
    """Fire `trigger` on the model; the transition made, or None when a guard said no."""
    if trigger.value not in allowed_triggers(model.state):
        return None
    before = len(model.transitions)
    machine().events[trigger.value].trigger(model, **kwargs)
    return model.transitions[-1] if len(model.transitions) > before else None
