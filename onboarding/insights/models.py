"""Running totals behind the Insights page: the organisation's figures without reading every item.

Each table sums what every plan contributes, keyed by what the page groups and filters on (the
plan's template version and start month) and, where a figure depends on today, by the date it is
compared with (so "due before today" is a sum over the rows whose date is before today). They are
kept in the same transaction as every change to plans, items and check-ins (insights/tallies.py),
and rebuilt from scratch by `onboarding insights rebuild` and migration 0007. Rows may hold zeros.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onboarding.core.db import Base


def _version() -> Mapped[int]:
    return mapped_column(ForeignKey("role_template_versions.id", ondelete="CASCADE"), primary_key=True)


def _month() -> Mapped[str]:
    #: the plan's start month, "YYYY-MM"
    return mapped_column(String(7), primary_key=True)


def _count() -> Mapped[int]:
    return mapped_column(Integer, default=0, server_default="0")


class PhaseTally(Base):
    """Sums over the dated leaf items of a phase that do not depend on today."""

    __tablename__ = "insight_phase_tallies"

    version_id: Mapped[int] = _version()
    month: Mapped[str] = _month()
    phase_key: Mapped[str] = mapped_column(String(20), primary_key=True)
    items: Mapped[int] = _count()
    waived: Mapped[int] = _count()
    #: done or signed off (counted for the on-time rate whatever the due date)
    done: Mapped[int] = _count()
    on_time: Mapped[int] = _count()
    handed_in: Mapped[int] = _count()
    sent_back: Mapped[int] = _count()


class DueTally(Base):
    """What becomes overdue or missing as days pass, by the date it is measured from."""

    __tablename__ = "insight_due_tallies"

    version_id: Mapped[int] = _version()
    month: Mapped[str] = _month()
    phase_key: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: open items' due date, and active plan phases' due date (their latest item's)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    open: Mapped[int] = _count()
    #: open items of active plans
    open_active: Mapped[int] = _count()
    #: phases of active plans with no recorded check-in
    unrecorded: Mapped[int] = _count()


class SignOffTally(Base):
    """Finished plan phases by the days from the plan's start to the phase's last sign-off."""

    __tablename__ = "insight_sign_off_tallies"

    version_id: Mapped[int] = _version()
    month: Mapped[str] = _month()
    phase_key: Mapped[str] = mapped_column(String(20), primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    phases: Mapped[int] = _count()


class CheckInTally(Base):
    """Recorded check-ins of phases with dated items, by rating and whether recorded late."""

    __tablename__ = "insight_check_in_tallies"

    version_id: Mapped[int] = _version()
    month: Mapped[str] = _month()
    phase_key: Mapped[str] = mapped_column(String(20), primary_key=True)
    rating: Mapped[str] = mapped_column(String(20), primary_key=True)
    is_late: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    check_ins: Mapped[int] = _count()


class PlanTally(Base):
    """Plans, by whether they are active and complete (every dated leaf item closed)."""

    __tablename__ = "insight_plan_tallies"

    version_id: Mapped[int] = _version()
    month: Mapped[str] = _month()
    is_active: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    is_complete: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    plans: Mapped[int] = _count()


class MilestoneTally(Base):
    """Per item text, what makes a milestone hard; keyed by a digest of the text (an index on the
    text itself would refuse a long one on PostgreSQL)."""

    __tablename__ = "insight_milestone_tallies"

    version_id: Mapped[int] = _version()
    month: Mapped[str] = _month()
    #: sha256 of the text, hex
    text_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the open items' due date on the rows counting `open`; tallies.NO_DATE on the row of the other
    #: counts, which do not depend on it (so a text has one such row, not one per due date)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    #: done or signed off after the due date
    late_done: Mapped[int] = _count()
    sent_back: Mapped[int] = _count()
    waived: Mapped[int] = _count()
    open: Mapped[int] = _count()


# The session hooks that keep these tables in step with every change (imported with the models).
import onboarding.insights.tallies  # noqa: E402, F401
