"""Languages as data (issue 18): a school names the languages it offers in its config (`languages:`), each one a
words file found by its code (flows/content/<code>.yaml) or a file of the school's own (a path beside the
config). A words file may be partial: what it leaves out is said in Dutch, and how much is said when the words
are loaded (the log, `pestbot check-config`). `taal <code>` switches among the languages offered.

The configs are the shipped example with its `language:` line changed, so they follow the example.
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.settings import EXAMPLE_CONFIG
from bot.wiring import build, load_contents, load_school
from flows.content import load_content
from flows.languages import DEFAULT_LANGUAGE
from flows.yamlsource import SourceError
from tests.fakes import FakeClock
from tests.helpers import Chat

EXAMPLE = EXAMPLE_CONFIG.read_text(encoding="utf-8")
PL_FILE = yaml.safe_load(resources.files("flows").joinpath("content", "pl.yaml").read_text(encoding="utf-8"))


def config(tmp_path: Path, lines: str, name: str = "school.yaml") -> Path:
    """The example config with its `language:` line replaced by `lines`."""
    text, count = re.subn(r"(?m)^language: .*$", lines, EXAMPLE)
    assert count == 1, "the example has one `language:` line"
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def contents_of(path: Path):  # type: ignore[no-untyped-def]
    return load_contents(load_school(path), path)


def error_of(path: Path) -> str:
    with pytest.raises(SourceError) as info:
        contents_of(path)
    return str(info.value)


def leaves(texts) -> int:  # type: ignore[no-untyped-def]
    """The texts one language has, counted as the fallback counts them: a question whole, an option each."""
    return (len(texts.messages) + len(texts.commands) + len(texts.answers) + len(texts.states)
            + len(texts.phase_intro) + len(texts.questions) + sum(len(o) for o in texts.options.values())
            + len(texts.who) + len(texts.websites))


# --- the third language's file -------------------------------------------------------------------------


def test_the_default_is_dutch_and_the_shipped_content_still_offers_dutch_and_english():
    assert DEFAULT_LANGUAGE == "nl"
    contents = load_content()
    assert list(contents) == ["nl", "en"]
    assert all(c.fallback == 0 for c in contents.values()), "nl and en are complete"


def test_a_third_language_loads_from_its_words_file():
    contents = load_content("vo", ("nl", "en", "pl"))
    assert list(contents) == ["nl", "en", "pl"]
    pl, nl = contents["pl"], contents["nl"]
    assert pl.language == "pl"
    for key, text in PL_FILE["messages"].items():
        assert pl.texts.messages[key] == text != nl.texts.messages[key], key
    assert pl.command("pomoc") == "help" and pl.command("język") == "language"
    assert nl.command("pomoc") == "help", "every command word works whatever the reader's language"


def test_what_the_third_language_leaves_out_is_dutch():
    contents = load_content("vo", ("nl", "en", "pl"))
    pl, nl = contents["pl"], contents["nl"]
    missing = set(nl.texts.messages) - set(PL_FILE["messages"])
    assert missing and all(pl.texts.messages[key] == nl.texts.messages[key] for key in missing)
    assert pl.texts.questions == nl.texts.questions and pl.state_name("fase1") == nl.state_name("fase1")
    assert pl.texts.answers == nl.texts.answers
    assert pl.texts.commands["new"] == nl.texts.commands["new"]


def test_the_fallback_is_counted():
    contents = load_content("vo", ("nl", "en", "pl"))
    pl, nl = contents["pl"], contents["nl"]
    own = len(PL_FILE["messages"]) + len(PL_FILE.get("commands", {})) + len(PL_FILE.get("answers", {}))
    assert pl.total == leaves(nl.texts)
    assert pl.fallback == leaves(nl.texts) - own > 0
    assert contents["en"].fallback == 0


def test_the_fallback_is_said_in_the_log_when_the_words_are_loaded(tmp_path: Path, caplog):
    own = tmp_path / "talen" / "de.yaml"
    own.parent.mkdir()
    own.write_text("language: de\nmessages:\n  language_set: \"Ab jetzt spreche ich Deutsch mit dir.\"\n",
                   encoding="utf-8")
    path = config(tmp_path, "language: nl\nlanguages: [nl, ./talen/de.yaml]")
    with caplog.at_level(logging.INFO):
        contents = contents_of(path)
    assert list(contents) == ["nl", "de"]
    assert contents["de"].msg("language_set") == "Ab jetzt spreche ich Deutsch mit dir."
    assert contents["de"].msg("help") == contents["nl"].msg("help")
    said = [r for r in caplog.records if r.levelno >= logging.INFO and "de" in r.getMessage().split()]
    assert len(said) == 1, [r.getMessage() for r in caplog.records]
    message = said[0].getMessage()
    assert f"{contents['de'].fallback} of {contents['de'].total}" in message and "nl" in message.split()
    assert "Deutsch" not in message, "the log names the language and counts, no text"


def test_check_config_reports_the_languages_and_the_fallback(tmp_path: Path):
    path = config(tmp_path, "language: nl\nlanguages: [nl, en, pl]")
    result = CliRunner().invoke(cli, ["check-config", "--config", str(path)])
    assert result.exit_code == 0, result.output
    pl = load_content("vo", ("nl", "en", "pl"))["pl"]
    assert "Talen: nl (Nederlands), en (English), pl (Polski" in result.stdout
    assert f"{pl.fallback} van {pl.total} teksten in het Nederlands" in result.stdout


def test_check_config_of_the_example_says_its_two_complete_languages(tmp_path: Path):
    result = CliRunner().invoke(cli, ["check-config", "--config", str(EXAMPLE_CONFIG)])
    assert result.exit_code == 0, result.output
    assert "Talen: nl (Nederlands), en (English)." in result.stdout


# --- the config names them, checked on load ---------------------------------------------------------------


def test_a_language_without_a_words_file_is_refused_in_dutch(tmp_path: Path):
    path = config(tmp_path, "language: nl\nlanguages: [nl, en, fr]")
    message = error_of(path)
    assert str(path) in message and "onbekende taal 'fr'" in message and "en, nl, pl" in message
    assert "./talen/fr.yaml" in message, "it says how to give words of the school's own"


def test_an_own_words_file_that_is_not_there_is_refused(tmp_path: Path):
    path = config(tmp_path, "language: nl\nlanguages: [nl, ./talen/de.yaml]")
    message = error_of(path)
    assert str(tmp_path / "talen" / "de.yaml") in message and "kan het bestand niet lezen" in message


def test_an_own_words_file_of_another_language_is_refused(tmp_path: Path):
    (tmp_path / "de.yaml").write_text("language: fr\n", encoding="utf-8")
    message = error_of(config(tmp_path, "language: nl\nlanguages: [nl, ./de.yaml]"))
    assert "de.yaml" in message and "'fr'" in message and "de" in message


def test_a_code_no_one_can_write_dates_in_is_refused(tmp_path: Path):
    (tmp_path / "qq.yaml").write_text("language: qq\n", encoding="utf-8")
    message = error_of(config(tmp_path, "language: nl\nlanguages: [nl, ./qq.yaml]"))
    assert "'qq'" in message and "taalcode" in message


def test_the_default_language_must_be_offered(tmp_path: Path):
    path = config(tmp_path, "language: en\nlanguages: [nl, pl]")
    message = error_of(path)
    assert str(path) in message and "language: en" in message and "nl, pl" in message


def test_a_persons_language_must_be_offered(tmp_path: Path):
    path = config(tmp_path, "language: nl\nlanguages: [nl, en]")
    mentor = "    roles: [mentor]\n"
    text = path.read_text(encoding="utf-8").replace(mentor, f"{mentor}    language: pl\n", 1)
    path.write_text(text, encoding="utf-8")
    message = error_of(path)
    assert "jdevries" in message and "'pl'" in message and "nl, en" in message


def test_a_language_is_a_two_letter_code_or_a_file(tmp_path: Path):
    path = config(tmp_path, "language: nl\nlanguages: [nl, english]")
    with pytest.raises(SourceError) as info:
        load_school(path)
    line = path.read_text(encoding="utf-8").splitlines().index("languages: [nl, english]") + 1
    assert f"regel {line}, veld languages" in str(info.value) and "english" in str(info.value)


def test_a_language_named_twice_is_refused(tmp_path: Path):
    with pytest.raises(SourceError) as info:
        load_school(config(tmp_path, "language: nl\nlanguages: [nl, en, nl]"))
    assert "twee keer" in str(info.value) and "nl" in str(info.value)


# --- the language switch --------------------------------------------------------------------------------------


@pytest.fixture
def trilingual(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    path = config(tmp_path, "language: nl\nlanguages: [nl, en, pl]")
    text = path.read_text(encoding="utf-8")
    person = ("  - id: mkowalska\n    name: Maria Kowalska\n    roles: [mentor]\n    department: onderbouw\n"
              "    language: pl\n")
    path.write_text(text.replace("\npeople:\n", f"\npeople:\n{person}", 1), encoding="utf-8")
    wired = build(path, database_url, FakeClock())
    yield wired.app
    wired.engine.dispose()


def test_the_switch_accepts_every_configured_language_and_answers_in_it(trilingual):
    pl, nl, en = (trilingual.contents[code] for code in ("pl", "nl", "en"))
    chat = Chat(trilingual)
    chat.say("help")  # the first message is greeted
    assert chat.say("taal pl") == pl.msg("language_set")
    assert chat.say("help") == pl.msg("help")
    assert chat.say("zaken") == pl.msg("cases_none") == nl.msg("cases_none")
    assert chat.say("język en") == en.msg("language_set")
    assert chat.say("language polski") == pl.msg("language_set")
    assert chat.say("jezyk nederlands") == nl.msg("language_set")
    with trilingual.uow() as uow:
        assert uow.conversations.get("jdevries").language == "nl"


def test_an_unknown_language_is_answered_in_dutch_with_the_choices_and_changes_nothing(trilingual):
    chat = Chat(trilingual)
    chat.say("help")  # the first message is greeted
    out = chat.say("taal fr")
    assert out.startswith("Kies een van deze talen: ") and "Er is niets veranderd" in out
    assert "'taal nl' (Nederlands), 'taal en' (English), 'taal pl' (Polski)" in out
    with trilingual.uow() as uow:
        conversation = uow.conversations.get("jdevries")
        assert conversation is None or conversation.language is None
    assert chat.say("help") == trilingual.contents["nl"].msg("help")


def test_a_person_configured_in_the_third_language_is_answered_in_it(trilingual):
    pl = trilingual.contents["pl"]
    welcome = pl.msg("welcome", name="Maria Kowalska", school="Voorbeeldschool")
    assert Chat(trilingual, "mkowalska").say("help") == f"{welcome}\n{pl.msg('help')}"


def test_while_a_typed_answer_is_awaited_the_switch_still_works(trilingual):
    chat = Chat(trilingual)
    chat.say("help")
    chat.say("nieuw")  # the intake asks for the class: a typed answer
    assert chat.say("taal pl") == trilingual.contents["pl"].msg("language_set")
