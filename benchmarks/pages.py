"""Time the hire's plan page and a manager's team dashboard in an organisation of 2,000 active plans.

    python benchmarks/run.py pages [--plans 2000] [--reports 300] [--runs 50] [--db PATH]
                                   [--database sqlite|postgresql]

Builds the organisation on a SQLite file (or in a throw-away PostgreSQL server started as the
tests start theirs) from the four seed role documents (bulk inserts, so
setup takes seconds): one manager with 300 reports, one with 10, the other hires spread over
managers of about 20, plans started up to 400 days ago with items ticked, signed off and overdue
as time would leave them. Then renders, through the Flask test client and signed in, the hire's
plan page and the 300-report dashboard `--runs` times each, and prints one JSON line: median and
95th percentile in milliseconds, and the SQL queries each page makes (also for the 10-report
dashboard, to show that the count does not grow with the team).

The plan page is also measured against a floor: a bare Flask view (no templates, no models) that
runs the very SELECTs the page ran, with their parameters, on the same database. The two are
timed interleaved, request by request, so machine load hits both alike; the line prints both
medians and their ratio (target: the page within 2x of the floor). Interleaved with them, two
empty views show what every request costs before its own work: `signed_in_empty_ms`, a view of
this app that answers a constant to the signed-in hire (session, sign-in, security headers,
access log), and `bare_empty_ms`, the bare Flask view answering a constant.

Targets on the reference machine: plan page < 25 ms median, 300-report dashboard < 150 ms median.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script or through benchmarks/run.py

from benchmarks.org import leaf_state, seed_roles, template_rows, throwaway_postgres  # noqa: E402
from onboarding.plans.states import derived_state

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
PASSWORD = "benchmark password"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py pages", description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=2000, help="active plans in the organisation (default 2000)")
    parser.add_argument("--reports", type=int, default=300, help="reports of the big manager (default 300)")
    parser.add_argument("--runs", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--db", help="SQLite file to build (default: a temporary file, removed afterwards)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="where to build the organisation (default sqlite)")
    parser.add_argument("--seed", type=int, default=42, help="random seed for the organisation")
    args = parser.parse_args(argv)
    if args.plans < args.reports + 10 or args.reports < 1 or args.runs < 1:
        parser.error("--plans must be at least --reports + 10, and --reports and --runs at least 1")
    return args


def main(argv: list[str]) -> int:
    args = _parse(argv)
    if args.database == "postgresql":
        with throwaway_postgres("pages-bench-pg-") as server:
            return _run(args, server.create_database("pages"))
    if args.db:
        return _run(args, _fresh_sqlite(Path(args.db)))
    with tempfile.TemporaryDirectory() as tmp:
        return _run(args, _fresh_sqlite(Path(tmp) / "pages.db"))


def _fresh_sqlite(path: Path) -> str:
    if path.exists():
        path.unlink()
    return f"sqlite:///{path}"


def _run(args: argparse.Namespace, url: str) -> int:
    from flask_login import login_required
    from flask_migrate import upgrade

    from onboarding import create_app
    from onboarding.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "FIXED_NOW": NOW,
                      "SECRET_KEY": "benchmark"})
    app.add_url_rule("/benchmark-empty", "benchmark_empty", login_required(lambda: "empty"))
    logging.getLogger("onboarding").setLevel(logging.WARNING)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        people = build_organisation(args.plans, args.reports, random.Random(args.seed))
        engine = db.engine
    print(f"pages: built {args.plans} plans in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    def signed_in(email: str):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"could not sign in as {email}: {response.status_code}")
        return client

    hire, big, small = signed_in(people["hire"]), signed_in(people["big_manager"]), signed_in(people["small_manager"])
    plan_times, plan_queries = measure(engine, hire, "/plan", args.runs)
    page_times, floor_times, empty_times, bare_times = against_floor(engine, hire, "/plan", args.runs)
    dashboard_times, dashboard_queries = measure(engine, big, "/team", args.runs, expect_rows=args.reports)
    _, small_queries = measure(engine, small, "/team", 3, expect_rows=10)
    print(json.dumps({
        "plans": args.plans,
        "database": args.database,
        "plan_page_ms_median": _ms(statistics.median(plan_times)),
        "plan_page_ms_p95": _ms(_p95(plan_times)),
        "dashboard_300_ms_median": _ms(statistics.median(dashboard_times)),
        "dashboard_300_ms_p95": _ms(_p95(dashboard_times)),
        "plan_page_ms_interleaved": _ms(statistics.median(page_times)),
        "plan_floor_ms": _ms(statistics.median(floor_times)),
        "plan_page_to_floor": round(statistics.median(page_times) / statistics.median(floor_times), 2),
        "signed_in_empty_ms": _ms(statistics.median(empty_times)),
        "bare_empty_ms": _ms(statistics.median(bare_times)),
        "plan_page_queries": plan_queries,
        "dashboard_300_queries": dashboard_queries,
        "dashboard_10_queries": small_queries,
    }))
    with app.app_context():
        db.engine.dispose()
    return 0


def measure(engine, client, url: str, runs: int, expect_rows: int | None = None) -> tuple[list[float], int]:
    """Time `runs` GETs of `url` (after a warm-up) and count the SQL statements of one of them."""
    from onboarding.core.db import recorded_statements

    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    if expect_rows is not None:
        rows = response.get_data(as_text=True).count('<th scope="row">')
        if rows != expect_rows:
            raise SystemExit(f"{url} shows {rows} reports, expected {expect_rows}")
    with recorded_statements(engine) as statements:
        client.get(url)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return times, len(statements)


def against_floor(engine, client, url: str, runs: int) -> tuple[list[float], ...]:
    """Time `url`, a bare Flask view running the same SELECTs, and the two empty views, interleaved:
    (page times, floor times, signed-in empty view times, bare empty view times)."""
    from flask import Flask
    from sqlalchemy import event

    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", record)

    bare = Flask("floor")

    @bare.get("/")
    def floor():
        with engine.connect() as conn:
            rows = sum(len(conn.exec_driver_sql(sql, params).fetchall()) for sql, params in statements)
        return f"{rows} rows"

    @bare.get("/empty")
    def empty():
        return "empty"

    floor_client = bare.test_client()
    timed = ((client, url), (floor_client, "/"), (client, "/benchmark-empty"), (floor_client, "/empty"))
    for _ in range(3):
        for who, path in timed:
            if who.get(path).status_code != 200:
                raise SystemExit(f"{path} did not answer 200")
    times: list[list[float]] = [[] for _ in timed]
    for _ in range(runs):
        for (who, path), spent in zip(timed, times):
            started = time.perf_counter()
            who.get(path)
            spent.append(time.perf_counter() - started)
    page, floor_, empty_, bare_ = (_ms(statistics.median(t)) for t in times)
    print(f"pages: plan page {page} ms, bare view with its {len(statements)} SELECTs {floor_} ms; "
          f"empty views: this app signed in {empty_} ms, bare Flask {bare_} ms", file=sys.stderr)
    return tuple(times)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


# --- the organisation ----------------------------------------------------------------------------


def build_organisation(plan_count: int, reports: int, rng: random.Random) -> dict[str, str]:
    """Seed roles, people, plans, items and check-ins with bulk inserts; returns the emails to sign in as."""
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from onboarding.extensions import db
    from onboarding.people.models import User
    from onboarding.plans.due_dates import due_date
    from onboarding.plans.models import CheckIn, Plan, PlanItem
    from onboarding.roles.operations import import_role

    today = NOW.date()
    versions = [import_role(role, now=NOW).version for role in seed_roles()]
    db.session.commit()
    templates = {v.id: template_rows(v) for v in versions}
    password_hash = generate_password_hash(PASSWORD)

    # Managers: one with `reports` reports, one with 10, the rest with about 20 each.
    rest = plan_count - reports - 10
    team_sizes = [reports, 10] + [20] * (rest // 20) + ([rest % 20] if rest % 20 else [])
    users, plans = [], []
    user_id = 0
    for team, size in enumerate(team_sizes):
        user_id += 1
        manager_id = user_id
        users.append({"id": manager_id, "email": f"manager{team}@example.com", "name": f"Manager {team}",
                      "role": "manager", "password_hash": password_hash if team < 2 else None})
        for _ in range(size):
            user_id += 1
            n = len(plans)
            users.append({"id": user_id, "email": f"hire{n}@example.com", "name": f"Hire {n:04d}", "role": "hire",
                          "manager_id": manager_id, "password_hash": password_hash if n == 0 else None})
            plans.append({"id": n + 1, "hire_id": user_id, "manager_id": manager_id,
                          "template_version_id": versions[n % len(versions)].id,
                          "start_on": today - timedelta(days=rng.randrange(0, 400)), "is_active": True,
                          "created_at": NOW})
    # The hire whose page is timed has the largest template, a few months in.
    largest = max(versions, key=lambda v: len(templates[v.id]))
    plans[0].update(template_version_id=largest.id, start_on=today - timedelta(days=75))

    items, check_ins = [], []
    item_id = 0
    for plan in plans:
        rows = templates[plan["template_version_id"]]
        ids, states = [], []
        children: dict[int, list[int]] = {}
        for index, (parent, _key, _text, _days, _months) in enumerate(rows):
            if parent is not None:
                children.setdefault(parent, []).append(index)
        for index, (parent, key, text, days, months) in enumerate(rows):
            item_id += 1
            ids.append(item_id)
            due = due_date(plan["start_on"], {"months": months} if months is not None else {"days": days},
                           working_days=False, holidays=set())
            state = "open" if index in children else leaf_state(due, today, rng, recent_done=0.45)
            states.append(state)
            items.append({"id": item_id, "plan_id": plan["id"], "parent_id": ids[parent] if parent is not None else None,
                          "position": (index + 1) * 1024, "phase_key": key, "text": text, "offset_days": days,
                          "offset_months": months, "due_on": due, "state": state,
                          "done_at": NOW if state in ("done", "signed_off") else None,
                          "signed_off_at": NOW if state == "signed_off" else None,
                          "waived_reason": "Not needed for this hire." if state == "waived" else ""})
        first = len(items) - len(rows)
        for index in sorted(children, reverse=True):  # deepest parents last in list order: derive bottom-up
            items[first + index]["state"] = states[index] = derived_state([states[c] for c in children[index]])
        for key in {r[1] for r in rows}:
            due_on = max(items[first + i]["due_on"] for i, r in enumerate(rows) if r[1] == key)
            if due_on < today and rng.random() < 0.7:
                check_ins.append({"plan_id": plan["id"], "phase_key": key, "status": rng.choice(
                    ["on track", "on track", "at risk", "off track"]), "notes": "", "self_assessment": "",
                    "recorded_by_id": plan["manager_id"], "recorded_at": NOW})

    for table, rows in ((User, users), (Plan, plans), (PlanItem, items), (CheckIn, check_ins)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), _complete(table, rows[start:start + 5000]))
    db.session.commit()
    return {"hire": "hire0@example.com", "big_manager": "manager0@example.com", "small_manager": "manager1@example.com"}


def _complete(model, rows: list[dict]) -> list[dict]:
    """Give every row the same keys (an executemany needs them) with the model's defaults."""
    from onboarding.people.models import new_token

    defaults = {
        "users": {"manager_id": None, "timezone": "UTC", "digest_cadence": "weekly", "digest_hour": 9,
                  "unsubscribe_version": 1, "is_active_account": True, "created_at": NOW},
        "plan_items": {"note": "", "evidence_url": "", "review_comment": "", "is_custom": False, "version": 1,
                       "done_by_id": None, "signed_off_by_id": None, "sent_back_at": None},
        "plans": {"buddy_id": None, "finished_at": None},
        "check_ins": {"self_assessed_at": None},
    }.get(model.__tablename__, {})
    completed = []
    for row in rows:
        row = {**defaults, **row}
        if model.__tablename__ == "users":
            row.setdefault("session_token", new_token())
            row.setdefault("calendar_token", new_token())
        completed.append(row)
    return completed


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
