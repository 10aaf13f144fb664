"""The rules a protocol file must keep beyond its shape: states that exist, a closed state, the report's
facts, questions that refer only to earlier ones, transitions the bot can carry out. Each broken rule is
an `At` naming where in the file it is, so that the error gives the line."""

from __future__ import annotations

import re
from typing import Any

from flows.protocol_spec import CLOSED, REPORT_FACTS, StateSpec, Trigger
from flows.yamlsource import At


def check(p: Any) -> None:
    """`p`: a flows.protocol.Protocol whose fields are valid one by one."""
    states = p.states
    for state in states:  # a case's state is stored in a column of 20 characters
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,19}", state):
            raise At(("states", state), f"toestand '{state}': kleine letters, cijfers en _, hoogstens 20 tekens")
    if CLOSED not in states or states[CLOSED].kind != "closed":
        raise At(("states",), f"de toestand '{CLOSED}' (kind: closed) ontbreekt")
    others = [s for s, spec in states.items() if spec.kind == "closed" and s != CLOSED]
    if others:
        raise At(("states", others[0], "kind"), f"alleen '{CLOSED}' mag kind closed hebben")
    if p.initial not in states or states[p.initial].kind != "phase":
        raise At(("initial",), f"'{p.initial}' is geen fase van dit protocol")
    for phase in p.phases:
        if phase not in states or states[phase].kind != "phase":
            raise At(("phases", phase), f"'{phase}' is geen toestand met kind phase")
    missing = [s for s, spec in states.items() if spec.kind == "phase" and s not in p.phases]
    if missing:
        raise At(("phases",), f"fase ontbreekt: {', '.join(missing)}")
    seen = _questions(p)
    facts = {q.id for q in p.phases[p.initial]}
    lacking = [f for f in REPORT_FACTS if f not in facts]
    if lacking:
        raise At(("phases", p.initial), f"de melding mist {', '.join(lacking)} (Pestbot gebruikt die zelf)")
    for state, spec in states.items():
        _state(p, state, spec, seen)
    for i, t in enumerate(p.transitions):
        for name in [s for s in t.source if s != "*"] + ([t.dest] if t.dest != "*" else []):
            if name not in states:
                raise At(("transitions", i), f"onbekende toestand '{name}'")
        if t.dest == "*" and t.trigger is not Trigger.REOPEN:
            raise At(("transitions", i, "dest"), "dest '*' kan alleen bij reopen (terug naar waar de zaak was)")
        kinds = {states[s].kind for s in t.source if s != "*"}
        if t.trigger is Trigger.COMPLETE_PHASE and kinds - {"phase"}:
            raise At(("transitions", i, "source"), "complete_phase kan alleen vanuit een fase")
        if t.trigger is Trigger.EVALUATE and kinds - {"monitoring"}:
            raise At(("transitions", i, "source"), "evaluate kan alleen vanuit monitoren")
    for state in p.who:
        if state not in states:
            raise At(("who", state), f"onbekende toestand '{state}'")
    conditions = [(("who", state, i, "when"), r.when) for state, rules in p.who.items() for i, r in enumerate(rules)]
    conditions += [(("websites", i, "first_when"), w.first_when) for i, w in enumerate(p.websites)]
    for loc, cond in conditions:
        for ref in cond or {}:
            if ref not in seen:
                raise At(loc, f"'when' verwijst naar onbekende vraag {ref}")
    for i, state in enumerate(p.counted):
        if state not in states:
            raise At(("counted", i), f"onbekende toestand '{state}'")


def _questions(p: Any) -> dict[str, str]:
    """Question id → kind, in the order asked; each refers only to earlier ones."""
    seen: dict[str, str] = {}
    for phase, questions in p.phases.items():
        for i, q in enumerate(questions):
            if q.id in seen:
                raise At(("phases", phase, i, "id"), f"vraag-id {q.id} komt twee keer voor")
            for ref in {**(q.when or {}), **(q.after or {})}:
                if ref not in seen:
                    raise At(("phases", phase, i, "when"),
                             f"vraag {q.id}: 'when' verwijst naar {ref}, dat geen eerdere vraag is")
            seen[q.id] = q.kind
    return seen


def _state(p: Any, state: str, spec: StateSpec, seen: dict[str, str]) -> None:
    where = ("states", state)
    if spec.agreements is not None and seen.get(spec.agreements) != "agreement":
        raise At((*where, "agreements"), f"'{spec.agreements}' is geen vraag met kind agreement")
    if spec.kind == "monitoring":
        if spec.evaluation is None or "evaluation" not in spec.reminders:
            raise At(where, "monitoren heeft een evaluation en de herinnering evaluation nodig")
        evaluates = [t for t in p.transitions if t.trigger is Trigger.EVALUATE and state in t.source]
        if not evaluates:
            raise At(where, "monitoren zonder overgang met trigger evaluate")
    elif spec.evaluation is not None or {"evaluation", "checkin"} & set(spec.reminders):
        raise At(where, "een evaluatie en check-ins horen bij monitoren")
    auto = {q.auto for q in p.phases.get(state, ())}
    if "entry_reason" in auto and spec.on_enter.entry_reason is None:
        raise At((*where, "on_enter"), "de fase heeft een vraag met auto: entry_reason, maar geen entry_reason")
