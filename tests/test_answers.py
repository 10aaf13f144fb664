"""What a person types, turned into a checked answer (flows/answers.py), or a clear refusal."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.answers import MAX_NAME, MAX_STUDENTS, Invalid, clean, initials, options_for, parse
from flows.content import load_content

TODAY = date(2026, 3, 11)
DEPARTMENTS = [("onderbouw", "Onderbouw"), ("bovenbouw", "Bovenbouw")]


@pytest.fixture(scope="module")
def nl():
    return load_content()["nl"]


@pytest.fixture(scope="module")
def en():
    return load_content()["en"]


def answer(content, question_id: str, text: str):
    question = content.questions[question_id]
    return parse(question, text, content, options_for(question, content, DEPARTMENTS), TODAY)


def refused(result) -> str:
    assert isinstance(result, Invalid), f"verwacht een weigering, kreeg {result!r}"
    assert result.message.strip()
    return result.message


# --- ja / nee / n.v.t. --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ja", "Ja", "JA!", "j", "yes", "gedaan", "  jazeker. ", "1"])
def test_task_yes(nl, text):
    assert answer(nl, "spoke_bullied", text) == "yes"


@pytest.mark.parametrize("text", ["nee", "Nee.", "n", "no", "nog niet", "neen", "2"])
def test_task_no(nl, text):
    assert answer(nl, "spoke_bullied", text) == "no"


@pytest.mark.parametrize("text", ["nvt", "n.v.t.", "N.V.T", "na", "n/a", "niet van toepassing", "3"])
def test_not_applicable_only_where_allowed(nl, text):
    assert nl.questions["teachers_note"].allow_na
    assert answer(nl, "teachers_note", text) == "na"
    assert not nl.questions["spoke_bullied"].allow_na
    assert refused(answer(nl, "spoke_bullied", text)) == nl.msg("invalid_task")


def test_task_refusals_say_which_answers_fit(nl):
    assert refused(answer(nl, "teachers_note", "misschien")) == nl.msg("invalid_task_na")
    assert refused(answer(nl, "spoke_bullied", "misschien")) == nl.msg("invalid_task")
    assert refused(answer(nl, "spoke_bullied", "0")) == nl.msg("invalid_task")


@pytest.mark.parametrize("text, expected", [("ja", "yes"), ("nee", "no"), ("1", "yes"), ("2", "no"), ("Yes", "yes")])
def test_yes_no(nl, text, expected):
    assert answer(nl, "digital", text) == expected


@pytest.mark.parametrize("text", ["nvt", "3", "", "soms"])
def test_yes_no_refuses_the_rest(nl, text):
    assert refused(answer(nl, "digital", text)) == nl.msg("invalid_yes_no")


def test_yes_no_in_english(en):
    assert answer(en, "digital", "yes") == "yes"
    assert answer(en, "digital", "nee") == "no"  # Dutch words work for everyone
    assert refused(answer(en, "digital", "perhaps")) == en.msg("invalid_yes_no")


# --- choices -------------------------------------------------------------------------------------------


def test_choice_by_number_key_or_label(nl):
    labels = nl.texts.options["guidance"]
    assert answer(nl, "guidance", "1") == "none"
    assert answer(nl, "guidance", "3") == "external"
    assert answer(nl, "guidance", "internal") == "internal"
    assert answer(nl, "guidance", labels["external"].upper()) == "external"
    assert answer(nl, "guidance", f"  {labels['none']}. ") == "none"


def test_choice_from_the_departments(nl):
    assert answer(nl, "department", "2") == "bovenbouw"
    assert answer(nl, "department", "Onderbouw") == "onderbouw"


def test_invalid_choice_lists_the_options(nl):
    message = refused(answer(nl, "guidance", "4"))
    labels = nl.texts.options["guidance"]
    for i, key in enumerate(["none", "internal", "external"], 1):
        assert f"{i}. {labels[key]}" in message
    message = refused(answer(nl, "department", "middenbouw"))
    assert "1. Onderbouw" in message and "2. Bovenbouw" in message


@pytest.mark.parametrize("text", ["²", "0", "-1", "1.5", "١٠", "9" * 5000])
def test_odd_numbers_are_refused_not_crashed(nl, text):
    refused(answer(nl, "guidance", text))


# --- text ----------------------------------------------------------------------------------------------


def test_text_is_trimmed(nl):
    assert answer(nl, "what_happened", "  Ze lachen Anna uit in de gang.\n ") == "Ze lachen Anna uit in de gang."


def test_text_keeps_newlines_and_tabs_inside(nl):
    assert answer(nl, "what_happened", "eerste regel\n\tdaarna") == "eerste regel\n\tdaarna"


def test_text_has_a_max_length(nl):
    limit = nl.questions["class_name"].max_length
    assert answer(nl, "class_name", "x" * limit) == "x" * limit
    message = refused(answer(nl, "class_name", "x" * (limit + 1)))
    assert message == nl.msg("answer_too_long", length=limit + 1, max=limit)


def test_empty_text_is_refused(nl):
    assert refused(answer(nl, "what_happened", " \n\t ")) == nl.msg("invalid_empty")
    assert refused(answer(nl, "what_happened", "\x00\x07")) == nl.msg("invalid_empty")


def test_control_characters_are_stripped():
    assert clean("Anna\x00 de\x1b Jong\x7f") == "Anna de Jong"
    assert clean("a\r\nb") == "a\nb"
    assert clean("\u200bBram\u200b") == "Bram"  # zero-width space is a format character
    assert clean("  regel 1\n\tregel 2  ") == "regel 1\n\tregel 2"


def test_clean_normalises_to_nfc():
    decomposed = "Zoe\u0308"
    assert clean(decomposed) == "Zoë" == unicodedata.normalize("NFC", decomposed)


# --- students -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Bram Smit, Cas Peters",
    "Bram Smit en Cas Peters",
    "Bram Smit; Cas Peters",
    "Bram Smit and Cas Peters",
    "Bram Smit & Cas Peters",
    "Bram Smit\nCas Peters",
    " Bram Smit ,, Cas Peters ; ",
])
def test_students_are_split(nl, text):
    assert answer(nl, "bullies", text) == ["Bram Smit", "Cas Peters"]


def test_students_keep_names_with_en_inside_a_word(nl):
    assert answer(nl, "bullied", "Ellen Bendsen") == ["Ellen Bendsen"]


def test_students_are_deduplicated_in_order(nl):
    assert answer(nl, "bullies", "Cas Peters, Bram Smit, Cas Peters") == ["Cas Peters", "Bram Smit"]


def test_one_student(nl):
    assert answer(nl, "bullied", "Anna de Jong") == ["Anna de Jong"]


def test_too_many_students_are_refused(nl):
    names = ", ".join(f"Leerling {chr(65 + i)}" for i in range(MAX_STUDENTS))
    assert len(answer(nl, "bullies", names)) == MAX_STUDENTS
    message = refused(answer(nl, "bullies", names + ", Nog Iemand"))
    assert message == nl.msg("invalid_students", max=MAX_STUDENTS, max_len=MAX_NAME)


def test_too_long_a_name_is_refused(nl):
    assert answer(nl, "bullied", "A" * MAX_NAME) == ["A" * MAX_NAME]
    refused(answer(nl, "bullied", "Anna, " + "A" * (MAX_NAME + 1)))


@pytest.mark.parametrize("text", ["", "123", "Anna, 42", "!!!", ", ;"])
def test_names_without_letters_are_refused(nl, text):
    refused(answer(nl, "bullied", text))


# --- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("24-11-2026", "2026-11-24"),
    ("2026-11-24", "2026-11-24"),
    ("24/11/2026", "2026-11-24"),
    ("24.11.2026", "2026-11-24"),
    ("5-1-2027", "2027-01-05"),
    ("vandaag", "2026-03-11"),
    ("Morgen", "2026-03-12"),
    ("gisteren.", "2026-03-10"),
    ("today", "2026-03-11"),
])
def test_dates(nl, text, expected):
    assert answer(nl, "decision_date", text) == expected


@pytest.mark.parametrize("text", ["31-02-2026", "volgende week", "2026-13-01", "", "24 november", "1e12"])
def test_garbage_dates_are_refused(nl, text):
    assert refused(answer(nl, "decision_date", text)) == nl.msg("invalid_date")


# --- initials --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("Anna de Jong", "A.d.J."),
    ("Bram", "B."),
    ("Jan-Willem van Dijk", "J.W.v.D."),
    ("  Cas   Peters ", "C.P."),
    ("", "?"),
    ("   ", "?"),
])
def test_initials(name, expected):
    assert initials(name) == expected


# --- properties -----------------------------------------------------------------------------------------


@given(st.text())
def test_clean_never_returns_control_characters(text):
    result = clean(text)
    assert all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in result)
    assert result == result.strip()


@settings(max_examples=200)
@given(st.text(max_size=5000))
def test_parse_never_raises_on_a_text_question(text):
    content = load_content()["nl"]
    result = answer(content, "what_happened", text)
    assert isinstance(result, (str, Invalid))
    if isinstance(result, str):
        assert result and len(result) <= content.questions["what_happened"].max_length


@settings(max_examples=200)
@given(st.text(max_size=200), st.sampled_from(["guidance", "digital", "teachers_note", "bullies", "decision_date"]))
def test_parse_never_raises_on_other_questions(text, question_id):
    content = load_content()["nl"]
    answer(content, question_id, text)
