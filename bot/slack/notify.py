"""Delivering committed messages to Slack: the safety channel, and direct messages to one person.

The worker calls `send` for each outbox row; the returned `ts` is stored as the platform message id.
An error of the Web API raises, so the worker retries the row later.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import render
from bot.slack.people import People
from flows.messages import Message
from flows.school import Person
from flows.services import App


METADATA_EVENT = "pestbot_delivery"


class SlackNotifier:
    platform = "slack"

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

    def _channel(self, client: WebClient, target_kind: str, target: str) -> str | None:
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

    def delivered(self, target_kind: str, target: str, key: str) -> str | None:
        """The `ts` of a message we posted with this delivery key, if Slack has it (after a crash mid-send).

        Each first post carries the key as message metadata; the channel's recent history is searched.
        """
        client = self.client()
        channel = self._channel(client, target_kind, target) if client else None
        if channel is None:
            return None
        history = client.conversations_history(channel=channel, limit=100, include_all_metadata=True)
        for found in history.get("messages") or []:
            if ((found.get("metadata") or {}).get("event_payload") or {}).get("key") == key:
                return found.get("ts")
        return None


def dm_channel(client: WebClient, user_id: str) -> str:
    return client.conversations_open(users=user_id)["channel"]["id"]


def post(client: WebClient, channel: str, message: Message, app: App, people: People,
         details: bool = False, reader: Person | None = None) -> str:
    """Post one message (several posts when it is long); the `ts` of the first."""
    content = app.content(reader)

    def mention(person_id: str) -> str:
        who = app.school.person(person_id)
        user_id = people.user_id(who, client) if who else None
        return f"<@{user_id}>" if user_id else render.escape(who.name if who else person_id)

    first: str | None = None
    for args in render.posts(message, content, mention, details=details):
        if first is None and message.delivery_key:  # lets `delivered` find it again after a crash
            args = {**args, "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": message.delivery_key}}}
        ts = client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **args)["ts"]
        first = first or ts
    return first or ""


def post_replies(client: WebClient, channel: str, replies: list[Message], app: App, people: People,
                 person_id: str | None) -> None:
    """The answers to what someone typed or clicked, in their language, in order."""
    content = app.content(app.school.person(person_id))
    for reply in replies:
        for args in render.posts(reply, content):
            client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **args)
