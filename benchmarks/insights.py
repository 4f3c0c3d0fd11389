"""Time the Insights page for an organisation of 10,000 and 50,000 plans, on SQLite and PostgreSQL.

    python benchmarks/run.py insights [--plans 10000 50000] [--backend sqlite postgresql] [--runs 5]
                                      [--seed 42]

For each backend and size, a fresh process builds the organisation with bulk inserts from the seed
role documents (managers of about 20 hires, plans started up to 420 days ago, a few finished;
items ticked, signed off, sent back, waived and overdue as time would leave them, with their
dates; check-ins at phase ends, some late), then renders /insights through the Flask test client,
signed in as an admin (every plan) and as a manager (their 20 reports), and prints one JSON line:

    backend, plans, items, build_seconds; tally_rebuild_seconds: filling the insight tallies from the
      bulk-inserted rows (what migration 0007 and `onboarding insights rebuild` do);
    cold_page_ms: the admin's first request, which computes the figures (insights/cache.py keeps
      them until the audit log, plans or templates change), and cold_page_queries;
    page_ms_median / page_ms_max: --runs more requests, figures reused, and page_queries;
    manager_cold_page_ms, manager_page_ms_median, manager_cold_page_queries: the same for a manager;
    figures_ms_traced, figures_python_peak_mb: computing the figures once more under tracemalloc
      (slower than untraced) and the peak of what it allocates;
    figures_ms_median / figures_from_items_ms_median / items_to_tallies_ratio: the figures summed
      from the insight tallies and read from every item (as before them), interleaved, --runs each;
    peak_rss_mb: the process's maximum resident set, setup included; load_average: the machine's.

PostgreSQL is a throw-away server (tests/pg.py: Debian's postgresql binaries, loopback only).
Target: the admin page under 1 s at 50,000 plans, and the same query count at every size.
This is a script, not a test: it measures this machine and prints, and never fails a build.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script or through benchmarks/run.py

from benchmarks.org import leaf_state, seed_roles, template_rows, throwaway_postgres  # noqa: E402

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
PASSWORD = "benchmark password"
TEAM = 20
CHUNK = 20_000


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py insights", description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, nargs="+", default=[10_000, 50_000], help="organisation sizes")
    parser.add_argument("--backend", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page (default 5)")
    parser.add_argument("--seed", type=int, default=42, help="random seed for the organisation")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if min(args.plans) < TEAM or args.runs < 1:
        parser.error(f"--plans must be at least {TEAM}, --runs at least 1")
    return args


def main(argv: list[str]) -> int:
    args = _parse(argv)
    if args.one:
        return _measure_one(args.backend[0], args.plans[0], args.runs, args.seed)
    status = 0
    for backend in args.backend:
        for plans in args.plans:
            # One process per measurement, so that peak memory is this measurement's own.
            child = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--one", "--backend", backend, "--plans", str(plans),
                 "--runs", str(args.runs), "--seed", str(args.seed)], stdout=subprocess.PIPE, text=True)
            sys.stdout.write(child.stdout)
            sys.stdout.flush()
            status = max(status, child.returncode)
    return status


def _measure_one(backend: str, plan_count: int, runs: int, seed: int) -> int:
    if backend == "postgresql":
        with throwaway_postgres("insights-bench-pg-") as server:
            return _run(backend, server.create_database("insights_bench"), plan_count, runs, seed)
    with tempfile.TemporaryDirectory(prefix="insights-bench-") as tmp:
        return _run(backend, f"sqlite:///{Path(tmp) / 'insights.db'}", plan_count, runs, seed)


def _run(backend: str, url: str, plan_count: int, runs: int, seed: int) -> int:
    from flask_migrate import upgrade

    from onboarding import create_app
    from onboarding.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "FIXED_NOW": NOW,
                      "SECRET_KEY": "benchmark"})
    logging.getLogger("onboarding").setLevel(logging.WARNING)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        items = build_organisation(plan_count, random.Random(seed))
        from onboarding.insights.tallies import rebuild

        rebuilt = time.perf_counter()
        rebuild(db.session.connection())  # the organisation was bulk-inserted: count it as migration 0007 would
        db.session.commit()
        rebuild_seconds = time.perf_counter() - rebuilt
        if backend == "postgresql":
            with db.engine.connect() as conn:  # fresh statistics, as autovacuum would have by now
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        engine = db.engine
    build_seconds = time.perf_counter() - started
    print(f"insights: built {plan_count} plans ({items} items) on {backend} in {build_seconds:.1f} s",
          file=sys.stderr)

    def signed_in(email: str):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"could not sign in as {email}: {response.status_code}")
        return client

    admin, manager = signed_in("admin@example.com"), signed_in("manager0@example.com")
    cold = _measure(engine, admin, "/insights", runs)
    manager_cold = _measure(engine, manager, "/insights", runs)
    tracemalloc.start()
    with app.app_context():
        from onboarding.insights.queries import InsightFilters, ramp_insights

        started = time.perf_counter()
        ramp_insights(None, InsightFilters(), NOW.date(), everyone=True)  # what a cold page computes
        compute_seconds = time.perf_counter() - started
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tallied, from_items = _against_the_items(app, runs)
    print(json.dumps({
        "backend": backend, "plans": plan_count, "items": items, "build_seconds": round(build_seconds, 1),
        "tally_rebuild_seconds": round(rebuild_seconds, 1),
        "cold_page_ms": _ms(cold["cold"]), "page_ms_median": _ms(statistics.median(cold["warm"])),
        "page_ms_max": _ms(max(cold["warm"])),
        "manager_cold_page_ms": _ms(manager_cold["cold"]),
        "manager_page_ms_median": _ms(statistics.median(manager_cold["warm"])),
        "cold_page_queries": cold["cold_queries"], "page_queries": cold["warm_queries"],
        "manager_cold_page_queries": manager_cold["cold_queries"],
        "figures_python_peak_mb": round(python_peak / 2**20, 1),
        "figures_ms_traced": _ms(compute_seconds),
        "figures_ms_median": _ms(tallied), "figures_from_items_ms_median": _ms(from_items),
        "items_to_tallies_ratio": round(from_items / tallied, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average": round(os.getloadavg()[0], 1),
    }), flush=True)
    with app.app_context():
        db.engine.dispose()
    return 0


def _against_the_items(app, runs: int) -> tuple[float, float]:
    """Median seconds of the figures summed from the tallies and read from every item (the floor this
    work replaced), `runs` times each, interleaved so that the machine's load weighs on both alike."""
    from onboarding.insights.queries import InsightFilters, _counted_from_items, _roles, ramp_insights

    tallied, from_items = [], []
    with app.app_context():
        for _ in range(runs):
            started = time.perf_counter()
            ramp_insights(None, InsightFilters(), NOW.date(), everyone=True)
            tallied.append(time.perf_counter() - started)
            started = time.perf_counter()
            _counted_from_items(None, InsightFilters(), NOW.date(), True, _roles(InsightFilters()))
            from_items.append(time.perf_counter() - started)
    return statistics.median(tallied), statistics.median(from_items)


