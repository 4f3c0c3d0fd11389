"""Time `hires import` of a generated CSV of N hires into a fresh SQLite database.

    python benchmarks/run.py import-hires [--rows 10000] [--bad-every 50] [--db PATH]

The roles are the seed documents (ONBOARDING_SEEDS_DIR); every row names one of them and one of 50
managers, and one row in --bad-every has an impossible date (reported, not imported). Prints one
JSON line: rows, imported, failed, seconds (the command alone), peak_memory_mb (this process's
maximum resident set, setup included) and import_memory_mb (how much the command added to it).
Targets: 10,000 rows in under 10 s, and import_memory_mb about the same for 1,000 and 10,000 rows.
"""
from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.org import seed_roles  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py import-hires", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="hires in the CSV (default 10000)")
    parser.add_argument("--bad-every", type=int, default=50, help="one row in this many is bad (default 50; 0: none)")
    parser.add_argument("--db", help="SQLite file (default: a temporary file)")
    parser.add_argument("--no-invite", action="store_true", help="import with --no-invite (no invitation mails)")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    logging.disable(logging.INFO)

    from flask_migrate import upgrade

    from onboarding import create_app
    from onboarding.extensions import db
    from onboarding.people.operations import create_user
    from onboarding.roles.operations import import_role

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "hires.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "IMPORT_MAX_BYTES": 200_000_000})
        with app.app_context():
            upgrade()
            from datetime import datetime, timezone

            now = datetime.now(timezone.utc)
            slugs = [import_role(role, now=now).template.slug for role in seed_roles()]
            for m in range(50):
                create_user(email=f"manager{m}@example.com", name=f"Manager {m}", role="manager")
            db.session.commit()
            csv_path = Path(tmp) / "hires.csv"
            with csv_path.open("w", encoding="utf-8") as out:
                out.write("name,email,role,start date,manager email\n")
                for n in range(args.rows):
                    bad = args.bad_every and n % args.bad_every == args.bad_every - 1
                    start = "2026-02-30" if bad else f"2026-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
                    out.write(f"Hire {n},hire{n}@example.com,{slugs[n % len(slugs)]},{start},"
                              f"manager{n % 50}@example.com\n")
            db.session.remove()
            before = _rss_mb()
            started = time.perf_counter()
            result = app.test_cli_runner().invoke(
                args=["hires", "import", str(csv_path)] + (["--no-invite"] if args.no_invite else []))
            seconds = time.perf_counter() - started
            after = _rss_mb()
            last = result.output.strip().splitlines()[-1] if result.output.strip() else result.stderr
            if "Imported" not in last:
                print(f"import-hires: the import failed: {result.stderr[-500:]}", file=sys.stderr)
                return 1
            imported = int(last.split()[1])
            failed = len([line for line in result.stderr.splitlines() if "is not a date" in line])
            db.engine.dispose()
    print(json.dumps({"rows": args.rows, "imported": imported, "failed": failed, "seconds": round(seconds, 2),
                      "rows_per_second": round(args.rows / seconds), "peak_memory_mb": round(after, 1),
                      "import_memory_mb": round(after - before, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
