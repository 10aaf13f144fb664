"""The unit of work: one session, one transaction, the repositories over it."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from flows.ports import ConcurrentUpdate
from storage.repositories import (
    AppStateRepository,
    CaseRepository,
    ConversationRepository,
    EventRepository,
    OutboxRepository,
    ReminderRepository,
)


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self.session = self.session_factory()
        self.cases = CaseRepository(self.session)
        self.events = EventRepository(self.session)
        self.reminders = ReminderRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.app_state = AppStateRepository(self.session)
        return self

    def __exit__(self, *exc: object) -> None:
        # close() rolls back whatever was not committed, and leaves loaded objects readable (detached).
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as exc:
            self.session.rollback()
            raise ConcurrentUpdate(str(exc)) from None

    def rollback(self) -> None:
        self.session.rollback()
