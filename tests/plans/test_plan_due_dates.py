"""Due dates: calendar months clipped to the month's end, days, the working-day rule and holidays."""
from datetime import date

import pytest
from sqlalchemy import func, select

from onboarding.audit.models import Event
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.org.models import Holiday
from onboarding.org.operations import add_holiday, remove_holiday, set_working_days_only
from onboarding.plans.due_dates import add_months, due_date, load_calendar
from tests.conftest import NOW


@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 31), 6, date(2026, 7, 31)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
    (date(2028, 2, 29), 12, date(2029, 2, 28)),  # from a leap day to a common year
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 3, 31), 1, date(2026, 4, 30)),
    (date(2026, 1, 15), 12, date(2027, 1, 15)),
    (date(2026, 12, 31), 1, date(2027, 1, 31)),
    (date(2026, 7, 31), 6, date(2027, 1, 31)),
    (date(2026, 5, 10), 0, date(2026, 5, 10)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
])
def test_add_months_clips_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_due_date_days_and_months():
    plain = {"working_days": False, "holidays": set()}
    assert due_date(date(2026, 1, 31), {"days": 30}, **plain) == date(2026, 3, 2)
    assert due_date(date(2026, 1, 31), {"days": 90}, **plain) == date(2026, 5, 1)
    assert due_date(date(2026, 1, 31), {"months": 6}, **plain) == date(2026, 7, 31)
    assert due_date(date(2026, 8, 31), {"months": 6}, **plain) == date(2027, 2, 28)
    assert due_date(date(2026, 1, 31), None, **plain) is None
    assert due_date(date(2026, 1, 31), {}, **plain) is None


def test_working_days_move_weekends_and_holidays_forward():
    # 2026-01-03 is a Saturday: + 30 days = 2026-02-02 (Monday) stays.
    assert due_date(date(2026, 1, 3), {"days": 30}, working_days=True, holidays=set()) == date(2026, 2, 2)
    # 2026-01-01 + 30 days = 2026-01-31, a Saturday -> Monday 2026-02-02.
    assert due_date(date(2026, 1, 1), {"days": 30}, working_days=True, holidays=set()) == date(2026, 2, 2)
    # ... and if that Monday is a holiday, Tuesday.
    assert due_date(date(2026, 1, 1), {"days": 30}, working_days=True,
                    holidays={date(2026, 2, 2)}) == date(2026, 2, 3)
    # A holiday on a weekday: the next day.
    assert due_date(date(2026, 12, 25), {"days": 0}, working_days=True,
                    holidays={date(2026, 12, 25)}) == date(2026, 12, 28)  # Fri holiday -> Mon
    # Months, then working days: 2026-01-31 + 1 month = 2026-02-28 (Saturday) -> 2026-03-02.
    assert due_date(date(2026, 1, 31), {"months": 1}, working_days=True, holidays=set()) == date(2026, 3, 2)
    # Without the rule, weekends and holidays are ordinary days.
    assert due_date(date(2026, 1, 1), {"days": 30}, working_days=False,
                    holidays={date(2026, 1, 31)}) == date(2026, 1, 31)


def test_org_calendar_and_holiday_list(app, make_user):
    admin = make_user(role="admin")
    assert load_calendar().working_days is False
    set_working_days_only(True, admin, NOW)
    holiday = add_holiday(date(2026, 2, 2), "Founders' day", actor=admin, now=NOW)
    db.session.commit()
    cal = load_calendar()
    assert cal.working_days is True and cal.holidays == {date(2026, 2, 2)}
    assert cal.due(date(2026, 1, 1), 30, None) == date(2026, 2, 3)
    with pytest.raises(ServiceError, match="already a holiday"):
        add_holiday(date(2026, 2, 2), "Again", now=NOW)
    for bad_name in ("", "   ", "x" * 201, 42):
        with pytest.raises(ServiceError):
            add_holiday(date(2026, 3, 2), bad_name, now=NOW)
    with pytest.raises(ServiceError, match="date"):
        add_holiday("2026-03-02", "A string is not a date", now=NOW)
    remove_holiday(holiday.id, actor=admin, now=NOW)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 0
    for bad_id in (holiday.id, "abc", None, -1, 10**30):
        with pytest.raises(ServiceError, match="no such holiday"):
            remove_holiday(bad_id, now=NOW)
    kinds = set(db.session.scalars(select(Event.kind)))
    assert {"settings.working_days", "holiday.added", "holiday.removed"} <= kinds


def test_working_day_setting_rejects_non_booleans(app):
    with pytest.raises(ServiceError):
        set_working_days_only("yes", None, NOW)
