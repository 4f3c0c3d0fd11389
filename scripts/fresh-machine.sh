#!/usr/bin/env bash
# Try the README's promise on a fresh Debian 12: debootstrap minbase, add python3, git and curl,
# clone this checkout into it and run a command there (default: setup.sh --test, then demo.sh's
# setup half and the suite). Needs root. What setup.sh installs inside is what a new machine needs.
#   scripts/fresh-machine.sh [FOLDER] [COMMAND]
#   scripts/fresh-machine.sh /var/tmp/fresh 'bash scripts/test.sh -q tests/ops'
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-/var/tmp/onboarding-fresh}/root
command=${2:-"bash scripts/setup.sh --test && bash scripts/test.sh -q"}
[ "$(id -u)" -eq 0 ] || { echo "Run as root: debootstrap and chroot need it." >&2; exit 1; }
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
if [ ! -x "$root/usr/bin/python3" ]; then
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
    cp /etc/resolv.conf "$root/etc/"
    chroot "$root" bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 git curl >/dev/null'
fi
# A network that inspects TLS needs its CA inside too (a fresh machine on it would be given it).
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"; fi
mkdir -p "$root/work/shared"
if [ -d ../shared/seeds ]; then rm -rf "$root/work/shared/seeds"; cp -r ../shared/seeds "$root/work/shared/"; fi
rm -rf "$root/work/onboarding" && git clone -q "$PWD" "$root/work/onboarding"
git -C "$root/work/onboarding" checkout -q "$(git rev-parse HEAD)"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
trap 'umount -R "$root/dev"; umount "$root/proc"' EXIT
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    bash -c "cd /work/onboarding && $command"
