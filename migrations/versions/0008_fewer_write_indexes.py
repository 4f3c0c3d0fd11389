"""Fewer indexes on the rows every digest run writes: each one is paid by every message and claim.

A digest run inserts one outbox message per person and channel and one claim per person, and each
insert updates every index of its table. Some of those indexes served no query:

- ix_digests_user_id: the unique (user_id, kind, period) key is led by user_id, so it serves the
  claimed-periods lookup, the erasure's delete and the users foreign key's cascade.
- ix_outbox_messages_endpoint_id: the unique (endpoint_id, event_id) key is led by endpoint_id and
  serves the webhook_endpoints foreign key's cascade.
- ix_outbox_messages_status, ix_outbox_messages_channel and ix_outbox_messages_next_attempt_at
  become one index, ix_outbox_messages_due (status, channel, next_attempt_at): the delivery's
  due-message query (status = 'queued' AND channel = ? AND next_attempt_at <= now, ordered by
  next_attempt_at) is a single range of it, and every other query that filters on status (failed
  mail, the outbox page, the dashboard count) uses its prefix.

ix_outbox_messages_user_id stays (a person's messages: export, erasure, the users foreign key).

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_OUTBOX_SINGLE = ("status", "channel", "next_attempt_at", "endpoint_id")


def upgrade():
    op.drop_index("ix_digests_user_id", table_name="digests")
    op.create_index("ix_outbox_messages_due", "outbox_messages", ["status", "channel", "next_attempt_at"])
    for column in _OUTBOX_SINGLE:
        op.drop_index(f"ix_outbox_messages_{column}", table_name="outbox_messages")


def downgrade():
    for column in _OUTBOX_SINGLE:
        op.create_index(f"ix_outbox_messages_{column}", "outbox_messages", [column])
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    op.create_index("ix_digests_user_id", "digests", ["user_id"])
