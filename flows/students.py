"""Students as identities: a child named in a case is one record per school, linked to the cases and the
roles they appear in, so that erasure and inzage act on that child alone.

A student is found by a keyed fingerprint of their normalised full name (`App.fingerprint`), so that the
lookup needs no decryption and the database alone gives no name away; the name itself is stored encrypted.
Two children with one full name are one record here: the cases (with their class) tell them apart, and
whoever erases or answers an inzage request sees every case the name is linked to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flows.model import Case

STUDENT_QUESTIONS = ("bullied", "bullies", "support_group")  # the answers that name students


def normalise(name: str) -> str:
    return " ".join(name.casefold().split())


def named_in(case: Case) -> list[tuple[str, str]]:
    """(name, role) for every student a case's answers name, in order, once each."""
    found: dict[tuple[str, str], None] = {}
    for role in STUDENT_QUESTIONS:
        for name in case.value(role) or []:
            if isinstance(name, str) and name.strip() and not _marker(name):
                found[(" ".join(name.split()), role)] = None
    return list(found)


def _marker(name: str) -> bool:
    """"[verwijderd]" where an erased child's name was: no child to link."""
    text = name.strip()
    return text.startswith("[") and text.endswith("]")


def links(case: Case, fingerprint: Callable[[str], str]) -> list[tuple[str, str, str]]:
    """(key, name, role) for the case's students: what the student ledger links the case to."""
    return [(fingerprint(normalise(name)), name, role) for name, role in named_in(case)]


def word(text: str) -> re.Pattern[str]:
    """A name as a whole word (or words), whatever its case."""
    return re.compile(rf"(?<!\w){re.escape(text)}(?!\w)", re.IGNORECASE)


def first_name(name: str) -> str | None:
    """The first name of a full name, when it is one of several words and not a mere initial."""
    words = name.split()
    return words[0] if len(words) > 1 and len(words[0]) > 2 else None


def substitute(value: Any, patterns: list[re.Pattern[str]], token: str) -> Any:
    """`value` (text, or JSON made of lists and objects) with every match of `patterns` replaced by `token`."""
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(token, value)
        return value
    if isinstance(value, list):
        return [substitute(v, patterns, token) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, patterns, token) for k, v in value.items()}
    return value


def count(value: Any, pattern: re.Pattern[str]) -> int:
    if isinstance(value, str):
        return len(pattern.findall(value))
    if isinstance(value, list):
        return sum(count(v, pattern) for v in value)
    if isinstance(value, dict):
        return sum(count(v, pattern) for v in value.values())
    return 0
