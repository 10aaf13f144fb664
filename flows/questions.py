"""Which questions a case has in its phase, which are done, and which one comes next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.conditions import holds
from flows.content import Content, QuestionSpec
from flows.model import Case
from flows.protocol import CLOSED

EVALUATION = QuestionSpec(id="evaluation", kind="yes_no")


@dataclass(frozen=True)
class Numbered:
    number: int
    question: QuestionSpec


def visible(case: Case, content: Content, phase: str | None = None) -> list[Numbered]:
    """The questions of the phase that apply to this case, numbered as the mentor sees them."""
    specs = [q for q in content.protocol.questions(phase or case.state) if holds(q.when, case.value)]
    return [Numbered(i, q) for i, q in enumerate(specs, 1)]


def is_answered(case: Case, question: QuestionSpec) -> bool:
    if question.kind == "agreement":
        return bool(case.agreements_of(question.id))
    return case.answer(question.id) is not None


def is_not_done(question: QuestionSpec, value: object) -> bool:
    """An answer that says the step is not done yet: a task's "nee", a choice such as "nog geen besluit"."""
    return (question.kind == "task" and value == "no") or value in question.not_done


def is_done(case: Case, question: QuestionSpec) -> bool:
    """Done in the protocol's sense: a task answered "ja" (or "n.v.t." where allowed), a choice with
    a value that is not a "not yet", others answered."""
    if question.kind == "agreement":
        return is_answered(case, question)
    answer = case.answer(question.id)
    if answer is None or answer.skipped or is_not_done(question, answer.value):
        return False
    if question.kind == "task":
        return answer.value == "yes" or (question.allow_na and answer.value == "na")
    return True


def required_open(case: Case, content: Content) -> list[Numbered]:
    return [n for n in visible(case, content) if n.question.required and not is_done(case, n.question)]


def next_question(case: Case, content: Content, now: datetime, again: bool = True) -> Numbered | None:
    """The first unanswered question; then (with `again`) a required step answered "not yet"; in
    monitoring, the evaluation when due."""
    if content.protocol.is_monitoring(case.state):
        due = case.evaluation_due
        return Numbered(0, EVALUATION) if due is not None and now >= due else None
    questions = [n for n in visible(case, content) if n.question.auto is None and holds(n.question.after, case.value)]
    for numbered in questions:
        if not is_answered(case, numbered.question):
            return numbered
    if not again:
        return None
    return next((n for n in questions if n.question.required and not is_done(case, n.question)), None)


def agreement_question(case: Case, content: Content) -> str | None:
    """Where `afspraak` adds an agreement in the case's state (fase 1's until fase 3 makes new ones)."""
    return content.protocol.states[case.state].agreements


def find(case: Case, content: Content, question_id: str) -> Numbered | None:
    """The question of the case's phase with this id; or one from the report (intake), which can be
    corrected in any phase (`wijzig`)."""
    report = content.protocol.report
    if question_id == EVALUATION.id and content.protocol.is_monitoring(case.state):
        return Numbered(0, EVALUATION)
    found = next((n for n in visible(case, content) if n.question.id == question_id), None)
    if found is None and case.state != report and case.state != CLOSED:
        found = next((n for n in visible(case, content, report) if n.question.id == question_id), None)
    return found
