"""The protocol's questions and the bot's words, as data: one structure file, one text file per language.

Both are validated on load; a broken file fails with its name, the line and the reason.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flows.yamlsource import At, SourceError, line_of, load_model, parse_yaml

AnswerKind = Literal["task", "yes_no", "text", "students", "date", "choice", "agreement"]
Condition = dict[str, str | tuple[str, ...]]
PHASES = ("intake", "fase1", "fase2", "fase3", "fase4")
STATES = ("intake", "fase1", "fase2", "monitoring2", "fase3", "monitoring3", "fase4", "closed")
LANGUAGES = ("nl", "en")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionSpec(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: AnswerKind
    required: bool = True
    allow_na: bool = False
    when: Condition | None = None
    after: Condition | None = None
    options: tuple[str, ...] = ()
    options_from: Literal["departments"] | None = None
    # Filled in by the bot: team_post (its own post informed the team), entry_reason (why the case is here).
    auto: Literal["team_post", "entry_reason"] | None = None
    draft: Literal["magister", "magister_f3", "teachers"] | None = None
    # Choices that mean "not done yet" ("nog geen besluit"): the phase waits, the bot comes back to it.
    not_done: tuple[str, ...] = ()
    max_length: int = Field(default=2000, ge=1, le=4000)

    @model_validator(mode="after")
    def _choice_has_options(self) -> QuestionSpec:
        if self.kind == "choice" and not (self.options or self.options_from):
            raise ValueError(f"keuzevraag {self.id} heeft geen options of options_from")
        if self.allow_na and self.kind != "task":
            raise ValueError(f"allow_na past alleen bij kind task ({self.id})")
        if set(self.not_done) - set(self.options):
            raise ValueError(f"not_done van {self.id} noemt een keuze die niet in options staat")
        return self


class WhoRule(Strict):
    id: str
    when: Condition | None = None


class Website(Strict):
    id: str
    url: str = Field(pattern=r"^https?://")
    first_when: Condition | None = None


class Structure(Strict):
    phases: dict[Literal["intake", "fase1", "fase2", "fase3", "fase4"], tuple[QuestionSpec, ...]]
    who: dict[Literal[STATES], tuple[WhoRule, ...]]  # type: ignore[valid-type]
    websites: tuple[Website, ...]

    @field_validator("who", mode="before")
    @classmethod
    def _plain_ids(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: [{"id": r} if isinstance(r, str) else r for r in v] for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Structure:
        missing = [p for p in PHASES if p not in self.phases]
        if missing:
            raise At(("phases",), f"fase ontbreekt: {', '.join(missing)}")
        seen: set[str] = set()
        for phase in PHASES:
            for i, q in enumerate(self.phases[phase]):
                if q.id in seen:
                    raise At(("phases", phase, i, "id"), f"vraag-id {q.id} komt twee keer voor")
                for ref in {**(q.when or {}), **(q.after or {})}:
                    if ref not in seen:
                        raise At(("phases", phase, i, "when"),
                                 f"vraag {q.id}: 'when' verwijst naar {ref}, dat geen eerdere vraag is")
                seen.add(q.id)
        conditions = [(("who", state, i, "when"), r.when) for state, rules in self.who.items()
                      for i, r in enumerate(rules)]
        conditions += [(("websites", i, "first_when"), w.first_when) for i, w in enumerate(self.websites)]
        for loc, cond in conditions:
            for ref in cond or {}:
                if ref not in seen:
                    raise At(loc, f"'when' verwijst naar onbekende vraag {ref}")
        return self


class QuestionText(Strict):
    label: str = Field(min_length=1, max_length=80)
    prompt: str = Field(min_length=1)
    hint: str | None = None


class Texts(Strict):
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


COMMANDS = (
    "new", "cases", "open", "status", "who", "advice", "tips", "help", "question", "skip",
    "agreement", "done", "checkin", "incident", "close", "reopen", "details", "language", "snooze",
    "share", "handover", "dossier", "overview", "stats",
)
WHO_PLACEHOLDERS = {"school_leader", "safety_team", "coordinator", "care_coordinator", "magister_roles", "magister_path"}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Content:
    """One language's view of the protocol: the structure plus that language's words."""

    def __init__(self, structure: Structure, texts: Texts) -> None:
        self.structure = structure
        self.texts = texts
        self.language = texts.language
        self.questions = {q.id: q for phase in PHASES for q in structure.phases[phase]}
        self.phase_of = {q.id: phase for phase in PHASES for q in structure.phases[phase]}
        self._commands = {word: cmd for cmd, words in texts.commands.items() for word in words}

    def msg(self, key: str, /, **params: object) -> str:
        return self.texts.messages[key].format(**params)

    def state_name(self, state: str) -> str:
        return self.texts.states[state]

    def phase_question_ids(self, phase: str) -> set[str]:
        return {q.id for q in self.structure.phases[phase]}  # type: ignore[index]

    def command(self, word: str) -> str | None:
        return self._commands.get(word.lower())

    def option_label(self, question_id: str, key: str) -> str:
        return self.texts.options.get(question_id, {}).get(key, key)


def check_texts(structure: Structure, texts: Texts, reference: Texts | None, source: str,
                text: str | None = None) -> None:
    """Every id in the structure has words; every language says the same things with the same fields.

    Given the file's `text`, each problem names its line too.
    """
    problems: list[str] = []
    node = parse_yaml(text, source)[1] if text is not None else None

    def add(path: str, problem: str) -> None:
        where = f", regel {line_of(node, tuple(path.split('.')))}" if node is not None else ""
        problems.append(f"{source}{where}: {path}: {problem}")

    def need(section: str, have: dict, keys: set[str]) -> None:
        gone = sorted(keys - set(have))
        if gone:
            add(section, f"ontbreekt {', '.join(gone)}")

    need("states", texts.states, set(STATES))
    need("phase_intro", texts.phase_intro, set(STATES))
    need("answers", texts.answers, {"yes", "no", "na"})
    need("questions", texts.questions, {q.id for p in PHASES for q in structure.phases[p]})
    need("who", texts.who, {r.id for rules in structure.who.values() for r in rules})
    need("websites", texts.websites, {w.id for w in structure.websites})
    need("commands", texts.commands, set(COMMANDS))
    for q in (q for p in PHASES for q in structure.phases[p] if q.options):
        need(f"options.{q.id}", texts.options.get(q.id, {}), set(q.options))
    for rule_id, words in texts.who.items():
        unknown = _fields(words) - WHO_PLACEHOLDERS
        if unknown:
            add(f"who.{rule_id}", f"onbekende velden {', '.join(sorted(unknown))}")
    if reference is not None:
        need("messages", texts.messages, set(reference.messages))
        for key, message in texts.messages.items():
            if key not in reference.messages:
                add(f"messages.{key}", f"bestaat niet in {reference.language}")
            elif _fields(message) != _fields(reference.messages[key]):
                add(f"messages.{key}", f"andere velden dan in {reference.language}")
    if problems:
        raise SourceError("\n".join(problems))


def _read(name: str) -> str:
    return resources.files("flows").joinpath("content", name).read_text(encoding="utf-8")


def load_structure(text: str, source: str) -> Structure:
    return load_model(Structure, text, source)


def load_texts(text: str, source: str) -> Texts:
    return load_model(Texts, text, source)


@cache
def load_content() -> dict[str, Content]:
    """The shipped content, Dutch first; raises SourceError naming the file when it is broken."""
    structure = load_structure(_read("protocol.yaml"), "flows/content/protocol.yaml")
    contents: dict[str, Content] = {}
    reference: Texts | None = None
    for lang in LANGUAGES:
        source = f"flows/content/{lang}.yaml"
        text = _read(f"{lang}.yaml")
        texts = load_texts(text, source)
        check_texts(structure, texts, reference, source, text)
        reference = reference or texts
        contents[lang] = Content(structure, texts)
    # Every command word works whatever the reader's language; Dutch wins where two collide.
    shared: dict[str, str] = {}
    for content in reversed(contents.values()):
        shared.update(content._commands)
    for content in contents.values():
        content._commands = shared
    return contents


__all__ = ["Content", "QuestionSpec", "SourceError", "load_content", "parse_yaml"]
