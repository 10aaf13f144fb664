"""The commands a person can type at any moment: nieuw, status, wie, advies, tips, help, and the rest."""

from __future__ import annotations

import re
from collections.abc import Callable

from flows import casecommands, render
from flows.access import can_act, can_open_cases, can_view
from flows.answers import clean
from flows.content import Content
from flows.effects import BOT
from flows.engine import MAX_NOTE, advance, checkin_note, resume, transition
from flows.languages import language_name, named
from flows.model import CHECKIN, Case, Reminder, new_case_id, normalise_case_id
from flows.protocol import CLOSED, Trigger
from flows.protocol_spec import ReminderKind
from flows.questions import Numbered, agreement_question, find, next_question, visible
from flows.turn import Outcome, Turn, ask, pending_for, refuse, set_pending, switch_to

# Commands that take words after them; the others must be the whole message ("wie?" or "wie moet ik informeren?").
WITH_ARGUMENT = {"question", "checkin", "incident", "close", "reopen", "open", "details", "language",
                 "share", "handover", "dossier", "stats", "amend"}
# Commands whose argument is one word (a person id, a case id, a school year): "deel van de klas lacht"
# stays an answer, not a command.
ONE_WORD = {"share", "handover", "dossier", "stats"}
# Commands whose argument has a shape: recognised even while a typed answer is awaited ("vraag 3").
STRUCTURED = {"question": r"\d{1,3}", "amend": r"\d{1,3}", "open": r"[0-9a-z]{4}-?[0-9a-z]{4}-?[0-9a-z]{4}",
              "details": r"[0-9a-z]{4}-?[0-9a-z]{4}-?[0-9a-z]{4}",
              "dossier": r"[0-9a-z]{4}-?[0-9a-z]{4}-?[0-9a-z]{4}"}


def parse_command(content: Content, text: str, awaiting_text: bool = False) -> tuple[str, str] | None:
    """The command in `text`, if any. While the bot waits for a typed answer, words after a command
    word are that answer ("Vraag elke week na" is no `vraag`), unless the message starts with "/"."""
    norm = " ".join(text.lower().lstrip("/").split()).rstrip("?!. ")
    whole = content.command(norm)
    if whole is not None:
        return whole, ""
    first, _, rest = norm.partition(" ")
    command = content.command(first)
    if awaiting_text and not text.startswith("/"):
        shape = STRUCTURED.get(command or "")
        fits = named(rest, content.offered) is not None if command == "language" else \
            shape is not None and re.fullmatch(shape, rest) is not None
        if not fits:
            return None
    if command in ONE_WORD and len(rest.split()) > 1:
        return None
    if command in WITH_ARGUMENT:
        return command, clean(text.lstrip("/").split(None, 1)[1]) if rest else ""
    return None


def run_command(turn: Turn, command: str, argument: str) -> Outcome:
    return _COMMANDS[command](turn, argument)


def _needs_case(handler: Callable[[Turn, Case, str], Outcome], act: bool = False) -> Callable[[Turn, str], Outcome]:
    def run(turn: Turn, argument: str) -> Outcome:
        case = turn.case
        if case is None:
            return Outcome().say(turn.content.msg("no_case"))
        allowed = can_act(turn.person, case) if act else can_view(turn.person, case, turn.school)
        if not allowed:
            return refuse(turn, "answer" if act else "view", case.id)
        return handler(turn, case, argument)
    return run


def _new(turn: Turn, _: str) -> Outcome:
    content = turn.content
    if not can_open_cases(turn.person):
        return Outcome().say(content.msg("not_allowed_new"))
    case = Case(new_case_id(), turn.person.id, turn.now, content.protocol.initial)
    outcome = Outcome(new_case=case)
    outcome.event(case, turn, "created", mentor=turn.person.id)
    if len(turn.school.departments) == 1:
        case.set_answer("department", turn.school.departments[0].id, BOT, turn.now)
    switch_to(turn, outcome, case)
    outcome.say(content.msg("case_created", case=case.id), case)
    outcome.say(f"{content.state_name(case.state)}: {content.texts.phase_intro[case.state]}", case)
    return advance(turn, case, outcome)


def _cases(turn: Turn, _: str) -> Outcome:
    content = turn.content
    cases = turn.my_cases()
    if not cases:
        return Outcome().say(content.msg("cases_none"))
    active = turn.conversation.active_case_id
    lines = [content.msg("case_line", case=render.label(c), state=content.state_name(c.state),
                         active=" ←" if c.id == active else "") for c in cases]
    return Outcome().say("\n".join([content.msg("cases_header"), *lines]))


