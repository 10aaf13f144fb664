"""The conversation engine: given a case and what a person typed or clicked, the replies and the effects.

Pure: no I/O. The service loads what a turn needs into a `Turn` and commits the `Outcome`.

Where a typed answer goes is explicit: the last question the bot put to a person (`Pending`, kept
with the conversation) decides the case and the question. Every question the bot asks goes through
`ask`, which records it; a prompt about another case than the one the person last worked on says so.
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
from flows.effects import Effects
from flows.messages import Message
from flows.model import CHECKIN, CONFIRM, Agreement, AuditRecord, Case, Conversation, Event, Pending
from flows.protocol import PHASE_STATES, CaseState, Trigger
from flows.questions import EVALUATION, Numbered, find, is_not_done, next_question, required_open
from flows.school import Person, SchoolConfig

AGREEMENT_PARTS = ("what", "how", "if_broken")
MAX_NOTE = 2000


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
    # The case to go back to when this one has nothing left to ask (see Pending.resume_case_id).
    resume_to: str | None = None


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

    def merge(self, other: Outcome) -> Outcome:
        self.replies += other.replies
        self.effects.events += other.effects.events
        self.effects.outgoing += other.effects.outgoing
        self.effects.reminders += other.effects.reminders
        self.effects.cancel_reminders = self.effects.cancel_reminders or other.effects.cancel_reminders
        self.audit += other.audit
        self.new_case = self.new_case or other.new_case
        self.changed = self.changed or other.changed
        return self


def refuse(turn: Turn, what: str, case_id: str | None = None) -> Outcome:
    """'Geen toegang', on record: also a guessed or unknown case id."""
    return Outcome().say(turn.content.msg("no_access")).record(turn, "denied", case_id, what=what)


def handle_text(turn: Turn, text: str) -> Outcome:
    from flows import held
    from flows.commands import STRUCTURED, parse_command, run_command

    text = clean(text)
    if not text:
        return Outcome().say(turn.content.msg("empty"))
    pending = pending_for(turn)
    if pending is not None and pending.held is not None:
        return held.settle(turn, pending, text)
    awaiting = awaiting_text(turn)
    command = parse_command(turn.content, text, awaiting_text=awaiting)
    if command is not None:
        return run_command(turn, *command)
    if awaiting and pending is not None and turn.case is not None:
        meant = parse_command(turn.content, text)
        if meant is not None and meant[0] in STRUCTURED:
            meant = None  # "Vraag elke week na": `vraag` takes a number, so these words are the answer
        if meant is not None and meant[0] == "checkin" and pending.question_id == CHECKIN:
            return run_command(turn, *meant)  # the command and the answer are one and the same
        if meant is not None:  # "sluit het pesten is gestopt" while a name is asked: ask which it is
            return held.ask_command_or_answer(turn, turn.case, pending, text)
    case = turn.case
    if case is None:
        return Outcome().say(turn.content.msg("no_case"))
    if not can_act(turn.person, case):
        return refuse(turn, "answer", case.id)
    if case.state is CaseState.CLOSED:
        return Outcome().say(turn.content.msg("closed_case_input", case=case.id), case)
    return answer_pending(turn, case, pending, text)


def answer_pending(turn: Turn, case: Case, pending: Pending | None, text: str) -> Outcome:
    """Typed words as the answer to what the bot last asked about this case."""
    if pending and pending.question_id == CHECKIN:
        return checkin_note(turn, case, text)
    if pending and pending.part:
        return agreement_part(turn, case, pending, text)
    numbered = find(case, turn.content, pending.question_id) if pending else None
    numbered = numbered or next_question(case, turn.content, turn.now, again=False)
    if numbered is None:
        return Outcome().say(nothing_open(turn, case), case)
    return answer(turn, case, numbered, text)


def handle_choice(turn: Turn, question_id: str, value: str) -> Outcome:
    """A click on a button of an earlier message: answers exactly that question of that case, once."""
    case, content = turn.case, turn.content
    if case is None or not can_act(turn.person, case):
        return refuse(turn, "answer", case.id if case else None)
    if question_id == CONFIRM:
        from flows import held

        pending = pending_for(turn)
        if pending is None or pending.held is None:
            return outdated(turn, case, content.msg("choice_outdated", case=case.id))
        return held.settle(turn, pending, value)
    numbered = find(case, content, question_id)
    if numbered is None or case.state is CaseState.CLOSED:
        return outdated(turn, case, content.msg("choice_outdated", case=case.id))
    existing = case.answer(question_id)
    if existing is not None and not is_not_done(numbered.question, existing.value):
        from_report = case.state is not CaseState.INTAKE and question_id in content.phase_question_ids("intake")
        key = "already_answered_report" if from_report else "already_answered"
        return outdated(turn, case, content.msg(key, number=numbered.number))
    return answer(turn, case, numbered, value)


def outdated(turn: Turn, case: Case, text: str) -> Outcome:
    """A button of a question that is answered or gone: say so, and put the question the bot is waiting for
    on this case once more (the same question, so nothing moves), so that the person sees where they are."""
    outcome = Outcome().say(text, case)
    pending = pending_for(turn)
    if pending is None or pending.held is not None or pending.question_id == CHECKIN \
            or turn.conversation.active_case_id != case.id or case.state is CaseState.CLOSED:
        return outcome
    numbered = find(case, turn.content, pending.question_id)
    return outcome if numbered is None else ask(turn, outcome, case, numbered, pending.part, pending.draft)


def awaiting_text(turn: Turn) -> bool:
    """Is the bot waiting for words (a text, names, a date, a part of an agreement, a check-in) from
    this person? Only what it last asked counts."""
    case = turn.case
    pending = pending_for(turn)
    if pending is None or case is None or case.state is CaseState.CLOSED or not can_act(turn.person, case):
        return False
    if pending.part or pending.question_id == CHECKIN:
        return True
    numbered = find(case, turn.content, pending.question_id)
    return numbered is not None and numbered.question.kind in ("text", "students", "date", "agreement")


def pending_for(turn: Turn) -> Pending | None:
    pending = turn.conversation.pending
    return pending if pending and turn.case and pending.case_id == turn.case.id else None


def set_pending(turn: Turn, outcome: Outcome, pending: Pending | None) -> None:
    if turn.conversation.pending == pending:
        return  # nothing to write
    turn.conversation.pending = pending
    turn.conversation.updated_at = turn.now
    outcome.changed = True


def switch_to(turn: Turn, outcome: Outcome, case: Case) -> None:
    """Make `case` the one this person works on (an explicit choice: `nieuw`, `open`)."""
    if turn.conversation.active_case_id != case.id:
        turn.conversation.active_case_id = case.id
        turn.conversation.updated_at = turn.now
        outcome.changed = True
    turn.case, turn.resume_to = case, None
    set_pending(turn, outcome, None)


def ask(turn: Turn, outcome: Outcome, case: Case, numbered: Numbered, part: str | None = None,
        draft: tuple[tuple[str, str], ...] = ()) -> Outcome:
    """Put a question to the person, and remember it: the next typed answer is for this question of
    this case. A question about another case than the one they last worked on names that case."""
    message = render.question(case, turn.content, turn.school, numbered, turn.now, part)
    conversation = turn.conversation
    if conversation.active_case_id != case.id:
        # Not asked for (a click on an older message of another case): say which case, and come back.
        label = turn.content.msg("about_case", case=render.label(case))
        message = message.model_copy(update={"text": f"{label}\n{message.text}"})
        turn.resume_to = conversation.active_case_id
        conversation.active_case_id = case.id
        outcome.changed = True
    turn.case = case
    outcome.replies.append(message)
    set_pending(turn, outcome, Pending(case.id, numbered.question.id, part, draft, turn.resume_to))
    return outcome


def nothing_open(turn: Turn, case: Case) -> str:
    content = turn.content
    if case.state in PHASE_STATES:
        return content.msg("nothing_open", missing=render.missing(case, content) or "–",
                           days=turn.school.nudge_days)
    return content.msg("evaluation_not_due", date=render.day(content, turn.school, case.evaluation_due))


def answer(turn: Turn, case: Case, numbered: Numbered, text: str) -> Outcome:
    from flows.phases import transition

    q, content = numbered.question, turn.content
    if q.kind == "agreement":
        return agreement_part(turn, case, Pending(case.id, q.id, "what", (), turn.resume_to), text)
    options = options_for(q, content, render.departments(turn.school))
    value = parse(q, text, content, options, turn.now.astimezone(turn.school.zone()).date())
    if isinstance(value, Invalid):
        outcome = Outcome(replies=[Message(text=value.message, case_id=case.id)])
        return ask(turn, outcome, case, numbered)
    outcome = Outcome()
    if q is EVALUATION:
        still = value == "yes"
        reason = None if still else content.msg("reason_evaluation_stopped")
        return transition(turn, case, outcome, Trigger.EVALUATE, still_bullying=still, reason=reason)
    previous = case.answer(q.id)
    corrected = previous is not None and not is_not_done(q, previous.value)
    case.set_answer(q.id, value, turn.person.id, turn.now)
    outcome.event(case, turn, "answer_changed" if corrected else "answered", question=q.id, value=value)
    set_pending(turn, outcome, None)
    if is_not_done(q, value):
        key = "task_not_done" if q.kind == "task" else "choice_not_done"
        outcome.say(content.msg(key, number=numbered.number, days=turn.school.nudge_days), case)
    else:
        outcome.say(content.msg("answer_corrected" if corrected else "answer_saved"), case)
    return advance(turn, case, outcome)


def agreement_part(turn: Turn, case: Case, pending: Pending, text: str) -> Outcome:
    content = turn.content
    part = pending.part or AGREEMENT_PARTS[0]
    value = parse_agreement_part(text, content)
    numbered = find(case, content, pending.question_id) or Numbered(0, content.questions[pending.question_id])
    if isinstance(value, Invalid):
        outcome = Outcome(replies=[Message(text=value.message, case_id=case.id)])
        return ask(turn, outcome, case, numbered, part, pending.draft)
    outcome = Outcome()
    following = AGREEMENT_PARTS.index(part) + 1
    if following < len(AGREEMENT_PARTS):
        after = pending.with_part(part, value, AGREEMENT_PARTS[following])
        return ask(turn, outcome, case, numbered, after.part, after.draft)
    draft = {**dict(pending.draft), part: value}
    agreement = Agreement(pending.question_id, draft["what"], draft["how"], draft["if_broken"],
                          turn.person.id, turn.now)
    case.agreements.append(agreement)
    outcome.event(case, turn, "agreement", question=pending.question_id, what=draft["what"],
                  how_checked=draft["how"], if_broken=draft["if_broken"])
    set_pending(turn, outcome, None)
    outcome.say(content.msg("agreement_saved", count=len(case.agreements_of(pending.question_id))), case)
    return advance(turn, case, outcome)


def checkin_note(turn: Turn, case: Case, note: str) -> Outcome:
    """A short check-in conversation, noted on the case's timeline."""
    content = turn.content
    if not note or len(note) > MAX_NOTE:
        return Outcome().say(content.msg("checkin_usage", max=MAX_NOTE), case)
    outcome = Outcome()
    outcome.event(case, turn, "checkin", note=note)
    outcome.say(content.msg("checkin_saved", case=case.id), case)
    if pending_for(turn) is not None and pending_for(turn).question_id == CHECKIN:  # type: ignore[union-attr]
        set_pending(turn, outcome, None)
        resume(turn, outcome, case)
    return outcome


