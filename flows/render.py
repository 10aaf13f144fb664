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
from flows.protocol import CLOSED
from flows.questions import EVALUATION, Numbered, is_done, next_question, required_open, visible
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
    if q.id == EVALUATION.id:
        evaluation = content.protocol.states[case.state].evaluation
        text = content.msg(evaluation.question if evaluation else "evaluation_question", case=case.id,
                           weeks=school.evaluation_weeks)
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


def clause(text: object) -> str:
    """A mentor's words set inside a sentence of ours: without their own closing full stop, so that a
    draft never reads "..", ".;" or ".." ."""
    return str(text or "").strip().rstrip(".;,:!? \u2026").strip() or "–"


def draft(case: Case, content: Content, school: SchoolConfig, kind: str, now: datetime) -> str:
    mentor = school.person(case.mentor_id)
    fase3 = kind == "magister_f3"  # the note of a later phase: its own agreements, and why the case is there
    here = content.protocol.states[case.state].agreements
    agreements = case.agreements_of(here) if fase3 and here else case.agreements
    facts = {
        "case": case.id, "class_name": clause(case.class_name or "?"), "date": day(content, school, case.created_at),
        "bullied": students(case, "bullied", full=True), "bullies": students(case, "bullies", full=True),
        "what": clause(case.value("what_happened")), "mentor": mentor.name if mentor else "–",
        "agreements": "; ".join(clause(a.what) for a in agreements) or "–",
    }
    if fase3:
        held = case.value("meeting_held")
        facts.pop("what")
        text = content.msg("magister_f3_note_text", **facts, reason=clause(_entry_reason(case, content)),
                           meeting=content.texts.answers.get(held, "–") if held else "–")
        return content.msg("magister_draft", text=text, path=school.magister.incident_path,
                           roles=", ".join(school.magister.roles))
    if kind == "magister":
        return content.msg("magister_draft", text=content.msg("magister_note_text", **facts),
                           path=school.magister.incident_path, roles=", ".join(school.magister.roles))
    return content.msg("teachers_draft", text=content.msg("teachers_note_text", **facts),
                       roles=", ".join(school.magister.roles))


def _entry_reason(case: Case, content: Content) -> object:
    """Why the case is in its phase: the answer of the phase's `auto: entry_reason` step."""
    step = next((q for q in content.protocol.questions(case.state) if q.auto == "entry_reason"), None)
    return case.value(step.id) if step else None


def status(case: Case, content: Content, school: SchoolConfig, now: datetime) -> Message:
    done, open_ = [], []
    optional = content.msg("status_optional")
    for n in visible(case, content):
        words = content.texts.questions[n.question.id].label
        if is_done(case, n.question):
            why = f": {case.value(n.question.id)}" if n.question.auto == "entry_reason" else ""
            done.append(f"{n.number}. {words}{why}")
        else:
            open_.append(f"{n.number}. {words}" + ("" if n.question.required else f" {optional}"))
    for agreement in case.agreements:
        done.append(content.msg("status_agreement", what=agreement.what))
    current = next_question(case, content, now)
    if content.protocol.is_monitoring(case.state):
        deadline = content.msg("deadline_evaluation", date=day(content, school, case.evaluation_due))
        if current is not None:
            open_.append(content.msg("status_evaluation_due"))
    elif case.state == CLOSED:
        deadline = content.msg("status_closed", date=day(content, school, case.closed_at))
    else:
        deadline = content.msg("deadline_none")
    text = content.msg(
        "status", case=label(case), state=content.state_name(case.state),
        since=day(content, school, case.phase_started_at),
        done="\n".join(f"  ✓ {d}" for d in done) or f"  {content.msg('status_none')}",
        open="\n".join(f"  • {o}" for o in open_) or f"  {content.msg('status_none')}",
        deadline=deadline)
    return Message(text=text, case_id=case.id)


def missing(case: Case, content: Content) -> str:
    return ", ".join(f"{n.number}. {content.texts.questions[n.question.id].label}" for n in required_open(case, content))


def _who_facts(content: Content, school: SchoolConfig, dept: str | None) -> dict[str, str]:
    """The people the who-to-inform rules name, from the school config. Without a department (no case
    yet) the school leader is "the department's school leader", with each department's name."""
    if dept:
        leader = names(school, [school.school_leader_of(dept)])
        team = names(school, school.safety_team(dept))
    else:
        leader = "; ".join(f"{d.name}: {names(school, [school.named(d.school_leader)])}" for d in school.departments)
        team = ", ".join([content.msg("school_leader_each", leaders=leader),
                          *(p.name for p in school.with_role(Role.SAFETY_TEAM))])
    return {
        "school_leader": leader, "safety_team": team,
        "coordinator": names(school, school.with_role(Role.ANTI_BULLYING_COORDINATOR)),
        "care_coordinator": names(school, school.with_role(Role.CARE_COORDINATOR)),
        "intern_begeleider": names(school, school.with_role(Role.INTERN_BEGELEIDER)),
        "magister_roles": ", ".join(school.magister.roles),
        "magister_path": school.magister.incident_path,
    }


def who(case: Case | None, content: Content, school: SchoolConfig) -> Message:
    """Who to inform: for a case, its phase and facts; without one, the protocol's answer phase by phase."""
    if case is None:
        return who_overview(content, school)
    facts = _who_facts(content, school, case.department)
    rules = [r for r in content.protocol.who.get(case.state, ()) if holds(r.when, case.value)]
    lines = [f"• {content.texts.who[r.id].format(**facts)}" for r in rules]
    header = content.msg("who_header", state=content.state_name(case.state), case=case.id)
    return Message(text="\n".join([header, *lines]), case_id=case.id)


def who_overview(content: Content, school: SchoolConfig) -> Message:
    facts = _who_facts(content, school, None)
    blocks = [content.msg("who_overview_header")]
    for state in content.protocol.phase_states:
        rules = content.protocol.who.get(state, ())
        lines = [f"• {content.texts.who[r.id].format(**facts)}" + (content.msg("who_if_applies") if r.when else "")
                 for r in rules]
        blocks.append("\n".join([f"{content.state_name(state)}:", *lines]))
    blocks.append(content.msg("who_overview_footer"))
    return Message(text="\n\n".join(blocks))


def advice(case: Case | None, content: Content, school: SchoolConfig) -> Message:
    dept = case.department if case else None
    leader = school.school_leader_of(dept)
    text = content.msg("advice", school_leader=leader.name if leader else content.msg("school_leader_unknown"),
                       coordinator=names(school, school.with_role(Role.ANTI_BULLYING_COORDINATOR)))
    return Message(text=text, case_id=case.id if case else None)


def tips(case: Case | None, content: Content) -> Message:
    value_of = case.value if case else (lambda _: None)
    sites = list(content.protocol.websites)
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
        "details", case=case.id, state=content.state_name(case.state), class_name=case.class_name or "?",
        department=dept.name if dept else "–", bullied=students(case, "bullied", full=True),
        bullies=students(case, "bullies", full=True), mentor=mentor.name if mentor else "–",
        created=day(content, school, case.created_at), what=case.value("what_happened") or "–",
        agreements=agreements)
    return Message(text=text, case_id=case.id)
