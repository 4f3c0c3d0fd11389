#!/usr/bin/env bash
# Lint and type-check, then run the whole test suite (SQLite and PostgreSQL, SMTP, the browser),
# installing what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check onboarding tests benchmarks
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
