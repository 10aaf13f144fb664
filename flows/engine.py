"""The conversation engine: given a case and what a person typed or clicked, the replies and the effects.

Pure: no I/O. The service loads what a turn needs into a `Turn` and commits the `Outcome`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flows import render
from flows.access import can_act
from flows.answers import Invalid, clean, options_for, parse, parse_agreement_part
from flows.content import Content
from flows.effects import Effects, on_transition
from flows.messages import Message
from flows.model import Agreement, AuditRecord, Case, Conversation, Event
from flows.protocol import PHASE_STATES, CaseMachineModel, CaseState, Trigger, allowed_triggers, fire
from flows.questions import EVALUATION, Numbered, find, next_question, required_open
from flows.school import Person, SchoolConfig

AGREEMENT_PARTS = ("what", "how", "if_broken")


@dataclass
class Turn:
    school: SchoolConfig
    content: Content
    person: Person
    now: datetime
    conversation: Conversation
    case: Case | None = None
    # Cross-case look-ups, given by the service (the engine does no I/O itself).
    load_case: Callable[[str], Case | None] = lambda _id: None
    my_cases: Callable[[], list[Case]] = lambda: []
    # The turn's unit of work, for the few commands that read more than one case (overview, stats, dossier).
    uow: Any = None


@dataclass
class Outcome:
    replies: list[Message] = field(default_factory=list)
    effects: Effects = field(default_factory=Effects)
    new_case: Case | None = None
    changed: bool = False
    # Looks, exports and refusals, committed with the turn (changes are recorded from the events).
    audit: list[AuditRecord] = field(default_factory=list)

    def say(self, text: str, case: Case | None = None) -> Outcome:
        self.replies.append(Message(text=text, case_id=case.id if case else None))
        return self

    def event(self, case: Case, turn: Turn, kind: str, **data: Any) -> None:
        self.effects.events.append(Event(case.id, turn.now, turn.person.id, kind, data))
        case.updated_at = turn.now
        self.changed = True

    def record(self, turn: Turn, action: str, case_id: str | None = None, **detail: Any) -> Outcome:
        """An audit record (who, what, when, which case); `detail` holds ids and counts, never a child's data."""
        self.audit.append(AuditRecord(turn.now, turn.person.id, action, case_id, detail))
        return self


def refuse(turn: Turn, what: str, case_id: str | None = None) -> Outcome:
    """'Geen toegang', on record: also a guessed or unknown case id."""
    return Outcome().say(turn.content.msg("no_access")).record(turn, "denied", case_id, what=what)


def handle_text(turn: Turn, text: str) -> Outcome:
    from flows.commands import parse_command, run_command

    text = clean(text)
    if not text:
        return Outcome().say(turn.content.msg("empty"))
    command = parse_command(turn.content, text, awaiting_text=awaiting_text(turn))
    if command is not None:
        return run_command(turn, *command)
    case = turn.case
    if case is None:
        return Outcome().say(turn.content.msg("no_case"))
    if not can_act(turn.person, case):
        return refuse(turn, "answer", case.id)
    if case.state is CaseState.CLOSED:
        return Outcome().say(turn.content.msg("closed_case_input", case=case.id), case)
    pending = pending_for(turn)
    if pending and pending.get("part"):
        return _agreement_part(turn, case, pending, text)
    numbered = find(case, turn.content, pending["question"]) if pending else None
    numbered = numbered or next_question(case, turn.content, turn.now)
    if numbered is None:
        return Outcome().say(nothing_open(turn, case), case)
    return answer(turn, case, numbered, text)


def handle_choice(turn: Turn, question_id: str, value: str) -> Outcome:
    """A click on a button of an earlier message: answers exactly that question of that case, once."""
    case, content = turn.case, turn.content
    if case is None or not can_act(turn.person, case):
        return refuse(turn, "answer", case.id if case else None)
    numbered = find(case, content, question_id)
    if numbered is None or case.state is CaseState.CLOSED:
        return Outcome().say(content.msg("choice_outdated", case=case.id), case)
    existing = case.answer(question_id)
    if existing is not None and existing.value not in ("no", None):
        return Outcome().say(content.msg("already_answered", number=numbered.number), case)
    return answer(turn, case, numbered, value)


