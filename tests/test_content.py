"""The shipped content (a protocol's protocol.yaml with its nl.yaml and en.yaml, and the bot's general words in
flows/content/) loads, and a broken file says where and why.

Broken variants are made in memory from the real shipped text, so the tests follow the files as they change;
the expected line is found in the (broken) text itself, and the error must name exactly that line.
"""

from __future__ import annotations

import re
import string
from importlib import resources

import pytest

from flows.content import GeneralTexts, ProtocolTexts, Texts, check_texts, load_content
from flows.protocol import Protocol
from flows.yamlsource import SourceError, load_model


def _shipped(*parts: str) -> str:
    return resources.files("flows").joinpath(*parts).read_text(encoding="utf-8")


PROTOCOL = _shipped("protocols", "vo", "protocol.yaml")
NL = _shipped("content", "nl.yaml")  # the bot's own words
EN = _shipped("content", "en.yaml")
NL_WORDS = _shipped("protocols", "vo", "nl.yaml")  # the protocol's words
EN_WORDS = _shipped("protocols", "vo", "en.yaml")
PHASES = ("intake", "fase1", "fase2", "fase3", "fase4")
STATES = ("intake", "fase1", "fase2", "monitoring2", "fase3", "monitoring3", "fase4", "closed")


def load_structure(text: str, source: str) -> Protocol:
    return load_model(Protocol, text, source)


