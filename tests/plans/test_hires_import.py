"""`hires import`: row by row (good rows kept, bad rows reported with their line), one transaction,
a fixed number of queries per chunk of rows.

Before: a row starting 9999-12-31 ended the import in a traceback with no line report, and on SQLite
the rows before it were already committed (each row's savepoint release committed it); 10,000 rows
took 146 s and 859 MB, with queries growing with every row.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from onboarding.audit.models import Event
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.people.models import User
from onboarding.plans.models import Plan, PlanItem

HEADER = "name,email,role,start date,manager email,buddy email\n"


@pytest.fixture
def org(make_user, make_role):
    make_role()
    make_user(role="manager", email="grace@example.com", name="Grace")


def run(runner, path):
    result = runner.invoke(args=["hires", "import", str(path)])
    db.session.rollback()
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def write(tmp_path, text: str):
    path = tmp_path / "hires.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_year_9999_row_is_reported_and_the_others_kept(runner, org, tmp_path):
    path = write(tmp_path, HEADER
                 + "Ada,ada@example.com,support-engineer,2026-01-31,grace@example.com,\n"
                 + "Max,max@example.com,support-engineer,9999-12-31,grace@example.com,\n"
                 + "Cy,cy@example.com,support-engineer,20260131,grace@example.com,\n"
                 + "Wes,wes@example.com,support-engineer,2026-W05-1,grace@example.com,\n"
                 + "Bo,bo@example.com,support-engineer,2026-02-02,grace@example.com,\n")
    result = run(runner, path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    assert result.stderr.splitlines() == [
        "line 3: the start date 9999-12-31 is out of range: use a date from 2000-01-01 to 2099-12-31",
        "line 4: the start date '20260131' is not a date: use YYYY-MM-DD",
        "line 5: the start date '2026-W05-1' is not a date: use YYYY-MM-DD",
    ]
    assert result.output.strip().splitlines()[-1] == "Imported 2 hire(s); 0 skipped (already have a plan); 3 row(s) failed."
    assert set(db.session.scalars(select(User.email).join(Plan, Plan.hire_id == User.id))) == {
        "ada@example.com", "bo@example.com"}


def test_plans_match_what_hires_add_makes(runner, org, tmp_path):
    run(runner, write(tmp_path, HEADER + "Ada,ada@example.com,support-engineer,2026-01-31,grace@example.com,\n"))
    imported = db.session.scalar(select(Plan))
    added = runner.invoke(args=["hires", "add", "--email", "bo@example.com", "--name", "Bo", "--role-template",
                                "support-engineer", "--start", "2026-01-31", "--manager", "grace@example.com"])
    assert added.exit_code == 0, added.stderr
    db.session.rollback()
    made = db.session.scalar(select(Plan).where(Plan.id != imported.id))

    def shape(plan):
        by_id = {i.id: i for i in plan.items}
        return [(i.position, i.phase_key, i.text, i.due_on, i.offset_days, i.offset_months, i.state, i.version,
                 by_id[i.parent_id].text if i.parent_id else None) for i in plan.items]

    assert shape(imported) == shape(made)
    assert (imported.manager.email, imported.hire.manager.email, imported.hire.name) == (
        "grace@example.com", "grace@example.com", "Ada")
    [created] = db.session.scalars(select(Event).where(Event.plan_id == imported.id)).all()
    [reference] = db.session.scalars(select(Event).where(Event.plan_id == made.id)).all()
    assert created.kind == reference.kind == "plan.created"
    assert {**created.new_value, "start_on": None} == {**reference.new_value, "start_on": None}


def test_existing_people_keep_their_manager_or_get_one(runner, org, make_user, tmp_path):
    lead = make_user(role="manager", email="lead@example.com")
    make_user(email="kept@example.com", manager_email="lead@example.com")
    make_user(email="orphan@example.com")
    result = run(runner, write(tmp_path, HEADER
                               + "Kept,kept@example.com,support-engineer,2026-01-31,,\n"
                               + "Orphan,orphan@example.com,support-engineer,2026-01-31,grace@example.com,\n"))
    assert result.exit_code == 0, result.stderr
    kept = db.session.scalar(select(User).where(User.email == "kept@example.com"))
    orphan = db.session.scalar(select(User).where(User.email == "orphan@example.com"))
    plans = {p.hire_id: p for p in db.session.scalars(select(Plan))}
    assert (kept.manager_id, plans[kept.id].manager_id) == (lead.id, lead.id)
    assert orphan.manager.email == plans[orphan.id].manager.email == "grace@example.com"


def test_a_hire_added_earlier_in_the_file_can_be_a_later_rows_buddy(runner, org, tmp_path):
    result = run(runner, write(tmp_path, HEADER
                               + "Ada,ada@example.com,support-engineer,2026-01-31,grace@example.com,\n"
                               + "Bo,bo@example.com,support-engineer,2026-02-02,grace@example.com,ada@example.com\n"
                               + "Ada twice,ada@example.com,support-engineer,2026-02-02,,\n"))
    assert result.stderr.splitlines() == [
        "line 4: skipped: ada@example.com already has an active plan; finish it before making another"]
    bo = db.session.scalar(select(Plan).join(User, User.id == Plan.hire_id).where(User.email == "bo@example.com"))
    assert bo.buddy.email == "ada@example.com"


def test_a_damaged_row_far_down_imports_nothing(runner, org, tmp_path):
    """The rows stream: a CSV error at line 1,502 is found after 1,500 rows were written. One
    transaction for the whole import means none of them stays."""
    rows = "".join(f"P{n},p{n}@example.com,support-engineer,2026-01-31,grace@example.com,\n" for n in range(1500))
    events_before = count(Event)  # grace's person.added
    path = write(tmp_path, HEADER + rows + 'Big,big@example.com,support-engineer,2026-01-31,"' + "x" * 200_000 + '"\n')
    result = run(runner, path)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].endswith("nothing was imported")
    assert "line 1502" in result.stderr
    assert (count(Plan), count(PlanItem), count(Event)) == (0, 0, events_before)
    assert count(User) == 1  # grace


@contextmanager
def counting():
    counter = {"n": 0}

    def tick(*args, **kwargs):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", tick)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", tick)


def test_queries_do_not_grow_with_the_rows(runner, org, tmp_path):
    def queries(n: int, prefix: str) -> int:
        rows = "".join(f"P{k},{prefix}{k}@example.com,support-engineer,2026-01-31,grace@example.com,\n"
                       for k in range(n))
        with counting() as counter:
            result = run(runner, write(tmp_path, HEADER + rows))
        assert result.exit_code == 0, result.stderr
        return counter["n"]

    # one statement per table and item depth per chunk; the driver splits very large INSERTs into
    # pages of 1,000 rows (400 plans here have 2,400 items: two more pages), never one per row
    few, many = queries(5, "a"), queries(400, "b")
    assert few <= many <= few + 4
    assert count(Plan) == 405
    assert count(OutboxMessage) == 405  # each new person invited, in the same fixed statements per chunk


def test_imported_plans_are_counted_in_the_insight_tallies(runner, org, tmp_path):
    """The import writes with bulk statements (no ORM flush): it adds its plans to the tallies itself."""
    from onboarding.insights.tallies import contributions, stored

    run(runner, write(tmp_path, HEADER + "Ada,ada@example.com,support-engineer,2026-01-31,grace@example.com,\n"
                      + "Bo,bo@example.com,support-engineer,2025-11-03,grace@example.com,\n"))
    connection = db.session.connection()
    expected = contributions(connection, db.session.scalars(select(Plan.id))).nonzero()
    assert sum(n for [n] in expected["insight_plan_tallies"].values()) == 2
    assert stored(connection).nonzero() == expected
