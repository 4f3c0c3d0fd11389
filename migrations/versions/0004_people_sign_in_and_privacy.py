"""People and sign-in: invitations, last sign-in, erasure, person events, attempt purposes.

- users.invited_at (the last invitation queued; a newer one revokes older links),
  users.last_signed_in_at, users.erased_at (personal data removed, row kept anonymous).
- events.person_id: whom a change to a person is about (people.* events have no plan).
- login_failures.purpose: "sign-in" or "password-change"; existing rows were sign-ins.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_events_person_id"), ["person_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_events_person_id_users"), "users", ["person_id"], ["id"],
                                    ondelete="SET NULL")

    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=20), nullable=False, server_default="sign-in"))
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.alter_column("purpose", server_default=None)


def downgrade():
    # SQLite drops a column by copying the table; with foreign keys enforced, dropping the old
    # `users` table would cascade-delete every plan. The copy keeps the same ids, so turn the
    # checks off for the copy (this runs before any data statement of the transaction).
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_column("purpose")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_events_person_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_events_person_id"))
        batch_op.drop_column("person_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("last_signed_in_at")
        batch_op.drop_column("invited_at")
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
