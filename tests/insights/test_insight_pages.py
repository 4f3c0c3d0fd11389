"""The Insights page and its CSV downloads: who may see them, what they show, how many queries."""
from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import event

from onboarding.extensions import db
from tests.views.conftest import sign_in


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8"))))


def test_admins_and_managers_see_the_page_and_hires_get_404(app, history):
    page = client_for(app, history.admin).get("/insights")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Support Engineer" in html and "Data Engineer" in html and "How this is counted" in html
    assert '<svg class="chart timeline"' in html and 'role="img"' in html and "<title id=" in html
    assert 'style="' not in html and "<script" not in html  # nothing the CSP would block
    assert client_for(app, history.mara).get("/insights").status_code == 200
    assert client_for(app, history.hire_1).get("/insights").status_code == 404
    assert client_for(app, history.hire_1).get("/insights/phases.csv").status_code == 404
    anonymous = app.test_client().get("/insights")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_navigation_links_insights_for_managers_and_admins_only(app, history):
    assert 'href="/insights"' in client_for(app, history.mara).get("/team").get_data(as_text=True)
    assert 'href="/insights"' not in client_for(app, history.hire_1).get("/plan").get_data(as_text=True)


def test_a_manager_sees_only_their_reports_on_the_page_and_in_csv(app, history):
    mara = client_for(app, history.mara)
    roles = rows_of(mara.get("/insights/roles.csv"))
    assert roles == [["Role", "Plans", "Active", "Complete"], ["Data Engineer", "0", "0", "0"],
                     ["Support Engineer", "2", "2", "0"]]
    # a manager cannot widen the view with someone else's id
    assert rows_of(mara.get(f"/insights/roles.csv?manager={history.bob.id}"))[2] == ["Support Engineer", "2", "2", "0"]
    bobs = rows_of(client_for(app, history.admin).get(f"/insights/roles.csv?manager={history.bob.id}"))
    assert bobs[2] == ["Support Engineer", "2", "2", "0"]
    assert "Bob Manager" not in mara.get("/insights").get_data(as_text=True)  # no manager filter for managers


def test_every_table_downloads_as_csv_with_exact_figures(app, history):
    admin = client_for(app, history.admin)
    phases = rows_of(admin.get("/insights/phases.csv"))
    assert phases[0] == ["Role", "Phase", "Items", "On-time rate", "Median days to sign-off", "Sent-back rate",
                         "Overdue now"]
    assert ["Support Engineer", "30 days", "12", "0.833", "28", "0.286", "0"] in phases
    assert ["Data Engineer", "30 days", "0", "", "", "", "0"] in phases
    hardest = rows_of(admin.get("/insights/hardest.csv"))
    assert hardest[1] == ["Support Engineer", "The status page", "1", "1", "0"]
    check_ins = rows_of(admin.get("/insights/check-ins.csv"))
    assert check_ins[0] == ["Phase", "On track", "At risk", "Off track", "Recorded", "Late check-ins", "Late rate",
                            "Missing"]
    assert check_ins[1] == ["30 days", "1", "1", "0", "2", "1", "0.5", "0"]
    cohorts = rows_of(admin.get("/insights/cohorts.csv?start_from=2026-01&start_to=2026-01"))
    assert [r[:3] for r in cohorts[1:] if r[1] == "All phases"] == [["2026-01", "All phases", "1"]]
    versions = rows_of(admin.get("/insights/versions.csv"))
    assert {r[0] for r in versions[1:]} == {"Support Engineer v1", "Support Engineer v2"}
    assert admin.get("/insights/nothing.csv").status_code == 404


def test_csv_cells_that_look_like_formulas_are_neutralised(app, history, make_role):
    for title in ('=HYPERLINK("http://evil.example")', "+Plus Role", "-Minus Role", "@At Role"):
        make_role(title)
    roles = rows_of(client_for(app, history.admin).get("/insights/roles.csv"))
    titles = [r[0] for r in roles[1:]]
    assert {"'=HYPERLINK(\"http://evil.example\")", "'+Plus Role", "'-Minus Role", "'@At Role"} <= set(titles)
    assert not any(cell[:1] in "=+-@" for row in roles for cell in row if cell)


