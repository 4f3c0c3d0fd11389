#!/usr/bin/env bash
# Run the whole test suite (SQLite and PostgreSQL, SMTP, the browser), installing what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
