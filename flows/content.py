"""The protocol and the bot's words, as data: the protocol's file with its words per language beside it
(flows/protocols/<name>/), and the bot's general words per language (flows/content/<language>.yaml).

All are validated on load; a broken file fails with its name, the line and the reason. The default language's
words are complete; any other language's may leave words out, which are then said in the default language
(flows/languages.py), and how many is logged when the words are loaded.
"""

from __future__ import annotations

import logging
import re
import string
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from flows.languages import CODE, DEFAULT_LANGUAGE, WHOLE, code_of, known_code, merge, own_file, shipped_languages
from flows.protocol import Protocol, QuestionSpec
from flows.protocol_spec import Notice, Strict
from flows.yamlsource import SourceError, line_of, load_model, parse_yaml

DEFAULT_PROTOCOL = "vo"
log = logging.getLogger(__name__)


class LanguageError(SourceError):
    """The languages a school names cannot be offered; the message says which and why (the config's path is
    added by whoever read the config)."""


class QuestionText(Strict):
    label: str = Field(min_length=1, max_length=80)
    prompt: str = Field(min_length=1)
    hint: str | None = None


class GeneralTexts(Strict):
    """The bot's own words in one language (flows/content/<language>.yaml)."""

    language: str = Field(pattern=CODE)
    answers: dict[Literal["yes", "no", "na"], str]
    commands: dict[str, tuple[str, ...]]
    messages: dict[str, str]


class ProtocolTexts(Strict):
    """A protocol's words in one language (beside its protocol.yaml): its states, questions, who to inform,
    websites, and the messages the protocol file names."""

    language: str = Field(pattern=CODE)
    states: dict[str, str]
    phase_intro: dict[str, str]
    questions: dict[str, QuestionText]
    options: dict[str, dict[str, str]] = {}
    who: dict[str, str]
    websites: dict[str, str]
    messages: dict[str, str] = {}


class PartialTexts(Strict):
    """A language's words as one file gives them: any part of Texts (the default language's fill in the rest)."""

    language: str = Field(pattern=CODE)
    states: dict[str, str] = Field(default_factory=dict)
    phase_intro: dict[str, str] = Field(default_factory=dict)
    answers: dict[Literal["yes", "no", "na"], str] = Field(default_factory=dict)
    questions: dict[str, QuestionText] = Field(default_factory=dict)
    options: dict[str, dict[str, str]] = Field(default_factory=dict)
    who: dict[str, str] = Field(default_factory=dict)
    websites: dict[str, str] = Field(default_factory=dict)
    commands: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    messages: dict[str, str] = Field(default_factory=dict)


class Texts(Strict):
    """Both together: what one language's reader sees."""

    language: str = Field(pattern=CODE)
    states: dict[str, str]
    phase_intro: dict[str, str]
    answers: dict[Literal["yes", "no", "na"], str]
    questions: dict[str, QuestionText]
    options: dict[str, dict[str, str]]
    who: dict[str, str]
    websites: dict[str, str]
    commands: dict[str, tuple[str, ...]]
    messages: dict[str, str]

    @classmethod
    def of(cls, general: GeneralTexts, words: ProtocolTexts) -> Texts:
        return cls(language=general.language, states=words.states, phase_intro=words.phase_intro,
                   answers=general.answers, questions=words.questions, options=words.options, who=words.who,
                   websites=words.websites, commands=general.commands,
                   messages={**general.messages, **words.messages})


COMMANDS = (
    "new", "cases", "open", "status", "who", "advice", "tips", "help", "question", "skip",
    "agreement", "done", "checkin", "incident", "close", "reopen", "details", "language", "snooze",
    "share", "handover", "dossier", "overview", "stats",
)
WHO_PLACEHOLDERS = {"school_leader", "safety_team", "coordinator", "care_coordinator", "intern_begeleider",
                    "magister_roles", "magister_path"}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# Messages the bot uses that every protocol words itself (they name its phases).
