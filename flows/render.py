"""The bot's words for a case: question prompts, status, who-to-inform, advice, tips, summaries.

Everything comes from the content file of the reader's language and the school config.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date

from flows.answers import initials, options_for
from flows.conditions import holds
from flows.content import Content
from flows.messages import Choice, Message
from flows.model import Case
from flows.protocol import MONITORING_STATES, CaseState
from flows.questions import Numbered, is_done, next_question, required_open, visible
from flows.school import Role, SchoolConfig


def day(content: Content, school: SchoolConfig, moment: datetime | None) -> str:
    if moment is None:
        return "–"
    return format_date(moment.astimezone(school.zone()).date(), format="full", locale=content.language)


def departments(school: SchoolConfig) -> list[tuple[str, str]]:
    return [(d.id, d.name) for d in school.departments]


def names(school: SchoolConfig, people: list) -> str:
    return ", ".join(p.name for p in people if p is not None) or "–"


def students(case: Case, question_id: str, full: bool) -> str:
    value = case.value(question_id) or []
    return ", ".join(value if full else [initials(n) for n in value]) or "–"


def label(case: Case) -> str:
    """How a case is named where few may read: id, class and initials, never a full name."""
    return f"{case.id} · {case.class_name or '?'} · {students(case, 'bullied', full=False)}"


def question(case: Case, content: Content, school: SchoolConfig, numbered: Numbered, now: datetime,
             part: str | None = None) -> Message:
    q = numbered.question
    if q.kind == "agreement":
        prompt = content.msg(f"agreement_{part or 'what'}")
        if part in (None, "what"):
            prompt = f"{content.texts.questions[q.id].prompt}\n{prompt}"
        return Message(text=prompt, case_id=case.id, question_id=q.id)
    if q.id == "evaluation":
        key = "evaluation_question_f3" if case.state is CaseState.MONITORING3 else "evaluation_question"
        text = content.msg(key, case=case.id, weeks=school.evaluation_weeks)
    else:
        words = content.texts.questions[q.id]
        text = f"{numbered.number}. {words.prompt}"
        if words.hint:
            text += f"\n({words.hint})"
        answer = case.answer(q.id)
        if q.kind == "task" and answer is not None and answer.value == "no":
            text = f"{content.msg('asked_before')}\n{text}"
    if q.draft:
        text += "\n\n" + draft(case, content, school, q.draft, now)
    choices = tuple(Choice(label=lbl, value=str(i)) for i, (_, lbl) in
                    enumerate(options_for(q, content, departments(school)), 1))
    return Message(text=text, choices=choices, case_id=case.id, question_id=q.id)


def draft(case: Case, content: Content, school: SchoolConfig, kind: str, now: datetime) -> str:
    mentor = school.person(case.mentor_id)
    facts = {
        "case": case.id, "class_name": case.class_name or "?", "date": day(content, school, case.created_at),
        "bullied": students(case, "bullied", full=True), "bullies": students(case, "bullies", full=True),
        "what": case.value("what_happened") or "–", "mentor": mentor.name if mentor else "–",
        "agreements": "; ".join(a.what for a in case.agreements) or "–",
    }
    if kind == "magister":
        return content.msg("magister_draft", text=content.msg("magister_note_text", **facts),
                           path=school.magister.incident_path, roles=", ".join(school.magister.roles))
    return content.msg("teachers_draft", text=content.msg("teachers_note_text", **facts),
                       roles=", ".join(school.magister.roles))


def status(case: Case, content: Content, school: SchoolConfig, now: datetime) -> Message:
    done, open_ = [], []
    optional = content.msg("status_optional")
    for n in visible(case, content):
        words = content.texts.questions[n.question.id].label
        if is_done(case, n.question):
            done.append(f"{n.number}. {words}")
        else:
            open_.append(f"{n.number}. {words}" + ("" if n.question.required else f" {optional}"))
    for agreement in case.agreements:
        done.append(content.msg("status_agreement", what=agreement.what))
    current = next_question(case, content, now)
    if case.state in MONITORING_STATES:
        deadline = content.msg("deadline_evaluation", date=day(content, school, case.evaluation_due))
        if current is not None:
            open_.append(content.msg("status_evaluation_due"))
    else:
        deadline = content.msg("deadline_none")
    text = content.msg(
        "status", case=label(case), state=content.state_name(case.state.value),
        since=day(content, school, case.phase_started_at),
        done="\n".join(f"  ✓ {d}" for d in done) or f"  {content.msg('status_none')}",
        open="\n".join(f"  • {o}" for o in open_) or f"  {content.msg('status_none')}",
        deadline=deadline)
    return Message(text=text, case_id=case.id)


def missing(case: Case, content: Content) -> str:
    return ", ".join(f"{n.number}. {content.texts.questions[n.question.id].label}" for n in required_open(case, content))


def who(case: Case | None, content: Content, school: SchoolConfig) -> Message:
    state = case.state.value if case else "intake"
    dept = case.department if case else None
    coordinators = school.with_role(Role.ANTI_BULLYING_COORDINATOR)
    facts = {
        "school_leader": names(school, [school.school_leader_of(dept)]) if dept else content.msg("school_leader_unknown"),
        "safety_team": names(school, school.safety_team(dept)),
        "coordinator": names(school, coordinators),
        "care_coordinator": names(school, school.with_role(Role.CARE_COORDINATOR)),
        "magister_roles": ", ".join(school.magister.roles),
        "magister_path": school.magister.incident_path,
    }
    value_of = case.value if case else (lambda _: None)
    rules = [r for r in content.structure.who.get(state, ()) if holds(r.when, value_of)]
    lines = [f"• {content.texts.who[r.id].format(**facts)}" for r in rules]
    header = content.msg("who_header", state=content.state_name(state), case=case.id if case else "–")
    return Message(text="\n".join([header, *lines]), case_id=case.id if case else None)


def advice(case: Case | None, content: Content, school: SchoolConfig) -> Message:
    dept = case.department if case else None
    leader = school.school_leader_of(dept)
    text = content.msg("advice", school_leader=leader.name if leader else content.msg("school_leader_unknown"),
                       coordinator=names(school, school.with_role(Role.ANTI_BULLYING_COORDINATOR)))
    return Message(text=text, case_id=case.id if case else None)


def tips(case: Case | None, content: Content) -> Message:
    value_of = case.value if case else (lambda _: None)
    sites = list(content.structure.websites)
    first = [w for w in sites if w.first_when and holds(w.first_when, value_of)]
    ordered = first + [w for w in sites if w not in first]
    lines = [f"• {w.url} – {content.texts.websites[w.id]}" for w in ordered]
    return Message(text="\n".join([content.msg("tips_header"), *lines]), case_id=case.id if case else None)


def details(case: Case, content: Content, school: SchoolConfig) -> Message:
    mentor = school.person(case.mentor_id)
    dept = school.department(case.department)
    agreements = "\n".join(
        content.msg("details_agreement", what=a.what, how=a.how_checked, if_broken=a.if_broken)
        for a in case.agreements) or "  –"
    text = content.msg(
        "details", case=case.id, state=content.state_name(case.state.value), class_name=case.class_name or "?",
        department=dept.name if dept else "–", bullied=students(case, "bullied", full=True),
        bullies=students(case, "bullies", full=True), mentor=mentor.name if mentor else "–",
        created=day(content, school, case.created_at), what=case.value("what_happened") or "–",
        agreements=agreements)
    return Message(text=text, case_id=case.id)
