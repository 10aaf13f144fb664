"""Delivering committed messages to Slack: the safety channel, and direct messages to one person.

The worker calls `send` for each outbox row; the returned `ts` is stored as the platform message id.
An error of the Web API raises, so the worker retries the row later.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import render
from bot.slack.history import find_parts, tagged
from bot.slack.identity import People
from flows.messages import Message
from flows.model import REPLY
from flows.ports import SendOnly
from flows.school import Person
from flows.services import App


class SlackNotifier(SendOnly):
    platform = "slack"
    can_delete = True  # chat.delete; finding a post after a lost answer is part of the send (history.py)

    def __init__(self, app: App, people: People, client: Callable[[], WebClient | None]) -> None:
        self.app, self.people, self.client = app, people, client

    def send(self, target_kind: str, target: str, message: Message) -> str | None:
        client = self.client()
        if client is None:
            return None  # no workspace installed yet (OAuth mode)
        if target_kind == "channel":
            channel = self.app.school.safety_channel.slack_channel if target == "safety" else None
            return post(client, channel, message, self.app, self.people, details=True) if channel else None
        person = self.app.school.person(target)
        user_id = self.people.user_id(person, client) if person else None
        if user_id is None:
            return None
        return post(client, dm_channel(client, user_id), message, self.app, self.people, reader=person)

    def reply(self, target: str, replies: list[Message]) -> str | None:
        """A turn's replies that its request could not send (the worker sends them): to the address the
        listener gave the turn (`reply_address`)."""
        client = self.client()
        if client is None:
            return None
        return post_turn(client, target, replies, self.app)

    def _channel(self, client: WebClient, target_kind: str, target: str) -> str | None:
        if target_kind == REPLY:
            return reply_channel(client, target)
        if target_kind == "channel":
            return self.app.school.safety_channel.slack_channel if target == "safety" else None
        person = self.app.school.person(target)
        user_id = self.people.user_id(person, client) if person else None
        return dm_channel(client, user_id) if user_id else None

    def delete(self, target_kind: str, target: str, ts: str) -> bool:
        """Retention: delete the bot's own post (chat.delete); False when Slack would not."""
        client = self.client()
        channel = self._channel(client, target_kind, target) if client else None
        if channel is None:
            return False
        try:
            return bool(client.chat_delete(channel=channel, ts=ts).get("ok"))
        except SlackApiError:
            return False

    # No `delivered`: a retry after an unsure attempt carries `unsure_since`, and `post_parts` looks the
    # earlier posts up itself and posts only what is missing; asking first as well read the history twice.


PREFIX = "slack:"


def reply_address(user_id: str, channel_id: str | None) -> str:
    """Where the answer to what a person typed or clicked goes: the direct message it came from
    (`slack:im:D…`), an ephemeral post to them in another channel (`slack:eph:C…:U…`), or, from a form,
    their direct messages (`slack:dm:U…`)."""
    if not channel_id:
        return f"{PREFIX}dm:{user_id}"
    if channel_id.startswith("D"):
        return f"{PREFIX}im:{channel_id}"
    return f"{PREFIX}eph:{channel_id}:{user_id}"


def post_turn(client: WebClient, target: str, replies: list[Message], app: App) -> str:
    """One turn's replies, in the order given, to a `reply_address`; the `ts` of every post (`ts+ts`), or
    "ephemeral" for posts only their reader sees (they cannot be deleted, and go by themselves). Every post
    carries the delivery key and its part (message metadata), so that `delivered` finds them all again."""
    kind, _, rest = target.removeprefix(PREFIX).partition(":")
    if kind == "eph":
        channel, _, user = rest.partition(":")
    else:
        channel, user = (rest if kind == "im" else dm_channel(client, rest)), None
    posts = [args for reply in replies
             for args in render.posts(reply, (reply.language and app.contents.get(reply.language)) or app.content(None))]
    if user is not None:
        for args in posts:
            client.chat_postEphemeral(channel=channel, user=user, **args)
        return "ephemeral"
    return "+".join(post_parts(client, channel, posts, replies[0] if replies else None)) or "slack"


def reply_channel(client: WebClient, target: str) -> str | None:
    """The channel of a `reply_address`, where its posts can be looked up; ephemeral posts have none."""
    kind, _, rest = target.removeprefix(PREFIX).partition(":")
    return rest if kind == "im" else dm_channel(client, rest) if kind == "dm" else None


def dm_channel(client: WebClient, user_id: str) -> str:
    return client.conversations_open(users=user_id)["channel"]["id"]


def post(client: WebClient, channel: str, message: Message, app: App, people: People,
         details: bool = False, reader: Person | None = None) -> str:
    """Post one message (several posts when it is long); the `ts` of each (`ts+ts`), the first first."""
    content = app.content(reader)

    def mention(person_id: str) -> str:
        who = app.school.person(person_id)
        user_id = people.user_id(who, client) if who else None
        return f"<@{user_id}>" if user_id else render.escape(who.name if who else person_id)

    return "+".join(post_parts(client, channel, render.posts(message, content, mention, details=details), message))


def post_parts(client: WebClient, channel: str, posts: list[dict], first: Message | None) -> list[str]:
    """Post a message's parts, each tagged with the delivery key; the `ts` of each. On a retry whose earlier
    attempt may have posted (`unsure_since`), the parts Slack has already are looked up and not posted again."""
    key = first.delivery_key if first else None
    earlier = find_parts(client, channel, key, first.unsure_since) if key and first and first.unsure_since else {}
    return [earlier.get(part) or client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False,
                                                         **tagged(args, key, part, len(posts)))["ts"]
            for part, args in enumerate(posts)]

