"""Build and deliver the reminder digests of an organisation of 10,000 active plans and 500 managers.

    python benchmarks/run.py digests [--plans 10000] [--managers 500] [--small-plans 1000]
                                     [--small-managers 50] [--database sqlite|postgresql]
                                     [--db PATH] [--seed 42]

Builds the organisation (on a SQLite file, or in a throw-away PostgreSQL server started as the
tests start theirs) from the seed role documents with bulk inserts (no
password hashing, no ORM object per row): hires started up to 400 days ago, items ticked, signed
off, sent back and overdue as time would leave them, people spread over four time zones with
daily or weekly digests, all of them due at the benchmark's moment (a Monday evening, UTC). Then
times `build_digests` and `deliver_outbox` to a local aiosmtpd server (in its own process, so it
does not share this one's interpreter; over the default SMTP_CONNECTIONS connections, printed as
smtp_connections), and prints one JSON line:

    plans, messages, build_seconds, delivered_per_second, peak_memory_mb (this process's maximum
    resident set, setup included), build_peak_mb (the most Python held at once during a dry run of
    the build, traced with tracemalloc: flat in the number of plans), queries_per_batch (SQL statements of the costliest batch of
    people), queries_per_batch_small (the same for a small organisation of --small-plans plans),
    plus people, items, batches and deliver_seconds;
    digest_processes (the processes the real build was shared by, as build_processes tells: the
    default DIGEST_PROCESSES on PostgreSQL past one batch of people, 1 on SQLite; batches and queries per batch are those of this process, whose batches
    are like the others'), part_peak_memory_mb (the largest resident set of the processes this one
    has waited for: a build part's);
    dry_run_seconds (the same build writing nothing), floor_seconds (the cheapest SQL that reads
    the same content from the same tables: five whole-organisation statements, rows fetched, no
    Python work; the median of three runs interleaved with the app's builds) and build_vs_floor.

The floor is what makes figures comparable on a shared, noisy machine: it runs in the same
process, against the same database, between the app's runs.

Targets on the reference machine: build < 5 s, >= 300 messages per second delivered, peak memory
< 250 MB, and queries per batch the same for the small organisation as for the large one.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script or through benchmarks/run.py

from benchmarks.org import leaf_state, seed_roles, template_rows, throwaway_postgres  # noqa: E402
from onboarding.plans.states import derived_state

#: a Monday, 18:00 UTC: past the send hour in every zone below, and still Monday in all of them
NOW = datetime(2026, 6, 1, 18, 0, tzinfo=timezone.utc)
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata")
CHUNK = 5000

SMTP_SERVER = r"""
import sys
from aiosmtpd.controller import Controller

class Counter:
    received = 0

    async def handle_DATA(self, server, session, envelope):
        Counter.received += 1
        return "250 OK"

