"""Who may see and who may act on a case. Issue 6 widens this into the full access matrix."""

from __future__ import annotations

from flows.model import Case
from flows.school import Person, Role, SchoolConfig


def can_view(person: Person, case: Case, school: SchoolConfig) -> bool:
    if case.mentor_id == person.id:
        return True
    if person.has(Role.ANTI_BULLYING_COORDINATOR) or person.has(Role.SAFETY_TEAM):
        return True
    leader = school.school_leader_of(case.department)
    if leader is not None and leader.id == person.id:
        return True
    return person.has(Role.CARE_COORDINATOR) and case.value("guidance") in ("internal", "external")


def can_act(person: Person, case: Case) -> bool:
    """Answer questions and move the case: its mentor, and the coordinator who monitors every case."""
    return case.mentor_id == person.id or person.has(Role.ANTI_BULLYING_COORDINATOR)


def can_open_cases(person: Person) -> bool:
    return person.has(Role.MENTOR) or person.has(Role.ANTI_BULLYING_COORDINATOR)
