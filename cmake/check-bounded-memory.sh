#!/usr/bin/env bash
# check-bounded-memory.sh - tcpclose's memory grows with the connections it follows, not with the
# packets: a 1 GiB capture of connections that never close (test-captures/make-never-closing.c)
# must cost no more than a small one with the same connections.
#
# Usage: check-bounded-memory.sh PLUGIN.so GENERATOR
#   PLUGIN.so  the plugin (build/tcpclose.so)
#   GENERATOR  make-never-closing (target make-never-closing in the build folder)
#
# Writes two captures of the same N connections into a temporary folder: a small one (1/8 of the
# size) and a large one (1 GiB), each N handshakes then 1448-byte data segments round robin,
# never a FIN or an RST.  On each, tshark runs the same job twice, tcpclose enabled and
# --disable-protocol tcpclose, as nobody (cmake/run-tshark.sh; the capture comes on stdin, so the
# 1 GiB is not copied), and python3 measures its peak RSS (getrusage of the children).
# The job is -r - -Y tcpclose: a display filter makes tshark build every packet's tree, so
# tcpclose reads the TCP fields of every segment and follows every connection; a packet is
# printed only when tcpclose annotated it.  The disabled run is the baseline: tshark's own
# per-packet state (TCP analysis, about 500 bytes a packet here) is the same in both runs, and
# enabled minus disabled ("extra") is what tcpclose keeps.
#
# Fails unless:
#   (a) tshark loads the plugin (cmake/require-plugin.sh);
#   (b) every run exits 0 and tcpclose annotates no segment (no packet printed), and
#       -z tcpclose,summary on the small capture counts N connections, all never closing
#       (so the plugin did follow them);
#   (c) extra <= N * 200 bytes (the goal per connection) + SLACK, on both captures;
#   (d) extra(large) - extra(small) <= SLACK: no growth with packets (the large one has about
#       5 times the packets of the small one).
# SLACK (default 2 MiB) is for what does not depend on N: with N = 1 the extra measured
# -0.2..+0.3 MiB, and three identical runs differ by up to 0.5 MiB (heap and page granularity),
# so 2 MiB is four times that spread.  It is kept under N * 200 bytes (3.8 MiB): a slack of
# 8 MiB would be 420 bytes a connection at N = 20,000, twice the budget, and would hide an
# overshoot; 2 MiB still lets about 300 bytes a connection pass, so read the printed figures.
#
# Environment: BOUNDED_CONNECTIONS (N, default 20000; at most 25536), BOUNDED_BYTES (the large
# capture, default 1073741824; the small one is an eighth), BOUNDED_SLACK_KIB (default 2048).
# About 40 s on 2 cores, and 1.2 GB in the temporary folder (TMPDIR) while it runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 2 ]; then
    echo "usage: $0 PLUGIN.so GENERATOR" >&2
    exit 2
fi
plugin=$1 generator=$2
conns=${BOUNDED_CONNECTIONS:-20000}
large_bytes=${BOUNDED_BYTES:-1073741824}
slack_kib=${BOUNDED_SLACK_KIB:-2048}
per_conn=200 # bytes: the goal for one connection's record and its share of the lookup structures

