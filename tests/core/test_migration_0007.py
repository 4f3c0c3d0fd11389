"""Migration 0007 creates the insight tallies and fills them from the plans already there."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from tests.core.migrating import app_at


def _rows_at_0006(conn) -> None:
    """A database as revision 0006 left it: two plans of one role with every kind of item state and a check-in.

    Plan 1 (active, start 2026-01-01): day-30 (due 01-31) holds a group of two sub-items (one signed
    off on time, one done late after a send-back) and a waived item; day-60 (due 03-02) one open
    item. Its day-30 check-in was recorded 15 days late. Plan 2 (finished, start 2025-12-01): one
    day-30 item (due 12-31) done late, signed off 35 days after the start."""
    from datetime import date, datetime, timezone

    from sqlalchemy import insert

    from onboarding.core.db import table_of
    from onboarding.people.models import User
    from onboarding.plans.models import CheckIn, Plan, PlanItem
    from onboarding.roles.models import RoleTemplate, RoleTemplateVersion

    def at(day: str) -> datetime:
        return datetime.fromisoformat(day).replace(hour=10, tzinfo=timezone.utc)

    conn.execute(insert(table_of(User)), [
        {"id": 1, "email": "mara@example.com", "name": "Mara", "role": "manager", "manager_id": None},
        {"id": 2, "email": "ada@example.com", "name": "Ada", "role": "hire", "manager_id": 1},
        {"id": 3, "email": "bo@example.com", "name": "Bo", "role": "hire", "manager_id": 1}])
    conn.execute(insert(table_of(RoleTemplate)), {"id": 1, "slug": "r", "title": "R", "latest_number": 1})
    content = {"phases": [{"key": "day-30", "due": {"days": 30}, "milestones": []},
                          {"key": "day-60", "due": {"days": 60}, "milestones": []}]}
    conn.execute(insert(table_of(RoleTemplateVersion)), {"id": 1, "template_id": 1, "number": 1, "content": content,
                                                         "content_hash": "h"})
    conn.execute(insert(table_of(Plan)), [
        {"id": 1, "hire_id": 2, "manager_id": 1, "template_version_id": 1, "start_on": date(2026, 1, 1),
         "is_active": True},
        {"id": 2, "hire_id": 3, "manager_id": 1, "template_version_id": 1, "start_on": date(2025, 12, 1),
         "is_active": False}])
    day_30, day_60, plan_2_due = date(2026, 1, 31), date(2026, 3, 2), date(2025, 12, 31)
    blank = {"parent_id": None, "done_at": None, "signed_off_at": None, "sent_back_at": None}
    conn.execute(insert(table_of(PlanItem)), [blank | row for row in (
        {"id": 1, "plan_id": 1, "phase_key": "day-30", "text": "Group", "due_on": day_30, "state": "open"},
        {"id": 2, "plan_id": 1, "parent_id": 1, "phase_key": "day-30", "text": "On time", "due_on": day_30,
         "state": "signed_off", "done_at": at("2026-01-20"), "signed_off_at": at("2026-01-25")},
        {"id": 3, "plan_id": 1, "parent_id": 1, "phase_key": "day-30", "text": "Sent back", "due_on": day_30,
         "state": "done", "done_at": at("2026-02-03"), "sent_back_at": at("2026-01-31")},
        {"id": 4, "plan_id": 1, "phase_key": "day-30", "text": "Waived", "due_on": day_30, "state": "waived"},
        {"id": 5, "plan_id": 1, "phase_key": "day-60", "text": "Overdue", "due_on": day_60, "state": "open"},
        {"id": 6, "plan_id": 2, "phase_key": "day-30", "text": "Late", "due_on": plan_2_due, "state": "signed_off",
         "done_at": at("2026-01-04"), "signed_off_at": at("2026-01-05")},
    )])
    conn.execute(insert(table_of(CheckIn)), {"plan_id": 1, "phase_key": "day-30", "status": "on track",
                                             "recorded_at": at("2026-02-15")})


def _upgrade_0006_with_data(url: str) -> None:
    from datetime import date

    from sqlalchemy import select

    from onboarding.extensions import db
    from onboarding.insights.queries import InsightFilters, _counted_from_items, _roles, ramp_insights
    from onboarding.insights.tallies import contributions, stored
    from onboarding.plans.models import Plan

    app = app_at(url, "0006", _rows_at_0006)
    today = date(2026, 3, 10)
    with app.app_context():
        upgrade()
        figures = ramp_insights(None, InsightFilters(), today, everyone=True)
        assert figures.as_json() == {"roles": [{
            "role": "r", "title": "R", "plans": 2, "active": 1, "complete": 1,
            "phases": [
                {"key": "day-30", "items": 4, "on_time_rate": 0.333, "median_days_to_sign_off": 35,
                 "sent_back_rate": 0.333, "overdue_now": 0},
                {"key": "day-60", "items": 1, "on_time_rate": 0.0, "median_days_to_sign_off": None,
                 "sent_back_rate": None, "overdue_now": 1}],
            "hardest": [{"text": "Sent back", "late": 1, "sent_back": 1, "waived": 0},
                        {"text": "Late", "late": 1, "sent_back": 0, "waived": 0},
                        {"text": "Overdue", "late": 1, "sent_back": 0, "waived": 0},
                        {"text": "Waived", "late": 0, "sent_back": 0, "waived": 1}]}],
            "check_ins": {"on track": 1, "at risk": 0, "off track": 0}}
        assert (figures.check_ins["day-30"].late, figures.check_ins["day-60"].missing) == (1, 1)
        assert figures == _counted_from_items(None, InsightFilters(), today, True, _roles(InsightFilters()))
        connection = db.session.connection()
        assert stored(connection).nonzero() == contributions(
            connection, db.session.scalars(select(Plan.id))).nonzero()
        db.session.rollback()
        downgrade(revision="0006")
        db.engine.dispose()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert not {t for t in inspect(conn).get_table_names() if t.startswith("insight_")}
    finally:
        engine.dispose()


def test_0007_fills_the_insight_tallies_from_existing_plans_on_sqlite(tmp_path):
    _upgrade_0006_with_data(f"sqlite:///{tmp_path}/with-plans.db")


def test_0007_fills_the_insight_tallies_from_existing_plans_on_postgresql(postgres):
    _upgrade_0006_with_data(postgres.create_database("migration_tallies"))
