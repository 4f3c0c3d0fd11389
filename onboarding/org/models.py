"""Organisation-wide settings: the working-day rule and its holidays."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from onboarding.core.db import Base


class OrgSettings(Base):
    """A single row (id 1) of settings for the whole organisation."""

    __tablename__ = "org_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: when set, a due date on a weekend or holiday moves to the next working day
    is_working_days_only: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(200), default="Our company")


class Holiday(Base):
    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(200))
