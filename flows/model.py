"""The domain objects. Plain classes: storage/ maps them to tables, flows/ never sees SQL."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flows.protocol_spec import CLOSED, ReminderKind

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_case_id() -> str:
    """60 random bits as XXXX-XXXX-XXXX: not guessable, still readable aloud."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_case_id(text: str) -> str:
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    raw = raw.translate(str.maketrans("ILO", "110"))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 12 else ""


class Answer:
    def __init__(self, question_id: str, value: Any, answered_by: str, answered_at: datetime,
                 skipped: bool = False) -> None:
        self.question_id = question_id
        self.value = value
        self.skipped = skipped
        self.answered_by = answered_by
        self.answered_at = answered_at


class Agreement:
    def __init__(self, question_id: str, what: str, how_checked: str, if_broken: str, created_by: str,
                 created_at: datetime) -> None:
        self.question_id = question_id
        self.what = what
        self.how_checked = how_checked
        self.if_broken = if_broken
        self.created_by = created_by
        self.created_at = created_at


class CaseMember:
    """Someone besides the case's mentor who may see it: role 'mentor' (a co-mentor, may also answer) or
    'shared' (may look). Added by the mentor with `deel`; nobody adds themselves."""

    def __init__(self, person_id: str, role: str, added_by: str, added_at: datetime) -> None:
        self.person_id = person_id
        self.role = role
        self.added_by = added_by
        self.added_at = added_at


class Case:
    """One bullying case. `state` is the protocol's state; `version` guards against lost updates."""

    answers: list[Answer]
    agreements: list[Agreement]
    members: list[CaseMember]

    def __init__(self, id: str, mentor_id: str, created_at: datetime, state: str = "intake") -> None:
        self.id = id
        self.mentor_id = mentor_id
        self.state = state  # a state of the school's protocol (flows/protocol.py)
        self.closed_from: str | None = None
        self.class_name: str | None = None
        self.department: str | None = None
        self.created_at = created_at
        self.updated_at = created_at
        self.phase_started_at = created_at
        self.evaluation_due: datetime | None = None
        self.answers = []
        self.agreements = []
        self.members = []

    def answer(self, question_id: str) -> Answer | None:
        return next((a for a in self.answers if a.question_id == question_id), None)

    def value(self, question_id: str) -> Any:
        found = self.answer(question_id)
        return None if found is None or found.skipped else found.value

    def set_answer(self, question_id: str, value: Any, by: str, at: datetime, skipped: bool = False) -> Answer:
        found = self.answer(question_id)
        if found is None:
            found = Answer(question_id, value, by, at, skipped)
            self.answers.append(found)
        else:
            found.value, found.skipped, found.answered_by, found.answered_at = value, skipped, by, at
        if question_id == "class_name":
            self.class_name = value
        elif question_id == "department":
            self.department = value
        return found

    def agreements_of(self, question_id: str) -> list[Agreement]:
        return [a for a in self.agreements if a.question_id == question_id]

    def member(self, person_id: str) -> CaseMember | None:
        return next((m for m in self.members if m.person_id == person_id), None)

    @property
    def closed_at(self) -> datetime | None:
        """When a closed case was closed: the start of its 'closed' phase."""
        return self.phase_started_at if self.state == CLOSED else None


class Event:
    """One line of the case's timeline: who did what, when. Append-only."""

    def __init__(self, case_id: str, at: datetime, actor: str, kind: str, data: dict[str, Any]) -> None:
        self.case_id = case_id
        self.at = at
        self.actor = actor
        self.kind = kind
        self.data = data


class AuditRecord:
    """Who looked at, changed, exported or deleted what, and when. Append-only; never a child's data:
    `detail` holds ids and counts only."""

    def __init__(self, at: datetime, actor: str, action: str, case_id: str | None = None,
                 detail: dict[str, Any] | None = None) -> None:
        self.at = at
        self.actor = actor
        self.action = action
        self.case_id = case_id
        self.detail = detail or {}


class Reminder:
    """Something the bot must bring up later; one per case and kind."""

    def __init__(self, case_id: str, kind: ReminderKind, due_at: datetime, for_state: str) -> None:
        self.case_id = case_id
        self.kind = kind  # read back from storage as its plain value, which equals the member
        self.due_at = due_at
        self.for_state = for_state
        self.status = "pending"
        self.attempts = 0
        self.lease_until: datetime | None = None


