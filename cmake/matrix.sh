#!/usr/bin/env bash
# matrix.sh - the whole suite on every Wireshark release line tcpclose supports, each in a fresh
# Debian chroot: bookworm (Wireshark 4.0), trixie (4.4), sid (4.6).  For maintainers; needs root.
#
# Usage: cmake/matrix.sh [SUITE[:demo]...]   (default: bookworm trixie sid)
#
# SUITE:demo leaves out the suite (step 2's second command) on that release: for a machine that has
# just run it on the same release, as CI on Debian 12 does before it runs "bookworm:demo".
#
# For each suite, from a clean clone of this repository's HEAD (commit first: what is not
# committed is not tested):
#   1. a fresh minimal system in a chroot (cmake/debian-root.sh: unpacked from a base made once
#      with mmdebstrap and kept as $TCPCLOSE_MATRIX_DIR/SUITE.tar, so a warm run makes none);
#   2. the README's two commands in it, exactly as a user runs them on a fresh machine of that
#      release: "cmake/bootstrap.sh demo" installs that release's packages, builds and runs the
#      demo; "cmake/bootstrap.sh test" runs the whole suite (ctest);
#   3. cmake/check-package.sh: the .deb built there installs, and tshark run as root loads it.
# The downloaded packages are kept in $TCPCLOSE_MATRIX_DIR/SUITE-archives between runs (apt's own
# cache, mounted in the chroot), so a warm run downloads nothing; the chroot is thrown away.
# The public captures beside the checkout (../shared) are mounted read-only where the suite
# looks for them.  Each suite's log: $TCPCLOSE_MATRIX_DIR/SUITE.log.  Prints a line per suite
# and, last, "matrix: N passed, M failed"; exits non-zero if any suite failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
matrix=${TCPCLOSE_MATRIX_DIR:-/var/tmp/tcpclose-matrix}
export TCPCLOSE_MATRIX_DIR=$matrix
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie sid)

[ "$(id -u)" = 0 ] || { echo "matrix.sh: needs root (chroot, mounts)" >&2; exit 2; }
for suite in "${suites[@]}"; do
    case $suite in
    bookworm | trixie | sid | bookworm:demo | trixie:demo | sid:demo) ;;
    *) echo "matrix.sh: unknown suite '$suite' (bookworm, trixie or sid, each with :demo or not)" >&2; exit 2 ;;
    esac
done
command -v git >/dev/null || {
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends git
}
mkdir -p "$matrix"

root=""
cleanup() {
    [ -z "$root" ] || [ ! -d "$root" ] || "$here/debian-root.sh" remove "$root" || true
    root=""
}
trap cleanup EXIT

run_suite() { # SUITE [demo]: 0 when the README's commands and the package check pass in a fresh system
    local suite=$1 only=${2:-} binds=()
    root="$matrix/$suite.$$"
    # (No errexit in a function called as an "if" condition: each step says so itself.)
    "$here/debian-root.sh" unpack "$suite" "$root" || return 1
    [ ! -d "$repo/../shared" ] || binds=("$(cd "$repo/../shared" && pwd):/work/shared:ro")
    "$here/debian-root.sh" mount "$root" "${binds[@]}" || return 1
    git clone -q --no-hardlinks "$repo" "$root/work/tcpclose" || return 1
    echo "== $suite: the README's commands in a fresh chroot, from a clone of $(git -C "$repo" rev-parse --short HEAD)"
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 TERM=dumb \
        ONLY="$only" bash -c 'set -e; cd /work/tcpclose
                 echo "== cmake/bootstrap.sh demo"; cmake/bootstrap.sh demo
                 if [ "$ONLY" = demo ]; then echo "== (no suite: $0:demo)"
                 else echo "== cmake/bootstrap.sh test"; cmake/bootstrap.sh test; fi
                 echo "== cmake/check-package.sh"; cmake/check-package.sh build' "$suite"
}

failed=0 summary=()
for entry in "${suites[@]}"; do
    suite=${entry%:*} only=""
    [ "$entry" = "$suite" ] || only=${entry#*:}
    started=$SECONDS
    if run_suite "$suite" "$only" >"$matrix/$suite.log" 2>&1; then
        result=passed
    else
        result=FAILED failed=1
        tail -n 60 "$matrix/$suite.log" | sed "s/^/$suite: /" >&2
    fi
    cleanup
    tests=$(grep -E 'tests passed|tests failed' "$matrix/$suite.log" | tail -1 || true)
    [ -z "$only" ] || tests=${tests:-demo and package only}
    summary+=("$entry: $result in $((SECONDS - started)) s (${tests:-no test result}); log: $matrix/$suite.log")
done
printf '%s\n' "${summary[@]}"
passed=$(printf '%s\n' "${summary[@]}" | grep -c ': passed in ' || true)
echo "matrix: $passed passed, $((${#suites[@]} - passed)) failed"
exit $failed
