"""The use cases: one call per incoming message or click, one transaction per call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flows.access import can_view, sees_every_case
from flows.answers import MAX_MESSAGE
from flows.content import Content
from flows.engine import Outcome, Turn, handle_choice, handle_text
from flows.messages import Message
from flows.model import AuditRecord, Case, Conversation, OutboxMessage
from flows.ports import Clock, ConcurrentUpdate, UnitOfWork
from flows.school import Person, Role, SchoolConfig


@dataclass
class App:
    """What every use case needs; bot/wiring.py builds it once per process."""

    school: SchoolConfig
    contents: dict[str, Content]
    uow: Callable[[], UnitOfWork]
    clock: Clock
    # Document formats beyond the built-in HTML (bot/ adds "pdf"): document → bytes.
    renderers: dict[str, Callable[..., bytes]] = field(default_factory=dict)

    def content(self, person: Person | None, conversation: Conversation | None = None) -> Content:
        language = (conversation and conversation.language) or (person and person.language) or self.school.language
        return self.contents.get(language, self.contents[self.school.language])


def handle_message(app: App, person_id: str, text: str, dedupe_key: str | None = None) -> list[Message]:
    """A person typed `text` (console line, Slack DM or slash command, Teams message).

    `dedupe_key` is the platform's id of this delivery: a redelivery of the same key changes nothing
    and returns no replies.
    """
    return _turn(app, person_id, len(text), lambda turn: handle_text(turn, text), dedupe_key)


def handle_click(app: App, person_id: str, case_id: str, question_id: str, value: str,
                 dedupe_key: str | None = None) -> list[Message]:
    """A person clicked a choice of an earlier message; it answers that question of that case only."""
    return _turn(app, person_id, len(value), lambda turn: handle_choice(turn, question_id, value), dedupe_key,
                 case_id=case_id)


class _Again(Exception):
    """Someone else changed the case between this turn's read and its commit: run it once more."""


def _turn(app: App, person_id: str, length: int, run: Callable[[Turn], Outcome],
          dedupe_key: str | None = None, case_id: str | None = None) -> list[Message]:
    """One transaction around `run`. The turn's case is the person's active case, or `case_id` when the
    input names its case (a button, a form): then only that case is loaded, and only if they may see it.

    When another turn changed the case first (a second click on the same button, two people at once),
    the turn runs once more on what is stored now, so that it answers with what happened ("al
    beantwoord") instead of "someone else changed it"; only a second conflict says that."""
    person = app.school.person(person_id)
    if person is None:
        return [Message(text=app.content(None).msg("unknown_person"))]
    if length > MAX_MESSAGE:
        return [Message(text=app.content(person).msg("too_long", length=length, max=MAX_MESSAGE))]
    for last in (False, True):
        try:
            return _attempt(app, person, run, dedupe_key, case_id, last)
        except _Again:
            continue
    raise AssertionError("unreachable")


def _attempt(app: App, person: Person, run: Callable[[Turn], Outcome], dedupe_key: str | None,
             case_id: str | None, last: bool) -> list[Message]:
    now = app.clock.now()
    with app.uow() as uow:
        conversation = uow.conversations.get(person.id)
        first_contact = conversation is None
        conversation = conversation or Conversation(person.id, now)
        wanted = case_id if case_id is not None else conversation.active_case_id
        case = uow.cases.for_turn(wanted) if wanted else None
        if case_id is not None and case is not None and not can_view(person, case, app.school):
            case = None
        pending = conversation.pending
        resume_to = pending.resume_case_id if pending and pending.case_id == conversation.active_case_id else None
        turn = Turn(school=app.school, content=app.content(person, conversation), person=person, now=now,
                    conversation=conversation, case=case, load_case=uow.cases.for_turn,
                    my_cases=lambda: visible_cases(uow, person, app.school), uow=uow, resume_to=resume_to)
        outcome = run(turn)
        if first_contact:
            outcome.replies.insert(0, Message(text=turn.content.msg("welcome", name=person.name, school=app.school.name)))
            uow.conversations.add(conversation)
            outcome.changed = True
        if dedupe_key is not None:
            # The turn's first write, so that a SQLite writer waits only for others' commits. A key seen
            # before is a redelivery: it gets no replies, and leaving the unit of work rolls the turn back.
            if not uow.receipts.claim(dedupe_key, now):
                return []
            outcome.changed = True
        if not outcome.changed and not outcome.audit:
            return _in(turn.content.language, outcome.replies)
        try:
            _commit(uow, outcome, now, person.id)
        except ConcurrentUpdate:
            if dedupe_key is not None and _seen(app, dedupe_key):
                return []  # the same delivery, committed by another process: said already
            if not last:
                raise _Again from None
            return _in(turn.content.language, [Message(text=turn.content.msg("conflict"))])
    return _in(turn.content.language, outcome.replies)


def _in(language: str, replies: list[Message]) -> list[Message]:
    return [r if r.language else r.model_copy(update={"language": language}) for r in replies]


def _seen(app: App, key: str) -> bool:
    with app.uow() as uow:
        return uow.receipts.seen(key)


def visible_cases(uow: UnitOfWork, person: Person, school: SchoolConfig) -> list[Case]:
    """The person's own and shared cases (any state), and the open cases their role lets them see."""
    own = uow.cases.for_mentor(person.id) + uow.cases.for_member(person.id)
    seen = {c.id for c in own}
    if sees_every_case(person) or person.has(Role.SCHOOL_LEADER) or person.has(Role.CARE_COORDINATOR):
        own += [c for c in uow.cases.open_cases() if c.id not in seen and can_view(person, c, school)]
    return own


