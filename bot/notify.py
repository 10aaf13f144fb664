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

    def delivered(self, target_kind: str, target: str, key: str) -> str | None:
        """Did a message with this delivery key arrive? Asked after a send that ended ambiguously.

        Only when every platform that takes this target can tell, and each says yes, is the answer yes;
        otherwise the message is sent again (at least once beats not at all).
        """
        found = []
        for notifier in self.notifiers:
            ask = getattr(notifier, "delivered", None)
            if ask is None:
                return None
            found.append(ask(target_kind, target, key))
        ids = [f for f in found if f]
        return ",".join(ids) if ids and len(ids) == len(found) else None

    def delete(self, target_kind: str, target: str, platform_message_id: str) -> bool:
        """Retention: ask every platform that can delete the bot's post to do so; True when one did."""
        done = False
        for notifier in self.notifiers:
            delete = getattr(notifier, "delete", None)
            if delete is not None:
                done = bool(delete(target_kind, target, platform_message_id)) or done
        return done
