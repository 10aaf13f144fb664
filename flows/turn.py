"""One turn of a conversation: what it knows (`Turn`), what it answers and changes (`Outcome`), and the
few moves every part of the conversation makes: remember what was asked, switch case, refuse.

Where a typed answer goes is explicit: the last question the bot put to a person (`Pending`, kept
with the conversation) decides the case and the question. Every question the bot asks goes through
`ask`, which records it; a prompt about another case than the one the person last worked on says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flows import render
from flows.content import Content
from flows.effects import Effects
from flows.messages import Message
from flows.model import AuditRecord, Case, Conversation, Event, Pending
from flows.questions import Numbered
from flows.school import Person, SchoolConfig


class Queries(Protocol):
    """What a command may ask beyond its case; the service answers from its unit of work."""

    def overview(self, person: Person, content: Content, now: datetime) -> tuple[Message, int]: ...

    def figures(self, year: str) -> Any: ...


@dataclass
class Turn:
    school: SchoolConfig
    content: Content
    person: Person
    now: datetime
    conversation: Conversation
    queries: Queries
    # Every language's content of the school's protocol (`taal en` switches among them).
    contents: dict[str, Content] = field(default_factory=dict)
    case: Case | None = None
    # Look-ups beyond the turn's case, answered by the service (the conversation does no I/O itself):
    # a case by id, the person's cases (and in `queries` those of `overzicht` and `stats`).
    load_case: Callable[[str], Case | None] = lambda _id: None
    my_cases: Callable[[], list[Case]] = lambda: []
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
    # The input was refused as a whole (a form with a bad answer): nothing of this turn is stored, not even
    # what the steps before the bad answer changed; the caller says what was wrong.
    discarded: bool = False

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
