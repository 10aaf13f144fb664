"""Commands about who holds a case and what may leave it: deel, overdragen, dossier, overzicht, stats."""

from __future__ import annotations

from flows import render
from flows.access import MEMBER_MENTOR, MEMBER_SHARED, can_manage, can_see_stats, can_view
from flows.messages import Message, Outgoing
from flows.model import Case, CaseMember, Event, normalise_case_id
from flows.school import Person, Role
from flows.stats import parse_year, school_year_of, table_text
from flows.turn import Outcome, Turn, refuse


def _target(turn: Turn, argument: str) -> Person | None:
    return turn.school.person(argument.strip().lower()) if argument.strip() else None


def _inform(turn: Turn, outcome: Outcome, case: Case, person: Person, kind: str, text: str) -> None:
    outcome.effects.outgoing.append(Outgoing(target_kind="dm", target=person.id, kind=kind,
                                             message=Message(text=text, case_id=case.id)))
    outcome.effects.events.append(Event(case.id, turn.now, turn.person.id, "informed",
                                        {"kind": kind, "to": f"dm:{person.id}", "mentions": []}))


def share(turn: Turn, case: Case, argument: str) -> Outcome:
    """`deel <persoon-id>`: the mentor adds a co-mentor (a mentor) or someone who may look (anyone else)."""
    content = turn.content
    if not can_manage(turn.person, case):
        return refuse(turn, "share", case.id)
    person = _target(turn, argument)
    if person is None:
        return Outcome().say(content.msg("person_unknown", person=argument.strip() or "?"), case)
    if person.id == turn.person.id or person.id == case.mentor_id or case.member(person.id) is not None:
        return Outcome().say(content.msg("share_already", name=person.name), case)
    role = MEMBER_MENTOR if person.has(Role.MENTOR) else MEMBER_SHARED
    case.members.append(CaseMember(person.id, role, turn.person.id, turn.now))
    outcome = Outcome()
    outcome.event(case, turn, "shared", person=person.id, role=role)
    _inform(turn, outcome, case, person, "shared",
            content.msg("shared_with_you", case=render.label(case), by=turn.person.name))
    return outcome.say(content.msg(f"shared_{role}", name=person.name, case=case.id), case)


def hand_over(turn: Turn, case: Case, argument: str) -> Outcome:
    """`overdragen <persoon-id>`: another mentor becomes the case's mentor; the previous one steps out."""
    content = turn.content
    if not can_manage(turn.person, case):
        return refuse(turn, "handover", case.id)
    person = _target(turn, argument)
    if person is None:
        return Outcome().say(content.msg("person_unknown", person=argument.strip() or "?"), case)
    if not person.has(Role.MENTOR) or person.id == case.mentor_id:
        return Outcome().say(content.msg("handover_not_mentor", name=person.name), case)
    previous = case.mentor_id
    case.mentor_id = person.id
    case.members = [m for m in case.members if m.person_id != person.id]
    outcome = Outcome()
    outcome.event(case, turn, "handed_over", previous=previous, mentor=person.id)
    _inform(turn, outcome, case, person, "handed_over",
            content.msg("handed_to_you", case=render.label(case), by=turn.person.name))
    return outcome.say(content.msg("handed_over", name=person.name, case=case.id), case)


def dossier(turn: Turn, argument: str) -> Outcome:
    """`dossier [zaak]`: the case's whole history as a document; the adapter fetches and attaches it."""
    case = turn.load_case(normalise_case_id(argument)) if argument else turn.case
    if case is None and not argument:
        return Outcome().say(turn.content.msg("no_case"))
    if case is None or not can_view(turn.person, case, turn.school):
        return refuse(turn, "dossier", case.id if case else None)
    outcome = Outcome(replies=[Message(text=turn.content.msg("dossier_ready", case=case.id), case_id=case.id,
                                       attachment="dossier")])
    return outcome.record(turn, "dossier", case.id)


def overview(turn: Turn, _: str) -> Outcome:
    message, shown = turn.queries.overview(turn.person, turn.content, turn.now)
    return Outcome(replies=[message]).record(turn, "overview", None, cases=shown)


def stats(turn: Turn, argument: str) -> Outcome:
    """`stats [2026-2027]`: the anonymised figures of a school year, small numbers suppressed."""
    if not can_see_stats(turn.person):
        return Outcome().say(turn.content.msg("stats_not_allowed")).record(turn, "denied", None, what="stats")
    year = parse_year(argument) if argument else school_year_of(turn.now, turn.school)
    if year is None:
        return Outcome().say(turn.content.msg("stats_usage"))
    figures = turn.queries.figures(year)
    return Outcome().say(table_text(figures, turn.content)).record(turn, "stats", None, year=year)
