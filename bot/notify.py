"""Delivering to whichever platforms the school uses: each platform's notifier, behind one port."""

from __future__ import annotations

from typing import Protocol

from flows.messages import Message


class PlatformNotifier(Protocol):
    def send(self, target_kind: str, target: str, message: Message) -> str | None:
        """Deliver; the platform's message id, or None when the target is not on this platform."""


class NoRecipient(Exception):
    """No platform knows the target: a config problem, retried until someone fixes the config."""


class CompositeNotifier:
    def __init__(self, notifiers: list[PlatformNotifier]) -> None:
        self.notifiers = notifiers

    def send(self, target_kind: str, target: str, message: Message) -> str:
        ids = [i for i in (n.send(target_kind, target, message) for n in self.notifiers) if i]
        if not ids:
            raise NoRecipient(f"{target_kind}:{target}")
        return ",".join(ids)
