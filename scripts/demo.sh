#!/usr/bin/env bash
# Run the app locally on SQLite with a demo organisation (people, roles, hires at different points).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ONBOARDING_DATABASE_URL=${ONBOARDING_DATABASE_URL:-sqlite:///$PWD/instance/demo.db}
export ONBOARDING_SECRET_KEY=${ONBOARDING_SECRET_KEY:-demo-only-secret-key}
.venv/bin/onboarding db upgrade
.venv/bin/onboarding demo
exec .venv/bin/onboarding run --host 127.0.0.1 --port "${PORT:-5000}"
