"""Conversation references for proactive messages, in our own columns (`storage.tables.conversation_refs`).

No SDK object is stored: a reference is the service URL, the conversation, the tenant, the bot and the user,
so a move to another SDK keeps every reference. Keys: "user:<Teams user id>" for a personal chat,
"channel:<conversation id>" for a team channel or a group chat.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from flows.ports import Clock
from storage.tables import conversation_refs as table

PLATFORM = "teams"


@dataclass(frozen=True)
class Ref:
    key: str
    service_url: str
    conversation_id: str
    channel_id: str = "msteams"
    tenant_id: str | None = None
    bot_id: str | None = None
    user_id: str | None = None
    person_id: str | None = None


def user_key(user_id: str) -> str:
    return f"user:{user_id}"


def channel_key(conversation_id: str) -> str:
    # A reply in a channel thread carries ";messageid=…"; the channel is what comes before it.
    return f"channel:{conversation_id.split(';', 1)[0]}"


class RefStore:
    RECHECK = 300.0  # seconds a reference this process stored or read is trusted without reading it again

    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock
        self._known: dict[str, tuple[Ref, float]] = {}  # key → (the reference as stored, when seen)

    def known(self, ref: Ref) -> bool:
        """This very reference was stored or read here within RECHECK seconds: `save` would change nothing.
        Every message of a chat carries its reference; this spares each one a read (issue 7)."""
        seen = self._known.get(ref.key)
        return seen is not None and seen[0] == ref and time.monotonic() - seen[1] < self.RECHECK

    def save(self, ref: Ref) -> bool:
        """Insert or update; True when something changed. Unchanged references cost one read."""
        changed = self._save(ref)
        self._known[ref.key] = (ref, time.monotonic())
        return changed

    def _save(self, ref: Ref) -> bool:
        values = asdict(ref)
        key = values.pop("key")
        for _ in range(2):  # a concurrent insert of the same key: the second try updates it
            with self.engine.begin() as connection:
                row = connection.execute(sa.select(table).where(
                    table.c.platform == PLATFORM, table.c.key == key)).mappings().first()
                if row is not None and all(row[name] == value for name, value in values.items()):
                    return False
                values["updated_at"] = self.clock.now()
                try:
                    if row is None:
                        connection.execute(table.insert().values(platform=PLATFORM, key=key, **values))
                    else:
                        connection.execute(table.update().where(table.c.id == row["id"]).values(**values))
                    return True
                except IntegrityError:
                    continue
        return False

    def get(self, key: str) -> Ref | None:
        return self._one(lambda: sa.select(table).where(table.c.platform == PLATFORM, table.c.key == key))

    def for_person(self, person_id: str) -> Ref | None:
        """The newest personal chat of a school person."""
        return self._one(lambda: sa.select(table).where(
            table.c.platform == PLATFORM, table.c.person_id == person_id, table.c.key.startswith("user:"))
            .order_by(table.c.updated_at.desc(), table.c.id.desc()).limit(1))

    def _one(self, query: Callable[[], Any]) -> Ref | None:
        with self.engine.connect() as connection:
            row = connection.execute(query()).mappings().first()
        if row is None:
            return None
        return Ref(**{name: row[name] for name in Ref.__dataclass_fields__})
