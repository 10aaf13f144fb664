"""The protocol and the bot's words, as data: the protocol's file with its words per language beside it
(flows/protocols/<name>/), and the bot's general words per language (flows/content/<language>.yaml).

All are validated on load; a broken file fails with its name, the line and the reason.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field

from flows.protocol import Protocol, QuestionSpec
from flows.protocol_spec import Notice, Strict
from flows.yamlsource import SourceError, line_of, load_model, parse_yaml

LANGUAGES = ("nl", "en")
DEFAULT_PROTOCOL = "vo"


class QuestionText(Strict):
    label: str = Field(min_length=1, max_length=80)
    prompt: str = Field(min_length=1)
    hint: str | None = None


class GeneralTexts(Strict):
    """The bot's own words in one language (flows/content/<language>.yaml)."""

    language: Literal["nl", "en"]
    answers: dict[Literal["yes", "no", "na"], str]
    commands: dict[str, tuple[str, ...]]
    messages: dict[str, str]


class ProtocolTexts(Strict):
    """A protocol's words in one language (beside its protocol.yaml): its states, questions, who to inform,
    websites, and the messages the protocol file names."""

    language: Literal["nl", "en"]
    states: dict[str, str]
    phase_intro: dict[str, str]
    questions: dict[str, QuestionText]
    options: dict[str, dict[str, str]] = {}
    who: dict[str, str]
    websites: dict[str, str]
    messages: dict[str, str] = {}


class Texts(Strict):
    """Both together: what one language's reader sees."""

    language: Literal["nl", "en"]
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

    def __init__(self, protocol: Protocol, texts: Texts) -> None:
        self.protocol = protocol
        self.texts = texts
        self.language = texts.language
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


@cache
def load_content(protocol: str = DEFAULT_PROTOCOL) -> dict[str, Content]:
    """The protocol's content in every language, Dutch first; raises SourceError naming the file when it is
    broken. `protocol`: a shipped protocol's name, or the folder of the school's own."""
    folder = protocol_dir(protocol)
    spec = load_protocol(protocol)
    contents: dict[str, Content] = {}
    reference: Texts | None = None
    for lang in LANGUAGES:
        general = load_model(GeneralTexts, _shipped("content", f"{lang}.yaml"), f"flows/content/{lang}.yaml")
        source = str(folder / f"{lang}.yaml")
        text = _file(folder / f"{lang}.yaml")
        texts = Texts.of(general, load_model(ProtocolTexts, text, source))
        check_texts(spec, texts, reference, source, text)
        reference = reference or texts
        contents[lang] = Content(spec, texts)
    # Every command word works whatever the reader's language; Dutch wins where two collide.
    shared: dict[str, str] = {}
    for content in reversed(contents.values()):
        shared.update(content._commands)
    for content in contents.values():
        content._commands = shared
    return contents


__all__ = ["Content", "QuestionSpec", "SourceError", "load_content", "load_protocol", "parse_yaml"]
