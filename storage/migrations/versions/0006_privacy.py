"""privacy: case members (sharing, handing over), the append-only audit, names and free text encrypted at rest

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

The encrypted columns become TEXT. When the engine was given a key (`pestbot db upgrade` and the start
of the bot pass it on), rows written before are sealed in place; without one they stay readable as
they were and are sealed at their next write.
"""
import json

import sqlalchemy as sa
from alembic import context, op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# table → (primary key, encrypted columns and whether they were JSON)
ENCRYPTED = {
    'answers': ('id', {'value': True}),
    'agreements': ('id', {'what': False, 'how_checked': False, 'if_broken': False}),
    'events': ('id', {'data': True}),
    'outbox': ('id', {'payload': True}),
    'conversations': ('person_id', {'pending': True}),
}
NOT_NULL = {('events', 'data'), ('outbox', 'payload'), ('agreements', 'what'), ('agreements', 'how_checked'),
            ('agreements', 'if_broken')}

PG_APPEND_ONLY = """
CREATE FUNCTION pestbot_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit is append-only';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION pestbot_audit_append_only();
"""
SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END",
]


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table('case_members',
    sa.Column('case_id', sa.String(length=14), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_members_case_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'person_id', name=op.f('pk_case_members'))
    )
    op.create_index(op.f('ix_case_members_person_id'), 'case_members', ['person_id'], unique=False)
    op.create_table('audit',
    sa.Column('id', big_id, autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=14), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit'))
    )
    op.create_index(op.f('ix_audit_case_id'), 'audit', ['case_id'], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(PG_APPEND_ONLY)
    elif dialect == 'sqlite':
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)
    for table, (_, columns) in ENCRYPTED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, was_json in columns.items():
                if was_json:
                    batch_op.alter_column(column, existing_type=sa.JSON(), type_=sa.Text(),
                                          existing_nullable=(table, column) not in NOT_NULL,
                                          postgresql_using=f'{column}::text')
    _seal_existing_rows()


def _seal_existing_rows() -> None:
    cipher = context.config.attributes.get('cipher') if context.config is not None else None
    if cipher is None:
        return
    from storage.crypto import is_sealed

    bind = op.get_bind()
    for table, (key, columns) in ENCRYPTED.items():
        t = sa.table(table, sa.column(key), *(sa.column(c, sa.Text()) for c in columns))
        for row in bind.execute(sa.select(t)).mappings().all():
            values = {}
            for column, was_json in columns.items():
                raw = row[column]
                if raw is None or is_sealed(raw):
                    continue
                plain = raw if was_json else json.dumps(raw, ensure_ascii=False)
                values[column] = cipher.encrypt(plain.encode()).decode('ascii')
            if values:
                bind.execute(sa.update(t).where(t.c[key] == row[key]).values(**values))


def downgrade() -> None:
    for table, (_, columns) in ENCRYPTED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, was_json in columns.items():
                if was_json:
                    batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.JSON(),
                                          existing_nullable=(table, column) not in NOT_NULL,
                                          postgresql_using=f'{column}::json')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER audit_append_only ON audit')
        op.execute('DROP FUNCTION pestbot_audit_append_only()')
    op.drop_index(op.f('ix_audit_case_id'), table_name='audit')
    op.drop_table('audit')
    op.drop_index(op.f('ix_case_members_person_id'), table_name='case_members')
    op.drop_table('case_members')
