"""A message that starts with a command word while the bot waits for a typed answer ("sluit het pesten
is gestopt" when a name is asked) could be either: the bot asks which, holds the words in the
conversation's Pending, and stores nothing until the person says. Slack and Teams keep a leading "/"
for their own commands, so this question is the way there."""

from __future__ import annotations

from dataclasses import replace

from flows.answers import one_word_match
from flows.engine import Outcome, Turn, answer_pending, handle_text, set_pending
from flows.messages import Choice, Message
from flows.model import CONFIRM, Case, Pending


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
    from flows.commands import parse_command, run_command

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
