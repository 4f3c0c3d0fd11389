"""Plans: one per hire, its dated items, phase check-ins and comments."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboarding.core.db import Base, UTCDateTime, utcnow
from onboarding.core.phases import CheckInRating
from onboarding.people.models import User
from onboarding.roles.models import RoleTemplateVersion

ITEM_STATES = ("open", "done", "signed_off", "waived")
CHECKIN_STATUSES: tuple[str, ...] = tuple(CheckInRating)


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (
        # A person's active buddy plans (every "My plan" page lists them). Led by buddy_id, so it
        # also serves the users foreign key's SET NULL. On buddy_id alone, SQLite's planner took
        # the is_active index for that lookup: a walk over every active plan. Migration 0009.
        Index("ix_plans_buddy_id_is_active", "buddy_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hire_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("role_template_versions.id"), index=True)
    #: may be empty: a plan is still made, and the admin dashboard warns
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    buddy_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    start_on: Mapped[date] = mapped_column(Date)
    #: false once finished or replaced; a hire has at most one active plan
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: bumped by every change to the plan's items: the UPDATE takes the plan's row lock (the write
    #: lock on SQLite), so changes within one plan run one after another and each derives parents
    #: from its predecessor's result (see plans/checks.py begin_change)
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    hire: Mapped[User] = relationship(foreign_keys=[hire_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    buddy: Mapped[User | None] = relationship(foreign_keys=[buddy_id])
    template_version: Mapped[RoleTemplateVersion] = relationship()
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", order_by="PlanItem.position", cascade="all, delete-orphan",
        foreign_keys="PlanItem.plan_id",
    )


class PlanItem(Base):
    """A copy of one template milestone (or a plan-only addition) with its own due date and state."""

    __tablename__ = "plan_items"
    __table_args__ = (
        # A plan's items by state, with what the digests and the progress bars count (phase, due
        # date): led by plan_id, so it also serves every "items of these plans" lookup, and a
        # digest batch reads only the open (or done) items of its plans, from the index alone on
        # SQLite. Migration 0006.
        Index("ix_plan_items_plan_id_state", "plan_id", "state", "phase_key", "due_on"),
        # A plan's sub-items (only those): a digest batch reads its plans' parents from it once to
        # tell their leaves. Migration 0010.
        Index("ix_plan_items_sub_items", "plan_id", "parent_id",
              postgresql_where=text("parent_id IS NOT NULL"), sqlite_where=text("parent_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_items.id", ondelete="CASCADE"), index=True)
    #: order within the whole plan (phases in order, parents before their children)
    position: Mapped[int] = mapped_column(Integer, default=0)
    phase_key: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    #: the phase offset from the start date, kept so that moving the start date moves the due date
    offset_days: Mapped[int | None] = mapped_column(Integer)
    offset_months: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: not indexed on purpose: four values, and an index lures SQLite (no statistics) into walking
    #: every open item of the organisation instead of the few plans a query is about
    state: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(2000), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the manager's comment when the item was sent back (changes requested); cleared when done again
    review_comment: Mapped[str] = mapped_column(Text, default="")
    sent_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waived_reason: Mapped[str] = mapped_column(Text, default="")
    #: added to this plan only, not copied from the template
    is_custom: Mapped[bool] = mapped_column(Boolean, default=False)
    #: optimistic lock: two people changing the same item cannot silently overwrite each other
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship(back_populates="items", foreign_keys=[plan_id])
    parent: Mapped[PlanItem | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[PlanItem]] = relationship(back_populates="parent", order_by="PlanItem.position")


class CheckIn(Base):
    """The manager's check-in at the end of a dated phase, with the hire's self-assessment."""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("plan_id", "phase_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    phase_key: Mapped[str] = mapped_column(String(20))
    #: a CheckInRating ("on track", "at risk", "off track"); empty until the manager records the check-in
    status: Mapped[str] = mapped_column(String(20), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    self_assessment: Mapped[str] = mapped_column(Text, default="")
    self_assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Comment(Base):
    """A comment on a plan or one of its items (buddies and managers)."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_items.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
