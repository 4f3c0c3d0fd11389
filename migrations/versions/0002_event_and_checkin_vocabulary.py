"""One vocabulary: DESIGN's event type names and check-in ratings in stored rows.

Events recorded as "item.done" become "item.completed" (the webhook type DESIGN names), and
check-in ratings stored as "on_track" / "at_risk" / "off_track" become "on track" / "at risk" /
"off track", the words the ramp status and the insights already use. Data only: no schema change.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

EVENT_KINDS = {"item.done": "item.completed"}
CHECKIN_RATINGS = {"on_track": "on track", "at_risk": "at risk", "off_track": "off track"}

events = sa.table("events", sa.column("kind", sa.String))
check_ins = sa.table("check_ins", sa.column("status", sa.String))


def _rename(table, column, mapping: dict[str, str]) -> None:
    for old, new in mapping.items():
        op.execute(table.update().where(table.c[column] == old).values({column: new}))


def upgrade():
    _rename(events, "kind", EVENT_KINDS)
    _rename(check_ins, "status", CHECKIN_RATINGS)


def downgrade():
    _rename(events, "kind", {new: old for old, new in EVENT_KINDS.items()})
    _rename(check_ins, "status", {new: old for old, new in CHECKIN_RATINGS.items()})
