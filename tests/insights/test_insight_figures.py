"""Exact ramp figures from a history built at known dates (see conftest.py for the story)."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import event

from onboarding.extensions import db
from onboarding.insights.queries import InsightFilters, ramp_insights
from tests.conftest import NOW, TODAY
from tests.insights.conftest import DAY_60, DAY_90, HELP_DESK, STATUS_PAGE, TICKETS

EMPTY_PHASES = [{"key": key, "items": 0, "on_time_rate": None, "median_days_to_sign_off": None,
                 "sent_back_rate": None, "overdue_now": 0} for key in ("day-30", "day-60", "day-90", "month-6", "month-12")]


def phase(key, items, on_time_rate=None, median=None, sent_back_rate=None, overdue=0):
    return {"key": key, "items": items, "on_time_rate": on_time_rate, "median_days_to_sign_off": median,
            "sent_back_rate": sent_back_rate, "overdue_now": overdue}


def test_the_whole_organisation_as_an_admin(history):
    figures = ramp_insights(history.admin, InsightFilters(), TODAY).as_json()
    assert figures == {
        "roles": [
            {"role": "data-engineer", "title": "Data Engineer", "plans": 0, "active": 0, "complete": 0,
             "phases": EMPTY_PHASES, "hardest": []},
            {"role": "support-engineer", "title": "Support Engineer", "plans": 4, "active": 4, "complete": 0,
             "phases": [
                 # on time: p1 1 of 2 (one waived), p2 3 of 3, p3 1 of 1 (moved start: not yet due), p4 none due
                 phase("day-30", 12, on_time_rate=0.833, median=28, sent_back_rate=0.286),
                 phase("day-60", 4, on_time_rate=0.0, overdue=1),
                 phase("day-90", 5, on_time_rate=0.0, overdue=1),  # the upgrade added one, one is waived
                 phase("month-6", 4),
                 phase("month-12", 4),
             ],
             "hardest": [
                 {"text": STATUS_PAGE, "late": 1, "sent_back": 1, "waived": 0},
                 {"text": DAY_90, "late": 1, "sent_back": 0, "waived": 1},
                 {"text": DAY_60, "late": 1, "sent_back": 0, "waived": 0},
                 {"text": HELP_DESK, "late": 0, "sent_back": 1, "waived": 0},
                 {"text": TICKETS, "late": 0, "sent_back": 0, "waived": 1},
             ]},
        ],
        "check_ins": {"on track": 1, "at risk": 1, "off track": 0},
    }


def test_a_manager_counts_only_their_reports(history):
    figures = ramp_insights(history.mara, InsightFilters(), TODAY).as_json()
    support = figures["roles"][1]
    assert (support["plans"], support["active"]) == (2, 2)
    assert support["phases"][:3] == [
        phase("day-30", 6, on_time_rate=0.8, median=28, sent_back_rate=0.2),
        phase("day-60", 2, on_time_rate=0.0, overdue=1),
        phase("day-90", 2, on_time_rate=0.0, overdue=1),
    ]
    assert [h["text"] for h in support["hardest"]] == [STATUS_PAGE, DAY_60, DAY_90, TICKETS]
    assert figures["check_ins"] == {"on track": 1, "at risk": 1, "off track": 0}
    bob = ramp_insights(history.bob, InsightFilters(), TODAY).as_json()
    assert bob["roles"][1]["plans"] == 2 and bob["check_ins"] == {"on track": 0, "at risk": 0, "off track": 0}


def test_a_hire_or_nobody_counts_nothing(history):
    for who in (history.hire_1, None):
        figures = ramp_insights(who, InsightFilters(), TODAY).as_json()
        assert [r["plans"] for r in figures["roles"]] == [0, 0]


def test_versions_cohorts_and_check_in_lateness(history):
    insights = ramp_insights(history.admin, InsightFilters(), TODAY)
    support = insights.roles[1]
    v1, v2 = support.versions
    assert (v1.label, v1.plans, v2.label, v2.plans) == ("Support Engineer v1", 3, "Support Engineer v2", 1)
    assert (v1.phases["day-30"].on_time_rate, v2.phases["day-30"].on_time_rate) == (0.833, None)
    assert v2.phases["day-30"].sent_back_rate == 1.0 and v2.phases["day-90"].items == 2
    # cohorts by the current start month: plan 3 moved from January to February
    assert [(c.key, c.plans) for c in insights.cohorts] == [("2025-12", 1), ("2026-01", 1), ("2026-02", 2)]
    assert [c.phases["day-30"].on_time_rate for c in insights.cohorts] == [1.0, 0.5, 1.0]
    assert [c.phases["day-30"].median_days_to_sign_off for c in insights.cohorts] == [21, 35, None]
    day_30, day_60 = insights.check_ins["day-30"], insights.check_ins["day-60"]
    assert (day_30.recorded, day_30.late, day_30.late_rate, day_30.missing) == (2, 1, 0.5, 0)
    assert (day_60.recorded, day_60.missing) == (0, 1)


def test_filters_by_role_manager_and_start_months(history):
    only_empty = ramp_insights(history.admin, InsightFilters(role="data-engineer"), TODAY).as_json()
    assert [r["role"] for r in only_empty["roles"]] == ["data-engineer"]
    february = ramp_insights(history.admin, InsightFilters(start_from=date(2026, 2, 1), start_until=date(2026, 3, 1)),
                             TODAY)
    assert february.roles[1].plans == 2 and [c.key for c in february.cohorts] == ["2026-02"]
    bobs = ramp_insights(history.admin, InsightFilters(manager_id=history.bob.id), TODAY)
    assert bobs.roles[1].plans == 2
    # a manager filtering on someone else's reports still sees only their own: none of Bob's
    assert ramp_insights(history.mara, InsightFilters(manager_id=history.bob.id), TODAY).roles[1].plans == 0


def test_a_finished_phase_counts_toward_complete_plans(history, make_plan):
    from onboarding.plans.states import complete_item, sign_off_item, waive_item
    from tests.insights.conftest import at, item

    plan = history.plans[1]
    for text in (DAY_60, DAY_90):
        complete_item(item(plan, text), plan.hire, now=at("2026-03-01"))
        sign_off_item(item(plan, text), history.mara, at("2026-03-01"))
    for text in ("Lead an incident review.", "Mentor a new colleague."):
        waive_item(item(plan, text), history.mara, "Leaving early.", at("2026-03-01"))
    db.session.commit()
    support = ramp_insights(history.admin, InsightFilters(), TODAY).as_json()["roles"][1]
    assert support["complete"] == 1
    # day-60 finished on 2026-03-01, 90 days after the 2025-12-01 start; month-6 is all waived: no sign-off
    assert support["phases"][1]["median_days_to_sign_off"] == 90
    assert support["phases"][3]["median_days_to_sign_off"] is None


def test_a_fixed_number_of_queries_whatever_the_number_of_plans(history, make_plan):
    def queries() -> int:
        counter = {"n": 0}

        def count(*_args, **_kwargs):
            counter["n"] += 1

        assert history.admin.is_admin  # loaded before counting, as the signed-in user is on a page
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            ramp_insights(history.admin, InsightFilters(), TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return counter["n"]

    few = queries()
    for _ in range(6):
        make_plan(manager=history.mara, start_on=date(2026, 1, 5))
    assert queries() == few == 4


def test_the_command_prints_designs_json_shape(app, history, runner):
    app.config["FIXED_NOW"] = NOW
    result = runner.invoke(args=["insights", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures == ramp_insights(history.admin, InsightFilters(), TODAY).as_json()
    assert list(figures) == ["roles", "check_ins"]
    assert list(figures["roles"][1]) == ["role", "title", "plans", "active", "complete", "phases", "hardest"]
    assert list(figures["roles"][1]["phases"][0]) == ["key", "items", "on_time_rate", "median_days_to_sign_off",
                                                      "sent_back_rate", "overdue_now"]
    assert list(figures["roles"][1]["hardest"][0]) == ["text", "late", "sent_back", "waived"]
    assert list(figures["check_ins"]) == ["on track", "at risk", "off track"]

    mara = json.loads(runner.invoke(args=["insights", "--json", "--manager", "MARA@example.com"]).output)
    assert mara == ramp_insights(history.mara, InsightFilters(), TODAY).as_json()
    only = json.loads(runner.invoke(args=["insights", "--json", "--role", "support-engineer"]).output)
    assert [r["role"] for r in only["roles"]] == ["support-engineer"] and only["roles"][0]["plans"] == 4


def test_the_command_prints_text_and_csv_and_refuses_bad_input(app, history, runner):
    app.config["FIXED_NOW"] = NOW
    text = runner.invoke(args=["insights"])
    assert text.exit_code == 0
    assert "Support Engineer (support-engineer): 4 plan(s), 4 active, 0 complete" in text.output
    assert "Data Engineer (data-engineer): 0 plan(s), 0 active, 0 complete" in text.output
    assert text.output.splitlines()[-1] == "Check-ins: 1 on track, 1 at risk, 0 off track; 1 late, 1 missing"
    as_csv = runner.invoke(args=["insights", "--csv"])
    assert as_csv.exit_code == 0
    assert as_csv.output.splitlines()[0] == ("Role,Phase,Items,On-time rate,Median days to sign-off,Sent-back rate,"
                                             "Overdue now")
    assert "Support Engineer,30 days,12,0.833,28,0.286,0" in as_csv.output.splitlines()
    hardest = runner.invoke(args=["insights", "--csv", "--table", "hardest"])
    assert hardest.output.splitlines()[1] == "Support Engineer,The status page,1,1,0"
    for args, message in ((["--role", "nope"], "no role template 'nope'. See `onboarding roles list`."),
                          (["--manager", "who@example.com"], "no person with the email who@example.com"),
                          (["--json", "--csv"], "choose one of --json and --csv")):
        result = runner.invoke(args=["insights", *args])
        assert result.exit_code == 1 and result.output.strip() == f"Error: {message}"
