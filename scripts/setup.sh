#!/usr/bin/env bash
# Install everything the app and its tests need on a fresh Debian machine with Python 3.11+.
# Idempotent: re-running it only installs what is missing.
#   scripts/setup.sh          the app (virtualenv in .venv)
#   scripts/setup.sh --test   also the test tools: PostgreSQL server, Chromium and Node.js from Debian
#                             (Chromium also prints the seed documents to PDF for the reader's
#                             tests; the reader's parsers come as wheels with their C inside),
#                             and the OpenID provider the SSO tests run (npm, into tests/oidc/node_modules)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "Need root (or sudo) to install Debian packages: $*" >&2; exit 1; }
        sudo="sudo"
    fi
    echo "Installing Debian packages: $*"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ "$want_test" = 1 ]; then
    missing=()
    ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    # the tests run PostgreSQL as the 'postgres' user when started as root
    command -v runuser >/dev/null 2>&1 || missing+=(util-linux)
    # the single sign-on tests run a real OpenID provider (node's oidc-provider)
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
    if [ ! -d tests/oidc/node_modules/oidc-provider ]; then
        (cd tests/oidc && npm install --no-audit --no-fund --silent)
    fi
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv || { apt_install python3-venv && "$python" -m venv .venv; }
fi
stamp=.venv/.installed-$( (cat pyproject.toml; echo "$want_test") | sha256sum | cut -c1-16)
if [ ! -e "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    if [ "$want_test" = 1 ]; then extra="[test]"; else extra=""; fi
    .venv/bin/python -m pip install -q -e ".$extra"
    rm -f .venv/.installed-*
    touch "$stamp"
fi
