"""The ports: what the use cases need from storage and from the platforms, as typing Protocols."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flows.messages import Message
from flows.model import Case, Conversation, Event, OutboxMessage, Reminder


class ConcurrentUpdate(Exception):
    """Someone else changed the case between our read and our write; nothing was stored."""


class Cases(Protocol):
    def get(self, case_id: str) -> Case | None: ...
    def add(self, case: Case) -> None: ...
    def for_mentor(self, person_id: str) -> list[Case]: ...
    def open_cases(self) -> list[Case]: ...


class Events(Protocol):
    def add(self, event: Event) -> None: ...
    def for_case(self, case_id: str) -> list[Event]: ...


class Reminders(Protocol):
    def schedule(self, reminder: Reminder) -> None: ...
    def cancel_for_case(self, case_id: str) -> None: ...
    def due(self, now: datetime, limit: int) -> list[Reminder]: ...


class Outbox(Protocol):
    def add(self, message: OutboxMessage) -> None: ...
    def pending(self, now: datetime, limit: int) -> list[OutboxMessage]: ...


class Conversations(Protocol):
    def get(self, person_id: str) -> Conversation | None: ...
    def add(self, conversation: Conversation) -> None: ...


class Receipts(Protocol):
    def seen(self, key: str) -> bool: ...
    def add(self, key: str, at: datetime) -> None: ...


class UnitOfWork(Protocol):
    receipts: Receipts
    cases: Cases
    events: Events
    reminders: Reminders
    outbox: Outbox
    conversations: Conversations

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class Notifier(Protocol):
    """A platform's way to deliver a committed message; returns the platform's message id.

    A notifier may also have `delivered(target_kind, target, delivery_key) -> str | None`: the id of a
    message with that key that did arrive. The worker asks it before sending again after an attempt
    that ended in neither success nor a recorded failure (the worker died mid-send).
    """

    def send(self, target_kind: str, target: str, message: Message) -> str: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
