"""The unit of work: one connection, one transaction, the repositories over it."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from flows.ports import ConcurrentUpdate
from storage.cases import CaseRepository
from storage.conversations import ConversationRepository
from storage.outbox import OutboxRepository
from storage.refs import ConversationRefRepository
from storage.repositories import (
    AppStateRepository,
    AuditRepository,
    EventRepository,
    PostRepository,
    ReceiptRepository,
    ReminderRepository,
)
from storage.students import StudentRepository

log = logging.getLogger(__name__)


class SqlAlchemyUnitOfWork:
    """Repositories of plain objects over one connection from the engine's pool. Reads and appends go to the
    database as they come; what flows/ changed in objects read here is written at `flush` (called by commit)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self.db = self.engine.connect()
        self._repositories()
        return self

    def _repositories(self) -> None:
        db = self.db
        self.cases = CaseRepository(db)
        self.events = EventRepository(db)
        self.reminders = ReminderRepository(db)
        self.outbox = OutboxRepository(db)
        self.posts = PostRepository(db)
        self.students = StudentRepository(db)
        self.conversations = ConversationRepository(db)
        self.refs = ConversationRefRepository(db)
        self.app_state = AppStateRepository(db)
        self.receipts = ReceiptRepository(db)
        self.audit = AuditRepository(db)

    def __exit__(self, *exc: object) -> None:
        # close() rolls back whatever was not committed; objects read stay readable (they are plain).
        self.db.close()

    def flush(self) -> None:
        """Write the changed objects, in the order the foreign keys need: conversations, cases, the rest."""
        self.conversations.flush()
        self.cases.flush()
        self.events.flush()
        self.reminders.flush()

    def commit(self) -> None:
        try:
            self.flush()
            self.db.commit()
        except ConcurrentUpdate:
            self.rollback()
            raise
        except IntegrityError as exc:
            # Two writers created the same row (an answer, a conversation): the later one loses.
            # The message names the constraint only; the statement's parameters may hold children's names.
            self.rollback()
            log.info("concurrent insert refused (%s)", type(exc.orig).__name__)
            raise ConcurrentUpdate("a row was created concurrently") from None

    def rollback(self) -> None:
        """Back to the database's state: the objects read so far are forgotten with the transaction."""
        self.db.rollback()
        self._repositories()
