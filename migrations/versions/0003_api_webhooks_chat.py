"""The API and integrations: token expiry, idempotency keys, webhook endpoints, outbox channels, chat digests.

Outbox messages gain a channel (email, slack, teams, webhook) and a JSON payload; a webhook delivery
names its endpoint and event, unique together, so one event is queued once per endpoint. People
choose where digests go (`digest_channels`, "email" for everyone already there). Existing rows keep
working unchanged: every new column is nullable or has a server default.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:40:46
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_webhook_endpoints_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_table('api_idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name=op.f('fk_api_idempotency_keys_token_id_api_tokens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_keys')),
    sa.UniqueConstraint('token_id', 'key', name=op.f('uq_api_idempotency_keys_token_id_key'))
    )
    with op.batch_alter_table('api_idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_idempotency_keys_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prefix', sa.String(length=16), server_default='', nullable=False))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=10), server_default='email', nullable=False))
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('endpoint_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.alter_column('to_addr',
               existing_type=sa.VARCHAR(length=254),
               type_=sa.String(length=2000),
               existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_endpoint_id'), ['endpoint_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_messages_endpoint_id_event_id'), ['endpoint_id', 'event_id'])
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_event_id_events'), 'events', ['event_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_endpoint_id_webhook_endpoints'), 'webhook_endpoints', ['endpoint_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_channels', sa.String(length=50), server_default='email', nullable=False))
        batch_op.add_column(sa.Column('teams_webhook_url', sa.String(length=2000), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('teams_webhook_url')
        batch_op.drop_column('digest_channels')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_endpoint_id_webhook_endpoints'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_event_id_events'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_outbox_messages_endpoint_id_event_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_endpoint_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_channel'))
        batch_op.alter_column('to_addr',
               existing_type=sa.String(length=2000),
               type_=sa.VARCHAR(length=254),
               existing_nullable=False)
        batch_op.drop_column('event_id')
        batch_op.drop_column('endpoint_id')
        batch_op.drop_column('payload')
        batch_op.drop_column('channel')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('prefix')

    with op.batch_alter_table('api_idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotency_keys_created_at'))

    op.drop_table('api_idempotency_keys')
    op.drop_table('webhook_endpoints')
