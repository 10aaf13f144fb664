"""The unit of work: one session, one transaction, the repositories over it."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from flows.ports import ConcurrentUpdate
from storage.conversations import ConversationRepository
from storage.outbox import OutboxRepository
from storage.refs import ConversationRefRepository
from storage.repositories import (
    AppStateRepository,
    AuditRepository,
    CaseRepository,
    EventRepository,
    PostRepository,
    ReceiptRepository,
    ReminderRepository,
)
from storage.students import StudentRepository

log = logging.getLogger(__name__)


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self.session = self.session_factory()
        self.cases = CaseRepository(self.session)
        self.events = EventRepository(self.session)
        self.reminders = ReminderRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.posts = PostRepository(self.session)
        self.students = StudentRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.refs = ConversationRefRepository(self.session)
        self.app_state = AppStateRepository(self.session)
        self.receipts = ReceiptRepository(self.session)
        self.audit = AuditRepository(self.session)
        return self

    def __exit__(self, *exc: object) -> None:
        # close() rolls back whatever was not committed, and leaves loaded objects readable (detached).
        self.session.close()

    def commit(self) -> None:
        try:
            self.conversations.flush()  # plain objects (Core statements): written before the ORM's flush
            self.session.commit()
        except StaleDataError:
            self.session.rollback()
            raise ConcurrentUpdate("the case changed since it was read") from None
        except IntegrityError as exc:
            # Two writers created the same row (an answer, a conversation): the later one loses.
            # The message names the constraint only; the statement's parameters may hold children's names.
            self.session.rollback()
            log.info("concurrent insert refused (%s)", type(exc.orig).__name__)
            raise ConcurrentUpdate("a row was created concurrently") from None

    def rollback(self) -> None:
        self.session.rollback()
