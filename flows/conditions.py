"""The tiny condition language of the content files: {question: value | [values] | "*" | "!value"}.

"*" is "answered at all"; "!yes" is "anything but yes", unanswered included (a step not done)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def holds(condition: Mapping[str, Any] | None, value_of: Any) -> bool:
    """True when every `question: expected` pair matches; `value_of(question_id)` gives the answer."""
    for question_id, expected in (condition or {}).items():
        value = value_of(question_id)
        if expected == "*":
            if value in (None, "", [], ()):
                return False
        elif isinstance(expected, str) and expected.startswith("!"):
            if value == expected[1:]:
                return False
        elif isinstance(expected, (list, tuple)):
            if value not in expected:
                return False
        elif value != expected:
            return False
    return True
