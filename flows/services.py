"""The use cases: one call per incoming message or click, one transaction per call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flows.access import can_view
from flows.answers import MAX_MESSAGE
from flows.content import Content
from flows.engine import Outcome, Turn, handle_choice, handle_text
from flows.messages import Message
from flows.model import Case, Conversation, OutboxMessage
from flows.ports import Clock, ConcurrentUpdate, UnitOfWork
from flows.school import Person, Role, SchoolConfig


@dataclass
class App:
    """What every use case needs; bot/wiring.py builds it once per process."""

    school: SchoolConfig
    contents: dict[str, Content]
    uow: Callable[[], UnitOfWork]
    clock: Clock

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
    def run(turn: Turn) -> Outcome:
        turn.case = turn.load_case(case_id)
        if turn.case is not None and not can_view(turn.person, turn.case, turn.school):
            turn.case = None
        return handle_choice(turn, question_id, value)
    return _turn(app, person_id, len(value), run, dedupe_key)


def _turn(app: App, person_id: str, length: int, run: Callable[[Turn], Outcome],
          dedupe_key: str | None = None) -> list[Message]:
    person = app.school.person(person_id)
    if person is None:
        return [Message(text=app.content(None).msg("unknown_person"))]
    if length > MAX_MESSAGE:
        return [Message(text=app.content(person).msg("too_long", length=length, max=MAX_MESSAGE))]
    now = app.clock.now()
    with app.uow() as uow:
        if dedupe_key is not None and uow.receipts.seen(dedupe_key):
            return []
        conversation = uow.conversations.get(person.id)
        first_contact = conversation is None
        conversation = conversation or Conversation(person.id, now)
        case = uow.cases.get(conversation.active_case_id) if conversation.active_case_id else None
        turn = Turn(school=app.school, content=app.content(person, conversation), person=person, now=now,
                    conversation=conversation, case=case, load_case=uow.cases.get,
                    my_cases=lambda: visible_cases(uow, person))
        outcome = run(turn)
        if first_contact:
            outcome.replies.insert(0, Message(text=turn.content.msg("welcome", name=person.name, school=app.school.name)))
            uow.conversations.add(conversation)
            outcome.changed = True
        if dedupe_key is not None:
            uow.receipts.add(dedupe_key, now)
            outcome.changed = True
        if not outcome.changed:
            return outcome.replies
        try:
            _commit(uow, outcome, now)
        except ConcurrentUpdate:
            duplicate = dedupe_key is not None and _seen(app, dedupe_key)
            return [] if duplicate else [Message(text=turn.content.msg("conflict"))]
    return outcome.replies


def _seen(app: App, key: str) -> bool:
    with app.uow() as uow:
        return uow.receipts.seen(key)


def visible_cases(uow: UnitOfWork, person: Person) -> list[Case]:
    own = uow.cases.for_mentor(person.id)
    if person.has(Role.ANTI_BULLYING_COORDINATOR) or person.has(Role.SAFETY_TEAM) or person.has(Role.SCHOOL_LEADER):
        seen = {c.id for c in own}
        return own + [c for c in uow.cases.open_cases() if c.id not in seen]
    return own


def _commit(uow: UnitOfWork, outcome: Outcome, now: datetime) -> None:
    if outcome.new_case is not None:
        uow.cases.add(outcome.new_case)
    effects = outcome.effects
    for event in effects.events:
        uow.events.add(event)
    for out in effects.outgoing:
        uow.outbox.add(OutboxMessage(out.message.case_id, out.target_kind, out.target, out.kind,
                                     out.message.model_dump(mode="json"), now))
    case_ids = {e.case_id for e in effects.events}
    if effects.cancel_reminders:
        for case_id in case_ids:
            uow.reminders.cancel_for_case(case_id)
    for reminder in effects.reminders:
        uow.reminders.schedule(reminder)
    uow.commit()
