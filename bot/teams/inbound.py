"""What reaches the bot from Teams, checked before anything else reads it: the Authorization header's shape,
the body as an Activity, the tenant it claims, and the `value` of a submitted card (only our own cards'
shapes count). Nothing here trusts the content; botbuilder checks the token itself afterwards."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jwt
from botbuilder.schema import Activity

from bot.teams.render import ANSWER, ANSWER_INPUT, CHOICE, MAX_SHOWN


def bearer_shaped(header: str) -> bool:
    """A quick check before botbuilder validates the token itself: `Bearer <header.payload.sig>`, signed
    with RS256, the only algorithm the Bot Framework uses. Anything else is refused without fetching keys."""
    scheme, _, token = header.partition(" ")
    if not (scheme == "Bearer" and token.count(".") == 2 and len(token) < 16384):
        return False
    try:
        return jwt.get_unverified_header(token).get("alg") == "RS256"
    except (jwt.PyJWTError, ValueError, TypeError, AttributeError):
        return False


def parse_activity(raw: bytes) -> tuple[dict[str, Any], Activity] | None:
    """The body as an Activity: a JSON object with a type, nested no deeper than Python can parse."""
    try:
        body = json.loads(raw)
        if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
            return None
        return body, Activity().deserialize(body)
    except (ValueError, TypeError, AttributeError, RecursionError):  # msrest's DeserializationError is a ValueError
        return None


def tenant_in(body: dict[str, Any]) -> str | None:
    data = body.get("channelData")
    tenant = data.get("tenant") if isinstance(data, dict) else None
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return tenant["id"]
    conversation = body.get("conversation")
    value = conversation.get("tenantId") if isinstance(conversation, dict) else None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Submit:
    """A checked card submit: which question of which case, the value, what identifies the card, and what the
    card showed (its question's first line; the clicked button's label), for showing what was answered."""

    case_id: str
    question_id: str
    value: str
    card: str | None
    asked: str | None = None
    label: str | None = None  # None: a typed answer


def _shown(value: Any) -> str | None:
    return value[:MAX_SHOWN] if isinstance(value, str) and value.strip() else None


def parse_submit(data: Any) -> Submit | None:
    """The `value` of a submit activity, or None when it is not one of our cards (or was tampered with)."""
    if not isinstance(data, dict) or data.get("pestbot") not in (CHOICE, ANSWER):
        return None
    case_id, question_id, card_id = data.get("case_id"), data.get("question_id"), data.get("card")
    choice = data["pestbot"] == CHOICE
    value = data.get("value") if choice else data.get(ANSWER_INPUT, "")
    if not (isinstance(case_id, str) and 0 < len(case_id) <= 20 and isinstance(question_id, str)
            and 0 < len(question_id) <= 64 and isinstance(value, str)):
        return None
    if card_id is not None and not (isinstance(card_id, str) and len(card_id) <= 64):
        return None
    label = (_shown(data.get("label")) or value[:MAX_SHOWN]) if choice else None
    return Submit(case_id, question_id, value, card_id, _shown(data.get("asked")), label)
