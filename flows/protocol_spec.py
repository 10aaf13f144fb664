"""The parts of a protocol file (flows/protocol.py puts them together): questions, who-to-inform rules,
websites, states with what entering them brings, transitions. Validated on load."""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

AnswerKind = Literal["task", "yes_no", "text", "students", "date", "choice", "agreement"]
Condition = dict[str, str | tuple[str, ...]]
Kind = Literal["phase", "monitoring", "closed"]
Guard = Literal["steps_done", "still_bullying", "has_reason", "agreements_made"]
Scheduled = Literal["nudge", "evaluation", "checkin"]  # the reminders entering a state may bring


class ReminderKind(StrEnum):
    """What a reminder is about; stored by its value."""
    NUDGE = "nudge"  # steps of the phase still open
    EVALUATION = "evaluation"  # the evaluation after the monitoring weeks
    CHECKIN = "checkin"  # "hoe gaat het?" during monitoring
    ESCALATION = "escalation"  # the evaluation went unanswered: the coordinator is told (never scheduled by a protocol)


# Whom a post names or a message goes to: the case's department's school leader and social-safety team,
# or everyone with a role in the school config.
Audience = Literal["school_leader", "safety_team", "anti_bullying_coordinator", "care_coordinator",
                   "intern_begeleider"]
CLOSED = "closed"  # every protocol's one closed state has this name (storage selects open cases by it)
# The facts of a report that the bot itself uses (labels, summaries, the Magister draft, the dossier).
REPORT_FACTS = ("class_name", "department", "bullied", "bullies", "what_happened")


class Trigger(str, Enum):
    """The protocol events the bot knows how to cause: a mentor's command, an answer, the evaluation."""

    COMPLETE_PHASE = "complete_phase"
    EVALUATE = "evaluate"
    SEVERE_INCIDENT = "severe_incident"
    CLOSE = "close"
    REOPEN = "reopen"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionSpec(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: AnswerKind
    required: bool = True
    allow_na: bool = False
    when: Condition | None = None
    after: Condition | None = None
    options: tuple[str, ...] = ()
    options_from: Literal["departments"] | None = None
    # Filled in by the bot: team_post (its own post informed the team), entry_reason (why the case is here).
    auto: Literal["team_post", "entry_reason"] | None = None
    draft: Literal["magister", "magister_f3", "teachers"] | None = None
    # Choices that mean "not done yet" ("nog geen besluit"): the phase waits, the bot comes back to it.
    not_done: tuple[str, ...] = ()
    max_length: int = Field(default=2000, ge=1, le=4000)

    @model_validator(mode="after")
    def _choice_has_options(self) -> QuestionSpec:
        if self.kind == "choice" and not (self.options or self.options_from):
            raise ValueError(f"keuzevraag {self.id} heeft geen options of options_from")
        if self.allow_na and self.kind != "task":
            raise ValueError(f"allow_na past alleen bij kind task ({self.id})")
        if set(self.not_done) - set(self.options):
            raise ValueError(f"not_done van {self.id} noemt een keuze die niet in options staat")
        return self


class WhoRule(Strict):
    id: str
    when: Condition | None = None


class Website(Strict):
    id: str
    url: str = Field(pattern=r"^https?://")
    first_when: Condition | None = None


class Notice(Strict):
    """A message entering a state brings: a `post` in the safety channel naming `to`, or a `dm` to each
    of `to`. The words are the message of that key in the protocol's words."""

    post: str | None = None
    dm: str | None = None
    to: tuple[Audience, ...] = ()

    @model_validator(mode="after")
    def _one(self) -> Notice:
        if (self.post is None) == (self.dm is None):
            raise ValueError("een bericht is óf een post óf een dm")
        if self.dm is not None and not self.to:
            raise ValueError(f"dm {self.dm} heeft geen ontvangers (to)")
        return self

    @property
    def key(self) -> str:
        return self.post or self.dm or ""


class Entry(Strict):
    """What entering a state in one way brings: notices, the intro (a message key instead of the state's
    intro), what the mentor is told afterwards, and why the case is here (an `auto: entry_reason` step)."""

    notices: tuple[Notice, ...] = ()
    intro: str | None = None
    tell: str | None = None
    entry_reason: str | None = None


class InPlace(Strict):
    """A severe incident that does not move the case (no transition allows it here): recorded and told."""

    notices: tuple[Notice, ...]
    tell: str


class Evaluation(Strict):
    """The monitoring state's question "is there still bullying?" and its reminder, as message keys."""

    question: str
    reminder: str


class StateSpec(Strict):
    kind: Kind
    # Where `afspraak` adds an agreement in this state (an `agreement` question of this or an earlier phase).
    agreements: str | None = None
    reminders: tuple[Scheduled, ...] = ()
    on_enter: Entry = Entry()
    by_incident: Entry | None = None  # instead of on_enter when a severe incident brought the case here
    incident_here: InPlace | None = None
    evaluation: Evaluation | None = None


class TransitionSpec(Strict):
    trigger: Trigger
    source: tuple[str, ...]  # "*": every state but the closed one
    dest: str  # for reopen "*": back to the state the case was closed from
    conditions: tuple[Guard, ...] = ()
    unless: tuple[Guard, ...] = ()

    @field_validator("source", "conditions", "unless", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value
