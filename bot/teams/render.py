"""Neutral messages as Adaptive Cards: text, choices as `Action.Submit` buttons, a form for typed answers,
and @mentions as Teams mention entities; a turn's replies as the activities to post. The cards are plain
dicts, no SDK: a card is JSON on every SDK.

Everything in a card's text may hold what a person typed, so it is neutralised: no markdown links, no
`<at>` tags of its own. The only actions on a card are the ones made here.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment

from flows.content import Content
from flows.messages import Message
from flows.school import SchoolConfig
from flows.services import App

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CHOICE, ANSWER = "choice", "answer"  # the kinds of submit this bot makes (`data.pestbot`)
ANSWER_INPUT = "answer"
MAX_INPUT = 4000
MAX_SHOWN = 200  # the question's line and a label, as carried in a submit's data
TYPED_KINDS = {"text", "students", "date"}  # questions answered with a form on the card

_LINK = re.compile(r"\]\s*\(")          # [text](url) → no link
_AT = re.compile(r"<(\s*/?\s*at\b)", re.IGNORECASE)  # <at>…</at> → plain text, no mention


@dataclass(frozen=True)
class Words:
    """The card's own words, in the reader's language (from the message catalogue)."""

    send: str
    placeholder: str


def neutralise(text: str) -> str:
    text = _LINK.sub("]\u200b(", text)
    return _AT.sub("‹\\1", text)


def _text_blocks(text: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    gap = False
    for line in text.splitlines():
        if not line.strip():
            gap = True
            continue
        blocks.append({"type": "TextBlock", "text": neutralise(line), "wrap": True,
                       "spacing": "Medium" if gap else "None"})
        gap = False
    return blocks or [{"type": "TextBlock", "text": " ", "wrap": True}]


def mentions(message: Message, school: SchoolConfig) -> tuple[str, list[dict[str, Any]]]:
    """The mention line (`<at>Name</at> …`) and its entities, for people with a Teams id."""
    parts, entities = [], []
    for person in filter(None, map(school.person, message.mentions)):
        name = neutralise(person.name)
        if not person.id_on("teams"):
            parts.append(name)
            continue
        tag = f"<at>{name}</at>"
        parts.append(tag)
        entities.append({"type": "mention", "text": tag, "mentioned": {"id": person.id_on("teams"), "name": name}})
    return " ".join(parts), entities


def card(message: Message, school: SchoolConfig, words: Words, form: bool = False, lead: str = "") -> dict[str, Any]:
    """The Adaptive Card for one message. `form`: the question takes typed text, so offer an input. `lead`:
    lines shown above the message ("Genoteerd.")."""
    body = _text_blocks(f"{lead}\n\n{message.text}" if lead.strip() else message.text)
    line, entities = mentions(message, school)
    if line:
        body.append({"type": "TextBlock", "text": line, "wrap": True, "spacing": "Medium"})
    # `asked`: the question's own first line, so that the card can be replaced by what was answered
    # (Teams sends back the action's data, not the card).
    base = {"case_id": message.case_id, "question_id": message.question_id, "card": secrets.token_hex(8),
            "asked": _first_line(message.text)}
    actions: list[dict[str, Any]] = []
    if message.case_id and message.question_id and message.choices:
        actions = [{"type": "Action.Submit", "title": choice.label,
                    "data": {"pestbot": CHOICE, **base, "value": choice.value, "label": choice.label[:MAX_SHOWN]}}
                   for choice in message.choices]
    elif message.case_id and message.question_id and form:
        body.append({"type": "Input.Text", "id": ANSWER_INPUT, "isMultiline": True, "maxLength": MAX_INPUT,
                     "placeholder": words.placeholder})
        actions = [{"type": "Action.Submit", "title": words.send, "data": {"pestbot": ANSWER, **base}}]
    return _card(body, actions, entities)


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]],
          entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.4", "body": body,
                               "msteams": {"width": "Full"}}
    if actions:
        content["actions"] = actions
    if entities:
        content["msteams"]["entities"] = entities
    return content


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= MAX_SHOWN else line[: MAX_SHOWN - 1] + "…"


def answered(asked: str | None, line: str) -> dict[str, Any]:
    """What a submitted card becomes: the question as it was asked and what happened ("✓ Onderbouw", or the
    engine's "al beantwoord"), with no buttons and no form left."""
    body = _text_blocks(asked) if asked else []
    body.append({"type": "TextBlock", "text": neutralise(line), "wrap": True, "isSubtle": True,
                 "spacing": "Small"})
    return _card(body, [])


def merged(replies: list[Message]) -> list[tuple[str, Message]]:
    """One card per turn where it reads well: plain lines ("Genoteerd.") go on top of the card that follows
    them, so a turn is one post to the connector instead of several (issue 7). Each card as (the lines on
    top, its message)."""
    out: list[tuple[str, Message]] = []
    lead: list[str] = []
    for message in replies:
        if not message.choices and not message.mentions and message is not replies[-1]:
            lead.append(message.text)
            continue
        out.append(("\n\n".join(lead), message))
        lead = []
    return out


def activities(app: App, content: Content, replies: list[Message]) -> list[Activity]:
    """A turn's replies as the activities to post, in order."""
    return [activity(app, content, message, lead) for lead, message in merged(replies)]


def activity(app: App, content: Content, message: Message, lead: str = "") -> Activity:
    spec = content.questions.get(message.question_id or "")
    words = Words(send=content.msg("teams_send"), placeholder=content.msg("teams_placeholder"))
    shown = card(message, app.school, words, form=spec is not None and spec.kind in TYPED_KINDS, lead=lead)
    return MessageFactory.attachment(Attachment(content_type=CONTENT_TYPE, content=shown))