def _commit(uow: UnitOfWork, outcome: Outcome, now: datetime, actor: str) -> None:
    """One transaction: the case, its events, the outbox, the reminders, and the audit of it all."""
    if outcome.new_case is not None:
        uow.cases.add(outcome.new_case)
    effects = outcome.effects
    # Events, outbox and audit are append-only rows nobody reads back in the turn: bulk inserts.
    uow.events.add_many(effects.events)
    uow.outbox.add_many([OutboxMessage(out.message.case_id, out.target_kind, out.target, out.kind,
                                       out.message.model_dump(mode="json"), now) for out in effects.outgoing])
    case_ids = {e.case_id for e in effects.events}
    if effects.cancel_reminders:
        for case_id in case_ids:
            uow.reminders.cancel_for_case(case_id)
    for reminder in effects.reminders:
        uow.reminders.schedule(reminder)
    uow.audit.add_many(outcome.audit + changes(effects.events, actor, now))
    uow.commit()


def changes(events: list, actor: str, now: datetime) -> list[AuditRecord]:
    """One 'change' record per case a turn changed, naming the kinds of events (never their data)."""
    kinds: dict[str, list[str]] = {}
    for event in events:
        kinds.setdefault(event.case_id, [])
        if event.kind not in kinds[event.case_id]:
            kinds[event.case_id].append(event.kind)
    return [AuditRecord(now, actor, "create" if "created" in k else "change", case_id, {"events": k})
            for case_id, k in kinds.items()]


# --- Use cases for platforms with forms and buttons (Slack, Teams): commands by name, whole forms at once. ---

class _Refused(Exception):
    """A form had a bad answer: the unit of work is left without a commit, so nothing is stored."""


def run_command(app: App, person_id: str, command: str, argument: str = "",
                dedupe_key: str | None = None) -> list[Message]:
    """A command by its key (`status`, `who`, `details` …), whatever the person's language."""
    from flows.commands import run_command as run

    return _turn(app, person_id, len(argument), lambda turn: run(turn, command, argument), dedupe_key)


def start_case(app: App, person_id: str, answers: dict[str, str],
               dedupe_key: str | None = None) -> tuple[list[Message], dict[str, str]]:
    """`nieuw` with the intake's answers from one form, in one transaction.

    Returns the replies, or (when an answer is bad) no replies and question id → message, with nothing stored.
    """
    from flows.commands import run_command as run
    from flows.questions import find

    errors: dict[str, str] = {}

    def steps(turn: Turn) -> Outcome:
        outcome = run(turn, "new", "")
        case = turn.case = outcome.new_case
        if case is None:
            return outcome  # not allowed to report: the refusal is the reply
        last = outcome.replies
        for question_id, value in answers.items():
            if find(case, turn.content, question_id) is None or case.answer(question_id) is not None:
                continue  # not asked for this case (a follow-up that does not apply), or filled in by the bot
            step = handle_choice(turn, question_id, value)
            if case.answer(question_id) is None:
                errors[question_id] = step.replies[0].text if step.replies else "?"
                continue
            _merge(outcome, step)
            last = step.replies
        if errors:
            raise _Refused
        outcome.replies = outcome.replies[:1] + last
        return outcome

    try:
        return _turn(app, person_id, max(map(len, answers.values()), default=0), steps, dedupe_key), {}
    except _Refused:
        return [], errors


def add_agreement(app: App, person_id: str, case_id: str, question_id: str, parts: dict[str, str],
                  dedupe_key: str | None = None) -> tuple[list[Message], dict[str, str]]:
    """One agreement from a form: `parts` holds what / how / if_broken. Errors per part, nothing stored."""
    from flows.answers import Invalid, parse_agreement_part
    from flows.engine import AGREEMENT_PARTS, agreement_part

    errors: dict[str, str] = {}

    def steps(turn: Turn) -> Outcome:
        for part in AGREEMENT_PARTS:
            checked = parse_agreement_part(parts.get(part, ""), turn.content)
            if isinstance(checked, Invalid):
                errors[part] = checked.message
        if errors:
            raise _Refused
        outcome = handle_choice(turn, question_id, parts["what"])
        pending = turn.conversation.pending
        if turn.case is None or pending is None or pending.case_id != case_id or pending.part != AGREEMENT_PARTS[1]:
            return outcome  # no access, or not a question for agreements now: the reply says so
        for part in AGREEMENT_PARTS[1:]:
            step = agreement_part(turn, turn.case, turn.conversation.pending, parts[part])
            _merge(outcome, step)
            outcome.replies = step.replies
        return outcome

    try:
        return _turn(app, person_id, max(map(len, parts.values()), default=0), steps, dedupe_key,
                     case_id=case_id), {}
    except _Refused:
        return [], errors


def overview(app: App, person_id: str) -> Message:
    """The open cases a person may see: per phase, days in phase, overdue steps, next evaluation; for the
    coordinator and the team also the failed deliveries (`overzicht`, Slack's Home). On record."""
    from flows.overview import overview_message

    person = app.school.person(person_id)
    if person is None:
        return Message(text=app.content(None).msg("unknown_person"))
    now = app.clock.now()
    with app.uow() as uow:
        content = app.content(person, uow.conversations.get(person.id))
        message, shown = overview_message(uow, person, app.school, content, now)
        uow.audit.add(AuditRecord(now, person.id, "overview", None, {"cases": shown}))
        uow.commit()
    return message


def _merge(outcome: Outcome, step: Outcome) -> None:
    outcome.effects.events += step.effects.events
    outcome.effects.outgoing += step.effects.outgoing
    outcome.effects.reminders += step.effects.reminders
    outcome.effects.cancel_reminders = outcome.effects.cancel_reminders or step.effects.cancel_reminders
    outcome.changed = outcome.changed or step.changed
