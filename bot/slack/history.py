"""Finding our own posts in a Slack conversation again, after an attempt whose outcome is unknown.

Every post carries its message's delivery key and its part as message metadata
(https://api.slack.com/metadata); conversations.history returns it with `include_all_metadata`. The search
reads everything posted since the message was committed (less the clock skew), page by page
(https://api.slack.com/methods/conversations.history), however busy the channel is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from slack_sdk import WebClient

METADATA_EVENT = "pestbot_delivery"
CLOCK_SKEW = timedelta(minutes=10)  # how far Slack's clock may be behind ours, and then some
PAGE, MAX_PAGES = 200, 100  # Slack recommends at most 200 messages a page; 20,000 messages at most


class Parts(dict[int, str]):
    """The posts of one message found so far: part → ts, and how many parts the message has."""

    total = 1


def find_parts(client: WebClient, channel: str, key: str, since: datetime | None) -> Parts:
    """Search the channel's history from `since` (less the clock skew) to now for the posts carrying `key`
    (`part` of `parts` in the metadata; a post from before parts were numbered is the whole message)."""
    parts = Parts()
    for found in _history(client, channel, since):
        payload = (found.get("metadata") or {}).get("event_payload") or {}
        if payload.get("key") != key or not found.get("ts"):
            continue
        parts.total = int(payload.get("parts") or 1)
        parts[int(payload.get("part") or 0)] = found["ts"]
        if complete(parts):
            break
    return parts


def complete(parts: Parts) -> str | None:
    """Every part's ts in order (`ts+ts`) when all were found, else None."""
    if not parts or any(i not in parts for i in range(parts.total)):
        return None
    return "+".join(parts[i] for i in range(parts.total))


def _history(client: WebClient, channel: str, since: datetime | None) -> Iterator[dict]:
    oldest = f"{(since - CLOCK_SKEW).timestamp():.6f}" if since else None
    cursor = None
    for _ in range(MAX_PAGES):
        args = {"oldest": oldest} if oldest else {}
        page = client.conversations_history(channel=channel, limit=PAGE, include_all_metadata=True,
                                            cursor=cursor, **args)
        yield from page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return


def tagged(args: dict, key: str | None, part: int, parts: int) -> dict:
    """A post's arguments with the delivery key as message metadata (https://api.slack.com/metadata), so
    that `delivered` can find every part of the message again."""
    if not key:
        return args
    payload = {"key": key, "part": part, "parts": parts}
    return {**args, "metadata": {"event_type": METADATA_EVENT, "event_payload": payload}}
