"""The neutral message model: what the bot says, before a platform renders it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Choice(BaseModel):
    """A button (Slack, Teams) or a numbered choice (console). `value` is what clicking it sends."""

    model_config = ConfigDict(frozen=True)
    label: str
    value: str


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)
    text: str
    choices: tuple[Choice, ...] = ()
    mentions: tuple[str, ...] = Field(default=(), description="person ids to @mention")
    case_id: str | None = None
    # The question a set of choices answers, so that a platform can send a click back unambiguously.
    question_id: str | None = None
    # Set by the worker: the same key on every attempt to deliver one outbox row, so that a platform
    # notifier can tell whether an attempt that ended ambiguously did arrive.
    delivery_key: str | None = None
    # Set by the worker on a retry: the platforms' ids of an earlier attempt that did arrive on some of them
    # (`slack:ts`), so that a notifier for several platforms sends only where it did not arrive yet.
    delivered: str | None = None
    # Set by the worker on a retry after an attempt whose outcome is unknown (it died mid-send, a 500 or a
    # timeout after the post): when the row was committed. A platform that can look its posts up posts only
    # the parts that did not arrive (bot/slack/notify.py); others send the whole message again.
    unsure_since: datetime | None = None
    # The language the text is in ("nl", "en"), so that a platform labels its buttons to match.
    language: str | None = None
    # A document the adapter may fetch for `case_id` and attach (the console writes it to a file): "dossier".
    attachment: str | None = None


TargetKind = Literal["channel", "dm"]


class Outgoing(BaseModel):
    """A message that must go out later, through the outbox: to the safety channel or to one person."""

    model_config = ConfigDict(frozen=True)
    target_kind: TargetKind
    target: str
    message: Message
    kind: str
