"""Time the JSON API and webhook delivery.

    python benchmarks/run.py api [--hires 200] [--runs 200] [--webhooks 1000] [--db PATH]

Builds a SQLite organisation from the seed role documents (`--hires` hires with plans, one manager
each 20 hires, a token per person), then through the Flask test client with bearer tokens:
`GET /api/v1/plans/{id}` `--runs` times (each hire's own plan in turn) and
`POST /api/v1/items/{id}/complete` `--runs` times (a different open item each time, so every call
really completes an item, records its event and queues its webhook). Then queues `--webhooks`
deliveries to one endpoint on a local HTTP receiver (loopback, in this process) and drains them
with `deliver_outbox`. Prints one JSON line: latency median and p95 in milliseconds, and webhook
deliveries per second.
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script or through benchmarks/run.py

from benchmarks.org import seed_roles  # noqa: E402

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py api", description=__doc__.splitlines()[0])
    parser.add_argument("--hires", type=int, default=200, help="hires with a plan (default 200)")
    parser.add_argument("--runs", type=int, default=200, help="timed requests per endpoint (default 200)")
    parser.add_argument("--webhooks", type=int, default=1000, help="webhook deliveries to drain (default 1000)")
    parser.add_argument("--db", help="SQLite file to build (default: a temporary file, removed afterwards)")
    args = parser.parse_args(argv)
    if args.hires < 1 or args.runs < 1 or args.webhooks < 1:
        parser.error("--hires, --runs and --webhooks must be at least 1")
    return args


def main(argv: list[str]) -> int:
    args = _parse(argv)
    if args.db:
        return _run(args, Path(args.db))
    with tempfile.TemporaryDirectory() as tmp:
        return _run(args, Path(tmp) / "api.db")


def _ms(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2)}


def _run(args: argparse.Namespace, path: Path) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from onboarding import create_app
    from onboarding.extensions import db
    from onboarding.outbox.delivery import deliver_outbox
    from onboarding.outbox.models import OutboxMessage
    from onboarding.people.operations import create_user
    from onboarding.people.tokens import create_token
    from onboarding.plans.creation import create_plan
    from onboarding.roles.operations import import_role
    from onboarding.webhooks.operations import add_endpoint
    from tests.webhooks.receiver import Receiver

    logging.disable(logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True, "FIXED_NOW": NOW,
                      "API_RATE_LIMIT": "1000000/minute", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    receiver = Receiver().start()
    try:
        with app.app_context():
            upgrade()
            versions = [import_role(role, now=NOW).version for role in seed_roles()]
            db.session.commit()
            managers, hires = [], []
            for n in range(args.hires):
                if n % 20 == 0:
                    managers.append(create_user(email=f"manager{n}@example.com", name=f"Manager {n}", role="manager"))
                hire = create_user(email=f"hire{n}@example.com", name=f"Hire {n}", role="hire")
                plan = create_plan(hire=hire, template_version=versions[n % len(versions)],
                                   start_on=date(2026, 5, 1) - timedelta(days=n % 60), manager=managers[-1],
                                   buddy=None, actor=None, now=NOW)
                hires.append((plan.id, create_token(hire, "bench", actor=None, now=NOW)[1],
                              [i.id for i in plan.items if not i.children]))
            add_endpoint(receiver.url + "/hooks", ["item.completed"], actor=None, now=NOW)
            db.session.commit()

        client = app.test_client()
        reads, writes = [], []
        for run in range(args.runs):
            plan_id, token, _ = hires[run % len(hires)]
            started = time.perf_counter()
            answer = client.get(f"/api/v1/plans/{plan_id}", headers={"Authorization": f"Bearer {token}"})
            reads.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.get_json()
        for run in range(args.runs):
            _, token, leaves = hires[run % len(hires)]
            item_id = leaves[run // len(hires)]
            started = time.perf_counter()
            answer = client.post(f"/api/v1/items/{item_id}/complete", json={"note": "benchmark"},
                                 headers={"Authorization": f"Bearer {token}"})
            writes.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.get_json()

        with app.app_context():
            extra = args.webhooks - args.runs
            if extra > 0:
                template = db.session.get(OutboxMessage, 1)
                row = {c: getattr(template, c) for c in ("channel", "endpoint_id", "to_addr", "subject", "text_body",
                                                         "html_body", "headers", "payload", "status", "attempts",
                                                         "next_attempt_at", "last_error", "created_at")}
                db.session.execute(insert(OutboxMessage), [row] * extra)
                db.session.commit()
            queued = args.runs + max(extra, 0)
            started = time.perf_counter()
            delivered = deliver_outbox(NOW + timedelta(minutes=1))
            elapsed = time.perf_counter() - started
        assert delivered == queued == len(receiver.delivered()), (delivered, queued, len(receiver.delivered()))
    finally:
        receiver.stop()
    print(json.dumps({
        "benchmark": "api", "hires": args.hires, "runs": args.runs,
        "get_plan": _ms(reads), "complete_item": _ms(writes),
        "webhooks": {"delivered": delivered, "seconds": round(elapsed, 2),
                     "per_second": round(delivered / elapsed, 1)},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
