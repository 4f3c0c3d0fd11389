"""Benchmarks: `python benchmarks/run.py NAME [options]`, each prints one JSON line of figures.

    parse     the blueprint reader on 5 MB documents, and the four seed documents
    import    `roles import` of the seed documents into a fresh SQLite database
    pages     the hire's plan page (and its ratio to a bare view running its SELECTs) and a 300-report
              manager dashboard, 2,000 active plans
    digests   building and delivering digests for 10,000 active plans and 500 managers
    insights  the Insights page at 10,000 and 50,000 plans, on SQLite and PostgreSQL
    import-hires  `hires import` of a CSV of --rows N hires (default 10,000): time and peak memory
    api       GET /api/v1/plans/{id} and POST /api/v1/items/{id}/complete latency; webhook deliveries/s
    auth-timing  sign-in and "forgot password" with a known vs an unknown email (medians of 20 tries)
    all       each of the above in turn

These are scripts, not tests: they measure this machine and print, and never fail a build.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

NAMES = ("parse", "import", "pages", "digests", "insights", "import-hires", "api", "auth-timing")
MODULES = {"import": "benchmarks.import_bench", "import-hires": "benchmarks.import_hires",
           "auth-timing": "benchmarks.auth_timing"}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if name == "all":
        return max(importlib.import_module(MODULES.get(n, f"benchmarks.{n}")).main(rest) for n in NAMES)
    if name not in NAMES:
        print(f"unknown benchmark '{name}': choose one of {', '.join(NAMES)}, or all", file=sys.stderr)
        return 2
    module = importlib.import_module(MODULES.get(name, f"benchmarks.{name}"))
    return module.main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