def awaiting_text(turn: Turn) -> bool:
    """Is the bot waiting for words (a text, names, a date, a part of an agreement) from this person?"""
    case = turn.case
    if case is None or case.state is CaseState.CLOSED or not can_act(turn.person, case):
        return False
    pending = pending_for(turn)
    if pending and pending.get("part"):
        return True
    numbered = find(case, turn.content, pending["question"]) if pending else None
    numbered = numbered or next_question(case, turn.content, turn.now)
    return numbered is not None and numbered.question.kind in ("text", "students", "date", "agreement")


def pending_for(turn: Turn) -> dict[str, Any] | None:
    pending = turn.conversation.pending
    return pending if pending and turn.case and pending.get("case") == turn.case.id else None


def set_pending(turn: Turn, outcome: Outcome, pending: dict[str, Any] | None) -> None:
    if turn.conversation.pending == pending:
        return  # nothing to write
    turn.conversation.pending = pending
    turn.conversation.updated_at = turn.now
    outcome.changed = True


def nothing_open(turn: Turn, case: Case) -> str:
    content = turn.content
    if case.state in PHASE_STATES:
        return content.msg("nothing_open", missing=render.missing(case, content) or "–")
    return content.msg("evaluation_not_due", date=render.day(content, turn.school, case.evaluation_due))


def answer(turn: Turn, case: Case, numbered: Numbered, text: str) -> Outcome:
    q, content = numbered.question, turn.content
    if q.kind == "agreement":
        return _agreement_part(turn, case, {"case": case.id, "question": q.id, "part": "what", "draft": {}}, text)
    options = options_for(q, content, render.departments(turn.school))
    value = parse(q, text, content, options, turn.now.astimezone(turn.school.zone()).date())
    if isinstance(value, Invalid):
        return Outcome(replies=[Message(text=value.message, case_id=case.id),
                                render.question(case, content, turn.school, numbered, turn.now)])
    outcome = Outcome()
    if q is EVALUATION:
        still = value == "yes"
        reason = None if still else content.msg("reason_evaluation_stopped")
        return transition(turn, case, outcome, Trigger.EVALUATE, still_bullying=still, reason=reason)
    previous = case.answer(q.id)
    corrected = previous is not None and previous.value not in (None, "no")
    case.set_answer(q.id, value, turn.person.id, turn.now)
    outcome.event(case, turn, "answer_changed" if corrected else "answered", question=q.id, value=value)
    set_pending(turn, outcome, None)
    if q.kind == "task" and value == "no":
        outcome.say(content.msg("task_not_done", number=numbered.number), case)
    else:
        outcome.say(content.msg("answer_corrected" if corrected else "answer_saved"), case)
    return advance(turn, case, outcome)


def _agreement_part(turn: Turn, case: Case, pending: dict[str, Any], text: str) -> Outcome:
    content = turn.content
    part = pending["part"]
    value = parse_agreement_part(text, content)
    numbered = find(case, content, pending["question"]) or Numbered(0, content.questions[pending["question"]])
    if isinstance(value, Invalid):
        return Outcome(replies=[Message(text=value.message, case_id=case.id),
                                render.question(case, content, turn.school, numbered, turn.now, part)])
    outcome = Outcome()
    draft = {**pending.get("draft", {}), part: value}
    following = AGREEMENT_PARTS.index(part) + 1
    if following < len(AGREEMENT_PARTS):
        set_pending(turn, outcome, {**pending, "part": AGREEMENT_PARTS[following], "draft": draft})
        outcome.replies.append(render.question(case, content, turn.school, numbered, turn.now,
                                               AGREEMENT_PARTS[following]))
        return outcome
    agreement = Agreement(pending["question"], draft["what"], draft["how"], draft["if_broken"],
                          turn.person.id, turn.now)
    case.agreements.append(agreement)
    outcome.event(case, turn, "agreement", question=pending["question"], what=draft["what"],
                  how_checked=draft["how"], if_broken=draft["if_broken"])
    set_pending(turn, outcome, None)
    outcome.say(content.msg("agreement_saved", count=len(case.agreements_of(pending["question"]))), case)
    return advance(turn, case, outcome)


