"""The use cases: one call per incoming message or click, one transaction per call."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flows.access import can_view
from flows.answers import MAX_MESSAGE, Invalid, parse_agreement_part
from flows.commands import run_command as run
from flows.content import Content
from flows.engine import AGREEMENT_PARTS, rest_of_agreement
from flows.messages import Message
from flows.model import REPLY, AuditRecord, Conversation, OutboxMessage
from flows.ports import Clock, ConcurrentUpdate, UnitOfWork
from flows.protocol import Protocol
from flows.queries import UnitQueries, visible_cases
from flows.questions import find
from flows.router import handle_choice, handle_text
from flows.school import Person, SchoolConfig
from flows.students import STUDENT_QUESTIONS, links
from flows.turn import Outcome, Turn


@dataclass
class App:
    """What every use case needs; bot/wiring.py builds it once per process."""

    school: SchoolConfig
    contents: dict[str, Content]
    uow: Callable[[], UnitOfWork]
    clock: Clock
    # Document formats beyond the built-in HTML (bot/ adds "pdf"): document → bytes.
    renderers: dict[str, Callable[..., bytes]] = field(default_factory=dict)
    # How long a turn's queued replies are left to the request that committed them (it sends them at
    # once); after that they count as left behind by a dead request, and the worker sends them.
    reply_lease: timedelta = timedelta(seconds=20)
    # A keyed fingerprint of a value that must be compared but never kept (a typed answer in a receipt key):
    # bot/wiring.py keys it with the school's encryption key; the default key lives as long as the process.
    fingerprint: Callable[[str], str] = field(default_factory=lambda: keyed_fingerprint(secrets.token_bytes(32)))

    @property
    def protocol(self) -> Protocol:
        return self.contents[self.school.language].protocol

    def content(self, person: Person | None, conversation: Conversation | None = None) -> Content:
        language = (conversation and conversation.language) or (person and person.language) or self.school.language
        return self.contents.get(language, self.contents[self.school.language])


def content_of(app: App, person_id: str | None) -> Content:
    """The words a person reads outside a turn (a form, a help text, a post to them): their own choice
    (`taal en`, kept with their conversation), else their config's language, else the school's."""
    person = app.school.person(person_id)
    if person is None:
        return app.content(None)
    with app.uow() as uow:
        return app.content(person, uow.conversations.get(person.id))


def keyed_fingerprint(key: bytes) -> Callable[[str], str]:
    """HMAC-SHA256 of a text under `key`, as 32 hex characters: equal texts match, and without the key no list
    of names can be tried against it (a bare hash can)."""
    return lambda text: hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


OUTSIDER = "outsider"  # the audit's actor for a request from another school's workspace or tenant


class Replies(list[Message]):
    """What a turn answers, in order. `queued`: the replies were committed with the turn, to the outbox
    under the turn's `reply_to` address, and are to be delivered from there
    (`flows.delivery.deliver_replies`), so that a process that dies before sending them loses none. Not
    queued: nothing was stored (a refusal, a question, a read) and the caller sends them itself.
    `answered`: the turn changed a case (an answer, a command) and was committed; a click that did so is
    shown as chosen on its message (`bot.clicked`)."""

    queued: bool = False
    answered: bool = False

    @classmethod
    def of(cls, replies: list[Message], queued: bool = False, answered: bool = False) -> Replies:
        made = cls(replies)
        made.queued, made.answered = queued, answered
        return made


def handle_message(app: App, person_id: str, text: str, dedupe_key: str | None = None,
                   reply_to: str | None = None) -> Replies:
    """A person typed `text` (console line, Slack DM or slash command, Teams message).

    `dedupe_key` is the platform's id of this delivery: a redelivery of the same key changes nothing and
    returns no replies (queued, when `reply_to` is given: the first delivery's replies are in the outbox).
    `reply_to` is where the platform answers this person (an address its notifier understands): a turn
    that stores something stores its replies with it, to that address.
    """
    return _turn(app, person_id, len(text), lambda turn: handle_text(turn, text), dedupe_key, reply_to=reply_to)


def handle_click(app: App, person_id: str, case_id: str, question_id: str, value: str,
                 dedupe_key: str | None = None, reply_to: str | None = None) -> Replies:
    """A person clicked a choice of an earlier message; it answers that question of that case only."""
    return _turn(app, person_id, len(value), lambda turn: handle_choice(turn, question_id, value), dedupe_key,
                 case_id=case_id, reply_to=reply_to)


class _Again(Exception):
    """Someone else changed the case between this turn's read and its commit: run it once more."""


def _turn(app: App, person_id: str, length: int, run: Callable[[Turn], Outcome],
          dedupe_key: str | None = None, case_id: str | None = None, reply_to: str | None = None) -> Replies:
    """One transaction around `run`. The turn's case is the person's active case, or `case_id` when the
    input names its case (a button, a form): then only that case is loaded, and only if they may see it.

    When another turn changed the case first (a second click on the same button, two people at once),
    the turn runs once more on what is stored now, so that it answers with what happened ("al
    beantwoord") instead of "someone else changed it"; only a second conflict says that."""
    person = app.school.person(person_id)
    if person is None:
        return Replies.of([Message(text=app.content(None).msg("unknown_person"))])
    if length > MAX_MESSAGE:
        return Replies.of([Message(text=app.content(person).msg("too_long", length=length, max=MAX_MESSAGE))])
    for last in (False, True):
        try:
            return _attempt(app, person, run, dedupe_key, case_id, last, reply_to)
        except _Again:
            continue
    raise AssertionError("unreachable")


def _attempt(app: App, person: Person, run: Callable[[Turn], Outcome], dedupe_key: str | None,
             case_id: str | None, last: bool, reply_to: str | None) -> Replies:
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
                    conversation=conversation, queries=UnitQueries(uow, app.school, app.protocol.counted),
                    contents=app.contents, case=case,
                    load_case=uow.cases.for_turn, my_cases=lambda: visible_cases(uow, person, app.school),
                    resume_to=resume_to)
        outcome = run(turn)
        if outcome.discarded:
            return Replies()  # leaving the unit of work uncommitted drops whatever the turn changed
        if first_contact:
            outcome.replies.insert(0, Message(text=turn.content.msg("welcome", name=person.name, school=app.school.name)))
            uow.conversations.add(conversation)
            outcome.changed = True
        if dedupe_key is not None:
            # The turn's first write, so that a SQLite writer waits only for others' commits. A key seen
            # before is a redelivery: it gets no replies, and leaving the unit of work rolls the turn back.
            # A refused input keeps its receipt too (the key names the person and the delivery, never the
            # content), so that a retry of it is not answered twice.
            if not uow.receipts.claim(dedupe_key, now):
                return Replies.of([], queued=reply_to is not None)
            outcome.changed = True
        stores = outcome.changed or bool(outcome.audit)
        replies = _in(turn.content.language, outcome.replies)
        if not stores:
            return Replies.of(replies)
        queued: list[OutboxMessage] = []
        if reply_to is not None and replies:
            about = outcome.new_case or turn.case
            queued.append(reply_row(about.id if about else None, reply_to, person.id, replies, now,
                                    app.reply_lease))
        try:
            _commit(uow, outcome, now, person.id, queued, app.fingerprint)
        except ConcurrentUpdate:
            if dedupe_key is not None and _seen(app, dedupe_key):
                return Replies.of([], queued=reply_to is not None)  # the same delivery, committed elsewhere
            if not last:
                raise _Again from None
            return Replies.of(_in(turn.content.language, [Message(text=turn.content.msg("conflict"))]))
    return Replies.of(replies, queued=bool(queued), answered=bool(outcome.effects.events))


