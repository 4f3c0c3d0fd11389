"""The insight tallies stay equal to a count from scratch, whatever happens to the plans, and the
figures summed from them equal the figures read from the items."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.insights.queries import InsightFilters, _counted_from_items, _roles, ramp_insights
from onboarding.insights.tallies import contributions, stored
from onboarding.plans.check_ins import record_check_in
from onboarding.plans.edits import add_item, edit_item_text, move_start_date
from onboarding.plans.models import Plan, PlanItem
from onboarding.plans.states import complete_item, reopen_item, send_back_item, sign_off_item, waive_item
from onboarding.plans.upgrade import upgrade_plan
from onboarding.roles.operations import latest_version
from tests.conftest import TODAY
from tests.insights.conftest import at

FILTERS = (InsightFilters(), InsightFilters(role="support-engineer"),
           InsightFilters(start_from=date(2026, 1, 1), start_until=date(2026, 3, 1)))


def _from_scratch() -> dict:
    connection = db.session.connection()
    return contributions(connection, db.session.scalars(select(Plan.id))).nonzero()


def _assert_tallies_are_right(admin) -> None:
    assert stored(db.session.connection()).nonzero() == _from_scratch()
    for filters in FILTERS:
        for today in (TODAY - timedelta(days=40), TODAY, TODAY + timedelta(days=200)):
            tallied = ramp_insights(admin, filters, today)
            from_items = _counted_from_items(admin, filters, today, False, _roles(filters))
            assert tallied == from_items, (filters, today)


def test_the_tallies_equal_a_count_from_scratch_after_random_changes(history):
    rng = random.Random(20261202)
    admin, plans = history.admin, history.plans
    hires_and_managers = {p.id: (p.hire, p.manager or admin) for p in plans}
    support = plans[0].template_version.template
    when = [at("2026-01-10")]

    def some_item(plan: Plan, state: str | None = None) -> PlanItem:
        """One of the plan's items, in that state when it has one."""
        items = list(db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id)))
        return rng.choice([i for i in items if i.state == state] or items)

    def step() -> str:
        when[0] += timedelta(hours=rng.randrange(1, 60))
        now, plan = when[0], rng.choice(plans)
        hire, manager = hires_and_managers[plan.id]
        action = rng.choice(("tick", "tick", "sign off", "sign off", "send back", "waive", "reopen", "check-in",
                             "move start", "upgrade", "add item", "reword", "finish"))
        if action == "tick":
            complete_item(some_item(plan), hire, now=now)
        elif action == "sign off":
            sign_off_item(some_item(plan, "done"), manager, now)
        elif action == "send back":
            send_back_item(some_item(plan, "done"), manager, "Once more, please.", now)
        elif action == "waive":
            waive_item(some_item(plan), manager, "Not for this hire.", now)
        elif action == "reopen":
            reopen_item(some_item(plan, "done"), hire, now=now)
        elif action == "check-in":
            record_check_in(plan, rng.choice(("day-30", "day-60", "day-90")), manager,
                            rng.choice(("on track", "at risk", "off track")), "", now)
        elif action == "move start":
            move_start_date(plan, plan.start_on + timedelta(days=rng.choice((-40, -9, 13, 31))), admin, now)
        elif action == "upgrade":
            upgrade_plan(plan, latest_version(support), admin, now)
        elif action == "add item":
            add_item(plan, rng.choice(("day-30", "day-90")), rng.choice(("Meet the team.", "Ship a fix.")), manager,
                     now)
        elif action == "reword":
            edit_item_text(some_item(plan), rng.choice(("Meet the team.", "A new wording.")), manager, now)
        else:
            plan.is_active = not plan.is_active
        return action

    done: Counter = Counter()
    for n in range(120):
        try:
            action = step()
        except ServiceError:
            db.session.rollback()  # a refused change changes nothing
        else:
            db.session.commit()
            done[action] += 1
        if n % 20 == 19:
            _assert_tallies_are_right(admin)
    # every kind of change happened (so the checks saw real changes), most more than once
    assert len(done) == 11 and sum(done.values()) > 50, done
    _assert_tallies_are_right(admin)


def test_rebuild_recomputes_lost_tallies(app, history, runner):
    from onboarding.insights.models import MilestoneTally, PhaseTally

    expected = ramp_insights(history.admin, InsightFilters(), TODAY)
    db.session.execute(PhaseTally.__table__.delete())
    db.session.execute(MilestoneTally.__table__.update().values(late_done=7))
    db.session.commit()
    assert ramp_insights(history.admin, InsightFilters(), TODAY) != expected
    result = runner.invoke(args=["insights", "rebuild"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "insight tallies rebuilt from 4 plan(s)"
    assert stored(db.session.connection()).nonzero() == _from_scratch()
    assert ramp_insights(history.admin, InsightFilters(), TODAY) == expected
