"""Insight tallies: the Insights page sums running totals instead of reading every item.

Six tables of sums per template version and start month (insights/models.py), kept in the same
transaction as every change to plans, items and check-ins (insights/tallies.py). The upgrade
creates them and fills them from the plans as they are; the downgrade drops them (nothing is lost:
they are computed from the items, which stay).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from onboarding.insights.tallies import rebuild

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("insight_phase_tallies", "insight_due_tallies", "insight_sign_off_tallies", "insight_check_in_tallies",
          "insight_plan_tallies", "insight_milestone_tallies")


def _key(*columns: sa.Column) -> list[sa.Column]:
    return [
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        *columns,
    ]


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in names]


def _table(name: str, key: list[sa.Column], counts: list[sa.Column]) -> None:
    op.create_table(
        name, *key, *counts,
        sa.ForeignKeyConstraint(["version_id"], ["role_template_versions.id"],
                                name=op.f(f"fk_{name}_version_id_role_template_versions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(*(c.name for c in key), name=op.f(f"pk_{name}")),
    )


def _phase() -> sa.Column:
    return sa.Column("phase_key", sa.String(length=20), nullable=False)


def upgrade():
    _table("insight_phase_tallies", _key(_phase()), _counts("items", "waived", "done", "on_time", "handed_in", "sent_back"))
    _table("insight_due_tallies", _key(_phase(), sa.Column("due_on", sa.Date(), nullable=False)),
           _counts("open", "open_active", "unrecorded"))
    _table("insight_sign_off_tallies",
           _key(_phase(), sa.Column("days", sa.Integer(), autoincrement=False, nullable=False)), _counts("phases"))
    _table("insight_check_in_tallies", _key(_phase(), sa.Column("rating", sa.String(length=20), nullable=False),
                                            sa.Column("is_late", sa.Boolean(), nullable=False)), _counts("check_ins"))
    _table("insight_plan_tallies", _key(sa.Column("is_active", sa.Boolean(), nullable=False),
                                        sa.Column("is_complete", sa.Boolean(), nullable=False)), _counts("plans"))
    _table("insight_milestone_tallies", _key(sa.Column("text_key", sa.String(length=64), nullable=False),
                                             sa.Column("due_on", sa.Date(), nullable=False)),
           [sa.Column("text", sa.Text(), nullable=False),
            *_counts("late_done", "sent_back", "waived", "open")])
    rebuild(op.get_bind())


def downgrade():
    for name in reversed(TABLES):
        op.drop_table(name)