@dataclass
class Student:
    """A child named in a case: one record per school (the name encrypted at rest), found by `key`, a keyed
    fingerprint of the normalised full name (flows/students.py)."""

    id: str
    key: str
    name: str
    class_name: str | None = None


@dataclass
class Post:
    """One post the bot made about a case on a platform, with the platform's id: the retention purge
    deletes it there. `platform` is empty for a notifier that does not tag its ids."""

    case_id: str
    platform: str
    target_kind: str
    target: str
    message_id: str
    sent_at: datetime
    id: int | None = None

    @property
    def tagged(self) -> str:
        return f"{self.platform}:{self.message_id}" if self.platform else self.message_id


class OutboxMessage:
    """A message committed with the case, delivered afterwards by the worker."""

    unsure = False  # set when claimed: an earlier attempt may have posted it (flows/delivery.claim_replies)

    def __init__(self, case_id: str | None, target_kind: str, target: str, kind: str,
                 payload: dict[str, Any], created_at: datetime) -> None:
        self.case_id = case_id
        self.target_kind = target_kind
        self.target = target
        self.kind = kind
        self.payload = payload
        self.created_at = created_at
        self.status = "pending"
        self.attempts = 0
        self.next_attempt_at = created_at
        self.sent_at: datetime | None = None
        self.platform_message_id: str | None = None


REPLY = "reply"  # an outbox row's kind (and target kind) for a turn's own replies: {"person", "replies": [...]}
CHECKIN = "checkin"  # the question id of a check-in prompt: "hoe gaat het?"
CONFIRM = "command_or_answer"  # the question id of "did you mean the command, or is this your answer?"


@dataclass(frozen=True)
class Pending:
    """What the bot last put to a person and now waits for. It decides where a typed answer goes: to
    this case and this question (or this part of an agreement), whatever else happened in between.

    `question_id` is a question of the case's phase, "evaluation", or CHECKIN. `resume_case_id` is the
    case the person was working on when a prompt about another case (a reminder, an old button)
    interrupted; the bot goes back to it when this case has nothing left to ask.
    """

    case_id: str
    question_id: str
    part: str | None = None
    draft: tuple[tuple[str, str], ...] = ()
    resume_case_id: str | None = None
    # A message that starts with a command word while an answer was awaited: the bot asked whether it
    # is the command or the answer, and holds the words until the person says which.
    held: str | None = None

    def with_part(self, part: str, value: str, following: str) -> Pending:
        return replace(self, part=following, draft=(*self.draft, (part, value)))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"case": self.case_id, "question": self.question_id}
        if self.part:
            data["part"], data["draft"] = self.part, dict(self.draft)
        if self.resume_case_id:
            data["resume"] = self.resume_case_id
        if self.held:
            data["held"] = self.held
        return data

    @classmethod
    def from_json(cls, data: Any) -> Pending | None:
        """Also reads the free dict that conversations held before this type existed."""
        if not isinstance(data, dict) or not data.get("case") or not data.get("question"):
            return None
        draft = data.get("draft") or {}
        return cls(str(data["case"]), str(data["question"]), data.get("part") or None,
                   tuple((str(k), str(v)) for k, v in draft.items()) if isinstance(draft, dict) else (),
                   data.get("resume") or None, data.get("held") or None)


class Conversation:
    """Where one person is in their chat with the bot: the active case, what the bot waits for, the
    language. `pending` always belongs to the active case (the engine keeps them together)."""

    def __init__(self, person_id: str, updated_at: datetime) -> None:
        self.person_id = person_id
        self.active_case_id: str | None = None
        self.pending: Pending | None = None
        self.language: str | None = None
        self.updated_at = updated_at


@dataclass(frozen=True)
class ConversationRef:
    """Where a platform lets the bot write to someone later (a proactive message): the service URL, the
    conversation, the tenant, the bot and the user, in our own columns, never an SDK object. `key` is
    "user:<platform user id>" for a personal chat, "channel:<id>" for a channel or group chat."""

    platform: str
    key: str
    service_url: str
    conversation_id: str
    channel_id: str = "msteams"
    tenant_id: str | None = None
    bot_id: str | None = None
    user_id: str | None = None
    person_id: str | None = None