def _open(turn: Turn, argument: str) -> Outcome:
    content = turn.content
    case = turn.load_case(normalise_case_id(argument)) if argument else None
    if case is None or not can_view(turn.person, case, turn.school):
        return refuse(turn, "open", case.id if case else None)
    outcome = Outcome().record(turn, "view", case.id, what="open")
    switch_to(turn, outcome, case)
    outcome.say(content.msg("case_opened", case=render.label(case)), case)
    if can_act(turn.person, case) and case.state != CLOSED:
        return advance(turn, case, outcome, again=True, complete=False)
    return outcome


def _details(turn: Turn, argument: str) -> Outcome:
    case = turn.load_case(normalise_case_id(argument)) if argument else turn.case
    if case is None and not argument:
        return Outcome().say(turn.content.msg("no_case"))
    if case is None or not can_view(turn.person, case, turn.school):
        return refuse(turn, "details", case.id if case else None)
    return Outcome(replies=[render.details(case, turn.content, turn.school)]).record(turn, "view", case.id,
                                                                                      what="details")


def _amend(turn: Turn, case: Case, argument: str) -> Outcome:
    """`wijzig [nummer]`: an answer from the report (intake) corrected in any later phase, so that a
    misspelt name does not end up in Magister and the dossier."""
    content = turn.content
    intake = [n for n in visible(case, content, content.protocol.report) if n.question.auto is None]
    if not argument:
        lines = [f"{n.number}. {content.texts.questions[n.question.id].label}: "
                 f"{_shown(content, n.question.id, case.value(n.question.id)) if case.answer(n.question.id) else '–'}"
                 for n in intake]
        return Outcome().say("\n".join([content.msg("amend_header"), *lines]), case)
    numbered = next((n for n in intake if str(n.number) == argument.strip()), None)
    if numbered is None:
        return Outcome().say(content.msg("amend_unknown", number=argument.strip()), case)
    outcome = Outcome().say(content.msg("amend_now"), case)
    current = case.value(numbered.question.id)
    if current is not None:
        outcome.say(content.msg("current_answer", value=_shown(content, numbered.question.id, current)), case)
    return ask(turn, outcome, case, numbered)


def _status(turn: Turn, case: Case, _: str) -> Outcome:
    return Outcome(replies=[render.status(case, turn.content, turn.school, turn.now)]).record(
        turn, "view", case.id, what="status")


def _who(turn: Turn, _: str) -> Outcome:
    case = turn.case if turn.case and can_view(turn.person, turn.case, turn.school) else None
    return Outcome(replies=[render.who(case, turn.content, turn.school)])


def _advice(turn: Turn, _: str) -> Outcome:
    return Outcome(replies=[render.advice(turn.case, turn.content, turn.school)])


def _tips(turn: Turn, _: str) -> Outcome:
    case = turn.case if turn.case and can_view(turn.person, turn.case, turn.school) else None
    return Outcome(replies=[render.tips(case, turn.content)])


def _help(turn: Turn, _: str) -> Outcome:
    return Outcome().say(turn.content.msg("help"))


def _question(turn: Turn, case: Case, argument: str) -> Outcome:
    content = turn.content
    number = int(argument) if argument.strip().isdigit() else -1
    numbered = next((n for n in visible(case, content) if n.number == number), None)
    if numbered is None or numbered.question.auto:
        return Outcome().say(content.msg("question_unknown", number=argument or "?"), case)
    outcome = Outcome()
    current = case.value(numbered.question.id)
    if current is not None:
        outcome.say(content.msg("current_answer", value=_shown(content, numbered.question.id, current)), case)
    return ask(turn, outcome, case, numbered)


def _shown(content: Content, question_id: str, value: object) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    if value in content.texts.answers:
        return content.texts.answers[value]  # type: ignore[index]
    return content.option_label(question_id, str(value))


def _skip(turn: Turn, case: Case, _: str) -> Outcome:
    content = turn.content
    pending = pending_for(turn)
    numbered = find(case, content, pending.question_id) if pending else next_question(case, content, turn.now)
    if numbered is None:
        return Outcome().say(content.msg("nothing_to_skip"), case)
    if numbered.question.required:
        return Outcome().say(content.msg("required_no_skip"), case)
    outcome = Outcome()
    case.set_answer(numbered.question.id, None, turn.person.id, turn.now, skipped=True)
    outcome.event(case, turn, "skipped", question=numbered.question.id)
    set_pending(turn, outcome, None)
    outcome.say(content.msg("skipped"), case)
    return advance(turn, case, outcome)


