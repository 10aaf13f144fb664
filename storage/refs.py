"""Conversation references (flows.model.ConversationRef) over one connection: fixed SQL on the unit of work's
connection, an insert that never fails on a concurrent one (ON CONFLICT DO NOTHING, then an update)."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime

import sqlalchemy as sa

from flows.model import ConversationRef
from storage.repositories import insert_ignoring
from storage.tables import conversation_refs as table

COLUMNS = [f.name for f in fields(ConversationRef)]


class ConversationRefRepository:
    def __init__(self, db: sa.Connection) -> None:
        self.db = db

    def get(self, platform: str, key: str) -> ConversationRef | None:
        return self._one(sa.select(table).where(table.c.platform == platform, table.c.key == key))

    def for_person(self, platform: str, person_id: str) -> ConversationRef | None:
        return self._one(sa.select(table).where(table.c.platform == platform, table.c.person_id == person_id,
                                                table.c.key.startswith("user:"))
                         .order_by(table.c.updated_at.desc(), table.c.id.desc()).limit(1))

    def save(self, ref: ConversationRef, now: datetime) -> bool:
        connection = self.db
        if self.get(ref.platform, ref.key) == ref:
            return False
        values = {**asdict(ref), "updated_at": now}
        statement = insert_ignoring(table, connection.dialect.name).values(**values).returning(table.c.id)
        if connection.execute(statement).first() is None:  # it was there (or another process just put it there)
            connection.execute(table.update().where(table.c.platform == ref.platform, table.c.key == ref.key)
                               .values(**values))
        return True

    def _one(self, query: sa.Select) -> ConversationRef | None:
        row = self.db.execute(query).mappings().first()
        return None if row is None else ConversationRef(**{name: row[name] for name in COLUMNS})
