"""What `POST /slack/events` checks before Bolt sees a request: Slack's signature and the shapes Bolt reads.

The signature is an HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret, checked here over the
raw bytes, so a body that is not UTF-8, a timestamp that is not ASCII digits ("²", 5,000 digits) or a
signature with other characters is simply not signed (401), never a server error. A signed body must be
UTF-8 and shaped as Slack shapes it (400 otherwise).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qs

MAX_AGE = 5 * 60  # seconds a timestamp may be off (Slack's own rule)
_TIMESTAMP_DIGITS = 12
_SIGNATURE_MAX = 100


def signed(secret: str, raw: bytes, timestamp: str, signature: str, now: float) -> bool:
    """True for a request Slack signed within the last five minutes (or five minutes ahead)."""
    if not (secret and timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _TIMESTAMP_DIGITS):
        return False
    if abs(now - int(timestamp)) > MAX_AGE:
        return False
    if not (signature.isascii() and signature.startswith("v0=") and len(signature) <= _SIGNATURE_MAX):
        return False
    mac = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
    return hmac.compare_digest("v0=" + mac.hexdigest(), signature)


def text(raw: bytes) -> str | None:
    """The body as Slack sends it, UTF-8 whatever the header says; None when it is not."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


# Parts Bolt reads as objects whenever they are present, whatever the payload's type. Slack sends some of them
# as null: `"enterprise": null` in every workspace that is not Enterprise Grid, `"team": null` for org-wide apps.
_OBJECTS = ("event", "view", "user", "team", "enterprise", "channel", "container", "message", "state")


def well_formed(body_text: str, content_type: str) -> bool:
    """What Slack sends and Bolt can parse: a JSON object, or a form whose `payload` (if any) is one,
    with the parts Bolt's matchers read shaped as Slack shapes them. Anything else gets 400."""
    try:
        if content_type == "application/json":
            body = json.loads(body_text)
        else:
            payload = parse_qs(body_text).get("payload")
            if payload is None:
                return True  # a slash command or ssl_check: flat form fields, all strings
            body = json.loads(payload[0])
    except (ValueError, RecursionError):
        return False
    if not isinstance(body, dict) or not isinstance(body.get("type", ""), str):
        return False
    if any(body.get(key) is not None and not isinstance(body[key], dict) for key in _OBJECTS):
        return False
    if any(key in body and not (isinstance(body[key], list) and all(isinstance(x, dict) for x in body[key]))
           for key in ("actions", "authorizations")):
        return False
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        return (isinstance(event, dict) and isinstance(event.get("type"), str)
                and isinstance(event.get("subtype", ""), str | None))
    if kind == "block_actions":
        actions = body.get("actions")
        return (isinstance(body.get("user"), dict) and isinstance(actions, list) and bool(actions)
                and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions))
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        return (isinstance(body.get("user"), dict) and isinstance(view, dict)  # Bolt reads view.type, too
                and isinstance(view.get("callback_id"), str) and isinstance(view.get("type"), str)
                and (kind == "view_closed" or _state(view.get("state")))
                and isinstance(view.get("blocks", []), list))
    return True


def _state(state: object) -> bool:
    """A submitted view's `state.values`: {block id: {action id: {element}}}, as Slack always sends it."""
    values = state.get("values") if isinstance(state, dict) else None
    return isinstance(values, dict) and all(
        isinstance(block, dict) and all(isinstance(element, dict) for element in block.values())
        for block in values.values())
