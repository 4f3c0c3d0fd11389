"""Sign-in and "forgot password" timing, known vs unknown email: does the answer leak who has an account?

    python benchmarks/run.py auth-timing [--tries 20] [--db PATH]

Makes one person with a real (scrypt, production-cost) password on a SQLite file, then posts the
sign-in form with a wrong password `--tries` times for the known email and as many for an unknown
one, interleaved, each from its own client address (so the rate limit never answers instead), and
the same for "Forgot your password?". Prints one JSON line: the median and spread in milliseconds
per case, and the difference of the medians.
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script or through benchmarks/run.py


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py auth-timing", description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=20, help="requests per case (default 20)")
    parser.add_argument("--db", help="SQLite file to use (default: a temporary one)")
    return parser.parse_args(argv)


def _figures(samples: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples)
    return {"median_ms": round(statistics.median(ms), 2), "min_ms": round(ms[0], 2), "max_ms": round(ms[-1], 2)}


def main(argv: list[str]) -> int:
    args = _parse(argv)
    logging.disable(logging.WARNING)
    from onboarding import create_app
    from onboarding.core.db import Base
    from onboarding.extensions import db
    from onboarding.people.operations import create_user

    folder = Path(tempfile.mkdtemp(prefix="onboarding-auth-timing-"))
    path = Path(args.db) if args.db else folder / "bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "benchmark",
                      "WTF_CSRF_ENABLED": False, "BASE_URL": "http://localhost"})  # production hashing (scrypt)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        create_user(email="known@example.com", name="Known Person", role="hire", password="the right password")
        db.session.commit()
    client = app.test_client()
    cases = {"sign_in_known": [], "sign_in_unknown": [], "forgot_known": [], "forgot_unknown": []}
    for n in range(args.tries):
        for who in ("known", "unknown"):
            address = f"10.{n // 250}.{n % 250}.{1 if who == 'known' else 2}"
            started = time.perf_counter()
            response = client.post("/login", data={"email": f"{who}@example.com", "password": "a wrong password"},
                                   environ_base={"REMOTE_ADDR": address})
            cases[f"sign_in_{who}"].append(time.perf_counter() - started)
            assert response.status_code == 401, response.status_code
            started = time.perf_counter()
            response = client.post("/password/forgot", data={"email": f"{who}@example.com"},
                                   environ_base={"REMOTE_ADDR": address})
            cases[f"forgot_{who}"].append(time.perf_counter() - started)
            assert response.status_code == 302, response.status_code
    figures = {name: _figures(samples) for name, samples in cases.items()}
    result = {
        "benchmark": "auth-timing", "tries": args.tries, "hash": "scrypt (production default)",
        **figures,
        "sign_in_median_difference_ms": round(figures["sign_in_known"]["median_ms"]
                                              - figures["sign_in_unknown"]["median_ms"], 2),
        "forgot_median_difference_ms": round(figures["forgot_known"]["median_ms"]
                                             - figures["forgot_unknown"]["median_ms"], 2),
    }
    print(json.dumps(result))
    with app.app_context():
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
