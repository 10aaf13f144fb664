"""What a click on a choice (a Slack button, a Teams card) did, so that the adapter can show it on the clicked
message: "accepted" (the click answered its question: show the chosen label, no live buttons), "outdated"
(the question was answered before or is gone: show the engine's own words, no live buttons), or None
(refused, invalid, a conflict, a replay: the message stays as it is, so that the person can try again).

Accepted is what the service says (`Replies.answered`: the turn changed a case); outdated is read from the
replies, by the content texts the engine answers an outdated click with.
"""

from __future__ import annotations

import re
import string as _string
from typing import Literal

from flows.messages import Message
from flows.services import App

OUTDATED = ("choice_outdated", "already_answered", "already_answered_report")

Verdict = Literal["accepted", "outdated"]


def _pattern(template: str) -> re.Pattern[str]:
    """A content text with its {fields} as wildcards: matches any text the engine formatted from it."""
    parts = []
    for literal, field, _spec, _conv in _string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(".*?")
    return re.compile("".join(parts), re.DOTALL)


def _patterns(app: App, keys: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [_pattern(content.texts.messages[key]) for content in app.contents.values()
            for key in keys if key in content.texts.messages]


def verdict(app: App, replies: list[Message]) -> Verdict | None:
    if getattr(replies, "answered", False):
        return "accepted"
    return "outdated" if outdated_line(app, replies) is not None else None


def outdated_line(app: App, replies: list[Message]) -> str | None:
    """The engine's words for an outdated click ("al beantwoord"); the question it asks again comes after."""
    patterns = _patterns(app, OUTDATED)
    return next((r.text for r in replies if any(p.fullmatch(r.text) for p in patterns)), None)