PROTOCOL_MESSAGES = {"stats_columns", "agreement_if_broken", "closed_by_complete_phase"}
# The fields each kind of message the protocol file names may use.
NOTICE_FIELDS = {"case", "id", "class_name", "bullied", "bullies", "state", "mentor", "how", "reason"}
FIELDS = {"notice": NOTICE_FIELDS, "tell": {"channel"}, "intro": set(), "entry_reason": {"weeks", "reason"},
          "evaluation": {"case", "weeks"}}


class Content:
    """One language's view of the protocol: the protocol plus that language's words."""

    def __init__(self, protocol: Protocol, texts: Texts, fallback: int = 0, total: int = 0) -> None:
        self.protocol = protocol
        self.texts = texts
        self.language = texts.language
        # How many of this language's texts are the default language's, of how many (its file left them out).
        self.fallback, self.total = fallback, total
        self.offered: tuple[str, ...] = (self.language,)  # every language the school offers (load_content)
        self.questions = {q.id: q for questions in protocol.phases.values() for q in questions}
        self._commands = {word: cmd for cmd, words in texts.commands.items() for word in words}

    def msg(self, key: str, /, **params: object) -> str:
        return self.texts.messages[key].format(**params)

    def state_name(self, state: str) -> str:
        return self.texts.states[state]

    def phase_question_ids(self, phase: str) -> set[str]:
        return {q.id for q in self.protocol.questions(phase)}

    def command(self, word: str) -> str | None:
        return self._commands.get(word.lower())

    def option_label(self, question_id: str, key: str) -> str:
        return self.texts.options.get(question_id, {}).get(key, key)


def named_messages(protocol: Protocol) -> dict[str, str]:
    """Every message key the protocol file names, with the kind of message it is."""
    named: dict[str, str] = {}
    entries = [protocol.on_reopen]
    for spec in protocol.states.values():
        entries += [spec.on_enter] + ([spec.by_incident] if spec.by_incident else [])
        if spec.incident_here:
            named.update({n.key: "notice" for n in spec.incident_here.notices})
            named[spec.incident_here.tell] = "tell"
        if spec.evaluation:
            named.update({spec.evaluation.question: "evaluation", spec.evaluation.reminder: "evaluation"})
    for entry in entries:
        named.update({n.key: "notice" for n in entry.notices})
        named.update({key: kind for kind, key in (("tell", entry.tell), ("intro", entry.intro),
                                                  ("entry_reason", entry.entry_reason)) if key})
    return named


def roles_needed(content: Content) -> set[str]:
    """The roles the protocol sends to or names in its who-to-inform words: the school needs someone in each
    (the department's school leader and social-safety team come from the departments)."""
    named = {who for notices in _all_notices(content.protocol) for n in notices for who in n.to}
    named |= {field for words in content.texts.who.values() for field in _fields(words)}
    return named & {"anti_bullying_coordinator", "care_coordinator", "intern_begeleider"}


def _all_notices(protocol: Protocol) -> list[tuple[Notice, ...]]:
    entries = [protocol.on_reopen, *(s.on_enter for s in protocol.states.values()),
               *(s.by_incident for s in protocol.states.values() if s.by_incident)]
    return [e.notices for e in entries] + [s.incident_here.notices for s in protocol.states.values() if s.incident_here]


