"""The conversation's router: what a typed line or a click is (a command, an answer to what the bot
asked, a click on an older message) and who answers it (flows.commands, flows.engine).

A message that starts with a command word while the bot waits for a typed answer ("sluit het pesten
is gestopt" when a name is asked) could be either: the bot asks which, holds the words in the
conversation's Pending, and stores nothing until the person says. Slack and Teams keep a leading "/"
for their own commands, so this question is the way there."""

from __future__ import annotations

from dataclasses import replace

from flows.access import can_act
from flows.answers import clean, one_word_match
from flows.commands import STRUCTURED, parse_command, run_command
from flows.engine import answer, answer_pending, awaiting_text, outdated
from flows.messages import Choice, Message
from flows.model import CHECKIN, CONFIRM, Case, Pending
from flows.protocol import CLOSED
from flows.questions import find, is_not_done
from flows.turn import Outcome, Turn, pending_for, refuse, set_pending


def handle_text(turn: Turn, text: str) -> Outcome:
    text = clean(text)
    if not text:
        return Outcome().say(turn.content.msg("empty"))
    pending = pending_for(turn)
    if pending is not None and pending.held is not None:
        return settle(turn, pending, text)
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
            return ask_command_or_answer(turn, turn.case, pending, text)
    case = turn.case
    if case is None:
        return Outcome().say(turn.content.msg("no_case"))
    if not can_act(turn.person, case):
        return refuse(turn, "answer", case.id)
    if case.state == CLOSED:
        return Outcome().say(turn.content.msg("closed_case_input", case=case.id), case)
    return answer_pending(turn, case, pending, text)


def handle_choice(turn: Turn, question_id: str, value: str) -> Outcome:
    """A click on a button of an earlier message: answers exactly that question of that case, once."""
    case, content = turn.case, turn.content
    if case is None or not can_act(turn.person, case):
        return refuse(turn, "answer", case.id if case else None)
    if question_id == CONFIRM:
        pending = pending_for(turn)
        if pending is None or pending.held is None:
            return outdated(turn, case, content.msg("choice_outdated", case=case.id))
        return settle(turn, pending, value)
    numbered = find(case, content, question_id)
    if numbered is None or case.state == CLOSED:
        return outdated(turn, case, content.msg("choice_outdated", case=case.id))
    existing = case.answer(question_id)
    if existing is not None and not is_not_done(numbered.question, existing.value):
        report = content.protocol.report
        from_report = case.state != report and question_id in content.phase_question_ids(report)
        key = "already_answered_report" if from_report else "already_answered"
        return outdated(turn, case, content.msg(key, number=numbered.number))
    return answer(turn, case, numbered, value)


def ask_command_or_answer(turn: Turn, case: Case, pending: Pending, text: str) -> Outcome:
    """The words start with a command word while the bot waits for an answer: ask, store nothing yet."""
    content = turn.content
    shown = text if len(text) <= 80 else text[:79] + "…"
    message = Message(text=content.msg("command_or_answer", word=text.lstrip("/").split()[0], text=shown),
                      case_id=case.id, question_id=CONFIRM,
                      choices=(Choice(label=content.msg("as_command"), value="1"),
                               Choice(label=content.msg("as_answer"), value="2")))
    outcome = Outcome(replies=[message])
    set_pending(turn, outcome, replace(pending, held=text))
    return outcome


def settle(turn: Turn, pending: Pending, reply: str) -> Outcome:
    """The answer to "the command, or your answer?": run the held words as that; anything else is a
    new message, and the held words are let go."""
    content = turn.content
    options = [("command", content.msg("as_command")), ("answer", content.msg("as_answer"))]
    word = reply.strip().lower()
    choice = ({"1": "command", "2": "answer"}.get(word) or next((k for k, label in options if word == label.lower()), None)
              or one_word_match(word, options))
    outcome = Outcome()
    set_pending(turn, outcome, replace(pending, held=None))
    held = pending.held or ""
    if choice == "command":
        command = parse_command(content, held)
        return outcome.merge(run_command(turn, *command) if command else handle_text(turn, held))
    if choice == "answer" and turn.case is not None:
        return outcome.merge(answer_pending(turn, turn.case, turn.conversation.pending, held))
    return outcome.merge(handle_text(turn, reply))
