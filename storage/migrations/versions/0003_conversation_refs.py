"""conversation_refs: where the bot may write to a person or channel later (Teams proactive messages)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversation_refs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=True),
    sa.Column('service_url', sa.String(length=500), nullable=False),
    sa.Column('conversation_id', sa.String(length=500), nullable=False),
    sa.Column('tenant_id', sa.String(length=100), nullable=True),
    sa.Column('bot_id', sa.String(length=200), nullable=True),
    sa.Column('user_id', sa.String(length=200), nullable=True),
    sa.Column('channel_id', sa.String(length=50), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_refs')),
    sa.UniqueConstraint('platform', 'key', name='uq_conversation_refs_platform_key')
    )


def downgrade() -> None:
    op.drop_table('conversation_refs')
