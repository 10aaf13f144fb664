"""The overview (`overzicht`): the open cases a person may see, per phase, with days in phase, overdue
steps and the next evaluation; for the coordinator and the team also the deliveries that failed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows import render
from flows.access import can_see_failed_deliveries, can_view
from flows.content import Content
from flows.messages import Message
from flows.model import Case
from flows.protocol import CLOSED
from flows.questions import EVALUATION, next_question, required_open
from flows.school import Person, SchoolConfig


def overdue_steps(case: Case, content: Content, school: SchoolConfig, now: datetime) -> int:
    """Required steps still open after the nudge period, and an evaluation past its date."""
    late = 0
    if (now - case.phase_started_at).days >= school.nudge_days:
        late += len(required_open(case, content))
    if content.protocol.is_monitoring(case.state) and case.evaluation_due is not None and now > case.evaluation_due:
        late += 1
    return late


def overview_message(visible: list[Case], failed: list[Any], person: Person, school: SchoolConfig, content: Content,
                     now: datetime) -> tuple[Message, int]:
    """The message about the `visible` cases and the `failed` deliveries, and how many cases it shows (for
    the audit)."""
    cases = [c for c in visible if c.state != CLOSED and can_view(person, c, school)]
    if not cases and not failed:
        return Message(text=content.msg("overview_none")), 0
    lines = [content.msg("overview_header")]
    if cases:
        counts: dict[str, int] = {}
        for case in cases:
            counts[case.state] = counts.get(case.state, 0) + 1
        per_phase = ", ".join(f"{content.state_name(s)}: {n}" for s, n in
                              sorted(counts.items(), key=lambda item: list(content.protocol.states).index(item[0])))
        lines.append(content.msg("overview_phases", counts=per_phase))
    for case in cases:
        lines.append(_line(case, person, school, content, now))
    if can_see_failed_deliveries(person):
        lines.append(content.msg("overview_failed", count=len(failed)))
        lines += [content.msg("overview_failed_line", id=row.id, case=row.case_id or "–", kind=row.kind,
                              error=row.last_error or "–") for row in failed]
    return Message(text="\n".join(lines)), len(cases)


def _line(case: Case, person: Person, school: SchoolConfig, content: Content, now: datetime) -> str:
    numbered = next_question(case, content, now)
    if numbered is not None and numbered.question.id != EVALUATION.id:
        step = f"{numbered.number}. {content.texts.questions[numbered.question.id].label}"
    elif case.evaluation_due is not None:
        step = content.msg("deadline_evaluation", date=render.day(content, school, case.evaluation_due))
    else:
        step = content.msg("overview_finish", missing=render.missing(case, content) or "–")
    mine = "" if case.mentor_id == person.id else content.msg(
        "overview_mentor", mentor=getattr(school.person(case.mentor_id), "name", "–"))
    line = content.msg("overview_line", case=render.label(case), state=content.state_name(case.state),
                       next=step, mentor=mine)
    facts = content.msg("overview_facts", days=(now - case.phase_started_at).days,
                        overdue=overdue_steps(case, content, school, now),
                        evaluation=render.day(content, school, case.evaluation_due))
    return f"{line}\n{facts}"