def test_bad_filters_are_refused_with_a_message_and_not_applied(app, history):
    admin = client_for(app, history.admin)
    page = admin.get("/insights?start_from=2026-02&start_to=2026-01")
    assert page.status_code == 400 and "The last month comes before the first." in page.get_data(as_text=True)
    assert admin.get("/insights?start_from=junk").status_code == 400
    assert admin.get("/insights/roles.csv?start_from=junk").status_code == 400
    assert admin.get("/insights?role=no-such-role").status_code == 400


def test_the_page_makes_a_fixed_number_of_queries(app, history, make_plan):
    admin = client_for(app, history.admin)

    def queries() -> int:
        counter = {"n": 0}

        def count(*_args, **_kwargs):
            counter["n"] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert admin.get("/insights").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return counter["n"]

    few = queries()
    for n in range(5):
        make_plan(manager=history.mara if n % 2 else history.bob, start_on=date(2025, 10 + n % 3, 3))
    assert queries() == few
    assert few <= 8


def test_all_plans_downloads_as_csv_with_its_filters(app, history):
    admin = client_for(app, history.admin)
    rows = rows_of(admin.get("/admin/plans.csv"))
    assert rows[0] == ["Hire", "Email", "Role", "Manager", "Start date", "Status", "Items", "Done", "Progress %",
                       "Waiting for sign-off", "Overdue items", "Active"]
    assert len(rows) == 5
    by_email = {r[1]: r for r in rows[1:]}
    second = by_email[history.plans[1].hire.email]
    # plan 2: 7 dated leaves, day-30's three done and signed off, day-60 and day-90 overdue
    assert second[2:] == ["Support Engineer", "Mara Manager", "2025-12-01", "overdue", "7", "3", "43", "0", "2", "yes"]
    assert 'href="/admin/plans.csv"' in admin.get("/admin/plans").get_data(as_text=True)
    bobs = rows_of(admin.get(f"/admin/plans.csv?manager={history.bob.id}"))
    assert {r[3] for r in bobs[1:]} == {"Bob Manager"} and len(bobs) == 3
    overdue = rows_of(admin.get("/admin/plans.csv?status=overdue"))
    assert [r[1] for r in overdue[1:]] == [history.plans[1].hire.email]
    assert admin.get("/admin/plans.csv?month=junk").status_code == 400


def test_the_team_dashboard_downloads_as_csv(app, history):
    mara = client_for(app, history.mara)
    rows = rows_of(mara.get("/team/dashboard.csv"))
    assert rows[0] == ["Name", "Email", "Role", "Start date", "Day", "30 days done", "30 days items", "60 days done",
                       "60 days items", "90 days done", "90 days items", "6 months done", "6 months items",
                       "12 months done", "12 months items", "Status", "Waiting for sign-off", "Next check-in",
                       "Next check-in due"]
    assert [r[1] for r in rows[1:]] == [history.plans[1].hire.email, history.plans[0].hire.email]  # overdue first
    assert rows[1][3:7] == ["2025-12-01", "92", "3", "3"] and rows[1][-4:] == ["overdue", "0", "60 days", "2026-01-30"]
    assert 'href="/team/dashboard.csv?sort=attention"' in mara.get("/team").get_data(as_text=True)
    assert client_for(app, history.hire_1).get("/team/dashboard.csv").status_code == 403


def test_figures_are_reused_until_something_changes(app, history):
    from onboarding.plans.states import complete_item
    from tests.insights.conftest import DAY_60, at, item

    admin = client_for(app, history.admin)

    def day_60_of_support() -> list[str]:
        return next(r for r in rows_of(admin.get("/insights/phases.csv"))
                    if r[:2] == ["Support Engineer", "60 days"])

    def queries_of_one_download() -> int:
        counter = {"n": 0}

        def count(*_args, **_kwargs):
            counter["n"] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            day_60_of_support()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return counter["n"]

    computed = queries_of_one_download()
    reused = queries_of_one_download()
    assert reused == computed - 4  # the four figure queries are skipped; the stamp is read
    assert day_60_of_support()[3] == "0.0"
    # plan 1's day-60 item, due today, ticked today: on time, and the figure moves at once
    complete_item(item(history.plans[0], DAY_60), history.hire_1, now=at("2026-03-02"))
    db.session.commit()
    assert day_60_of_support()[3] == "0.5"