for pair in "BOUNDED_CONNECTIONS:$conns" "BOUNDED_BYTES:$large_bytes" "BOUNDED_SLACK_KIB:$slack_kib"; do
    [[ ${pair#*:} =~ ^[0-9]+$ ]] || { echo "FAIL: ${pair%%:*} must be a number, not '${pair#*:}'" >&2; exit 2; }
done
[ -f "$plugin" ] || { echo "FAIL: no plugin at $plugin" >&2; exit 1; }
[ -x "$generator" ] || { echo "FAIL: no generator at $generator (target make-never-closing)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 not found" >&2; exit 1; }

"$here/require-plugin.sh" "$plugin"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Peak RSS in KiB of tshark reading CAPTURE on stdin with the plugin and the tshark arguments
# given; prints "STATUS KIB".  ru_maxrss of RUSAGE_CHILDREN is the largest peak among the
# processes waited for, here tshark (under run-tshark.sh and setpriv), so each measurement needs
# a python3 of its own.  tshark's output goes to OUT and OUT.err.
peak_rss() {
    local capture=$1 out=$2
    shift 2
    python3 - "$capture" "$out" "$here/run-tshark.sh" "$plugin" - -r - "$@" <<'EOF'
import resource, subprocess, sys
capture, out, command = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(capture, "rb") as stdin, open(out, "wb") as stdout, open(out + ".err", "wb") as stderr:
    status = subprocess.run(command, stdin=stdin, stdout=stdout, stderr=stderr).returncode
print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
}

# Fails, with tshark's output, when a run was not measured, did not exit 0 or printed a packet.
check_run() {
    local what=$1 status=$2 kib=$3 out=$4
    [[ $status =~ ^[0-9]+$ && $kib =~ ^[0-9]+$ ]] || { echo "FAIL: $what: could not measure tshark's peak RSS" >&2; exit 1; }
    if [ "$status" -ne 0 ]; then
        echo "FAIL: $what: tshark exited with status $status" >&2
        head -20 "$out.err" >&2
        exit 1
    fi
    if [ -s "$out" ]; then
        echo "FAIL: $what: tcpclose annotated segments of connections that never close:" >&2
        head -5 "$out" >&2
        exit 1
    fi
}

declare -A packets bytes on off extra
small_bytes=$((large_bytes / 8))
for size in small large; do
    target=$small_bytes
    [ "$size" = large ] && target=$large_bytes
    "$generator" "$conns" "$target" "$work/$size.pcap" 2>"$work/$size.made" ||
        { echo "FAIL: $generator could not write the $size capture: $(cat "$work/$size.made")" >&2; exit 1; }
    packets[$size]=$(sed -n 's/.* connections, \([0-9]*\) packets .*/\1/p' "$work/$size.made")
    bytes[$size]=$(stat -c %s "$work/$size.pcap")
    [ -n "${packets[$size]}" ] || { echo "FAIL: no packet count from the generator: $(cat "$work/$size.made")" >&2; exit 1; }

    if [ "$size" = small ]; then
        "$here/run-tshark.sh" "$plugin" - -r - -q -z tcpclose,summary <"$work/small.pcap" >"$work/summary" 2>&1 ||
            { echo "FAIL: tshark -z tcpclose,summary failed:" >&2; cat "$work/summary" >&2; exit 1; }
        grep -q "^Connections: $conns\$" "$work/summary" &&
            grep -q "never began closing: $conns," "$work/summary" || {
            echo "FAIL: -z tcpclose,summary does not count $conns connections that never began closing:" >&2
            cat "$work/summary" >&2
            exit 1
        }
    fi

    read -r status kib < <(peak_rss "$work/$size.pcap" "$work/$size.on" -Y tcpclose)
    check_run "$size capture, tcpclose enabled" "$status" "$kib" "$work/$size.on"
    on[$size]=$kib
    read -r status kib < <(peak_rss "$work/$size.pcap" "$work/$size.off" -Y tcpclose --disable-protocol tcpclose)
    check_run "$size capture, tcpclose disabled" "$status" "$kib" "$work/$size.off"
    off[$size]=$kib
    extra[$size]=$((on[$size] - off[$size]))
done

bound_kib=$(((conns * per_conn + 1023) / 1024 + slack_kib))
echo "$conns connections that never close; peak RSS of tshark -Y tcpclose, tcpclose enabled and disabled:"
printf '  %-6s %9s packets %11s bytes   enabled %8s KiB   disabled %8s KiB   extra %6s KiB = %4s bytes/connection\n' \
    small "${packets[small]}" "${bytes[small]}" "${on[small]}" "${off[small]}" "${extra[small]}" $((extra[small] * 1024 / conns)) \
    large "${packets[large]}" "${bytes[large]}" "${on[large]}" "${off[large]}" "${extra[large]}" $((extra[large] * 1024 / conns))
echo "  bound on extra: $conns x $per_conn bytes + $slack_kib KiB slack = $bound_kib KiB;" \
     "growth small to large: $((extra[large] - extra[small])) KiB (at most $slack_kib KiB)"

failed=0
for size in small large; do
    if [ "${extra[$size]}" -gt "$bound_kib" ]; then
        echo "FAIL: $size capture: tcpclose costs ${extra[$size]} KiB for $conns connections," \
             "$((extra[$size] * 1024 / conns)) bytes each, over the bound of $bound_kib KiB" >&2
        failed=1
    fi
done
if [ $((extra[large] - extra[small])) -gt "$slack_kib" ]; then
    echo "FAIL: tcpclose's memory grows with packets: $((extra[large] - extra[small])) KiB more for" \
         "$((packets[large] - packets[small])) more packets of the same connections" >&2
    failed=1
fi
[ "$failed" -eq 0 ] || exit 1
echo "ok: tcpclose's memory is bounded by its connections"
