"""Turning what a person typed into a checked answer value, or a clear Dutch refusal."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flows.content import Content, QuestionSpec

MAX_MESSAGE = 4000
MAX_STUDENTS = 20
MAX_NAME = 80
MAX_AGREEMENT_PART = 500

_YES = {"ja", "j", "yes", "y", "gedaan", "done", "jazeker", "jawel"}
_NO = {"nee", "n", "no", "nog niet", "not yet", "neen"}
_NA = {"nvt", "n.v.t.", "n.v.t", "na", "n/a", "niet van toepassing", "not applicable"}
_TODAY = {"vandaag": 0, "today": 0, "gisteren": -1, "yesterday": -1, "morgen": 1, "tomorrow": 1}


@dataclass(frozen=True)
class Invalid:
    message: str


def clean(text: str) -> str:
    """NFC, no control characters but newlines and tabs, trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text.strip()


def _word(text: str) -> str:
    return re.sub(r"[\s!.?]+$", "", text.strip().lower())


def options_for(question: QuestionSpec, content: Content, departments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(key, label) pairs in the order they are offered."""
    answers = content.texts.answers
    if question.kind == "yes_no":
        return [("yes", answers["yes"]), ("no", answers["no"])]
    if question.kind == "task":
        keys = ["yes", "no", "na"] if question.allow_na else ["yes", "no"]
        return [(k, answers[k]) for k in keys]
    if question.options_from == "departments":
        return departments
    return [(key, content.option_label(question.id, key)) for key in question.options]


def parse(question: QuestionSpec, text: str, content: Content, options: list[tuple[str, str]],
          today: date) -> Any | Invalid:
    text = clean(text)
    kind = question.kind
    if kind in ("task", "yes_no", "choice"):
        return _parse_choice(question, text, content, options)
    if kind == "text":
        return _parse_text(text, question.max_length, content)
    if kind == "students":
        return _parse_students(text, content)
    if kind == "date":
        return _parse_date(text, today, content)
    raise ValueError(f"no parser for {kind}")


def _parse_choice(question: QuestionSpec, text: str, content: Content, options: list[tuple[str, str]]) -> Any | Invalid:
    word = _word(text)
    keys = [key for key, _ in options]
    if word.isdecimal() and len(word) <= 4 and 1 <= int(word) <= len(options):
        return keys[int(word) - 1]
    if question.kind in ("task", "yes_no"):
        for key, words in (("yes", _YES), ("no", _NO), ("na", _NA)):
            if word in words and key in keys:
                return key
    for key, label in options:
        if word in (key.lower(), label.lower()):
            return key
    if question.kind == "choice":
        found = one_word_match(word, options)
        if found is not None:
            return found
    if question.kind == "yes_no":
        return Invalid(content.msg("invalid_yes_no"))
    if question.kind == "task":
        return Invalid(content.msg("invalid_task_na" if question.allow_na else "invalid_task"))
    return Invalid(content.msg("invalid_choice", options=", ".join(f"{i}. {label}" for i, (_, label) in enumerate(options, 1))))


def one_word_match(word: str, options: list[tuple[str, str]]) -> str | None:
    """"extern" for "ja, extern", "nee" for "geen": a word that belongs to exactly one option's label
    (or a no-word for the option keyed "none"). "ja" alone fits two options, so it matches none."""
    keys = [key for key, _ in options]
    if word in _NO and "none" in keys:
        return "none"
    fits = [key for key, label in options if word in re.findall(r"\w+", label.lower())]
    return fits[0] if len(fits) == 1 else None


def _parse_text(text: str, max_length: int, content: Content) -> str | Invalid:
    if not text:
        return Invalid(content.msg("invalid_empty"))
    if len(text) > max_length:
        return Invalid(content.msg("answer_too_long", length=len(text), max=max_length))
    return text


def _parse_students(text: str, content: Content) -> list[str] | Invalid:
    names = [n.strip() for n in re.split(r"[,;\n]|\s+en\s+|\s+and\s+|\s*&\s*", text) if n.strip()]
    # "nee" or "ja" typed where names are asked is an answer to another question, not a child's name.
    bad = (not names or len(names) > MAX_STUDENTS or _word(text) in _YES | _NO | _NA
           or any(len(n) > MAX_NAME or not any(ch.isalpha() for ch in n) for n in names))
    if bad:
        return Invalid(content.msg("invalid_students", max=MAX_STUDENTS, max_len=MAX_NAME))
    return list(dict.fromkeys(names))


def _parse_date(text: str, today: date, content: Content) -> str | Invalid:
    word = _word(text)
    if word in _TODAY:
        return (today + timedelta(days=_TODAY[word])).isoformat()
    for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%y", "%d.%m.%Y"):
        try:
            return datetime.strptime(word, fmt).date().isoformat()
        except ValueError:
            continue
    return Invalid(content.msg("invalid_date"))


def parse_agreement_part(text: str, content: Content) -> str | Invalid:
    return _parse_text(clean(text), MAX_AGREEMENT_PART, content)


def initials(name: str) -> str:
    """"Anna de Jong" → "A.d.J."; the summaries name no child in full."""
    parts = [p for p in re.split(r"[\s-]+", name) if p]
    return "".join(f"{p[0]}." for p in parts) or "?"