def advance(turn: Turn, case: Case, outcome: Outcome, again: bool = False, complete: bool = True) -> Outcome:
    """Ask what comes next; when a phase has nothing left to do, complete it.

    A step just answered "not yet" is not asked again at once (`again` asks such steps too: after
    `open`, a reminder, a reopen). After a reopen the phase is not completed by itself (`complete`)."""
    from flows.phases import transition

    numbered = next_question(case, turn.content, turn.now, again=again)
    if numbered is not None:
        return ask(turn, outcome, case, numbered)
    set_pending(turn, outcome, None)
    if case.state in PHASE_STATES and complete and not required_open(case, turn.content):
        return transition(turn, case, outcome, Trigger.COMPLETE_PHASE)
    if case.state in PHASE_STATES and not required_open(case, turn.content):
        outcome.say(turn.content.msg("all_steps_done", state=turn.content.state_name(case.state.value)), case)
    elif case.state is not CaseState.CLOSED:
        outcome.say(nothing_open(turn, case), case)
    return resume(turn, outcome, case)


def resume(turn: Turn, outcome: Outcome, case: Case) -> Outcome:
    """This case has nothing to ask now: back to the case the person was working on before a prompt
    about this one came in between, with its question."""
    back = turn.load_case(turn.resume_to) if turn.resume_to and turn.resume_to != case.id else None
    turn.resume_to = None
    if back is None or back.state is CaseState.CLOSED or not can_act(turn.person, back):
        return outcome
    turn.conversation.active_case_id = back.id
    turn.case = back
    outcome.changed = True
    outcome.say(turn.content.msg("back_to_case", case=render.label(back)), back)
    return advance(turn, back, outcome, again=True, complete=False)
