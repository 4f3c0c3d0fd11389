"""Digest indexes: a plan's items by state (with phase and due date) replace the plain plan_id index.

The digest batch reads, for a few hundred plans at a time, their open items (hires), their done
items (managers) and per phase counts; with only plan_id indexed every item of those plans was
read and filtered. The new index is led by plan_id, so every lookup the old one served (a plan's
items, the foreign key's cascade) is served by its prefix, and the old one goes.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.create_index("ix_plan_items_plan_id_state", ["plan_id", "state", "phase_key", "due_on"], unique=False)
        batch_op.drop_index("ix_plan_items_plan_id")


def downgrade():
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.create_index("ix_plan_items_plan_id", ["plan_id"], unique=False)
        batch_op.drop_index("ix_plan_items_plan_id_state")
