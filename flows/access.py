"""Who may see and who may act on a case: the access matrix of issue 6, in one place.

| who | sees | acts (answers, moves the case) |
| --- | --- | --- |
| the case's mentor | the case | yes |
| a co-mentor (`deel` with a mentor, member role 'mentor') | the case | yes |
| someone the case is shared with (member role 'shared') | the case | no |
| the anti-bullying coordinator | every case | yes (monitors every case) |
| the social-safety team | every case | no |
| a school leader | the cases of their department | no |
| the care coordinator | cases with a guidance request (internal/external) | no |
| anyone else | nothing: "geen toegang", also for a guessed id | no |

The state of a case plays no part: closing a case opens it to nobody. Sharing and handing over are the
mentor's (or the coordinator's) and never to oneself, so nobody can widen their own access.
"""

from __future__ import annotations

from flows.model import Case
from flows.school import Person, Role, SchoolConfig

MEMBER_MENTOR = "mentor"
MEMBER_SHARED = "shared"


def can_view(person: Person, case: Case, school: SchoolConfig) -> bool:
    if case.mentor_id == person.id or case.member(person.id) is not None:
        return True
    if person.has(Role.ANTI_BULLYING_COORDINATOR) or person.has(Role.SAFETY_TEAM):
        return True
    leader = school.school_leader_of(case.department)
    if leader is not None and leader.id == person.id:
        return True
    return person.has(Role.CARE_COORDINATOR) and case.value("guidance") in ("internal", "external")


def can_act(person: Person, case: Case) -> bool:
    """Answer questions and move the case: its mentor(s), and the coordinator who monitors every case."""
    if case.mentor_id == person.id or person.has(Role.ANTI_BULLYING_COORDINATOR):
        return True
    member = case.member(person.id)
    return member is not None and member.role == MEMBER_MENTOR


def can_manage(person: Person, case: Case) -> bool:
    """Share a case or hand it over: its (responsible) mentor, or the coordinator."""
    return case.mentor_id == person.id or person.has(Role.ANTI_BULLYING_COORDINATOR)


def can_open_cases(person: Person) -> bool:
    return person.has(Role.MENTOR) or person.has(Role.ANTI_BULLYING_COORDINATOR)


def sees_every_case(person: Person) -> bool:
    return person.has(Role.ANTI_BULLYING_COORDINATOR) or person.has(Role.SAFETY_TEAM)


def can_see_stats(person: Person) -> bool:
    """Anonymised figures: the coordinator and the social-safety team (school leaders are part of it)."""
    return sees_every_case(person) or person.has(Role.SCHOOL_LEADER)


def can_see_failed_deliveries(person: Person) -> bool:
    return sees_every_case(person)


def can_administer(person: Person) -> bool:
    """Retention, erasure and access requests (AVG): the coordinator, who owns the protocol."""
    return person.has(Role.ANTI_BULLYING_COORDINATOR)
