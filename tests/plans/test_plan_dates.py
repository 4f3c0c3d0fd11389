"""Dates people type are strict YYYY-MM-DD within 2000-01-01 .. 2099-12-31, everywhere they enter.

Before: `hires add --start 9999-12-31` ended in an OverflowError traceback (the 6-month due date is
past year 9999), the admin's "Add a hire" and "Move start" answered 500, and 20260131, 2026-W05-1
and 0001-01-01 were accepted as start dates.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from onboarding.core.checks import LATEST_DATE, parse_date
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.edits import move_start_date
from onboarding.plans.models import Plan
from tests.conftest import NOW, login


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01", "20260131", "2026-W05-1",
                                  "2026-1-5", "2026-02-30", " ", "２０２６-０１-３１", "2026-01-31T00:00"])
def test_only_real_yyyy_mm_dd_dates_in_range(text):
    with pytest.raises(ServiceError) as refused:
        parse_date(text)
    message = str(refused.value)
    assert "\n" not in message and ("YYYY-MM-DD" in message or "from 2000-01-01 to 2099-12-31" in message)


def test_the_range_is_named_and_its_ends_are_accepted():
    assert parse_date("2000-01-01") == date(2000, 1, 1)
    assert parse_date(" 2099-12-31 ") == LATEST_DATE
    with pytest.raises(ServiceError, match="out of range: use a date from 2000-01-01 to 2099-12-31"):
        parse_date("9999-12-31")


def test_the_last_start_date_gives_real_due_dates(make_plan):
    plan = make_plan(start_on=LATEST_DATE)
    assert max(i.due_on for i in plan.items if i.due_on) == date(2100, 12, 31)


def test_moving_a_start_out_of_range_is_refused(make_plan):
    plan = make_plan()
    with pytest.raises(ServiceError, match="out of range"):
        move_start_date(plan, date(9999, 12, 31), None, NOW)


def test_hires_add_year_9999_is_one_line(runner, make_role, make_user):
    make_role()
    result = runner.invoke(args=["hires", "add", "--email", "ada@example.com", "--name", "Ada",
                                 "--role-template", "support-engineer", "--start", "9999-12-31"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: the start date 9999-12-31 is out of range: use a date from 2000-01-01 to 2099-12-31"]
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.fixture
def admin_client(client, make_user, make_role):
    make_role()
    make_user(email="admin@example.com", role="admin")
    login(client, "admin@example.com")
    return client


@pytest.mark.parametrize("start", ["9999-12-31", "20260131", "0001-01-01"])
def test_admin_add_a_hire_with_a_bad_date_is_a_400(admin_client, start):
    response = admin_client.post("/admin/plans/new", data={
        "email": "ada@example.com", "name": "Ada", "role": "support-engineer", "start_on": start, "timezone": "UTC"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "YYYY-MM-DD" in page or "from 2000-01-01 to 2099-12-31" in page
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_admin_move_start_to_year_9999_is_a_400(admin_client, make_plan):
    plan = make_plan()
    response = admin_client.post(f"/admin/plans/{plan.id}/start", data={"start_on": "9999-12-31"})
    assert response.status_code == 400
    assert "2099-12-31" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).start_on == date(2026, 3, 2)
