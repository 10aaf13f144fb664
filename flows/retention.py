"""Forgetting what the school may no longer keep (AVG): the retention purge, a student's erasure on request,
and the access request (inzage) with the other children redacted. Every step is on record; reports hold
case ids and counts, never a name."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flows.access import can_administer
from flows.dossier import Document, Section, build
from flows.model import AuditRecord, Case, Pending, Post, Student
from flows.students import count, first_name, links, named_in, normalise, substitute, word

log = logging.getLogger(__name__)
BOT = "pestbot"
RECEIPT_AGE = timedelta(days=7)


@dataclass
class PurgedCase:
    case_id: str
    closed_at: datetime
    counts: dict[str, int]
    posts_deleted: int = 0
    posts_kept: int = 0


@dataclass
class PurgeReport:
    cutoff: datetime
    dry_run: bool
    cases: list[PurgedCase] = field(default_factory=list)
    receipts: int = 0  # delivery receipts older than RECEIPT_AGE, deleted
    students: int = 0  # student records no case names any more, deleted
    posts_deleted: int = 0  # posts of cases purged before, which a platform could not delete then
    posts_kept: int = 0


def months_before(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, 28)  # safe in every month; a few days' margin is on the side of keeping
    return moment.replace(year=year, month=month + 1, day=day)


def _allowed(app: Any, actor: str) -> bool:
    person = app.school.person(actor)
    return actor == BOT or (person is not None and can_administer(person))


def _deny(app: Any, actor: str, what: str) -> None:
    with app.uow() as uow:
        uow.audit.add(AuditRecord(app.clock.now(), actor, "denied", None, {"what": what}))
        uow.commit()


def purge_expired(app: Any, actor: str = BOT, notifier: Any = None, dry_run: bool = False) -> PurgeReport | None:
    """Delete closed cases older than the school's retention period after closing, with their answers,
    agreements, events, reminders and outbox, and ask the platform to delete every post the bot made about
    them. A post the platform cannot delete now keeps its id (and nothing else) for the next purge, which
    tries again; so does one left by an earlier purge."""
    if not _allowed(app, actor):
        _deny(app, actor, "purge")
        return None
    now = app.clock.now()
    report = PurgeReport(months_before(now, app.school.retention_months), dry_run)
    with app.uow() as uow:
        left = uow.posts.orphans()  # before this run's cases go: their kept posts wait for the next run
        for case in uow.cases.closed_before(report.cutoff):
            posts = uow.posts.for_case(case.id)
            item = PurgedCase(case.id, case.phase_started_at, {})
            if dry_run:
                item.counts = {"answers": len(case.answers), "agreements": len(case.agreements),
                               "events": len(uow.events.for_case(case.id)), "outbox": len(uow.outbox.for_case(case.id))}
                item.posts_kept = len(posts)
            else:
                gone = _delete_posts(uow, notifier, posts)
                item.posts_deleted, item.posts_kept = gone, len(posts) - gone
                item.counts = uow.cases.delete(case)
            uow.audit.add(AuditRecord(now, actor, "purge_planned" if dry_run else "purge", case.id,
                                      {**item.counts, "posts_deleted": item.posts_deleted,
                                       "posts_kept": item.posts_kept}))
            report.cases.append(item)
        if not dry_run:  # a platform redelivers within minutes; older receipts only say who did something when
            report.posts_deleted = _delete_posts(uow, notifier, left)
            report.posts_kept = len(left) - report.posts_deleted
            report.receipts = uow.receipts.forget_before(now - RECEIPT_AGE)
            report.students = uow.students.forget_unlinked()  # a child no remaining case names
        uow.commit()
    return report


def _delete_posts(uow: Any, notifier: Any, posts: list[Post]) -> int:
    """Ask the platform to delete each post; the ones it did are forgotten. How many."""
    gone = [p.id for p in posts if _delete_post(notifier, p.target_kind, p.target, p.tagged)]
    uow.posts.forget(gone)
    return len(gone)


def _delete_post(notifier: Any, target_kind: str, target: str, platform_id: str) -> bool:
    if notifier is None or not notifier.can_delete:  # no platform set up (the console), or one that cannot
        return False
    try:
        return bool(notifier.delete(target_kind, target, platform_id))
    except Exception as exc:  # noqa: BLE001 - a platform refusing is reported, not fatal
        log.warning("deleting a post failed (%s)", type(exc).__name__)
        return False


# --- one student: erasure and access request -------------------------------------------------------------

@dataclass
class Erasure:
    """What an erasure did: case id → where (counts), and the mentions it could not decide on: (case id, the
    first name, how often) where another child of that case has the same first name."""

    found: bool
    cases: dict[str, dict[str, int]] = field(default_factory=dict)
    undecided: list[tuple[str, str, int]] = field(default_factory=list)


def _link_all(app: Any, uow: Any) -> None:
    """Cases from before the student ledger get their links (needs the school's key, so not a migration)."""
    linked = uow.students.linked_cases()
    for case in uow.cases.all():
        if case.id not in linked and named_in(case):
            uow.students.link(case.id, links(case, app.fingerprint), case.class_name, app.clock.now())


def _student(app: Any, uow: Any, name: str) -> Student | None:
    _link_all(app, uow)
    return uow.students.find(app.fingerprint(normalise(name)))


def _texts(case: Case, events: list[Any], outbox: list[Any]) -> list[Any]:
    return ([a.value for a in case.answers] + [[g.what, g.how_checked, g.if_broken] for g in case.agreements]
            + [e.data for e in events] + [o.payload for o in outbox])


def _own_patterns(student: Student, others: list[Student]) -> tuple[list[re.Pattern[str]], str | None]:
    """The student's full name, and their first name when no other child of the case shares it; else the
    first name that stays undecided."""
    first = first_name(student.name)
    shared = first is not None and any(first_name(o.name) and first_name(o.name).casefold() == first.casefold()
                                       for o in others)
    patterns = [word(student.name)] + ([word(first)] if first and not shared else [])
    return patterns, first if shared else None


def erase_student(app: Any, actor: str, name: str) -> Erasure | None:
    """Remove one student's name from the cases that name them (answers, agreements, events, outbox rows,
    open drafts), and their record. Only those cases: another child with the same first name elsewhere is
    left alone; within a case, a first name another child shares is reported, not guessed."""
    if not _allowed(app, actor) or not name.strip():
        _deny(app, actor, "erase")
        return None
    now = app.clock.now()
    token = app.content(None).msg("erased")
    with app.uow() as uow:
        student = _student(app, uow, name)
        if student is None:
            uow.commit()  # the links made for older cases are worth keeping
            return Erasure(found=False)
        report = Erasure(found=True)
        case_ids = uow.students.case_ids(student.id)
        for case_id in case_ids:
            case = uow.cases.get(case_id)
            others = [s for s in uow.students.of_case(case_id) if s.id != student.id]
            patterns, undecided = _own_patterns(student, others)
            where = _erase_in(uow, case, patterns, token)
            if undecided:
                left = sum(count(t, word(undecided)) for t in _texts(case, uow.events.for_case(case_id),
                                                                      uow.outbox.for_case(case_id)))
                if left:
                    report.undecided.append((case_id, undecided, left))
            case.updated_at = now
            report.cases[case_id] = where
            uow.audit.add(AuditRecord(now, actor, "erase", case_id, dict(where)))
        for case in uow.cases.all():  # named elsewhere by full name only (a witness in a description)
            if case.id not in case_ids:
                where = _erase_in(uow, case, [word(student.name)], token)
                if any(where.values()):
                    case.updated_at = now
                    report.cases[case.id] = where
                    uow.audit.add(AuditRecord(now, actor, "erase", case.id, dict(where)))
        for conversation in uow.conversations.all():
            pending = conversation.pending
            if pending is not None:
                held = pending.to_json()
                patterns = [word(student.name)]  # a draft of another case: the full name only
                if pending.case_id in case_ids:
                    patterns, _ = _own_patterns(student, [s for s in uow.students.of_case(pending.case_id)
                                                          if s.id != student.id])
                new = substitute(held, patterns, token)
                if new != held:
                    conversation.pending = Pending.from_json(new)
        uow.students.forget(student.id)
        uow.commit()
    return report


def _erase_in(uow: Any, case: Case, patterns: list[re.Pattern[str]], token: str) -> dict[str, int]:
    where = {"answers": 0, "agreements": 0, "events": 0, "outbox": 0}
    for answer in case.answers:
        new = substitute(answer.value, patterns, token)
        if new != answer.value:
            answer.value, where["answers"] = new, where["answers"] + 1
    for agreement in case.agreements:
        parts = [substitute(p, patterns, token) for p in (agreement.what, agreement.how_checked, agreement.if_broken)]
        if parts != [agreement.what, agreement.how_checked, agreement.if_broken]:
            agreement.what, agreement.how_checked, agreement.if_broken = parts
            where["agreements"] += 1
    for event in uow.events.for_case(case.id):
        new = substitute(event.data, patterns, token)
        if new != event.data:
            event.data, where["events"] = new, where["events"] + 1
    changed = []
    for row in uow.outbox.for_case(case.id):
        new = substitute(row.payload, patterns, token)
        if new != row.payload:
            row.payload, where["outbox"] = new, where["outbox"] + 1
            changed.append(row)
    uow.outbox.save(changed)
    return where


def _redactions(student: Student, known: list[Student]) -> list[re.Pattern[str]]:
    """Every other child the school's cases name, by full name and by first name, longest first. A first name
    the student shares with another child is redacted too: hiding a mention of the student is the safe side."""
    own = normalise(student.name)
    others = [o.name for o in known if normalise(o.name) != own]
    names = set(others) | {f for n in others if (f := first_name(n))}
    return [word(n) for n in sorted(names, key=len, reverse=True) if normalise(n) != own]


def inzage(app: Any, actor: str, name: str) -> Document | None:
    """What is stored about one student: every case linked to them, with every other child the school's
    cases name (in the lists and in free text) redacted."""
    if not _allowed(app, actor) or not name.strip():
        _deny(app, actor, "inzage")
        return None
    name, now = name.strip(), app.clock.now()
    content = app.content(app.school.person(actor))
    sections: list[Section] = []
    with app.uow() as uow:
        student = _student(app, uow, name)
        if student is not None:
            others = _redactions(student, uow.students.all())
            for case_id in uow.students.case_ids(student.id):
                case = uow.cases.get(case_id)
                doc = build(case, uow.events.for_case(case_id), app.school, content, now, actor)
                for section in doc.sections:
                    rows = [tuple(substitute(list(row), others, content.msg("redacted"))) for row in section.rows]
                    sections.append(Section(f"{case_id} · {section.heading}", rows))
                uow.audit.add(AuditRecord(now, actor, "inzage", case_id, {}))
        uow.commit()
    if not sections:
        sections = [Section(content.msg("inzage_none"))]
    made = now.astimezone(app.school.zone()).strftime("%d-%m-%Y")
    title = content.msg("inzage_title", name=name)
    return Document(title=title, subtitle=content.msg("inzage_intro", date=made), sections=sections, name="inzage",
                    language=content.language, marking=content.msg("dossier_confidential"),
                    running=f"{title} · {made}", contents=content.msg("dossier_contents"),
                    page_label=content.msg("dossier_page", page="{page}", pages="{pages}"))
