"""Neutral messages to Block Kit, within Slack's limits, with every bit of user text escaped.

Limits (https://api.slack.com/reference/block-kit): a section's text ≤ 3000 characters, a message ≤ 50
blocks (a modal or the Home tab ≤ 100), a button's text ≤ 75, an actions block ≤ 25 elements. Long text
is split over several sections at line or word boundaries, never cut; a long message becomes several
posts; a button label that must be shortened is also listed in full beside the buttons.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flows.content import Content
from flows.messages import Message

SECTION_MAX = 3000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
BUTTON_MAX = 75
ACTIONS_MAX = 25
FALLBACK_MAX = 3000

CHOICE = "choice"        # action ids: choice:<n>, agreement, details
AGREEMENT = "agreement"
DETAILS = "details"


def escape(text: str) -> str:
    """Slack's three control characters; afterwards `<!channel>` or `<@U1>` typed by a person is plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int) -> dict:
    """A plain_text object (not parsed for mentions), shortened with an ellipsis to `limit`."""
    return {"type": "plain_text", "text": shorten(text, limit) or " ", "emoji": True}


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chunks(text: str, limit: int = SECTION_MAX) -> list[str]:
    """Split (already escaped) text into pieces ≤ limit: at a newline, else at a space, else anywhere but
    inside an entity such as `&amp;`. Nothing is dropped but the newline or space where it was split."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit + 1)
        if cut > 0:
            pieces.append(text[:cut])
            text = text[cut + 1:]
            continue
        cut = limit
        amp = text.rfind("&", max(0, cut - 5), cut)
        if amp > 0 and ";" not in text[amp:cut]:
            cut = amp
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return [p for p in pieces if p.strip()] or [" "]


def sections(text: str) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": part}} for part in chunks(escape(text))]


def button(label: str, action_id: str, value: str) -> dict:
    return {"type": "button", "text": plain(label, BUTTON_MAX), "action_id": action_id, "value": value}


def choice_value(case_id: str | None, question_id: str | None, value: str) -> str:
    return json.dumps({"c": case_id, "q": question_id, "v": value}, separators=(",", ":"))


def parse_choice(value: str) -> tuple[str, str, str] | None:
    try:
        data = json.loads(value)
        return str(data["c"]), str(data["q"]), str(data["v"])
    except (ValueError, KeyError, TypeError):
        return None


def blocks(message: Message, content: Content, mention: Callable[[str], str] | None = None,
           details: bool = False) -> list[dict]:
    """All the blocks of one message (may be more than one post holds: see `batches`).

    `mention` turns a person id into `<@U…>` (or an escaped name); `details` adds the button that opens
    the case's details for whoever is allowed to see them (posts in the safety channel).
    """
    out: list[dict] = []
    if message.mentions and mention is not None:
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": " ".join(map(mention, message.mentions))}})
    out += sections(message.text)
    buttons = [button(c.label, f"{CHOICE}:{i}", choice_value(message.case_id, message.question_id, c.value))
               for i, c in enumerate(message.choices)]
    long_labels = [c for c in message.choices if len(c.label) > BUTTON_MAX]
    if long_labels:
        out += sections("\n".join(f"{c.value}. {c.label}" for c in message.choices))
    question = content.questions.get(message.question_id or "")
    if question is not None and question.kind == "agreement" and message.case_id and not message.choices:
        buttons.append(button(content.msg("slack_agreement_button"), AGREEMENT,
                              choice_value(message.case_id, message.question_id, "")))
    if details and message.case_id:
        buttons.append(button(content.msg("slack_details_button"), DETAILS, message.case_id))
    for start in range(0, len(buttons), ACTIONS_MAX):
        out.append({"type": "actions", "elements": buttons[start:start + ACTIONS_MAX]})
    return out


def batches(all_blocks: list[dict], size: int = MESSAGE_BLOCKS) -> list[list[dict]]:
    return [all_blocks[i:i + size] for i in range(0, len(all_blocks), size)] or [[]]


def fallback(message: Message) -> str:
    """The notification text beside the blocks (what a phone shows); the blocks carry everything."""
    return shorten(escape(message.text), FALLBACK_MAX)


def posts(message: Message, content: Content, mention: Callable[[str], str] | None = None,
          details: bool = False) -> list[dict]:
    """chat.postMessage arguments (text + blocks) for one message: one post, or several when it is long."""
    parts = batches(blocks(message, content, mention, details))
    text = fallback(message)
    return [{"text": text if i == 0 else shorten(text, 200), "blocks": part} for i, part in enumerate(parts)]


def view_blocks(messages: list[Message], content: Content, more_key: str = "slack_more") -> list[dict]:
    """Blocks for a modal or the Home tab (≤ 100); what does not fit is counted, never silently dropped."""
    out: list[dict] = []
    for message in messages:
        out += sections(message.text)
    if len(out) <= VIEW_BLOCKS:
        return out
    hidden = sum(b["text"]["text"].count("\n") + 1 for b in out[VIEW_BLOCKS - 1:])
    return out[:VIEW_BLOCKS - 1] + sections(content.msg(more_key, count=hidden))


def buttons_of(post: dict) -> list[str]:
    """The labels of a post's buttons, in order (for tests and logs without user text)."""
    return [e["text"]["text"] for b in post.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]
