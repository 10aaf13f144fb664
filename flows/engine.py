"""The conversation engine: an answer to what the bot asked, what comes next, and moving a case through
the protocol when a phase is done or an event comes in.

Pure: no I/O and no unit of work. The service loads what a turn needs into a `Turn` (flows.turn) and
commits the `Outcome`; the router (flows.router) decides whether a line is a command or an answer.
"""

from __future__ import annotations

from typing import Any

from flows import render
from flows.access import can_act
from flows.answers import Invalid, options_for, parse, parse_agreement_part
from flows.effects import incident_noted, on_transition
from flows.messages import Message
from flows.model import CHECKIN, Agreement, Case, Pending
from flows.phases import entered, refusal
from flows.protocol import CLOSED, CaseMachineModel, Trigger, fire
from flows.questions import EVALUATION, Numbered, agreement_question, find, is_not_done, next_question, required_open
from flows.turn import Outcome, Turn, ask, pending_for, set_pending

AGREEMENT_PARTS = ("what", "how", "if_broken")
MAX_NOTE = 2000


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


def outdated(turn: Turn, case: Case, text: str) -> Outcome:
    """A button of a question that is answered or gone: say so, and put the question the bot is waiting for
    on this case once more (the same question, so nothing moves), so that the person sees where they are."""
    outcome = Outcome().say(text, case)
    pending = pending_for(turn)
    if pending is None or pending.held is not None or pending.question_id == CHECKIN \
            or turn.conversation.active_case_id != case.id or case.state == CLOSED:
        return outcome
    numbered = find(case, turn.content, pending.question_id)
    return outcome if numbered is None else ask(turn, outcome, case, numbered, pending.part, pending.draft)


def awaiting_text(turn: Turn) -> bool:
    """Is the bot waiting for words (a text, names, a date, a part of an agreement, a check-in) from
    this person? Only what it last asked counts."""
    case = turn.case
    pending = pending_for(turn)
    if pending is None or case is None or case.state == CLOSED or not can_act(turn.person, case):
        return False
    if pending.part or pending.question_id == CHECKIN:
        return True
    numbered = find(case, turn.content, pending.question_id)
    return numbered is not None and numbered.question.kind in ("text", "students", "date", "agreement")


def nothing_open(turn: Turn, case: Case) -> str:
    content = turn.content
    if turn.content.protocol.is_phase(case.state):
        return content.msg("nothing_open", missing=render.missing(case, content) or "–",
                           days=turn.school.nudge_days)
    return content.msg("evaluation_not_due", date=render.day(content, turn.school, case.evaluation_due))


def answer(turn: Turn, case: Case, numbered: Numbered, text: str) -> Outcome:
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


def rest_of_agreement(turn: Turn, case: Case, parts: dict[str, str]) -> Outcome:
    """The parts after the first given at once (a form), as if typed one by one: the last reply stands."""
    outcome = Outcome()
    for part in AGREEMENT_PARTS[1:]:
        pending = turn.conversation.pending
        if pending is None or pending.case_id != case.id or pending.part != part:
            break
        step = agreement_part(turn, case, pending, parts.get(part, ""))
        outcome.merge(step)
        outcome.replies = step.replies
    return outcome


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
    numbered = next_question(case, turn.content, turn.now, again=again)
    if numbered is not None:
        return ask(turn, outcome, case, numbered)
    set_pending(turn, outcome, None)
    if turn.content.protocol.is_phase(case.state) and complete and not required_open(case, turn.content):
        return transition(turn, case, outcome, Trigger.COMPLETE_PHASE)
    if turn.content.protocol.is_phase(case.state) and not required_open(case, turn.content):
        outcome.say(turn.content.msg("all_steps_done", state=turn.content.state_name(case.state)), case)
    elif case.state != CLOSED:
        outcome.say(nothing_open(turn, case), case)
    return resume(turn, outcome, case)


def resume(turn: Turn, outcome: Outcome, case: Case) -> Outcome:
    """This case has nothing to ask now: back to the case the person was working on before a prompt
    about this one came in between, with its question."""
    back = turn.load_case(turn.resume_to) if turn.resume_to and turn.resume_to != case.id else None
    turn.resume_to = None
    if back is None or back.state == CLOSED or not can_act(turn.person, back):
        return outcome
    turn.conversation.active_case_id = back.id
    turn.case = back
    outcome.changed = True
    outcome.say(turn.content.msg("back_to_case", case=render.label(back)), back)
    return advance(turn, back, outcome, again=True, complete=False)


def transition(turn: Turn, case: Case, outcome: Outcome, trigger: Trigger, **kwargs: Any) -> Outcome:
    """Fire a protocol event; on refusal a message that names what is missing, and the case unchanged."""
    content = turn.content
    here = agreement_question(case, content)
    model = CaseMachineModel(state=case.state, closed_from=case.closed_from,
                             required_open=lambda: [n.question.id for n in required_open(case, content)],
                             agreements=bool(here and case.agreements_of(here)))
    made = fire(content.protocol, model, trigger, **kwargs)
    if made is None:
        if trigger is Trigger.SEVERE_INCIDENT and content.protocol.states[case.state].incident_here is not None \
                and (kwargs.get("reason") or "").strip():
            return _incident_in_place(turn, case, outcome, kwargs["reason"])
        return outcome.say(refusal(turn, case, trigger, kwargs), case)
    effects = on_transition(case, made, turn.person.id, turn.school, content, turn.now)
    outcome.effects.events += effects.events
    outcome.effects.outgoing += effects.outgoing
    outcome.effects.reminders += effects.reminders
    outcome.effects.cancel_reminders = outcome.effects.cancel_reminders or effects.cancel_reminders
    outcome.changed = True
    set_pending(turn, outcome, None)
    outcome.say(entered(turn, case, made), case)
    if case.state == CLOSED:
        return resume(turn, outcome, case)
    reopened = made.trigger == Trigger.REOPEN.value
    return advance(turn, case, outcome, again=reopened, complete=not reopened)


def _incident_in_place(turn: Turn, case: Case, outcome: Outcome, reason: str) -> Outcome:
    """A severe incident that no transition takes from here (fase 3 before its new agreements exist, or
    fase 4): the incident is recorded and the people the protocol names told (`incident_here`)."""
    effects = incident_noted(case, reason, turn.person.id, turn.school, turn.content, turn.now)
    outcome.effects.events += effects.events
    outcome.effects.outgoing += effects.outgoing
    outcome.changed = True
    case.updated_at = turn.now
    tell = turn.content.protocol.states[case.state].incident_here.tell  # type: ignore[union-attr]
    return outcome.say(turn.content.msg(tell, channel=turn.school.safety_channel.name), case)
