"""A person's active buddy plans from one index: (buddy_id, is_active) replaces ix_plans_buddy_id.

Every "My plan" page lists the active plans its reader is the buddy of. With an index on buddy_id
alone and one on is_active, SQLite's planner (no statistics) chose the is_active one: it walked
every active plan of the organisation, 0.2 ms at 2,000 plans and growing with them, to find the
few with this buddy. Led by buddy_id, the new index also serves the users foreign key's SET NULL.

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_plans_buddy_id_is_active", "plans", ["buddy_id", "is_active"])
    op.drop_index("ix_plans_buddy_id", table_name="plans")


def downgrade():
    op.create_index("ix_plans_buddy_id", "plans", ["buddy_id"])
    op.drop_index("ix_plans_buddy_id_is_active", table_name="plans")