def check_texts(protocol: Protocol, texts: Texts, reference: Texts | None, source: str,
                text: str | None = None) -> None:
    """Every id in the protocol has words; every message it names exists with fields the bot fills in;
    every language says the same things with the same fields. Given the file's `text`, each problem
    names its line too."""
    problems: list[str] = []
    node = parse_yaml(text, source)[1] if text is not None else None

    def add(path: str, problem: str) -> None:
        where = f", regel {line_of(node, tuple(path.split('.')))}" if node is not None else ""
        problems.append(f"{source}{where}: {path}: {problem}")

    def need(section: str, have: dict, keys: set[str]) -> None:
        gone = sorted(keys - set(have))
        if gone:
            add(section, f"ontbreekt {', '.join(gone)}")

    questions = [q for qs in protocol.phases.values() for q in qs]
    need("states", texts.states, set(protocol.states))
    need("phase_intro", texts.phase_intro, set(protocol.states))
    need("answers", texts.answers, {"yes", "no", "na"})
    need("questions", texts.questions, {q.id for q in questions})
    need("who", texts.who, {r.id for rules in protocol.who.values() for r in rules})
    need("websites", texts.websites, {w.id for w in protocol.websites})
    need("commands", texts.commands, set(COMMANDS))
    for q in (q for q in questions if q.options):
        need(f"options.{q.id}", texts.options.get(q.id, {}), set(q.options))
    for rule_id, words in texts.who.items():
        unknown = _fields(words) - WHO_PLACEHOLDERS
        if unknown:
            add(f"who.{rule_id}", f"onbekende velden {', '.join(sorted(unknown))}")
    need("messages", texts.messages, PROTOCOL_MESSAGES)
    for key, kind in named_messages(protocol).items():
        if kind == "notice" and f"kind_{key}" not in texts.messages:  # how the dossier names it
            add("messages", f"ontbreekt kind_{key} (genoemd in protocol.yaml)")
        if key not in texts.messages:
            add("messages", f"ontbreekt {key} (genoemd in protocol.yaml)")
        elif _fields(texts.messages[key]) - FIELDS[kind]:
            add(f"messages.{key}", f"onbekende velden {', '.join(sorted(_fields(texts.messages[key]) - FIELDS[kind]))}")
    if reference is not None:
        need("messages", texts.messages, set(reference.messages))
        for key, message in texts.messages.items():
            if key not in reference.messages:
                add(f"messages.{key}", f"bestaat niet in {reference.language}")
            elif _fields(message) != _fields(reference.messages[key]):
                add(f"messages.{key}", f"andere velden dan in {reference.language}")
    if problems:
        raise SourceError("\n".join(problems))


def _shipped(*parts: str) -> str:
    return resources.files("flows").joinpath(*parts).read_text(encoding="utf-8")


def shipped(name: str) -> bool:
    """A bare name (`vo`, `po`) is a protocol Pestbot ships; anything with a "/" or ending in .yaml is a path."""
    return "/" not in name and not name.endswith(".yaml")


def protocol_dir(name: str) -> Path:
    """A shipped protocol by its name, or a folder (or its protocol.yaml) of the school's own."""
    if not shipped(name):
        path = Path(name)
        return path.parent if path.name == "protocol.yaml" else path
    folder = resources.files("flows").joinpath("protocols", name)
    if not folder.joinpath("protocol.yaml").is_file():
        known = sorted(p.name for p in resources.files("flows").joinpath("protocols").iterdir() if p.is_dir())
        raise SourceError(f"onbekend protocol '{name}': Pestbot kent {', '.join(known)}; een eigen protocol geef je "
                          "als map, bijvoorbeeld ./ons-protocol")
    return Path(str(folder))


def _file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"{path}: kan het bestand niet lezen ({exc.strerror})") from None


def load_protocol(name: str = DEFAULT_PROTOCOL) -> Protocol:
    path = protocol_dir(name) / "protocol.yaml"
    return load_model(Protocol, _file(path), str(path))


def _words(entry: str) -> tuple[str, str]:
    """A language's words file and its name: the school's own by its path, or the one Pestbot ships."""
    code = code_of(entry)
    if own_file(entry):
        text, source = _file(Path(entry)), entry
    elif code in shipped_languages():
        text, source = _shipped("content", f"{code}.yaml"), f"flows/content/{code}.yaml"
    else:
        raise LanguageError(f"languages: onbekende taal '{code}': Pestbot heeft woorden in "
                            f"{', '.join(shipped_languages())}; woorden van de school zelf geef je als bestand, "
                            f"bijvoorbeeld ./talen/{code}.yaml")
    if not known_code(code):
        raise LanguageError(f"languages: '{code}' is geen taalcode die Pestbot kent (het kan er geen datums in "
                            "schrijven); gebruik de code van twee letters, zoals pl of tr")
    return text, source


