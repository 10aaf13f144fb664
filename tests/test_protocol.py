"""Every transition and guard of the protocol machine, including the refused ones."""

from __future__ import annotations

import pytest

from flows.content import load_protocol
from flows.protocol import CaseMachineModel, Trigger
from flows.protocol import fire as fire_on

PROTOCOL = load_protocol("vo")
OPEN_STATES = PROTOCOL.open_states


class S:
    """The states of the school's protocol (flows/protocols/vo/protocol.yaml), by the names the text uses."""

    INTAKE, FASE1, FASE2, MONITORING2 = "intake", "fase1", "fase2", "monitoring2"
    FASE3, MONITORING3, FASE4, CLOSED = "fase3", "monitoring3", "fase4", "closed"


def model(state: str, missing: list[str] | None = None, closed_from: str | None = None) -> CaseMachineModel:
    return CaseMachineModel(state=state, closed_from=closed_from, required_open=lambda: list(missing or []))


def fire(m: CaseMachineModel, trigger: Trigger, **kwargs):  # type: ignore[no-untyped-def]
    return fire_on(PROTOCOL, m, trigger, **kwargs)


def allowed_triggers(state: str) -> list[str]:
    return PROTOCOL.allowed_triggers(state)


@pytest.mark.parametrize("source,dest", [
    (S.INTAKE, S.FASE1), (S.FASE1, S.FASE2), (S.FASE2, S.MONITORING2), (S.FASE3, S.MONITORING3), (S.FASE4, S.CLOSED),
])
def test_complete_phase_moves_on_when_steps_are_done(source, dest):
    m = model(source)
    made = fire(m, Trigger.COMPLETE_PHASE)
    assert made is not None and (made.source, made.dest) == (source, dest)
    assert m.state == dest


@pytest.mark.parametrize("source", [S.INTAKE, S.FASE1, S.FASE2, S.FASE3, S.FASE4])
def test_complete_phase_is_refused_while_required_steps_are_open(source):
    m = model(source, missing=["spoke_bullied"])
    assert fire(m, Trigger.COMPLETE_PHASE) is None
    assert m.state == source and m.transitions == []


@pytest.mark.parametrize("state", [S.MONITORING2, S.MONITORING3, S.CLOSED])
def test_complete_phase_is_not_an_event_of_monitoring_or_closed(state):
    assert Trigger.COMPLETE_PHASE.value not in allowed_triggers(state)
    m = model(state)
    assert fire(m, Trigger.COMPLETE_PHASE) is None and m.state == state


@pytest.mark.parametrize("source,still,dest", [
    (S.MONITORING2, True, S.FASE3), (S.MONITORING2, False, S.CLOSED),
    (S.MONITORING3, True, S.FASE4), (S.MONITORING3, False, S.CLOSED),
])
def test_evaluation_after_four_weeks(source, still, dest):
    m = model(source)
    made = fire(m, Trigger.EVALUATE, still_bullying=still)
    assert made is not None and m.state == dest


@pytest.mark.parametrize("state", [S.INTAKE, S.FASE1, S.FASE2, S.FASE3, S.FASE4, S.CLOSED])
def test_evaluation_only_while_monitoring(state):
    m = model(state)
    assert fire(m, Trigger.EVALUATE, still_bullying=True) is None and m.state == state


@pytest.mark.parametrize("source,dest", [
    (S.FASE1, S.FASE3), (S.FASE2, S.FASE3), (S.MONITORING2, S.FASE3), (S.FASE3, S.FASE4), (S.MONITORING3, S.FASE4),
])
def test_severe_incident_jumps_ahead_with_a_reason(source, dest):
    m = model(source, missing=["anything"])  # a severe incident does not wait for open steps
    m.agreements = True
    made = fire(m, Trigger.SEVERE_INCIDENT, reason="afspraken ernstig overtreden")
    assert made is not None and m.state == dest and made.reason == "afspraken ernstig overtreden"


def test_an_incident_in_fase3_before_its_new_agreements_does_not_reach_fase4():
    """Fase 4 (the source): "de afspraken die in fase 3 zijn gemaakt worden niet nageleefd"."""
    m = model(S.FASE3)
    assert fire(m, Trigger.SEVERE_INCIDENT, reason="hij is geslagen") is None and m.state == S.FASE3


@pytest.mark.parametrize("source", [S.FASE1, S.MONITORING2])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_severe_incident_without_a_reason_is_refused(source, reason):
    m = model(source)
    assert fire(m, Trigger.SEVERE_INCIDENT, reason=reason) is None and m.state == source


@pytest.mark.parametrize("state", [S.INTAKE, S.FASE4, S.CLOSED])
def test_severe_incident_not_from_intake_fase4_or_closed(state):
    m = model(state)
    assert fire(m, Trigger.SEVERE_INCIDENT, reason="x") is None and m.state == state


@pytest.mark.parametrize("state", OPEN_STATES)
def test_close_from_any_open_state_needs_a_reason(state):
    m = model(state, missing=["x"])
    assert fire(m, Trigger.CLOSE) is None and m.state == state
    made = fire(m, Trigger.CLOSE, reason="pesten is gestopt")
    assert made is not None and m.state == S.CLOSED


def test_a_closed_case_cannot_be_closed_again():
    m = model(S.CLOSED, closed_from=S.FASE1)
    assert fire(m, Trigger.CLOSE, reason="x") is None


@pytest.mark.parametrize("closed_from", OPEN_STATES)
def test_reopen_returns_to_where_the_case_was_closed(closed_from):
    m = model(S.CLOSED, closed_from=closed_from)
    assert fire(m, Trigger.REOPEN) is None and m.state == S.CLOSED
    made = fire(m, Trigger.REOPEN, reason="het pesten is weer begonnen")
    assert made is not None and m.state == closed_from


@pytest.mark.parametrize("state", OPEN_STATES)
def test_reopen_only_a_closed_case(state):
    m = model(state)
    assert fire(m, Trigger.REOPEN, reason="x") is None and m.state == state


def test_the_machine_is_shared_and_has_no_auto_transitions():
    machine = PROTOCOL.machine
    assert machine() is machine()
    assert not any(name.startswith("to_") for name in machine().events)
    assert set(machine().events) == {t.value for t in Trigger}


def test_a_notice_before_the_report_names_a_department_reaches_every_departments_leader(school):
    """A protocol may allow a severe incident before the report is done; the school leader concerned is not
    known yet, so every department's leader is named (this school: Thomas Bos and Eva Visser)."""
    from datetime import UTC, datetime

    from flows.effects import audience
    from flows.model import Case

    case = Case("ABCD-EFGH-JKLM", "jdevries", datetime(2026, 11, 24, tzinfo=UTC))
    assert {p.id for p in audience(case, school, ("school_leader",))} == {"tbos", "evisser"}
    case.department = "onderbouw"
    named = audience(case, school, ("school_leader", "anti_bullying_coordinator"))
    assert {p.id for p in named} == {"tbos", "sduijveman"}
