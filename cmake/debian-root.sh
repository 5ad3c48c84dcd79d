#!/usr/bin/env bash
# debian-root.sh - minimal Debian systems in chroots, for testing and timing tcpclose against the
# Wireshark of another release (cmake/matrix.sh, bench/paired.sh --suites).  Needs root.
#
# Usage: debian-root.sh unpack SUITE DIR       a fresh system in DIR (which must not exist), from a
#                                              minimal base made once with mmdebstrap and kept as
#                                              $TCPCLOSE_MATRIX_DIR/SUITE.tar (default /var/tmp/tcpclose-matrix)
#        debian-root.sh mount DIR [SRC:DST[:ro]]...
#                                              /proc, /sys, /dev, the host's resolv.conf and the given
#                                              folders (DST inside DIR) mounted; DIR/var/cache/apt/archives
#                                              is the suite's package cache, kept between systems
#        debian-root.sh umount DIR             all of the above unmounted
#        debian-root.sh remove DIR             unmounted and deleted (never while anything is mounted)
# SUITE: bookworm (Wireshark 4.0), trixie (4.4) or sid (4.6).
set -euo pipefail
matrix=${TCPCLOSE_MATRIX_DIR:-/var/tmp/tcpclose-matrix}
mirror=${TCPCLOSE_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || { echo "debian-root.sh: needs root (chroot, mounts)" >&2; exit 2; }

mounted_below() { # DIR: the mount points below DIR, deepest first
    gawk -v root="$1/" 'index($2, root) == 1 { print $2 }' /proc/self/mounts | sort -r
}

case ${1:-} in
unpack)
    suite=$2 dir=$3
    case $suite in bookworm | trixie | sid) ;; *) echo "debian-root.sh: unknown suite '$suite'" >&2; exit 2 ;; esac
    [ ! -e "$dir" ] || { echo "debian-root.sh: $dir exists" >&2; exit 2; }
    command -v mmdebstrap >/dev/null || {
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap
    }
    mkdir -p "$matrix"
    base=$matrix/$suite.tar
    if [ ! -s "$base" ]; then
        echo "== making the $suite base system ($base)" >&2
        # The archive may be a fixed snapshot whose Release files have expired: apt is told not to
        # mind, here and (through the system's own apt configuration) inside it.
        mmdebstrap --variant=minbase --format=tar --include=ca-certificates \
            --aptopt='Acquire::Check-Valid-Until "false"' "$suite" "$base.part" "$mirror" >&2
        mv "$base.part" "$base"
    fi
    mkdir -p "$dir"
    tar -C "$dir" -xf "$base"
    echo "$suite" >"$dir/.tcpclose-suite"
    ;;
mount)
    dir=$(cd "$2" && pwd)
    shift 2
    suite=$(cat "$dir/.tcpclose-suite")
    mkdir -p "$matrix/$suite-archives/partial"
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    mount --bind "$matrix/$suite-archives" "$dir/var/cache/apt/archives"
    mount -t proc proc "$dir/proc"
    mount --rbind /sys "$dir/sys"
    mount --make-rslave "$dir/sys"
    mount --rbind /dev "$dir/dev"
    mount --make-rslave "$dir/dev"
    for spec in "$@"; do
        IFS=: read -r src dst mode <<<"$spec"
        mkdir -p "$dir$dst"
        mount --bind "$src" "$dir$dst"
        [ "${mode:-}" != ro ] || mount -o remount,bind,ro "$dir$dst"
    done
    ;;
umount)
    dir=$(cd "$2" && pwd)
    for point in $(mounted_below "$dir"); do umount -l "$point" 2>/dev/null || true; done
    ;;
remove)
    dir=$(cd "$2" && pwd)
    "$0" umount "$dir"
    if [ -n "$(mounted_below "$dir")" ]; then
        echo "debian-root.sh: something is still mounted below $dir: not removed" >&2
        exit 1
    fi
    rm -rf "$dir"
    ;;
*)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