def reply_row(case_id: str | None, reply_to: str, person_id: str, replies: list[Message],
              now: datetime, grace: timedelta) -> OutboxMessage:
    """A turn's replies as one outbox row, in order. The worker leaves it to the request that made it for
    `grace` (that request sends it at once); after that it counts as left behind and the worker sends it."""
    # Its own delivery key: a sent reply row is deleted, and SQLite may give a later row the same id.
    row = OutboxMessage(case_id, REPLY, reply_to, REPLY,
                        {"person": person_id, "key": f"pestbot-reply-{uuid.uuid4().hex}",
                         "replies": [r.model_dump(mode="json") for r in replies]}, now)
    row.next_attempt_at = now + grace
    return row


def _in(language: str, replies: list[Message]) -> list[Message]:
    return [r if r.language else r.model_copy(update={"language": language}) for r in replies]


def _seen(app: App, key: str) -> bool:
    with app.uow() as uow:
        return uow.receipts.seen(key)


def _commit(uow: UnitOfWork, outcome: Outcome, now: datetime, actor: str,
            replies: list[OutboxMessage] | None = None, fingerprint: Callable[[str], str] | None = None) -> None:
    """One transaction: the case, its events, the outbox (the turn's own replies too), the reminders, and
    the audit of it all."""
    if outcome.new_case is not None:
        uow.cases.add(outcome.new_case)
    effects = outcome.effects
    # Events, outbox and audit are append-only rows nobody reads back in the turn: bulk inserts.
    uow.events.add_many(effects.events)
    uow.outbox.add_many([OutboxMessage(out.message.case_id, out.target_kind, out.target, out.kind,
                                       out.message.model_dump(mode="json"), now) for out in effects.outgoing]
                        + (replies or []))
    case_ids = {e.case_id for e in effects.events}
    if effects.cancel_reminders:
        for case_id in case_ids:
            uow.reminders.cancel_for_case(case_id)
    for reminder in effects.reminders:
        uow.reminders.schedule(reminder)
    uow.audit.add_many(outcome.audit + changes(effects.events, actor, now))
    if fingerprint is not None:
        link_students(uow, effects.events, fingerprint, now)
    uow.commit()


