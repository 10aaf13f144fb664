"""Where each person is in their chat, over one connection: Core statements over plain Conversation objects."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import sqlalchemy as sa

from flows.model import Conversation
from storage.driver import run
from storage.plain import changes, from_row, remember
from storage.repositories import insert_of, update_of
from storage.tables import conversations

_CONVERSATION = ("active_case_id", "pending", "language", "updated_at")


@cache
def _conversation_select() -> sa.Select:
    c = conversations.c
    return sa.select(c.person_id, *(c[name] for name in _CONVERSATION)).where(c.person_id == sa.bindparam("pid"))


class ConversationRepository:
    """Core statements over plain Conversation objects. Within a unit of work one person's conversation is one
    object; `flush` (at commit) inserts the added ones and writes the changed columns of the others."""

    def __init__(self, db: sa.Connection) -> None:
        self.db = db
        self._seen: dict[str, Conversation] = {}
        self._added: list[Conversation] = []

    def _object(self, row: Mapping[str, Any]) -> Conversation:
        person_id = row["person_id"]
        if person_id not in self._seen:
            self._seen[person_id] = from_row(Conversation, row)
        return self._seen[person_id]

    def get(self, person_id: str) -> Conversation | None:
        if person_id in self._seen:
            return self._seen[person_id]
        row = run(self.db, _conversation_select(), {"pid": person_id}).first()
        return self._object(row) if row is not None else None

    def add(self, conversation: Conversation) -> None:
        self._seen[conversation.person_id] = conversation
        self._added.append(conversation)

    def all(self) -> list[Conversation]:
        c = conversations.c
        query = sa.select(c.person_id, *(c[name] for name in _CONVERSATION)).order_by(c.person_id)
        return [self._object(row) for row in self.db.execute(query).mappings()]

    def flush(self) -> None:
        """Insert the added conversations; write what changed in the others (nothing for an unchanged one)."""
        added, self._added = self._added, []
        if added:
            rows = [{"person_id": c.person_id, **{name: getattr(c, name) for name in _CONVERSATION}} for c in added]
            run(self.db, insert_of(conversations), rows)
            for conversation, row in zip(added, rows, strict=True):
                remember(conversation, row)
        for person_id, conversation in self._seen.items():
            changed = changes(conversation)
            if changed:
                statement = update_of(conversations, "person_id", tuple(sorted(changed)))
                run(self.db, statement, {"_key": person_id, **changed})
                remember(conversation, changed)
