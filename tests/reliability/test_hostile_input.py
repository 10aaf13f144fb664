"""Hostile input at the engine, through the services: never a crash, always a clear answer, nothing
stored from a refused input. (The Slack and Teams parsers have their own hostile tests.)"""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.services import handle_click, handle_message
from tests.helpers import INTAKE, Chat

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=("Cc", "Cf", "Zs", "So", "Mn")), max_size=200),
    st.sampled_from(["<!channel>", "<!here>", "<@U0MENTOR01>", "<https://x.example|klik>", "[x](https://x.example)",
                     "{case}", "{0}", "%s%s%s", "\x00", "\u202e", "vraag 99999999999999999999", "open ../../etc/passwd",
                     "sluit " + "x" * 3000, "/tijd +9999w", "vraag -1", "taal xx", "checkin", "afspraak" * 500]),
    st.builds(lambda n: "x" * n, st.integers(min_value=3990, max_value=100_000)),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def snapshot(app, case_id: str):
    with app.uow() as uow:
        case = uow.cases.get(case_id)
        return (case.version, case.state, sorted((a.question_id, str(a.value)) for a in case.answers),
                len(uow.events.for_case(case_id)))


@SETTINGS
@given(text=HOSTILE)
def test_any_text_gets_an_answer_and_never_a_crash(app, text):
    replies = handle_message(app, "jdevries", text)
    assert replies and all(isinstance(r.text, str) and r.text for r in replies)


@SETTINGS
@given(text=HOSTILE)
def test_a_refused_answer_stores_nothing(app, text):
    chat = Chat(app)
    chat.script(INTAKE[:3])  # a new case, now asking "Wie wordt er gepest?" (names)
    case_id = chat.case_id()
    before = snapshot(app, case_id)
    replies = handle_message(app, "jdevries", text)
    after = snapshot(app, case_id)
    refused = any("niets opgeslagen" in r.text or "te lang" in r.text for r in replies)
    if refused:
        assert after == before


@SETTINGS
@given(case_id=st.text(string.printable, max_size=40), question=st.text(max_size=40), value=st.text(max_size=60))
def test_forged_clicks_change_nothing(app, case_id, question, value):
    replies = handle_click(app, "jdevries", case_id, question, value)
    with app.uow() as uow:  # no case exists, so every forged click must have been refused
        assert uow.cases.for_mentor("jdevries") == []
    assert any("Geen toegang" in r.text for r in replies)


def test_unknown_people_never_reach_the_database(app):
    for text in ["nieuw", "status", "<!channel>", "x" * 10_000]:
        assert "ik ken je niet" in handle_message(app, "U-NOBODY", text)[0].text
    with app.uow() as uow:
        assert uow.conversations.get("U-NOBODY") is None
