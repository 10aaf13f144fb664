"""Delivering to whichever platforms the school uses: each platform's notifier, behind one port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flows.messages import Message
from flows.model import REPLY
from flows.ports import Notifier, PartlyDelivered


class PlatformNotifier(Notifier, Protocol):
    """One platform's notifier (flows.ports.Notifier); `send` answers None when the target is not on it."""

    platform: str  # "slack", "teams": the prefix of its ids in the outbox


class NoRecipient(Exception):
    """No platform knows the target: a config problem, retried until someone fixes the config."""


class CompositeNotifier:
    """Every platform behind one flows.ports.Notifier: it can look a message up when every platform can, and
    delete when some platform can (each deletes its own posts)."""

    def __init__(self, notifiers: list[PlatformNotifier]) -> None:
        self.notifiers = notifiers
        self.can_look_up = bool(notifiers) and all(n.can_look_up for n in notifiers)
        self.can_delete = any(n.can_delete for n in notifiers)

    def send(self, target_kind: str, target: str, message: Message) -> str:
        """Deliver on every platform that knows the target; the ids as `slack:…,teams:…`. A platform where an
        earlier attempt arrived (`message.delivered`) is not sent to again; when one platform fails and
        another took the message, PartlyDelivered says which did, so that a retry posts only the rest."""
        earlier = dict(tagged.partition(":")[::2] for tagged in (message.delivered or "").split(",") if tagged)
        ids: list[str] = []
        failure: Exception | None = None
        for notifier in self.notifiers:
            if earlier.get(notifier.platform):
                ids.append(f"{notifier.platform}:{earlier[notifier.platform]}")
                continue
            try:
                found = notifier.send(target_kind, target, message)
            except Exception as exc:  # noqa: BLE001 - one platform's failure must not re-post the others
                failure = failure or exc
                continue
            if found:
                ids.append(f"{notifier.platform}:{found}")
        if failure is not None:
            raise PartlyDelivered(",".join(ids), failure) if ids else failure
        if not ids:
            raise NoRecipient(f"{target_kind}:{target}")
        return ",".join(ids)

    def reply(self, target: str, replies: list[Message]) -> str:
        """A turn's replies go back on the platform they came from: the one that made the address."""
        notifier = self._owner(target)
        posted = notifier.reply(target, replies) if notifier is not None else None
        if not posted:
            raise NoRecipient(f"reply:{target.partition(':')[0]}")
        return f"{notifier.platform}:{posted}"  # type: ignore[union-attr]

    def _owner(self, target: str) -> PlatformNotifier | None:
        platform = target.partition(":")[0]
        return next((n for n in self.notifiers if n.platform == platform), None)

    def delivered(self, target_kind: str, target: str, key: str, since: datetime | None = None) -> str | None:
        """Did a message with this delivery key arrive? Asked after a send that ended ambiguously.

        Only when every platform that takes this target can tell, and each says yes, is the answer yes;
        otherwise the message is sent again (at least once beats not at all).
        """
        if target_kind == REPLY:  # only the platform the turn came from can tell
            owner = self._owner(target)
            if owner is None or not owner.can_look_up:
                return None
            found_id = owner.delivered(target_kind, target, key, since=since)
            return f"{owner.platform}:{found_id}" if found_id else None
        if not self.can_look_up:
            return None  # a platform that cannot tell: the send itself skips what is known to have arrived
        found = [(n.platform, n.delivered(target_kind, target, key, since=since)) for n in self.notifiers]
        ids = [f"{platform}:{i}" for platform, i in found if i]
        return ",".join(ids) if ids and len(ids) == len(found) else None

    def delete(self, target_kind: str, target: str, platform_message_id: str) -> bool:
        """Retention: each platform deletes its own post of this message, where it can; True when all did."""
        by_platform = {n.platform: n for n in self.notifiers}
        results = []
        for tagged in filter(None, platform_message_id.split(",")):
            platform, _, message_id = tagged.partition(":")
            owner = by_platform.get(platform)
            can = owner is not None and owner.can_delete and bool(message_id)
            results.append(bool(owner.delete(target_kind, target, message_id)) if can else False)  # type: ignore[union-attr]
        return bool(results) and all(results)
