"""What every listener shares: the person's words, their replies rendered for Slack, the refusal for a
stranger, and what a listener hands to its sender thread after the ack."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from bot.slack import render
from bot.slack.notify import post_turn
from flows.content import Content
from flows.delivery import deliver_replies
from flows.messages import Message
from flows.services import App, content_of


@dataclass
class AfterAck:
    """What a listener leaves for its sender thread (bot/slack/senders.py) once it has acked."""

    posts: list[dict] = field(default_factory=list)  # replies of a turn that stored nothing, rendered
    deliver_to: str | None = None  # the reply address whose replies the turn queued in the outbox
    view: dict | None = None  # a form to open (`views.open`)
    update: dict | None = None  # what a clicked message becomes (bot/slack/clicked.py)


def string(value: Any) -> str:
    """A field Slack sends as a string; anything else (a signed but malformed payload) counts as empty."""
    return value if isinstance(value, str) else ""


def unescape(text: str) -> str:
    """Slack sends typed text with &, < and > escaped; the services get what the person typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def content_for(app: App, person_id: str | None) -> Content:
    """The person's words for what Slack shows outside a reply (forms, help): the language they chose."""
    return content_of(app, person_id)


def rendered(app: App, replies: list[Message], person_id: str | None) -> list[dict]:
    """Each reply in the language it was written in (the service sets it); the person's otherwise."""
    fallback: list[Content] = []

    def words(reply: Message) -> Content:
        if reply.language in app.contents:
            return app.contents[reply.language]
        fallback[:] = fallback or [content_for(app, person_id)]
        return fallback[0]

    return [args for reply in replies for args in render.posts(reply, words(reply))]


def refusal(app: App) -> list[Message]:
    return [Message(text=app.content(None).msg("unknown_person"))]


def hand_over(app: App, replies: list[Message], person_id: str | None, target: str) -> AfterAck:
    """Replies committed with the turn are delivered from the outbox; others (nothing was stored) are posted
    as they are."""
    if getattr(replies, "queued", False):
        return AfterAck(deliver_to=target)
    return AfterAck(posts=rendered(app, replies, person_id))


def deliver(app: App, after: AfterAck, client: WebClient) -> None:
    """The turn's queued replies (and any an earlier, dead request left for the same conversation), in
    order, marked sent or failed in the outbox."""
    target = after.deliver_to
    if target:
        # Tagged like the worker's sends (`slack:ts+ts`), so that the retention purge knows the platform.
        deliver_replies(app, target, lambda replies: f"slack:{post_turn(client, target, replies, app)}")
