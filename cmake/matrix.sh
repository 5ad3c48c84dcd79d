#!/usr/bin/env bash
# matrix.sh - the whole suite on every Wireshark release line tcpclose supports, each in a fresh
# Debian chroot: bookworm (Wireshark 4.0), trixie (4.4), sid (4.6).  For maintainers; needs root.
#
# Usage: cmake/matrix.sh [SUITE...]          (default: bookworm trixie sid)
#
# For each suite, from a clean clone of this repository's HEAD (commit first: what is not
# committed is not tested):
#   1. a fresh chroot, unpacked from a minimal base (mmdebstrap --variant=minbase), which is made
#      once and kept as $TCPCLOSE_MATRIX_DIR/SUITE.tar, so that a warm run makes none;
#   2. "cmake/bootstrap.sh test" in it, exactly as a user runs it on a fresh machine of that
#      release: it installs that release's packages, builds, runs the whole suite (ctest);
#   3. cmake/check-package.sh: the .deb built there installs, and tshark run as root loads it.
# The downloaded packages are kept in $TCPCLOSE_MATRIX_DIR/SUITE-archives between runs (apt's own
# cache, bind-mounted), so a warm run downloads nothing; the chroot itself is thrown away.
# The public captures beside the checkout (../shared) are mounted read-only where the suite
# looks for them.  Each suite's log: $TCPCLOSE_MATRIX_DIR/SUITE.log.  Exits non-zero if any
# suite failed; a summary line per suite at the end.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
matrix=${TCPCLOSE_MATRIX_DIR:-/var/tmp/tcpclose-matrix}
mirror=${TCPCLOSE_MIRROR:-http://deb.debian.org/debian}
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie sid)

[ "$(id -u)" = 0 ] || { echo "matrix.sh: needs root (chroot, mounts)" >&2; exit 2; }
for suite in "${suites[@]}"; do
    case $suite in
    bookworm | trixie | sid) ;;
    *) echo "matrix.sh: unknown suite '$suite' (bookworm, trixie or sid)" >&2; exit 2 ;;
    esac
done
needed=()
command -v mmdebstrap >/dev/null || needed+=(mmdebstrap)
command -v git >/dev/null || needed+=(git)
if [ ${#needed[@]} -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${needed[@]}"
fi
mkdir -p "$matrix"

root=""
cleanup() {
    if [ -n "$root" ] && [ -d "$root" ]; then
        umount -R "$root/work/shared" "$root/var/cache/apt/archives" "$root/dev" "$root/sys" "$root/proc" \
            2>/dev/null || true
        # Never remove anything still mounted.
        if ! grep -q " $root/" /proc/self/mounts; then rm -rf "$root"; fi
    fi
    root=""
}
trap cleanup EXIT

run_suite() { # SUITE: 0 when the suite passed in a fresh chroot
    local suite=$1 base="$matrix/$1.tar" archives="$matrix/$1-archives"
    if [ ! -s "$base" ]; then
        echo "== $suite: making the base system ($base)"
        # The archive may be a fixed snapshot, whose Release files have expired: apt is told not
        # to mind, here and (through the chroot's apt configuration) in the chroot.
        mmdebstrap --variant=minbase --include=ca-certificates \
            --aptopt='Acquire::Check-Valid-Until "false"' "$suite" "$base.part" "$mirror"
        mv "$base.part" "$base"
    fi
    root=$(mktemp -d "$matrix/$suite.XXXXXX")
    tar -C "$root" -xf "$base"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    mkdir -p "$archives/partial" "$root/work/tcpclose" "$root/work/shared"
    mount --bind "$archives" "$root/var/cache/apt/archives"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    if [ -d "$repo/../shared" ]; then
        mount --bind "$repo/../shared" "$root/work/shared"
        mount -o remount,bind,ro "$root/work/shared"
    fi
    git clone -q --no-hardlinks "$repo" "$root/work/tcpclose"
    echo "== $suite: cmake/bootstrap.sh test in a fresh chroot, from a clone of $(git -C "$repo" rev-parse --short HEAD)"
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
        bash -c 'cd /work/tcpclose && cmake/bootstrap.sh test && cmake/check-package.sh build'
}

failed=0 summary=()
for suite in "${suites[@]}"; do
    started=$SECONDS
    if run_suite "$suite" >"$matrix/$suite.log" 2>&1; then
        result=passed
    else
        result=FAILED failed=1
        tail -n 60 "$matrix/$suite.log" | sed "s/^/$suite: /" >&2
    fi
    cleanup
    tests=$(grep -E 'tests passed|tests failed' "$matrix/$suite.log" | tail -1 || true)
    summary+=("$suite: $result in $((SECONDS - started)) s (${tests:-no test result}); log: $matrix/$suite.log")
done
printf '%s\n' "${summary[@]}"
exit $failed
