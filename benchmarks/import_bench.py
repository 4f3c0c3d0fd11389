"""Time `roles import` of every seed document into a fresh SQLite database (target: under 1 s)."""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    from flask_migrate import upgrade

    from onboarding import create_app
    from onboarding.extensions import db
    from onboarding.roles.operations import import_role
    from onboarding.roles.reader import read_paths

    seeds = Path(os.environ.get("ONBOARDING_SEEDS_DIR", ROOT.parent / "shared" / "seeds"))
    runs = []
    count = 0
    for _ in range(5):
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db"})
            with app.app_context():
                upgrade()
                from datetime import datetime, timezone

                started = time.perf_counter()
                roles, errors = read_paths([seeds])
                for role in roles:
                    import_role(role.to_dict(), now=datetime.now(timezone.utc))
                db.session.commit()
                runs.append(time.perf_counter() - started)
                count = len(roles)
                if errors:
                    print(json.dumps({"errors": errors}), file=sys.stderr)
                db.engine.dispose()
    print(json.dumps({"benchmark": "import", "documents": count, "import_seeds_median_s": round(statistics.median(runs), 4),
                      "import_seeds_best_s": round(min(runs), 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
