"""The tables: the schema's single source (Alembic's migrations are checked against it; flows/ never imports this)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from flows.model import Pending
from storage.crypto import EncryptedJSON, EncryptedText

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s", "pk": "pk_%(table_name)s",
})


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every database."""

    impl = sa.DateTime()
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the clock must give timezone-aware times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class PendingColumn(EncryptedJSON):
    """A conversation's `Pending`, stored encrypted as JSON (an agreement's draft holds names)."""

    cache_ok = True

    def process_bind_param(self, value: Pending | None, dialect: sa.Dialect) -> str | None:
        return super().process_bind_param(value.to_json() if value is not None else None, dialect)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> Pending | None:
        return Pending.from_json(super().process_result_value(value, dialect))


def _state(nullable: bool = False) -> sa.String:
    """A state of the school's protocol by its name (the protocol file says which exist)."""
    return sa.String(20)


BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Person = sa.String(64)

cases = sa.Table(
    "cases", metadata,
    sa.Column("id", sa.String(14), primary_key=True),
    sa.Column("mentor_id", Person, nullable=False, index=True),
    sa.Column("state", _state(), nullable=False, index=True),
    sa.Column("closed_from", _state(), nullable=True),
    sa.Column("class_name", sa.String(40), nullable=True),
    sa.Column("department", sa.String(64), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("phase_started_at", UTCDateTime(), nullable=False),
    sa.Column("evaluation_due", UTCDateTime(), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
)

answers = sa.Table(
    "answers", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(14), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    sa.Column("question_id", sa.String(64), nullable=False),
    sa.Column("value", EncryptedJSON(), nullable=True),  # names and free text: encrypted at rest
    sa.Column("skipped", sa.Boolean(), nullable=False, default=False),
    sa.Column("answered_by", Person, nullable=False),
    sa.Column("answered_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("case_id", "question_id", name="uq_answers_case_question"),
)

agreements = sa.Table(
    "agreements", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(14), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("question_id", sa.String(64), nullable=False),
    sa.Column("what", EncryptedText(), nullable=False),
    sa.Column("how_checked", EncryptedText(), nullable=False),
    sa.Column("if_broken", EncryptedText(), nullable=False),
    sa.Column("created_by", Person, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

events = sa.Table(
    "events", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(14), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("actor", Person, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("data", EncryptedJSON(), nullable=False),
)

reminders = sa.Table(
    "reminders", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(14), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("due_at", UTCDateTime(), nullable=False),
    sa.Column("for_state", sa.String(20), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, default=0),
    sa.Column("lease_until", UTCDateTime(), nullable=True),
    sa.Column("claim_token", sa.String(32), nullable=True),
    sa.UniqueConstraint("case_id", "kind", name="uq_reminders_case_kind"),
    sa.Index("ix_reminders_status_due", "status", "due_at"),
)

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(14), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True),
    sa.Column("target_kind", sa.String(16), nullable=False),
    sa.Column("target", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", EncryptedJSON(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, default=0),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("sent_at", UTCDateTime(), nullable=True),
    sa.Column("platform_message_id", sa.String(128), nullable=True),
    # Claims: a worker takes a row for `lease_until`; attempts counts claims, failures the failed sends,
    # so a claim that ended in neither (the worker died mid-send) is recognisable as ambiguous; so is any
    # retry after a failure, whose send may have arrived all the same (storage/claims.py).
    sa.Column("claim_token", sa.String(32), nullable=True),
    sa.Column("lease_until", UTCDateTime(), nullable=True),
    sa.Column("failures", sa.Integer(), nullable=False, default=0),
    sa.Column("last_error", sa.String(100), nullable=True),
    sa.Index("ix_outbox_status_next", "status", "next_attempt_at"),
)

case_members = sa.Table(
    # Who besides the case's mentor may see it (`deel`): a co-mentor ('mentor') or someone it is shared with.
    "case_members", metadata,
    sa.Column("case_id", sa.String(14), sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("person_id", Person, primary_key=True, index=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("added_by", Person, nullable=False),
    sa.Column("added_at", UTCDateTime(), nullable=False),
)

audit = sa.Table(
    # Every view, change, export and deletion. Append-only: no UPDATE or DELETE in the code, and a trigger
    # refuses them in the database. No foreign key: the record outlives a purged case. No child data.
    "audit", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("actor", Person, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("case_id", sa.String(14), nullable=True, index=True),
    sa.Column("detail", sa.JSON(), nullable=False),
)

conversations = sa.Table(
    "conversations", metadata,
    sa.Column("person_id", Person, primary_key=True),
    sa.Column("active_case_id", sa.String(14), nullable=True),
    sa.Column("pending", PendingColumn(), nullable=True),
    sa.Column("language", sa.String(2), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

conversation_refs = sa.Table(
    # Where a platform lets the bot write to someone later (Teams proactive messages): our own columns,
    # not an SDK blob, so that moving to another SDK keeps them.
    "conversation_refs", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),  # "user:<platform user id>" or "channel:<id>"
    sa.Column("person_id", Person, nullable=True),
    sa.Column("service_url", sa.String(500), nullable=False),
    sa.Column("conversation_id", sa.String(500), nullable=False),
    sa.Column("tenant_id", sa.String(100), nullable=True),
    sa.Column("bot_id", sa.String(200), nullable=True),
    sa.Column("user_id", sa.String(200), nullable=True),
    sa.Column("channel_id", sa.String(50), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("platform", "key", name="uq_conversation_refs_platform_key"),
)

receipts = sa.Table(
    "receipts", metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False, index=True),
)

app_state = sa.Table(
    "app_state", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text(), nullable=False),
)

students = sa.Table(
    # One record per child the school's cases name (flows/students.py): the name encrypted, found by a keyed
    # fingerprint of it.
    "students", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("name", EncryptedText(), nullable=False),
    sa.Column("class_name", sa.String(40), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

case_students = sa.Table(
    "case_students", metadata,
    sa.Column("case_id", sa.String(14), sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("student_id", sa.String(32), sa.ForeignKey("students.id", ondelete="CASCADE"), primary_key=True,
              index=True),
    sa.Column("role", sa.String(16), primary_key=True),
)

posts = sa.Table(
    # Every post the bot made about a case, on any platform, with the platform's id: what the retention
    # purge deletes. No foreign key: a post that could not be deleted yet outlives its case (only its id).
    "posts", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(14), nullable=False, index=True),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("target_kind", sa.String(16), nullable=False),
    sa.Column("target", sa.String(128), nullable=False),
    sa.Column("message_id", sa.String(128), nullable=False),
    sa.Column("sent_at", UTCDateTime(), nullable=False),
)

slack_installs = sa.Table(
    # Slack installations (OAuth mode) of the school's own workspace: the whole installation, tokens included,
    # as one encrypted value; only the ids needed to find it are plain.
    "slack_installs", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("enterprise_id", sa.String(32), nullable=True),
    sa.Column("team_id", sa.String(32), nullable=True),
    sa.Column("user_id", sa.String(32), nullable=True),
    sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
    sa.Column("installed_at", UTCDateTime(), nullable=False),
    sa.Column("installation", EncryptedJSON(), nullable=False),
    sa.Index("ix_slack_installs_place", "client_id", "enterprise_id", "team_id", "installed_at"),
)

oauth_nonces = sa.Table(
    # OAuth `state` values handed out by /slack/install, kept only as keyed fingerprints until used or expired.
    "oauth_nonces", metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("expires_at", UTCDateTime(), nullable=False, index=True),
)
