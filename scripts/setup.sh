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
    # A fresh machine is often still running its own apt (unattended-upgrades): wait for it.
    local wait_lock=(-o DPkg::Lock::Timeout=300)
    $sudo apt-get "${wait_lock[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends "$@" >/dev/null
}

# Debian packages that are not installed yet, of those named.
not_installed() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
    done
}

python=${PYTHON:-python3}
# Debian's python3 has no ensurepip without python3-venv: check first, so `venv` never fails halfway.
needed=()
if ! "$python" -c "import ensurepip, venv" >/dev/null 2>&1; then needed+=(python3-venv); fi
if [ "$want_test" = 1 ]; then
    # Found by running the suite on a fresh debootstrap (minbase + python3, git, curl):
    #   postgresql   the server the tests start (initdb, pg_ctl) and pg_dump for the backup test
    #   chromium     the browser tests' browser
    #   libatomic1   Playwright's bundled node needs libatomic.so.1
    #   util-linux   runuser: as root the tests run PostgreSQL as the 'postgres' user
    #   nodejs, npm  the single sign-on tests run a real OpenID provider (node's oidc-provider)
    mapfile -t missing < <(not_installed postgresql chromium libatomic1 util-linux)
    needed+=("${missing[@]}")
    # a node from elsewhere (nvm, a vendor build) serves as well as Debian's
    command -v node >/dev/null 2>&1 || needed+=(nodejs)
    command -v npm >/dev/null 2>&1 || needed+=(npm)
fi
if [ "${#needed[@]}" -gt 0 ]; then apt_install "${needed[@]}"; fi
if [ "$want_test" = 1 ] && [ ! -d tests/oidc/node_modules/oidc-provider ]; then
    (cd tests/oidc && npm install --no-audit --no-fund --silent)
fi

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
stamp=.venv/.installed-$( (cat pyproject.toml; echo "$want_test") | sha256sum | cut -c1-16)
if [ ! -e "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    if [ "$want_test" = 1 ]; then extra="[test]"; else extra=""; fi
    .venv/bin/python -m pip install -q -e ".$extra"
    rm -f .venv/.installed-*
    touch "$stamp"
fi
