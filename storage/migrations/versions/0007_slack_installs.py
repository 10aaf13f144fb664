"""slack installations encrypted at rest, OAuth states as keyed fingerprints, an audit that TRUNCATE cannot wipe,
the ledger of the bot's posts per case (what the retention purge deletes), students as records linked to
their cases (filled for older cases by the first erasure or inzage, which needs the school's key)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

slack-sdk's own stores kept bot tokens in plain text (`slack_installations`, `slack_bots`) and OAuth states
as they were handed out (`slack_oauth_states`). Their installations move into `slack_installs`, sealed with
the engine's key (`pestbot db upgrade` and the bot's start pass it on), and the plain tables are dropped.
Without a key a database that holds such rows is not upgraded: the tokens would stay readable.
"""
import json
from datetime import datetime

import sqlalchemy as sa
from alembic import context, op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SDK_TABLES = ('slack_bots', 'slack_installations', 'slack_oauth_states')
PG_NO_TRUNCATE = """
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION pestbot_audit_append_only();
"""


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table('slack_installs',
    sa.Column('id', big_id, autoincrement=True, nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=True),
    sa.Column('team_id', sa.String(length=32), nullable=True),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('is_enterprise_install', sa.Boolean(), nullable=False),
    sa.Column('installed_at', sa.DateTime(), nullable=False),
    sa.Column('installation', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slack_installs'))
    )
    op.create_index('ix_slack_installs_place', 'slack_installs',
                    ['client_id', 'enterprise_id', 'team_id', 'installed_at'], unique=False)
    op.create_table('oauth_nonces',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_oauth_nonces'))
    )
    op.create_index(op.f('ix_oauth_nonces_expires_at'), 'oauth_nonces', ['expires_at'], unique=False)
    op.create_table('posts',
    sa.Column('id', big_id, autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=14), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('target_kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=128), nullable=False),
    sa.Column('message_id', sa.String(length=128), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts'))
    )
    op.create_index(op.f('ix_posts_case_id'), 'posts', ['case_id'], unique=False)
    op.create_table('students',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('class_name', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_students')),
    sa.UniqueConstraint('key', name=op.f('uq_students_key'))
    )
    op.create_table('case_students',
    sa.Column('case_id', sa.String(length=14), nullable=False),
    sa.Column('student_id', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_students_case_id'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_case_students_student_id'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'student_id', 'role', name=op.f('pk_case_students'))
    )
    op.create_index(op.f('ix_case_students_student_id'), 'case_students', ['student_id'], unique=False)
    bind = op.get_bind()
    _move_sdk_installations(bind)
    _posts_of_the_outbox(bind)
    if bind.dialect.name == 'postgresql':
        op.execute(PG_NO_TRUNCATE)


def _posts_of_the_outbox(bind: sa.engine.Connection) -> None:
    """The posts the outbox already knows (`slack:ts,teams:id` per sent row) go into the ledger."""
    outbox = sa.table('outbox', *(sa.column(c) for c in ('case_id', 'target_kind', 'target', 'status',
                                                           'platform_message_id', 'sent_at')))
    posts = sa.table('posts', *(sa.column(c) for c in ('case_id', 'platform', 'target_kind', 'target',
                                                         'message_id', 'sent_at')))
    query = sa.select(outbox).where(outbox.c.status == 'sent', outbox.c.case_id.is_not(None),
                                    outbox.c.platform_message_id.is_not(None), outbox.c.target_kind != 'reply')
    for row in bind.execute(query):
        for tagged in row.platform_message_id.split(','):
            platform, _, message_id = tagged.partition(':')
            if message_id:
                bind.execute(posts.insert().values(case_id=row.case_id, platform=platform,
                                                   target_kind=row.target_kind, target=row.target,
                                                   message_id=message_id, sent_at=row.sent_at))


def _move_sdk_installations(bind: sa.engine.Connection) -> None:
    present = set(sa.inspect(bind).get_table_names())
    if 'slack_installations' in present:
        old = sa.Table('slack_installations', sa.MetaData(), autoload_with=bind)
        rows = [dict(r._mapping) for r in bind.execute(sa.select(old))]
        cipher = context.config.attributes.get('cipher')
        if rows and cipher is None:
            raise RuntimeError('slack_installations holds bot tokens in plain text; run `pestbot db upgrade` with '
                               'PESTBOT_ENCRYPTION_KEY so that they are sealed')
        new = sa.table('slack_installs', *(sa.column(c) for c in (
            'client_id', 'enterprise_id', 'team_id', 'user_id', 'is_enterprise_install', 'installed_at',
            'installation')))
        for row in rows:
            data = {k: (v.timestamp() if isinstance(v, datetime) else v) for k, v in row.items()
                    if k not in ('id', 'client_id')}
            sealed = cipher.encrypt(json.dumps(data, ensure_ascii=False).encode()).decode('ascii')
            bind.execute(new.insert().values(client_id=row['client_id'], enterprise_id=row.get('enterprise_id'),
                                             team_id=row.get('team_id'), user_id=row.get('user_id'),
                                             is_enterprise_install=bool(row.get('is_enterprise_install')),
                                             installed_at=row['installed_at'], installation=sealed))
    for name in SDK_TABLES:
        if name in present:
            op.drop_table(name)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_no_truncate ON audit')
    op.drop_index(op.f('ix_case_students_student_id'), table_name='case_students')
    op.drop_table('case_students')
    op.drop_table('students')
    op.drop_index(op.f('ix_posts_case_id'), table_name='posts')
    op.drop_table('posts')
    op.drop_index(op.f('ix_oauth_nonces_expires_at'), table_name='oauth_nonces')
    op.drop_table('oauth_nonces')
    op.drop_index('ix_slack_installs_place', table_name='slack_installs')
    op.drop_table('slack_installs')
