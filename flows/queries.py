"""What a command may ask beyond its own case, answered from a unit of work: the cases a person may see,
the overview (`overzicht`) and a school year's figures (`stats`)."""

from __future__ import annotations

from datetime import datetime

from flows.access import can_see_failed_deliveries, can_view, sees_every_case
from flows.content import Content
from flows.messages import Message
from flows.model import Case
from flows.overview import overview_message
from flows.ports import UnitOfWork
from flows.school import Person, Role, SchoolConfig
from flows.stats import Figures, compute


def visible_cases(uow: UnitOfWork, person: Person, school: SchoolConfig) -> list[Case]:
    """The person's own and shared cases (any state), and the open cases their role lets them see."""
    own = uow.cases.for_mentor(person.id) + uow.cases.for_member(person.id)
    seen = {c.id for c in own}
    if sees_every_case(person) or person.has(Role.SCHOOL_LEADER) or person.has(Role.CARE_COORDINATOR):
        own += [c for c in uow.cases.open_cases() if c.id not in seen and can_view(person, c, school)]
    return own


class UnitQueries:
    """flows.turn.Queries over the turn's own unit of work (one transaction, one snapshot)."""

    def __init__(self, uow: UnitOfWork, school: SchoolConfig, counted: tuple[str, ...]) -> None:
        self._uow, self._school, self._counted = uow, school, counted

    def overview(self, person: Person, content: Content, now: datetime) -> tuple[Message, int]:
        failed = self._uow.outbox.failed() if can_see_failed_deliveries(person) else []
        return overview_message(visible_cases(self._uow, person, self._school), failed, person, self._school,
                                content, now)

    def figures(self, year: str) -> Figures:
        return compute(self._uow, self._school, year, self._counted)
