"""Serialised changes within a plan, and a repair of parents whose derived state was lost.

`plans.revision` is bumped by every change to a plan's items; the UPDATE takes the plan's row lock
(the write lock on SQLite), so two simultaneous sub-item changes run one after the other and the
second derives the parent from the first's result. Before this, two such changes could leave a
parent `open` over children that were all done (or `done` over children all signed off); the
upgrade re-derives every parent from its children, with an `item.derived` event for each fix.
The downgrade drops the column and keeps the repaired states (they are the right ones).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:43:17
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from onboarding.plans.repair import rederive_parents

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("plans", sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    rederive_parents(op.get_bind(), datetime.now(timezone.utc))


def downgrade():
    # Not in batch mode: rebuilding `plans` on SQLite would drop the table, and with foreign keys on
    # that deletes every plan's items, events and check-ins. SQLite 3.35+ drops a column in place.
    op.drop_column("plans", "revision")
