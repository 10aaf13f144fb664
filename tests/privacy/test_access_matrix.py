"""The access matrix: every role against every action, on own, other and guessed cases, through the
services and through the console adapter."""

from __future__ import annotations

import pytest

from bot.clock import OffsetClock
from bot.console import Console, KeyValue
from flows.dossier import export_dossier
from flows.retention import purge_expired
from flows.services import handle_click, overview, run_command
from flows.stats import statistics
from tests.helpers import INTAKE, Chat

GUESSED = "7KQ2-M9XD-HAPE"
BOVENBOUW = ["nieuw", "4H", "2", "Dirk Claes", "Eva Mol", "Uitschelden in de klas", "nee"]
PEOPLE = ["jdevries", "fyilmaz", "tbos", "evisser", "sduijveman", "ngroen", "pjansen"]
# Case A: jdevries's, onderbouw. Case B: fyilmaz's, bovenbouw. Neither has a guidance request.
VIEW = {"jdevries": "A", "fyilmaz": "B", "tbos": "A", "evisser": "B", "sduijveman": "AB", "ngroen": "AB",
        "pjansen": ""}
ANSWER = {"jdevries": "A", "fyilmaz": "B", "sduijveman": "AB"}
STATS = {"tbos", "evisser", "sduijveman", "ngroen"}
PURGE = {"sduijveman"}


@pytest.fixture
def cases(app):
    a, b = Chat(app, "jdevries"), Chat(app, "fyilmaz")
    a.script(INTAKE)
    b.script(BOVENBOUW)
    return {"A": a.case_id(), "B": b.case_id()}


def denied(replies) -> bool:
    return any("Geen toegang" in r.text for r in replies)


def test_every_role_against_every_action_through_the_services(app, cases):
    for person in PEOPLE:
        for name, case_id in cases.items():
            sees = name in VIEW[person]
            acts = name in ANSWER.get(person, "")
            where = f"{person} on case {name}"
            assert denied(run_command(app, person, "details", case_id)) is not sees, where
            assert denied(run_command(app, person, "open", case_id)) is not sees, where
            assert (export_dossier(app, person, case_id) is not None) is sees, where
            assert (case_id in overview(app, person).text) is sees, where
            assert denied(handle_click(app, person, case_id, "spoke_bullied", "1")) is not acts, where
        for action in (lambda: run_command(app, person, "details", GUESSED),
                       lambda: run_command(app, person, "open", GUESSED),
                       lambda: handle_click(app, person, GUESSED, "spoke_bullied", "1")):
            assert denied(action()), f"{person} on a guessed id"
        assert export_dossier(app, person, GUESSED) is None
        assert (statistics(app, person) is not None) is (person in STATS), person
        assert (purge_expired(app, person, dry_run=True) is not None) is (person in PURGE), person
        # Refused with what the figures are for (issue 12: "die zaak bestaat niet" confused a mentor).
        assert ("De cijfers zijn er voor" in run_command(app, person, "stats")[0].text) is (person not in STATS)


def test_every_role_against_every_action_through_the_console(app, cases, tmp_path):
    for person in PEOPLE:
        lines: list[str] = []
        console = Console(app, OffsetClock(), person, KeyValue(app.uow), write=lines.append,
                          exports=tmp_path / person)

        def say(text: str) -> str:
            del lines[:]
            console.step(text)
            return "\n".join(lines)

        for name, case_id in cases.items():
            sees = name in VIEW[person]
            acts = name in ANSWER.get(person, "")
            where = f"{person} on case {name} (console)"
            assert ("Geen toegang" in say(f"details {case_id}")) is not sees, where
            assert ("dossier opgeslagen" in say(f"dossier {case_id}")) is sees, where
            assert (case_id in say("overzicht")) is sees, where
            out = say(f"open {case_id}") + say("ja")
            assert ("Geen toegang" in out) is not acts, where
        assert "Geen toegang" in say(f"details {GUESSED}") and "Geen toegang" in say(f"dossier {GUESSED}")
        assert ("De cijfers zijn er voor" in say("stats")) is (person not in STATS)
    assert sorted(p.name for p in (tmp_path / "jdevries").iterdir()) == [
        f"dossier-{cases['A']}.html", f"dossier-{cases['A']}.pdf"]


def test_care_coordinator_sees_a_case_once_guidance_is_requested(app, cases):
    with app.uow() as uow:
        case = uow.cases.get(cases["A"])
        case.set_answer("guidance", "internal", "jdevries", app.clock.now())
        case.updated_at = app.clock.now()
        uow.commit()
    assert not denied(run_command(app, "pjansen", "details", cases["A"]))
    assert denied(handle_click(app, "pjansen", cases["A"], "spoke_bullied", "1"))
    assert denied(run_command(app, "pjansen", "details", cases["B"]))


def test_sharing_and_handing_over(app, cases):
    a = cases["A"]
    mentor = Chat(app, "jdevries")
    assert "Geen toegang" in Chat(app, "fyilmaz").say(f"open {a}")
    assert "gedeeld met Fatma Yilmaz" in mentor.say("/deel fyilmaz")
    colleague = Chat(app, "fyilmaz")
    assert "staat nu open" in colleague.say(f"open {a}")
    assert "Genoteerd" in colleague.say("ja")  # a co-mentor answers
    assert "kan de zaak bekijken" in mentor.say("/deel pjansen")  # not a mentor: may look, not answer
    assert not denied(run_command(app, "pjansen", "details", a))
    assert denied(handle_click(app, "pjansen", a, "restorative_talk", "1"))
    # Nobody widens their own access: a reader cannot share, a stranger cannot share or hand over.
    for reader in ("ngroen", "pjansen"):
        chat = Chat(app, reader)
        assert "staat nu open" in chat.say(f"open {a}")
        assert "Geen toegang" in chat.say("/deel evisser")
        assert "Geen toegang" in chat.say(f"/overdragen {reader}")
    assert denied(run_command(app, "evisser", "details", a))
    # Handing over: the new mentor acts; the old one steps out.
    assert "alleen aan een andere mentor" in mentor.say("/overdragen ngroen")
    assert "overgedragen aan Fatma Yilmaz" in mentor.say("/overdragen fyilmaz")
    assert mentor.case().mentor_id == "fyilmaz"
    assert denied(run_command(app, "jdevries", "details", a))
    assert not denied(run_command(app, "fyilmaz", "details", a))


def test_closing_a_case_opens_it_to_nobody(app, cases):
    a = cases["A"]
    mentor = Chat(app, "jdevries")
    mentor.say("sluit verkeerd gemeld")
    for person in PEOPLE:
        assert denied(run_command(app, person, "details", a)) is ("A" not in VIEW[person]), person