def advance(turn: Turn, case: Case, outcome: Outcome) -> Outcome:
    """Ask what comes next; when a phase has nothing left to ask, complete it."""
    numbered = next_question(case, turn.content, turn.now)
    if numbered is None and case.state in PHASE_STATES:
        return transition(turn, case, outcome, Trigger.COMPLETE_PHASE)
    if numbered is not None:
        outcome.replies.append(render.question(case, turn.content, turn.school, numbered, turn.now))
    elif case.state is not CaseState.CLOSED:
        outcome.say(nothing_open(turn, case), case)
    return outcome


def transition(turn: Turn, case: Case, outcome: Outcome, trigger: Trigger, **kwargs: Any) -> Outcome:
    """Fire a protocol event; on refusal a message that names what is missing, and the case unchanged."""
    content = turn.content
    model = CaseMachineModel(state=case.state, closed_from=case.closed_from,
                             required_open=lambda: [n.question.id for n in required_open(case, content)])
    made = fire(model, trigger, **kwargs)
    if made is None:
        return outcome.say(refusal(turn, case, trigger, kwargs), case)
    effects = on_transition(case, made, turn.person.id, turn.school, content, turn.now)
    outcome.effects.events += effects.events
    outcome.effects.outgoing += effects.outgoing
    outcome.effects.reminders += effects.reminders
    outcome.effects.cancel_reminders = effects.cancel_reminders
    outcome.changed = True
    set_pending(turn, outcome, None)
    outcome.say(entered(turn, case, made.source), case)
    return advance(turn, case, outcome) if case.state is not CaseState.CLOSED else outcome


def entered(turn: Turn, case: Case, source: CaseState) -> str:
    content, school = turn.content, turn.school
    lines = []
    if source in PHASE_STATES and case.state is not CaseState.CLOSED:
        lines.append(content.msg("phase_done", state=content.state_name(source.value)))
    lines.append(f"{content.state_name(case.state.value)}: {content.texts.phase_intro[case.state.value]}")
    if case.state is CaseState.FASE2:
        lines.append(content.msg("team_posted", channel=school.safety_channel.name))
    elif case.state in (CaseState.FASE3, CaseState.FASE4):
        lines.append(content.msg("leader_pinged", channel=school.safety_channel.name))
    elif case.evaluation_due is not None:
        lines.append(content.msg("monitoring_started", date=render.day(content, school, case.evaluation_due),
                                 weeks=school.evaluation_weeks))
    return "\n".join(lines)


def refusal(turn: Turn, case: Case, trigger: Trigger, kwargs: dict[str, Any]) -> str:
    content = turn.content
    state = content.state_name(case.state.value)
    if trigger.value not in allowed_triggers(case.state):
        allowed = [content.msg(f"trigger_{t}") for t in allowed_triggers(case.state)]
        return content.msg("event_refused", state=state, allowed="; ".join(allowed) or "–")
    if trigger is Trigger.COMPLETE_PHASE:
        return content.msg("phase_refused", state=state, missing=render.missing(case, content))
    return content.msg("reason_required", command=content.texts.commands[_REASON_COMMAND[trigger]][0])


_REASON_COMMAND = {Trigger.CLOSE: "close", Trigger.REOPEN: "reopen", Trigger.SEVERE_INCIDENT: "incident",
                   Trigger.EVALUATE: "close"}
