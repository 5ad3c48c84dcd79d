#!/usr/bin/env bash
# tshark-as-nobody.sh - runs tshark for the benchmark with a given plugin folder, as root too.
#
# Usage: tshark-as-nobody.sh PLUGIN_DIR STATE_DIR [tshark arguments...]
# PLUGIN_DIR holds 4.0/epan/tcpclose.so (or nothing, for plain tshark); STATE_DIR is a writable
# folder for HOME and the (empty) configuration.  As root, tshark ignores WIRESHARK_PLUGIN_DIR, so
# a root caller drops to nobody (65534); everything it reads must be readable by nobody.  Plain and
# plugin runs go through this same path, so they pay the same start-up.  The script ends in exec,
# so /usr/bin/time and hyperfine measure tshark itself.
set -eu
plugins=$1 state=$2
shift 2
run=(env -i "PATH=$PATH" LC_ALL=C.UTF-8 "HOME=$state/home" "WIRESHARK_CONFIG_DIR=$state/config"
     "WIRESHARK_PLUGIN_DIR=$plugins")
if [ "$(id -u)" = 0 ]; then
    run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}")
fi
# TCPCLOSE_BENCH_ROOT: the tshark of another Wireshark line, in that chroot (bench/paired.sh --suites).
if [ -n "${TCPCLOSE_BENCH_ROOT:-}" ]; then
    run=(chroot "$TCPCLOSE_BENCH_ROOT" "${run[@]}")
fi
exec "${run[@]}" tshark "$@"
