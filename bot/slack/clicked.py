"""After a click on a choice button, the clicked message shows what happened: the question as it was
asked, a context line with the chosen label ("✓ ja"), and no live buttons.

Slack's mechanism: `chat.update` with the payload's `channel.id` and `container.message_ts`; passing
`blocks` replaces the message's blocks, so leaving the actions block out removes the buttons
(https://api.slack.com/methods/chat.update — "For direct messages, ensure that this value is a DM ID").
An ephemeral message cannot be edited with `chat.update`; for one, the payload's `response_url` with
`replace_original: true` replaces it (https://api.slack.com/interactivity/handling#updating_message_response).

What the click did comes from `bot.clicked.verdict` (shared with Teams): a refusal ("Geen toegang", an
unknown person, a conflict) leaves the message alone; an outdated or already answered button gets the
question and the engine's own words instead of a chosen label.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.clicked import outdated_line, verdict
from bot.slack import render
from flows.messages import Message
from flows.services import App

log = logging.getLogger(__name__)

CONTEXT_MAX = 3000  # a context block's text object, like a section's


def _label(body: dict, action: dict) -> str | None:
    """The clicked button's own text, from the message in the payload."""
    for block in _blocks(body):
        if block.get("type") != "actions" or block.get("block_id") != action.get("block_id"):
            continue
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id") == action.get("action_id"):
                text = (element.get("text") or {}).get("text")
                return text if isinstance(text, str) else None
    return None


def _blocks(body: dict) -> list[dict]:
    blocks = (body.get("message") or {}).get("blocks") if isinstance(body.get("message"), dict) else None
    return [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []


def replacement(app: App, body: dict, action: dict, replies: list[Message]) -> dict[str, Any] | None:
    """What the clicked message becomes (text and blocks), or None when it stays as it is."""
    what = verdict(app, replies)
    if what is None or not _blocks(body):
        return None
    if what == "accepted":
        label = _label(body, action)
        if label is None:
            return None
        line = f"✓ {label}"
    else:
        line = outdated_line(app, replies) or ""
    kept = [b for b in _blocks(body) if b.get("type") in ("section", "header", "context", "divider")
            and "accessory" not in b]
    context = {"type": "context", "elements": [render.plain(line, CONTEXT_MAX)]}
    fallback = (body.get("message") or {}).get("text")
    return {"text": fallback if isinstance(fallback, str) and fallback else render.shorten(line, 200),
            "blocks": kept[: render.MESSAGE_BLOCKS - 1] + [context]}


def replace(body: dict, client: WebClient, respond: Any, update: dict[str, Any]) -> None:
    """Replace the clicked message; a failure is logged by its error code only (never the message)."""
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    ts = container.get("message_ts")
    try:
        if container.get("is_ephemeral"):
            if body.get("response_url") and respond is not None:
                respond(replace_original=True, **update)
        elif channel and ts:
            client.chat_update(channel=channel, ts=ts, **update)
    except SlackApiError as error:
        log.warning("could not replace a clicked Slack message: %s", error.response.get("error"))
    except (SlackClientError, OSError) as error:
        log.warning("could not replace a clicked Slack message: %s", type(error).__name__)
