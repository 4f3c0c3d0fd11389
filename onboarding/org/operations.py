"""The organisation's settings: the working-day rule and the holiday list."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core.checks import check_date, clean_text
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.org.models import Holiday, OrgSettings
from onboarding.people.models import User

MAX_HOLIDAY_NAME = 200


def org_settings() -> OrgSettings:
    settings = db.session.get(OrgSettings, 1)
    if settings is None:
        settings = OrgSettings(id=1, is_working_days_only=False)
        db.session.add(settings)
        db.session.flush()
    return settings


def set_working_days_only(flag: bool, actor: User | None, now: datetime) -> OrgSettings:
    """Turn the working-day rule on or off; it applies to plans made or moved from now on."""
    if not isinstance(flag, bool):
        raise ServiceError("the working-day setting must be on or off")
    settings = org_settings()
    if settings.is_working_days_only != flag:
        record_event(None, EventType.SETTINGS_WORKING_DAYS, actor, now, old={"is_working_days_only": settings.is_working_days_only},
               new={"is_working_days_only": flag})
        settings.is_working_days_only = flag
        db.session.flush()
    return settings


def list_holidays() -> list[Holiday]:
    return list(db.session.scalars(select(Holiday).order_by(Holiday.on)))


def add_holiday(on: date, name: str, *, now: datetime, actor: User | None = None) -> Holiday:
    """Add a day off to the organisation's holiday list (unique per date)."""
    on = check_date(on, "holiday date")
    name = clean_text(name, "holiday name", MAX_HOLIDAY_NAME)
    if db.session.scalar(select(func.count()).select_from(Holiday).where(Holiday.on == on)):
        raise ServiceError(f"{on.isoformat()} is already a holiday")
    holiday = Holiday(on=on, name=name)
    db.session.add(holiday)
    db.session.flush()
    record_event(None, EventType.HOLIDAY_ADDED, actor, now, new={"on": on.isoformat(), "name": name})
    return holiday


def remove_holiday(holiday_id: int, *, now: datetime, actor: User | None = None) -> None:
    """Take a day off the holiday list."""
    try:
        holiday = db.session.get(Holiday, int(holiday_id)) if 0 < int(holiday_id) < 2**31 else None
    except (TypeError, ValueError, OverflowError):
        holiday = None
    if holiday is None:
        raise ServiceError("no such holiday")
    record_event(None, EventType.HOLIDAY_REMOVED, actor, now,
           old={"on": holiday.on.isoformat(), "name": holiday.name})
    db.session.delete(holiday)
    db.session.flush()