def _agreement(turn: Turn, case: Case, _: str) -> Outcome:
    question_id = agreement_question(case, turn.content)
    if question_id is None:
        return Outcome().say(turn.content.msg("agreement_not_now"), case)
    numbered = find(case, turn.content, question_id) or Numbered(0, turn.content.questions[question_id])
    return ask(turn, Outcome(), case, numbered, "what")


def _done(turn: Turn, case: Case, _: str) -> Outcome:
    return transition(turn, case, Outcome(), Trigger.COMPLETE_PHASE)


def _with_reason(trigger: Trigger) -> Callable[[Turn, Case, str], Outcome]:
    def run(turn: Turn, case: Case, reason: str) -> Outcome:
        if len(reason) > MAX_NOTE:
            return Outcome().say(turn.content.msg("answer_too_long", length=len(reason), max=MAX_NOTE), case)
        return transition(turn, case, Outcome(), trigger, reason=reason)
    return run


def _checkin(turn: Turn, case: Case, note: str) -> Outcome:
    content = turn.content
    if case.state in (content.protocol.report, CLOSED):
        return Outcome().say(content.msg("checkin_not_now"), case)
    return checkin_note(turn, case, note)


def _snooze(turn: Turn, case: Case, _: str) -> Outcome:
    """A mentor puts off a check-in; the evaluation cannot be put off."""
    content, school = turn.content, turn.school
    if not content.protocol.is_monitoring(case.state):
        return Outcome().say(content.msg("snooze_not_now"), case)
    if case.evaluation_due is not None and turn.now >= case.evaluation_due:
        return Outcome().say(content.msg("snooze_evaluation", weeks=school.evaluation_weeks), case)
    due = school.calendar.add_school_days(turn.now, school.snooze_days, school.zone())
    outcome = Outcome()
    outcome.effects.reminders.append(Reminder(case.id, ReminderKind.CHECKIN, due, case.state))
    outcome.event(case, turn, "snoozed", until=due.isoformat())
    outcome.say(content.msg("snoozed", date=render.day(content, school, due)), case)
    pending = pending_for(turn)
    if pending is not None and pending.question_id == CHECKIN:
        set_pending(turn, outcome, None)
        resume(turn, outcome, case)
    return outcome


def _language(turn: Turn, argument: str) -> Outcome:
    """`taal pl`: any language the school offers, by its code or its name; anything else changes nothing."""
    contents = turn.contents
    wanted = named(argument, tuple(contents))
    if wanted is None:
        word = turn.content.texts.commands["language"][0]
        choices = ", ".join(f"'{word} {code}' ({language_name(code)})" for code in contents)
        return Outcome().say(turn.content.msg("language_usage", choices=choices))
    outcome = Outcome()
    if turn.conversation.language != wanted:
        turn.conversation.language = wanted
        turn.conversation.updated_at = turn.now
        outcome.changed = True
    turn.content = contents[wanted]
    return outcome.say(turn.content.msg("language_set"))


_COMMANDS: dict[str, Callable[[Turn, str], Outcome]] = {
    "dossier": casecommands.dossier, "overview": casecommands.overview, "stats": casecommands.stats,
    "share": _needs_case(casecommands.share), "handover": _needs_case(casecommands.hand_over),
    "new": _new, "cases": _cases, "open": _open, "details": _details, "who": _who, "advice": _advice,
    "tips": _tips, "help": _help, "language": _language,
    "status": _needs_case(_status),
    "question": _needs_case(_question, act=True),
    "amend": _needs_case(_amend, act=True),
    "skip": _needs_case(_skip, act=True),
    "agreement": _needs_case(_agreement, act=True),
    "done": _needs_case(_done, act=True),
    "checkin": _needs_case(_checkin, act=True),
    "snooze": _needs_case(_snooze, act=True),
    "incident": _needs_case(_with_reason(Trigger.SEVERE_INCIDENT), act=True),
    "close": _needs_case(_with_reason(Trigger.CLOSE), act=True),
    "reopen": _needs_case(_with_reason(Trigger.REOPEN), act=True),
}