def _partial(text: str, source: str, code: str, base: dict[str, Any]) -> dict[str, Any]:
    """One file's words for `code`, as far as it gives them; words the default language does not have are
    refused with their line (a typo would otherwise never be said)."""
    words = load_model(PartialTexts, text, source)
    if words.language != code:
        node = parse_yaml(text, source)[1]  # parsed again for the line only when there is an error to point at
        raise SourceError(f"{source}, regel {line_of(node, ('language',))}: language: '{words.language}' past niet "
                          f"bij de naam van het bestand ({code}.yaml)")
    own = words.model_dump(exclude_unset=True, exclude={"language"})
    unknown = [(section, *path) for section, entries in own.items() for path in _extra(base[section], entries,
                                                                                          section in WHOLE)]
    if unknown:
        node = parse_yaml(text, source)[1]
        raise SourceError("\n".join(f"{source}, regel {line_of(node, path)}: {'.'.join(path)}: bestaat niet in "
                                    f"{DEFAULT_LANGUAGE}" for path in unknown))
    return own


def _extra(base: dict[str, Any], own: dict[str, Any], whole: bool) -> list[tuple[str, ...]]:
    return [(key, *deeper) for key, value in own.items()
            for deeper in ([()] if key not in base else
                           _extra(base[key], value, False) if isinstance(value, dict) and not whole else [])]


def _protocol_languages(folder: Path) -> list[str]:
    """The default language and every other the protocol has words for, in alphabetical order."""
    found = sorted(p.stem for p in folder.glob("*.yaml") if re.match(CODE, p.stem))
    return [DEFAULT_LANGUAGE, *(code for code in found if code != DEFAULT_LANGUAGE)]


@cache
def load_content(protocol: str = DEFAULT_PROTOCOL, languages: tuple[str, ...] | None = None) -> dict[str, Content]:
    """The protocol's content in every language the school offers, in the order it names them; raises
    SourceError naming the file when one is broken, LanguageError when a language cannot be offered.
    `protocol`: a shipped protocol's name, or the folder of the school's own. `languages`: codes of words files
    Pestbot ships, or paths of the school's own; None: the default language and every language the protocol
    has words for. Whatever a language's files leave out is the default language's."""
    folder = protocol_dir(protocol)
    spec = load_protocol(protocol)
    entries = {code_of(e): e for e in (languages if languages is not None else _protocol_languages(folder))}
    general_text, general_source = _words(entries.get(DEFAULT_LANGUAGE, DEFAULT_LANGUAGE))
    source = str(folder / f"{DEFAULT_LANGUAGE}.yaml")
    text = _file(folder / f"{DEFAULT_LANGUAGE}.yaml")
    base = Texts.of(load_model(GeneralTexts, general_text, general_source), load_model(ProtocolTexts, text, source))
    check_texts(spec, base, None, source, text)
    base_words = base.model_dump(exclude={"language"})
    contents: dict[str, Content] = {}
    for code, entry in entries.items():
        if code == DEFAULT_LANGUAGE:
            contents[code] = Content(spec, base, 0, merge(base_words, {})[2])
            continue
        files = [_words(entry)]
        if (folder / f"{code}.yaml").is_file():
            files.append((_file(folder / f"{code}.yaml"), str(folder / f"{code}.yaml")))
        own: dict[str, Any] = {}
        for text, source in files:  # the protocol's words over the general ones, as in Texts.of
            part = _partial(text, source, code, base_words)
            own = {**own, **part, "messages": {**own.get("messages", {}), **part.get("messages", {})}}
        words, fell, total = merge(base_words, own)
        texts = Texts.model_validate({**words, "language": code})
        check_texts(spec, texts, base, source, text)
        if fell:
            log.info("language %s falls back to %s for %d of %d texts", code, DEFAULT_LANGUAGE, fell, total)
        contents[code] = Content(spec, texts, fell, total)
    # Every command word works whatever the reader's language; the default language wins where two collide,
    # then the one named first.
    shared: dict[str, str] = {}
    ordered = sorted(contents.values(), key=lambda c: c.language != DEFAULT_LANGUAGE)
    for content in ordered[::-1]:
        shared.update(content._commands)
    for content in contents.values():
        content._commands, content.offered = shared, tuple(contents)
    return contents


__all__ = ["Content", "LanguageError", "QuestionSpec", "SourceError", "load_content", "load_protocol", "parse_yaml"]