controller = Controller(Counter(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() == "count":
        print(Counter.received, flush=True)
    elif line.strip() == "stop":
        break
controller.stop()
"""


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py digests", description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000, help="active plans (default 10000)")
    parser.add_argument("--managers", type=int, default=500, help="managers (default 500)")
    parser.add_argument("--small-plans", type=int, default=1000,
                        help="plans of the small organisation (default 1000: a full batch for each of two processes)")
    parser.add_argument("--small-managers", type=int, default=50,
                        help="managers of the small organisation (default 50)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="where the organisation lives (default sqlite)")
    parser.add_argument("--db", help="SQLite file for the large organisation (default: a temporary file)")
    parser.add_argument("--seed", type=int, default=42, help="random seed for the organisation")
    args = parser.parse_args(argv)
    for name in ("plans", "managers", "small_plans", "small_managers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.managers > args.plans or args.small_managers > args.small_plans:
        parser.error("there cannot be more managers than plans")
    return args


def main(argv: list[str]) -> int:
    args = _parse(argv)
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp, _databases(args, Path(tmp)) as urls:
        small = _organisation_run(urls["small"], args.small_plans, args.small_managers, args.seed,
                                  deliver=False)
        large = _organisation_run(urls["large"], args.plans, args.managers, args.seed, deliver=True)
    if large["delivered"] != large["messages"] or large["received"] != large["messages"]:
        print(f"digests: queued {large['messages']}, delivered {large['delivered']}, "
              f"the server received {large['received']}", file=sys.stderr)
        return 1
    print(json.dumps({
        "plans": args.plans,
        "database": args.database,
        "build_seconds": round(large["build_seconds"], 3),
        "dry_run_seconds": round(large["dry_run_seconds"], 3),
        "floor_seconds": round(large["floor_seconds"], 3),
        "build_vs_floor": round(large["build_seconds"] / large["floor_seconds"], 2),
        "dry_run_vs_floor": round(large["dry_run_seconds"] / large["floor_seconds"], 2),
        "messages": large["messages"],
        "delivered_per_second": round(large["messages"] / large["deliver_seconds"], 1),
        "smtp_connections": large["smtp_connections"],
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "digest_processes": large["digest_processes"],
        "part_peak_memory_mb": round(large["part_peak_memory_mb"], 1),
        "build_peak_mb": round(large["build_peak_mb"], 1),
        "queries_per_batch": large["queries_per_batch"],
        "queries_per_batch_small": small["queries_per_batch"],
        "people": large["people"],
        "items": large["items"],
        "batches": large["batches"],
        "deliver_seconds": round(large["deliver_seconds"], 3),
        "floor_runs": [round(x, 3) for x in large["floor_runs"]],
    }))
    return 0


@contextmanager
def _databases(args: argparse.Namespace, tmp: Path):
    """{"small": URL, "large": URL}: SQLite files, or two databases of a throw-away PostgreSQL server."""
    if args.database == "sqlite":
        large = Path(args.db) if args.db else tmp / "digests.db"
        for path in (tmp / "small.db", large):
            if path.exists():
                path.unlink()
        yield {"small": f"sqlite:///{tmp / 'small.db'}", "large": f"sqlite:///{large}"}
        return
    with throwaway_postgres("digests-bench-pg-") as server:
        yield {"small": server.create_database("digests_small"), "large": server.create_database("digests")}


def _organisation_run(url: str, plan_count: int, manager_count: int, seed: int, *, deliver: bool) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import event

    from onboarding import create_app
    from onboarding.extensions import db
    from onboarding.outbox.delivery import deliver_outbox
    from onboarding.reminders.build import build_digests, build_processes

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark",
                      "BASE_URL": "https://onboarding.example.com", "SMTP_HOST": None,
                      "MAIL_FROM": "Onboarding <onboarding@onboarding.example.com>"})
    result: dict = {}
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        result.update(build_organisation(plan_count, manager_count, random.Random(seed)))
        print(f"digests: built an organisation of {plan_count} plans in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        _after_bulk_load()
        db.session.remove()

        # Interleaved: floor, dry run, floor, real build, floor (the real build claims every period,
        # so it can run once; the dry run shows what composing costs without the writes).
        floor_runs = [_floor_seconds()]
        started = time.perf_counter()
        build_digests(NOW, dry_run=True)
        result["dry_run_seconds"] = time.perf_counter() - started
        db.session.rollback()
        floor_runs.append(_floor_seconds())
        # The build's own memory: the peak of what Python allocated during a dry run (traced, so
        # slower: not timed). It should stay that of a batch, whatever the number of plans.
        tracemalloc.start()
        build_digests(NOW, dry_run=True)
        result["build_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        db.session.rollback()

        # SQL statements per batch: a batch ends with the commit build_digests makes after it. The
        # commit before the first batch (of the count that decides on sharing the build between
        # processes) is not a batch. Only this process's batches are seen: the other processes'
        # statements run in processes of their own, each batch the same statements as these.
        batches: list[int] = []
        current = {"n": 0, "people_read": False}

        def count_statement(conn, cursor, statement, *_args):
            current["n"] += 1
            current["people_read"] = current["people_read"] or statement.startswith("SELECT users.id")

        def end_batch(*_args, **_kwargs):
            if current["people_read"]:
                batches.append(current["n"])
            current["n"] = 0

        engine = db.engine
        event.listen(engine, "before_cursor_execute", count_statement)
        event.listen(engine, "commit", end_batch)
        try:
            started = time.perf_counter()
            result["messages"] = build_digests(NOW)
            result["build_seconds"] = time.perf_counter() - started
            result["digest_processes"] = build_processes()  # the count it reads is of people, claimed or not
            db.session.rollback()
            result["part_peak_memory_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        finally:
            event.remove(engine, "before_cursor_execute", count_statement)
            event.remove(engine, "commit", end_batch)
        floor_runs.append(_floor_seconds())
        result["floor_runs"] = floor_runs
        result["floor_seconds"] = statistics.median(floor_runs)
        # The last commit closes the pruning after the final (empty) read, not a batch of people.
        result["batches"] = len(batches) - 1
        result["queries_per_batch"] = max(batches[:-1]) if len(batches) > 1 else 0

        if deliver:
            port = _free_port()
            server = subprocess.Popen([sys.executable, "-c", SMTP_SERVER, str(port)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
            try:
                if server.stdout.readline().strip() != "ready":
                    raise SystemExit("the aiosmtpd server did not start")
                app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
                result["smtp_connections"] = app.config["SMTP_CONNECTIONS"]
                started = time.perf_counter()
                result["delivered"] = deliver_outbox(NOW)
                result["deliver_seconds"] = time.perf_counter() - started
                server.stdin.write("count\n")
                server.stdin.flush()
                result["received"] = int(server.stdout.readline())
                server.stdin.write("stop\n")
                server.stdin.flush()
                server.wait(timeout=30)
            finally:
                if server.poll() is None:
                    server.kill()
        db.engine.dispose()
    return result


def _after_bulk_load() -> None:
    """Rows written with explicit ids: move PostgreSQL's sequences past them, and refresh the
    planner's statistics on both databases (as autovacuum / a nightly ANALYZE would)."""
    from sqlalchemy import text

    from onboarding.extensions import db

    if db.engine.dialect.name == "postgresql":
        for table in ("users", "plans", "plan_items", "check_ins"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT coalesce(max(id), 1) FROM {table}))"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


#: The floor: the same digest content read from the same tables with the fewest, simplest
#: statements -- whole organisation at once, rows fetched, nothing composed or written. Every
#: person is due at the benchmark's moment, so "the batch's people" is everyone.
FLOOR_SQL = (
    # the people
    "SELECT id, email, name, role, timezone, digest_cadence, digest_hour, unsubscribe_version FROM users "
    "WHERE is_active_account AND digest_cadence IN ('daily', 'weekly')",
    # active plans with the hire's and the manager's names
    "SELECT p.id, p.hire_id, p.manager_id, h.name, m.name FROM plans p JOIN users h ON h.id = p.hire_id "
    "LEFT JOIN users m ON m.id = p.manager_id WHERE p.is_active",
    # leaf items per plan, phase and due date, with whether the phase's check-in is recorded
    "SELECT i.plan_id, i.phase_key, i.due_on, count(*), "
    "sum(CASE WHEN i.state IN ('done', 'signed_off', 'waived') THEN 1 ELSE 0 END), "
    "sum(CASE WHEN i.state IN ('signed_off', 'waived') THEN 1 ELSE 0 END), "
    "sum(CASE WHEN i.state = 'done' THEN 1 ELSE 0 END), "
    "max(CASE WHEN c.id IS NULL THEN 0 ELSE 1 END) "
    "FROM plan_items i JOIN plans p ON p.id = i.plan_id AND p.is_active "
    "LEFT JOIN check_ins c ON c.plan_id = i.plan_id AND c.phase_key = i.phase_key AND c.recorded_at IS NOT NULL "
    "WHERE i.due_on IS NOT NULL AND NOT EXISTS (SELECT 1 FROM plan_items k WHERE k.parent_id = i.id) "
    "GROUP BY i.plan_id, i.phase_key, i.due_on",
    # the hires' open items: sent back, overdue or due within 14 days
    "SELECT p.hire_id, i.text, pi.text, i.due_on, i.review_comment FROM plan_items i "
    "JOIN plans p ON p.id = i.plan_id AND p.is_active LEFT JOIN plan_items pi ON pi.id = i.parent_id "
    "WHERE i.state = 'open' AND NOT EXISTS (SELECT 1 FROM plan_items k WHERE k.parent_id = i.id) "
    "AND (i.review_comment != '' OR i.due_on <= :soon) ORDER BY p.hire_id, i.due_on, i.position",
    # the managers' items waiting for sign-off
    "SELECT p.manager_id, h.name, i.text, pi.text, i.due_on FROM plan_items i "
    "JOIN plans p ON p.id = i.plan_id AND p.is_active AND p.manager_id IS NOT NULL AND p.manager_id != p.hire_id "
    "JOIN users h ON h.id = p.hire_id LEFT JOIN plan_items pi ON pi.id = i.parent_id "
    "WHERE i.state = 'done' AND NOT EXISTS (SELECT 1 FROM plan_items k WHERE k.parent_id = i.id) "
    "ORDER BY p.manager_id, h.name, p.id, i.position",
)


def _floor_seconds() -> float:
    from sqlalchemy import text

    from onboarding.extensions import db

    soon = NOW.date() + timedelta(days=14)
    started = time.perf_counter()
    with db.engine.connect() as conn:
        for sql in FLOOR_SQL:
            conn.execute(text(sql), {"soon": soon} if ":soon" in sql else {}).fetchall()
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the organisation ----------------------------------------------------------------------------


def build_organisation(plan_count: int, manager_count: int, rng: random.Random) -> dict:
    """Roles, people, plans, items and check-ins, written with executemany in chunks; returns counts."""
    from sqlalchemy import insert

    from onboarding.extensions import db
    from onboarding.people.models import User
    from onboarding.plans.due_dates import due_date
    from onboarding.plans.models import CheckIn, Plan, PlanItem
    from onboarding.roles.operations import import_role

    today = NOW.date()
    versions = [import_role(role, now=NOW).version for role in seed_roles()]
    db.session.commit()
    templates = {v.id: template_rows(v) for v in versions}
    tables = {model: model.__table__ for model in (User, Plan, PlanItem, CheckIn)}
    pending: dict = {model: [] for model in tables}

    def flush(force: bool = False) -> None:
        """Write every pending table, in dependency order, once one of them holds a chunk."""
        if not force and all(len(rows) < CHUNK for rows in pending.values()):
            return
        for model, rows in pending.items():
            if rows:
                db.session.execute(insert(tables[model]), rows)
                rows.clear()

    # Two admins first, then each manager followed by their team, so that every batch of people
    # holds managers and hires as a real organisation would.
    user_id = plan_id = item_id = 0
    for n in range(2):
        user_id += 1
        pending[User].append(_user(user_id, f"admin{n}@example.com", f"Admin {n}", "admin", None, rng))
    team_sizes = [plan_count // manager_count + (1 if m < plan_count % manager_count else 0)
                  for m in range(manager_count)]
    item_total = 0
    for team, size in enumerate(team_sizes):
        user_id += 1
        manager_id = user_id
        pending[User].append(_user(manager_id, f"manager{team}@example.com", f"Manager {team}", "manager", None, rng))
        for _ in range(size):
            user_id += 1
            plan_id += 1
            pending[User].append(_user(user_id, f"hire{plan_id}@example.com", f"Hire {plan_id:05d}", "hire",
                                       manager_id, rng))
            version = versions[plan_id % len(versions)]
            start_on = today - timedelta(days=rng.randrange(0, 400))
            pending[Plan].append({"id": plan_id, "hire_id": user_id, "manager_id": manager_id,
                                  "template_version_id": version.id, "start_on": start_on, "is_active": True,
                                  "created_at": NOW, "buddy_id": None, "finished_at": None})
            item_id = _plan_items(pending, plan_id, manager_id, start_on, templates[version.id], item_id, today,
                                  rng, due_date)
            item_total += len(templates[version.id])
            flush()
    flush(force=True)
    db.session.commit()
    return {"people": user_id, "items": item_total}


def _user(user_id: int, email: str, name: str, role: str, manager_id: int | None, rng: random.Random) -> dict:
    from onboarding.people.models import new_token

    return {"id": user_id, "email": email, "name": name, "role": role, "password_hash": None,
            "session_token": new_token(), "manager_id": manager_id, "timezone": rng.choice(ZONES),
            "digest_cadence": rng.choice(("daily", "weekly", "weekly")), "digest_hour": rng.randrange(6, 13),
            "calendar_token": new_token(), "unsubscribe_version": 1, "is_active_account": True, "created_at": NOW}


def _plan_items(pending, plan_id, manager_id, start_on, rows, item_id, today, rng, due_date) -> int:
    from onboarding.plans.models import CheckIn, PlanItem

    children: dict[int, list[int]] = {}
    for index, (parent, *_rest) in enumerate(rows):
        if parent is not None:
            children.setdefault(parent, []).append(index)
    first_id = item_id + 1
    items, states, phase_due = [], [], {}
    for index, (parent, key, text, days, months) in enumerate(rows):
        item_id += 1
        due = due_date(start_on, {"months": months} if months is not None else {"days": days},
                       working_days=False, holidays=set())
        state = "open" if index in children else leaf_state(due, today, rng)
        sent_back = state == "open" and index not in children and due < today + timedelta(days=20) \
            and rng.random() < 0.05
        states.append(state)
        phase_due[key] = max(phase_due.get(key, due), due)
        items.append({
            "id": item_id, "plan_id": plan_id, "parent_id": first_id + parent if parent is not None else None,
            "position": (index + 1) * 1024, "phase_key": key, "text": text, "offset_days": days,
            "offset_months": months, "due_on": due, "state": state, "note": "", "evidence_url": "",
            "done_at": NOW if state in ("done", "signed_off") else None, "done_by_id": None,
            "signed_off_at": NOW if state == "signed_off" else None, "signed_off_by_id": None,
            "review_comment": "Please add the link to your notes." if sent_back else "",
            "sent_back_at": NOW - timedelta(days=2) if sent_back else None,
            "waived_reason": "Not needed for this hire." if state == "waived" else "", "is_custom": False,
            "version": 1,
        })
    for index in sorted(children, reverse=True):  # parents after their children: derive bottom-up
        items[index]["state"] = states[index] = derived_state([states[c] for c in children[index]])
    pending[PlanItem].extend(items)
    for key, due in phase_due.items():
        if due < today and rng.random() < 0.7:
            pending[CheckIn].append({
                "plan_id": plan_id, "phase_key": key, "status": rng.choice(("on track", "on track", "at risk")),
                "notes": "", "self_assessment": "", "self_assessed_at": None, "recorded_by_id": manager_id,
                "recorded_at": NOW,
            })
    return item_id


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