def link_students(uow: UnitOfWork, events: list, fingerprint: Callable[[str], str], now: datetime) -> None:
    """A turn that named or renamed students links its case to their records (flows/students.py)."""
    touched = {e.case_id for e in events if e.kind in ("answered", "answer_changed")
               and isinstance(e.data, dict) and e.data.get("question") in STUDENT_QUESTIONS}
    for case_id in sorted(touched):
        case = uow.cases.get(case_id)
        if case is not None:
            uow.students.link(case.id, links(case, fingerprint), case.class_name, now)


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

def run_command(app: App, person_id: str, command: str, argument: str = "",
                dedupe_key: str | None = None, reply_to: str | None = None) -> Replies:
    """A command by its key (`status`, `who`, `details` …), whatever the person's language."""
    return _turn(app, person_id, len(argument), lambda turn: run(turn, command, argument), dedupe_key,
                 reply_to=reply_to)


def start_case(app: App, person_id: str, answers: dict[str, str], dedupe_key: str | None = None,
               reply_to: str | None = None) -> tuple[Replies, dict[str, str]]:
    """`nieuw` with the intake's answers from one form, in one transaction.

    Returns the replies, or (when an answer is bad) no replies and question id → message, with nothing stored.
    """
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
            outcome.merge(step)
            last = step.replies
        if errors:
            outcome.discarded = True
        outcome.replies = outcome.replies[:1] + last
        return outcome

    replies = _turn(app, person_id, max(map(len, answers.values()), default=0), steps, dedupe_key,
                    reply_to=reply_to)
    return (Replies(), errors) if errors else (replies, {})


def add_agreement(app: App, person_id: str, case_id: str, question_id: str, parts: dict[str, str],
                  dedupe_key: str | None = None, reply_to: str | None = None) -> tuple[Replies, dict[str, str]]:
    """One agreement from a form: `parts` holds what / how / if_broken. Errors per part, nothing stored."""
    errors: dict[str, str] = {}

    def steps(turn: Turn) -> Outcome:
        for part in AGREEMENT_PARTS:
            checked = parse_agreement_part(parts.get(part, ""), turn.content)
            if isinstance(checked, Invalid):
                errors[part] = checked.message
        if errors:
            return Outcome(discarded=True)
        outcome = handle_choice(turn, question_id, parts["what"])
        pending = turn.conversation.pending
        if turn.case is None or pending is None or pending.case_id != case_id or pending.part != AGREEMENT_PARTS[1]:
            return outcome  # no access, or not a question for agreements now: the reply says so
        rest = rest_of_agreement(turn, turn.case, parts)
        outcome.merge(rest).replies = rest.replies  # the last part's reply says what was stored
        return outcome

    replies = _turn(app, person_id, max(map(len, parts.values()), default=0), steps, dedupe_key,
                    case_id=case_id, reply_to=reply_to)
    return (Replies(), errors) if errors else (replies, {})


def overview(app: App, person_id: str) -> Message:
    """The open cases a person may see: per phase, days in phase, overdue steps, next evaluation; for the
    coordinator and the team also the failed deliveries (`overzicht`, Slack's Home). On record."""
    person = app.school.person(person_id)
    if person is None:
        return Message(text=app.content(None).msg("unknown_person"))
    now = app.clock.now()
    with app.uow() as uow:
        content = app.content(person, uow.conversations.get(person.id))
        message, shown = UnitQueries(uow, app.school, app.protocol.counted).overview(person, content, now)
        uow.audit.add(AuditRecord(now, person.id, "overview", None, {"cases": shown}))
        uow.commit()
    return message


def refuse_outsider(app: App, platform: str, place: str) -> Message:
    """A request from a workspace or tenant that is not the school's (someone installed the app elsewhere):
    nothing is read or answered about a case; the attempt is on record, with the place's id only."""
    with app.uow() as uow:
        uow.audit.add(AuditRecord(app.clock.now(), OUTSIDER, "outsider_refused", None,
                                  {"platform": platform, "place": place[:64]}))
        uow.commit()
    return Message(text=app.content(None).msg("outsider_refused"))
