"""Teams conversation references for proactive messages: flows.model.ConversationRef, stored through the unit
of work (storage/refs.py, behind flows.ports.ConversationRefs). Keys: "user:<Teams user id>" for a personal
chat, "channel:<conversation id>" for a team channel or a group chat. This process remembers the references it
stored or read for a while, so that each message of a chat does not cost a read."""

from __future__ import annotations

import time
from typing import Any

from flows.model import ConversationRef
from flows.services import App

PLATFORM = "teams"
Ref = ConversationRef


def teams_ref(**fields: Any) -> ConversationRef:
    return ConversationRef(platform=PLATFORM, **fields)


def user_key(user_id: str) -> str:
    return f"user:{user_id}"


def channel_key(conversation_id: str) -> str:
    # A reply in a channel thread carries ";messageid=…"; the channel is what comes before it.
    return f"channel:{conversation_id.split(';', 1)[0]}"


class RefStore:
    RECHECK = 300.0  # seconds a reference this process stored or read is trusted without reading it again

    def __init__(self, app: App) -> None:
        self.app = app
        self._known: dict[str, tuple[ConversationRef, float]] = {}  # key → (the reference as stored, when seen)

    def known(self, ref: ConversationRef) -> bool:
        """This very reference was stored or read here within RECHECK seconds: `save` would change nothing.
        Every message of a chat carries its reference; this spares each one a read (issue 7)."""
        seen = self._known.get(ref.key)
        return seen is not None and seen[0] == ref and time.monotonic() - seen[1] < self.RECHECK

    def save(self, ref: ConversationRef) -> bool:
        """Insert or update; True when something changed. Unchanged references cost one read."""
        with self.app.uow() as uow:
            changed = uow.refs.save(ref, self.app.clock.now())
            if changed:
                uow.commit()
        self._known[ref.key] = (ref, time.monotonic())
        return changed

    def get(self, key: str) -> ConversationRef | None:
        with self.app.uow() as uow:
            return uow.refs.get(PLATFORM, key)

    def for_person(self, person_id: str) -> ConversationRef | None:
        """The newest personal chat of a school person."""
        with self.app.uow() as uow:
            return uow.refs.for_person(PLATFORM, person_id)