def load_texts(general: str, words: str, source: str = "en.yaml") -> Texts:
    """One language's words: the bot's own (`general`) and the protocol's (`words`)."""
    return Texts.of(load_model(GeneralTexts, general, source), load_model(ProtocolTexts, words, source))


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the only line in `text` that contains `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, f"{needle!r} staat op {len(hits)} regels, verwacht precies één"
    return hits[0]


def broken(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} komt {text.count(old)} keer voor in de tekst"
    return text.replace(old, new)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def error_of(call, *args) -> str:
    with pytest.raises(SourceError) as info:
        call(*args)
    return str(info.value)


def assert_names(message: str, source: str, line: int, *reason: str) -> None:
    assert f"{source}, regel {line}" in message, message
    for part in reason:
        assert part in message, message


@pytest.fixture(scope="module")
def structure():
    return load_structure(PROTOCOL, "protocol.yaml")


@pytest.fixture(scope="module")
def nl_texts():
    return load_texts(NL, NL_WORDS, "nl.yaml")


# --- the shipped content -------------------------------------------------------------------------------


def test_shipped_content_loads_in_both_languages():
    contents = load_content()
    assert list(contents) == ["nl", "en"]  # the default, and every language the protocol has words for
    assert contents["nl"].language == "nl" and contents["en"].language == "en"
    assert contents["nl"].state_name("fase1") != contents["en"].state_name("fase1")


def test_every_phase_has_questions_and_every_state_has_a_name():
    for content in load_content().values():
        for phase in PHASES:
            assert content.protocol.phases[phase], phase
        for state in STATES:
            assert content.state_name(state).strip(), state
            assert content.texts.phase_intro[state].strip(), state


def test_every_question_has_words_in_both_languages():
    contents = load_content()
    ids = re.findall(r"\{id: ([a-z0-9_]+), kind:", PROTOCOL.split("\nwho:")[0])
    assert len(ids) == len(contents["nl"].questions) > 30
    for lang, content in contents.items():
        for qid in ids:
            words = content.texts.questions.get(qid)
            assert words is not None, f"{lang}: vraag {qid} heeft geen woorden"
            assert words.label.strip() and words.prompt.strip(), f"{lang}: {qid}"


def test_every_option_rule_and_website_has_words_in_both_languages():
    for lang, content in load_content().items():
        for q in content.questions.values():
            for key in q.options:
                assert key in content.texts.options[q.id], f"{lang}: options.{q.id}.{key}"
        for rules in content.protocol.who.values():
            for rule in rules:
                assert content.texts.who[rule.id].strip(), f"{lang}: who.{rule.id}"
        for site in content.protocol.websites:
            assert content.texts.websites[site.id].strip(), f"{lang}: websites.{site.id}"


def test_nl_and_en_messages_have_the_same_keys_and_placeholders():
    contents = load_content()
    nl, en = contents["nl"].texts.messages, contents["en"].texts.messages
    assert set(nl) == set(en)
    different = {key: (fields(nl[key]), fields(en[key])) for key in nl if fields(nl[key]) != fields(en[key])}
    assert not different, different


def test_command_words_of_both_languages_work_for_everyone():
    contents = load_content()
    assert contents["nl"].command("nieuw") == contents["en"].command("nieuw") == "new"
    assert contents["nl"].command("new") == "new"
    assert contents["en"].command("HELP") == "help"
    assert contents["nl"].command("appeltaart") is None


def test_msg_fills_in_the_placeholders():
    nl = load_content()["nl"]
    text = nl.msg("too_long", length=5000, max=4000)
    assert "5000" in text and "4000" in text and "{" not in text


# --- broken structure files --------------------------------------------------------------------------


def test_yaml_syntax_error_names_file_and_line():
    text = broken(PROTOCOL, "{id: digital, kind: yes_no}", "{id: digital, kind: yes_no}}")
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "{id: digital, kind: yes_no}}"), "ongeldige YAML")


def test_unclosed_quote_names_file_and_a_line():
    text = broken(PROTOCOL, '{id: what_happened, kind: text}', '{id: what_happened, kind: "text}')
    message = error_of(load_structure, text, "protocol.yaml")
    assert message.startswith("protocol.yaml, regel ")
    assert "ongeldige YAML" in message


def test_control_character_in_the_file_is_a_source_error_with_its_line():
    text = broken(PROTOCOL, "{id: bullies, kind: students}", "{id: bul\x07lies, kind: students}")
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "bul\x07lies"), "ongeldige YAML", "#x0007")


def test_unknown_answer_kind_names_the_line_of_that_question():
    text = broken(PROTOCOL, "{id: digital, kind: yes_no}", "{id: digital, kind: ja_nee}")
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "kind: ja_nee"), "phases.intake.5.kind", "'yes_no'")


def test_unknown_kind_in_block_style_names_the_kind_line():
    text = broken(PROTOCOL, "    - {id: digital, kind: yes_no}\n",
                  "    - id: digital\n      kind: ja_nee\n")
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "kind: ja_nee"), "phases.intake.5.kind")


def test_when_on_a_later_question_names_the_line_of_the_question():
    text = broken(PROTOCOL, "{id: spoke_bullied, kind: task}",
                  '{id: spoke_bullied, kind: task, when: {police_contacted: "yes"}}')
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "{id: spoke_bullied,"),
                 "phases.fase1.0.when", "spoke_bullied", "police_contacted")


def test_when_on_an_unknown_question_names_the_line_of_the_question():
    text = broken(PROTOCOL, 'kind: yes_no, when: {digital: "yes"}}', 'kind: yes_no, when: {digitaal: "yes"}}')
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "digitaal"), "sexual_content", "digitaal")


def test_unknown_question_in_a_who_rule_names_its_line():
    text = broken(PROTOCOL, '{id: f3_police, when: {criminal_acts: "yes"}}',
                  '{id: f3_police, when: {strafbaar: "yes"}}')
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "strafbaar"), "who.fase3.", "strafbaar")


def test_duplicate_question_id_names_the_second_one():
    text = broken(PROTOCOL, "{id: meeting_held, kind: task}", "{id: spoke_bullied, kind: task}")
    lines = [i for i, line in enumerate(text.splitlines(), 1) if "{id: spoke_bullied, kind: task}" in line]
    assert len(lines) == 2
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", lines[1], "phases.fase3.1.id", "spoke_bullied", "twee keer")


def test_choice_question_without_options_names_the_line_of_the_question():
    text = broken(PROTOCOL, "{id: guidance, kind: choice, options: [none, internal, external], after:",
                  "{id: guidance, kind: choice, after:")
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "{id: guidance, kind: choice, after:"),
                 "phases.fase3.5", "guidance", "geen options")


def test_missing_phase_is_named():
    start = PROTOCOL.index("  fase4:\n    - ")  # fase 4's questions (its state stays)
    end = PROTOCOL.index("\n\n", start)
    text = PROTOCOL[:start] + PROTOCOL[end + 1:]
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "phases:"), "fase ontbreekt: fase4")


def test_unknown_field_on_a_question_is_refused_with_its_line():
    text = broken(PROTOCOL, "{id: decision_date, kind: date, required: false,",
                  "{id: decision_date, kind: date, requird: false,")
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "requird"), "requird", "Extra inputs")


# --- broken text files -------------------------------------------------------------------------------


def test_text_file_yaml_error_names_file_and_line():
    text = broken(EN, '  conflict: "Someone else', '  conflict: "Someone else"s')
    message = error_of(load_texts, text, EN_WORDS, "en.yaml")
    assert_names(message, "en.yaml", line_of(text, '  conflict: "Someone else"s'), "ongeldige YAML")


def test_empty_question_label_names_its_line():
    label = re.search(r'\n(  class_name:\n    label: "[^"]+")', EN_WORDS).group(1)
    text = broken(EN_WORDS, label, '  class_name:\n    label: ""')
    message = error_of(load_texts, EN, text, "en.yaml")
    assert_names(message, "en.yaml", line_of(text, 'label: ""'), "questions.class_name.label")


def test_missing_message_key_in_en_names_the_messages_section(structure, nl_texts):
    text = broken(EN, "\n  conflict: ", "\n  konflikt: ")
    texts = load_texts(text, EN_WORDS)
    message = error_of(check_texts, structure, texts, nl_texts, "en.yaml", text)
    assert_names(message, "en.yaml", line_of(text, "messages:"), "ontbreekt conflict")
    assert_names(message, "en.yaml", line_of(text, "  konflikt: "), "konflikt", "bestaat niet in nl")


def test_placeholder_mismatch_names_the_line_of_the_message(structure, nl_texts):
    old = re.search(r"\n  conflict: .*", EN).group(0)
    text = broken(EN, old, '\n  conflict: "Someone else has just changed case {case}."')
    texts = load_texts(text, EN_WORDS)
    message = error_of(check_texts, structure, texts, nl_texts, "en.yaml", text)
    assert_names(message, "en.yaml", line_of(text, "changed case {case}"), "messages.conflict", "andere velden")
    assert message.count("\n") == 0, "alleen de ene kapotte boodschap hoort gemeld te worden"


def test_missing_question_words_are_named(structure, nl_texts):
    block = re.search(r"\n  decision_date:\n(    .*\n)+", EN_WORDS).group(0)
    text = broken(EN_WORDS, block, "\n")
    texts = load_texts(EN, text)
    message = error_of(check_texts, structure, texts, nl_texts, "en.yaml", text)
    assert_names(message, "en.yaml", line_of(text, "questions:"), "questions", "ontbreekt decision_date")


def test_missing_answer_word_is_named(structure, nl_texts):
    text = broken(EN, '\n  na: "n/a"', "")
    texts = load_texts(text, EN_WORDS)
    message = error_of(check_texts, structure, texts, nl_texts, "en.yaml", text)
    assert_names(message, "en.yaml", line_of(text, "answers:"), "answers", "ontbreekt na")


def test_unknown_placeholder_in_a_who_rule_is_named(structure, nl_texts):
    old = re.search(r"\n  f4_school_leader: .*", EN_WORDS).group(0)
    text = broken(EN_WORDS, old, '\n  f4_school_leader: "Tell {rector}."')
    texts = load_texts(EN, text)
    message = error_of(check_texts, structure, texts, nl_texts, "en.yaml", text)
    assert_names(message, "en.yaml", line_of(text, "{rector}"), "who.f4_school_leader", "rector")


def test_check_texts_without_the_file_text_still_names_the_file(structure, nl_texts):
    text = broken(EN, "\n  conflict: ", "\n  konflikt: ")
    message = error_of(check_texts, structure, load_texts(text, EN_WORDS), nl_texts, "en.yaml")
    assert message.startswith("en.yaml: ") and "ontbreekt conflict" in message


def test_the_shipped_texts_pass_check_texts(structure, nl_texts):
    check_texts(structure, nl_texts, None, "nl.yaml", NL)
    check_texts(structure, load_texts(EN, EN_WORDS), nl_texts, "en.yaml", EN)


# --- broken states and transitions ---------------------------------------------------------------------


def test_a_transition_to_an_unknown_state_names_its_line():
    text = broken(PROTOCOL, "{trigger: complete_phase, source: fase2, dest: monitoring2,",
                  "{trigger: complete_phase, source: fase2, dest: monitoren2,")
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "dest: monitoren2"), "transitions.2", "monitoren2")


def test_an_evaluation_from_a_phase_is_refused_with_its_line():
    text = broken(PROTOCOL, "{trigger: evaluate, source: monitoring2, dest: fase3,",
                  "{trigger: evaluate, source: fase2, dest: fase3,")
    message = error_of(load_structure, text, "protocol.yaml")
    assert_names(message, "protocol.yaml", line_of(text, "source: fase2, dest: fase3"), "evaluate", "monitoren")


def test_a_protocol_without_its_closed_state_is_refused():
    text = broken(PROTOCOL, "  closed:\n    kind: closed\n", "  gesloten:\n    kind: closed\n")
    message = error_of(load_structure, text, "protocol.yaml")
    assert "'closed'" in message and "protocol.yaml, regel" in message


def test_a_monitoring_state_without_its_evaluation_is_refused():
    evaluation = "    evaluation: {question: evaluation_question_f3, reminder: reminder_evaluation_f3}\n"
    text = broken(PROTOCOL, evaluation, "")
    message = error_of(load_structure, text, "protocol.yaml")
    line = text.splitlines().index("  monitoring3:") + 1  # the state (the who-rules have a monitoring3 too)
    assert_names(message, "protocol.yaml", line, "states.monitoring3", "evaluation")


def test_a_report_without_the_facts_the_bot_uses_is_refused():
    text = broken(PROTOCOL, "    - {id: what_happened, kind: text}\n", "")
    message = error_of(load_structure, text, "protocol.yaml")
    assert "what_happened" in message and "melding" in message


def test_a_message_the_protocol_names_must_exist_in_its_words(structure, nl_texts):
    old = re.search(r"\n  ping_fase3: .*", EN_WORDS).group(0)
    text = broken(EN_WORDS, old, "")
    message = error_of(check_texts, structure, load_texts(EN, text), None, "en.yaml", text)
    assert_names(message, "en.yaml", line_of(text, "messages:"), "ping_fase3", "protocol.yaml")


def test_a_notice_may_use_only_the_fields_the_bot_fills_in(structure):
    old = re.search(r"\n  ping_fase3: .*", NL_WORDS).group(0)
    text = broken(NL_WORDS, old, '\n  ping_fase3: "Zaak {case} van {leerling}."')
    message = error_of(check_texts, structure, load_texts(NL, text, "nl.yaml"), None, "nl.yaml", text)
    assert_names(message, "nl.yaml", line_of(text, "{leerling}"), "messages.ping_fase3", "leerling")


def test_a_state_name_that_does_not_fit_its_column_is_refused_with_its_line():
    text = PROTOCOL.replace("monitoring3", "monitoren_na_de_derde_fase")  # 26 characters; the column holds 20
    message = error_of(load_structure, text, "protocol.yaml")
    assert "monitoren_na_de_derde_fase" in message and "20 tekens" in message
    assert "protocol.yaml, regel" in message


def test_an_unknown_protocol_name_says_which_ones_exist():
    from flows.content import load_protocol

    message = error_of(load_protocol, "basisschool")
    assert "onbekend protocol 'basisschool'" in message and "po, vo" in message and "./" in message
