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
from flows.model import AuditRecord, Case, Pending, Post

log = logging.getLogger(__name__)
BOT = "pestbot"
STUDENT_QUESTIONS = ("bullied", "bullies", "support_group")
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
        uow.commit()
    return report


def _delete_posts(uow: Any, notifier: Any, posts: list[Post]) -> int:
    """Ask the platform to delete each post; the ones it did are forgotten. How many."""
    gone = [p.id for p in posts if _delete_post(notifier, p.target_kind, p.target, p.tagged)]
    uow.posts.forget(gone)
    return len(gone)


def _delete_post(notifier: Any, target_kind: str, target: str, platform_id: str) -> bool:
    delete = getattr(notifier, "delete", None)
    if delete is None:
        return False
    try:
        return bool(delete(target_kind, target, platform_id))
    except Exception as exc:  # noqa: BLE001 - a platform refusing is reported, not fatal
        log.warning("deleting a post failed (%s)", type(exc).__name__)
        return False


# --- one student: erasure and access request -------------------------------------------------------------

def _patterns(name: str) -> list[re.Pattern[str]]:
    """The full name, and the first name on its own (free text often says just "Anna")."""
    words = name.split()
    names = [name] + ([words[0]] if len(words) > 1 and len(words[0]) > 2 else [])
    return [re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE) for n in names]


def _sub(value: Any, patterns: list[re.Pattern[str]], token: str) -> Any:
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(token, value)
        return value
    if isinstance(value, list):
        return [_sub(v, patterns, token) for v in value]
    if isinstance(value, dict):
        return {k: _sub(v, patterns, token) for k, v in value.items()}
    return value


def _students(case: Case) -> list[str]:
    return [n for q in STUDENT_QUESTIONS for n in (case.value(q) or []) if isinstance(n, str)]


def mentions(case: Case, events: list[Any], name: str) -> bool:
    patterns = _patterns(name)[:1]
    texts = [a.value for a in case.answers] + [[g.what, g.how_checked, g.if_broken] for g in case.agreements]
    texts += [e.data for e in events]
    return any(_sub(t, patterns, "\0") != t for t in texts)


def erase_student(app: Any, actor: str, name: str) -> dict[str, dict[str, int]] | None:
    """Remove a student's name from every case (answers, agreements, events, undelivered and delivered
    outbox rows, open drafts). Returns case id → where, in counts."""
    if not _allowed(app, actor) or not name.strip():
        _deny(app, actor, "erase")
        return None
    patterns, now, report = _patterns(name.strip()), app.clock.now(), {}
    with app.uow() as uow:
        token = app.content(None).msg("erased")
        for case in uow.cases.all():
            where = {"answers": 0, "agreements": 0, "events": 0, "outbox": 0}
            for answer in case.answers:
                new = _sub(answer.value, patterns, token)
                if new != answer.value:
                    answer.value, where["answers"] = new, where["answers"] + 1
            for agreement in case.agreements:
                parts = [_sub(p, patterns, token) for p in (agreement.what, agreement.how_checked, agreement.if_broken)]
                if parts != [agreement.what, agreement.how_checked, agreement.if_broken]:
                    agreement.what, agreement.how_checked, agreement.if_broken = parts
                    where["agreements"] += 1
            for event in uow.events.for_case(case.id):
                new = _sub(event.data, patterns, token)
                if new != event.data:
                    event.data, where["events"] = new, where["events"] + 1
            for row in uow.outbox.for_case(case.id):
                new = _sub(row.payload, patterns, token)
                if new != row.payload:
                    row.payload, where["outbox"] = new, where["outbox"] + 1
            if any(where.values()):
                case.updated_at = now
                report[case.id] = where
                uow.audit.add(AuditRecord(now, actor, "erase", case.id, dict(where)))
        for conversation in uow.conversations.all():
            held = conversation.pending.to_json() if conversation.pending else None
            new = _sub(held, patterns, token)
            if new != held:
                conversation.pending = Pending.from_json(new)
        uow.commit()
    return report


def inzage(app: Any, actor: str, name: str) -> Document | None:
    """What is stored about one student: every case that names them, other children redacted."""
    if not _allowed(app, actor) or not name.strip():
        _deny(app, actor, "inzage")
        return None
    name, now = name.strip(), app.clock.now()
    content = app.content(app.school.person(actor))
    own = {p.pattern.casefold() for p in _patterns(name)}
    sections: list[Section] = []
    with app.uow() as uow:
        for case in uow.cases.all():
            events = uow.events.for_case(case.id)
            if not mentions(case, events, name):
                continue
            others = [p for n in _students(case) if n.casefold() != name.casefold()
                      for p in _patterns(n) if p.pattern.casefold() not in own]
            doc = build(case, events, app.school, content, now, actor)
            for section in doc.sections:
                rows = [tuple(_sub(list(row), others, content.msg("redacted"))) for row in section.rows]
                sections.append(Section(f"{case.id} · {section.heading}", rows))
            uow.audit.add(AuditRecord(now, actor, "inzage", case.id, {}))
        uow.commit()
    if not sections:
        sections = [Section(content.msg("inzage_none"))]
    return Document(title=content.msg("inzage_title", name=name),
                    subtitle=content.msg("inzage_intro", date=now.astimezone(app.school.zone()).strftime("%d-%m-%Y")),
                    sections=sections, name="inzage")