def _measure(engine, client, url: str, runs: int) -> dict:
    """The first GET of `url` (nothing computed yet) and `runs` more (figures reused), timed, with the
    SQL statements of the first and of one of the others."""
    from sqlalchemy import event

    counter = {"n": 0}

    def count(*_args, **_kwargs):
        counter["n"] += 1

    def get() -> float:
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return time.perf_counter() - started

    event.listen(engine, "before_cursor_execute", count)
    try:
        cold = get()
        cold_queries, counter["n"] = counter["n"], 0
        warm = [get()]
        warm_queries = counter["n"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    warm += [get() for _ in range(runs - 1)]
    return {"cold": cold, "warm": warm, "cold_queries": cold_queries, "warm_queries": warm_queries}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- the organisation ----------------------------------------------------------------------------


def _at(day: date) -> datetime:
    """Ten in the morning UTC of that day, never after the benchmark's now."""
    return min(datetime.combine(day, clock_time(10), tzinfo=timezone.utc), NOW)


def build_organisation(plan_count: int, rng: random.Random) -> int:
    """Seed roles, people, plans, items with their dates, and check-ins, inserted in chunks; returns the items."""
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from benchmarks.pages import _complete
    from onboarding.extensions import db
    from onboarding.people.models import User
    from onboarding.plans.due_dates import due_date
    from onboarding.plans.models import CheckIn, Plan, PlanItem
    from onboarding.plans.states import derived_state
    from onboarding.roles.operations import import_role

    today = NOW.date()
    versions = [import_role(role, now=NOW).version for role in seed_roles()]
    db.session.commit()
    templates = {v.id: template_rows(v) for v in versions}
    password_hash = generate_password_hash(PASSWORD)

    def flush(model, rows: list[dict]) -> None:
        if rows:
            db.session.execute(insert(model), _complete(model, rows))
            rows.clear()

    users = [{"id": 1, "email": "admin@example.com", "name": "Admin", "role": "admin", "password_hash": password_hash}]
    plans = []
    user_id = 1
    for n in range(plan_count):
        if n % TEAM == 0:
            user_id += 1
            manager_id = user_id
            team = n // TEAM
            users.append({"id": manager_id, "email": f"manager{team}@example.com", "name": f"Manager {team}",
                          "role": "manager", "password_hash": password_hash if team == 0 else None})
        user_id += 1
        users.append({"id": user_id, "email": f"hire{n}@example.com", "name": f"Hire {n:05d}", "role": "hire",
                      "manager_id": manager_id, "password_hash": None})
        start_on = today - timedelta(days=rng.randrange(0, 420))
        finished = start_on < today - timedelta(days=380) and rng.random() < 0.3
        plans.append({"id": n + 1, "hire_id": user_id, "manager_id": manager_id,
                      "template_version_id": versions[n % len(versions)].id, "start_on": start_on,
                      "is_active": not finished, "created_at": NOW, "finished_at": NOW if finished else None})
        if len(users) >= CHUNK:
            flush(User, users)
    flush(User, users)
    for start in range(0, len(plans), CHUNK):
        flush(Plan, plans[start:start + CHUNK])
    db.session.commit()

    items: list[dict] = []
    check_ins: list[dict] = []
    item_id = 0
    for plan in plans:
        rows = templates[plan["template_version_id"]]
        children: dict[int, list[int]] = {}
        for index, (parent, *_rest) in enumerate(rows):
            if parent is not None:
                children.setdefault(parent, []).append(index)
        first_id = item_id + 1
        plan_items = []
        for index, (parent, key, text, days, months) in enumerate(rows):
            item_id += 1
            due = due_date(plan["start_on"], {"months": months} if months is not None else {"days": days},
                           working_days=False, holidays=set())
            state = "open" if index in children else leaf_state(due, today, rng, recent_done=0.45)
            row = {"id": item_id, "plan_id": plan["id"], "parent_id": first_id + parent if parent is not None else None,
                   "position": (index + 1) * 1024, "phase_key": key, "text": text, "offset_days": days,
                   "offset_months": months, "due_on": due, "state": state, "done_at": None, "signed_off_at": None,
                   "sent_back_at": None, "waived_reason": "Not needed for this hire." if state == "waived" else ""}
            if state in ("done", "signed_off"):
                done_on = due + timedelta(days=rng.choice((-20, -10, -5, -2, -1, 0, 0, 3, 8, 15)))
                row["done_at"] = _at(min(done_on, today))
                if state == "signed_off":
                    row["signed_off_at"] = min(row["done_at"] + timedelta(days=rng.randrange(0, 7)), NOW)
                if rng.random() < 0.1:
                    row["sent_back_at"] = row["done_at"] - timedelta(days=2)
            elif state == "open" and due < today and rng.random() < 0.05:
                row["sent_back_at"] = _at(due)
            plan_items.append(row)
        for index in sorted(children, reverse=True):  # derive parents bottom-up
            plan_items[index]["state"] = derived_state([plan_items[c]["state"] for c in children[index]])
        items.extend(plan_items)
        for key in {r[1] for r in rows}:
            phase_due = max(i["due_on"] for i in plan_items if i["phase_key"] == key)
            if phase_due < today and rng.random() < 0.75:
                recorded = min(phase_due + timedelta(days=rng.randrange(-2, 21)), today)
                check_ins.append({"plan_id": plan["id"], "phase_key": key, "status": rng.choice(
                    ["on track", "on track", "on track", "at risk", "off track"]), "notes": "", "self_assessment": "",
                    "recorded_by_id": plan["manager_id"], "recorded_at": _at(recorded)})
        if len(items) >= CHUNK:
            flush(PlanItem, items)
            flush(CheckIn, check_ins)
    flush(PlanItem, items)
    flush(CheckIn, check_ins)
    db.session.commit()
    return item_id


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
