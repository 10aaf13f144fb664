"""A school's anti-bullying protocol as data: its states, the transitions between them with their
triggers and guards, what entering a state brings (posts, pings, reminders), the questions of each
phase, the who-to-inform rules and the websites. One validated file per protocol
(`flows/protocols/<name>/protocol.yaml`); the words for each language lie beside it.

One `transitions` machine per protocol serves every case (`model=None`). The machine never does I/O:
a case is wrapped in a `CaseMachineModel` for one trigger; its guards read the case, and its `after`
callback records the transition so that the service can commit it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, PrivateAttr, field_validator, model_validator
from transitions import EventData, Machine

from flows.protocol_checks import check
from flows.protocol_spec import (CLOSED, REPORT_FACTS, Entry, QuestionSpec, StateSpec, Strict, TransitionSpec,
                                 Trigger, Website, WhoRule)


class Protocol(Strict):
    name: str = Field(min_length=1)
    initial: str
    states: dict[str, StateSpec]
    transitions: tuple[TransitionSpec, ...]
    on_reopen: Entry = Entry()
    # Phases whose reaching is counted in the yearly figures (`stats`), in order.
    counted: tuple[str, ...] = ()
    phases: dict[str, tuple[QuestionSpec, ...]]
    who: dict[str, tuple[WhoRule, ...]]
    websites: tuple[Website, ...]
    _machine: Machine | None = PrivateAttr(default=None)

    @field_validator("who", mode="before")
    @classmethod
    def _plain_ids(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: [{"id": r} if isinstance(r, str) else r for r in v] for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        check(self)
        return self

    # --- reading the protocol --------------------------------------------------------------------

    def is_phase(self, state: str) -> bool:
        return self.states[state].kind == "phase"

    def is_monitoring(self, state: str) -> bool:
        return self.states[state].kind == "monitoring"

    @property
    def phase_states(self) -> tuple[str, ...]:
        return tuple(s for s, spec in self.states.items() if spec.kind == "phase")

    @property
    def open_states(self) -> tuple[str, ...]:
        return tuple(s for s in self.states if s != CLOSED)

    @property
    def report(self) -> str:
        """The phase whose answers are the report (class, names, what happened), correctable later."""
        return self.initial

    def questions(self, state: str) -> tuple[QuestionSpec, ...]:
        return self.phases.get(state, ())

    def expanded(self) -> list[dict[str, Any]]:
        """The transitions as `transitions` wants them: "*" spelled out, reopen one row per open state."""
        rows: list[dict[str, Any]] = []
        for t in self.transitions:
            sources = list(self.open_states) if t.source == ("*",) else list(t.source)
            base = {"trigger": t.trigger.value, "after": "record"}
            if t.unless:
                base["unless"] = list(t.unless)
            if t.trigger is Trigger.REOPEN and t.dest == "*":
                rows += [{**base, "source": sources, "dest": state,
                          "conditions": [*t.conditions, f"closed_from_{state}"]} for state in self.open_states]
            else:
                rows.append({**base, "source": sources, "dest": t.dest, "conditions": list(t.conditions)})
        return rows

    def definition(self) -> dict[str, Any]:
        return {"states": list(self.states), "transitions": self.expanded(), "initial": self.initial,
                "auto_transitions": False, "send_event": True}

    def machine(self) -> Machine:
        """The one machine all cases of this protocol share (built on first use)."""
        if self._machine is None:
            self._machine = Machine(model=None, **self.definition())
        return self._machine

    def allowed_triggers(self, state: str) -> list[str]:
        return self.machine().get_triggers(state)


def diagram(protocol: Protocol) -> str:
    """The machine as a Mermaid state diagram (transitions' GraphMachine, mermaid engine)."""
    from transitions.extensions import GraphMachine

    class _Anchor:
        pass

    graph = GraphMachine(model=None, graph_engine="mermaid", show_conditions=True, title=protocol.name,
                         **protocol.definition())
    anchor = _Anchor()
    graph.add_model(anchor, initial=protocol.initial)
    source = anchor.get_graph().draw(None)  # type: ignore[attr-defined]
    # Drop the highlighting of the anchor's current state: the diagram is about the protocol.
    return "\n".join(line for line in source.splitlines() if not line.strip().startswith("Class ")).strip() + "\n"


@dataclass
class Transition:
    source: str
    dest: str
    trigger: str
    reason: str | None


@dataclass
class CaseMachineModel:
    """What the machine sees of a case for one trigger: its state and the facts the guards need."""

    state: str
    closed_from: str | None
    required_open: Callable[[], list[str]]
    agreements: bool = False  # the state's agreements (fase 3's new ones, say) exist
    transitions: list[Transition] = field(default_factory=list)

    def steps_done(self, event: EventData) -> bool:
        return not self.required_open()

    def still_bullying(self, event: EventData) -> bool:
        return bool(event.kwargs.get("still_bullying"))

    def agreements_made(self, event: EventData) -> bool:
        return self.agreements

    def has_reason(self, event: EventData) -> bool:
        return bool((event.kwargs.get("reason") or "").strip())

    def record(self, event: EventData) -> None:
        self.transitions.append(Transition(source=event.transition.source, dest=event.transition.dest,
                                           trigger=event.event.name, reason=event.kwargs.get("reason")))

    def __getattr__(self, name: str) -> Callable[[EventData], bool]:
        if name.startswith("closed_from_"):
            wanted = name.removeprefix("closed_from_")
            return lambda event: self.closed_from == wanted
        raise AttributeError(name)


def fire(protocol: Protocol, model: CaseMachineModel, trigger: Trigger, **kwargs: Any) -> Transition | None:
    """Fire `trigger` on the model; the transition made, or None when a guard said no."""
    if trigger.value not in protocol.allowed_triggers(model.state):
        return None
    before = len(model.transitions)
    protocol.machine().events[trigger.value].trigger(model, **kwargs)
    return model.transitions[-1] if len(model.transitions) > before else None


__all__ = ["CLOSED", "REPORT_FACTS", "CaseMachineModel", "Protocol", "QuestionSpec", "StateSpec", "Transition",
           "Trigger", "Website", "WhoRule", "diagram", "fire"]
