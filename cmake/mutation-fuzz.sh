#!/usr/bin/env bash
# mutation-fuzz.sh - mutation fuzzing of the sanitizer-built plugin: N randomly damaged copies of
# every capture in test-captures/ (editcap -E), each read by tshark with the plugin built with
# ASan+UBSan and gcc's ASan runtime preloaded (cmake/run-tshark.sh, TCPCLOSE_PRELOAD).
#
# Usage: mutation-fuzz.sh PLUGIN.so LIBASAN N [CAPTURE-FOLDER]
#   PLUGIN.so  the sanitizer build (build/asan/tcpclose.so, target tcpclose_asan)
#   LIBASAN    gcc's ASan runtime (gcc -print-file-name=libasan.so)
#   N          damaged copies of each capture (CAPTURE-FOLDER, default test-captures/, searched
#              recursively for *.pcap and *.pcapng)
#
# A copy fails when tshark -2 -V exits non-zero (a crash, or a sanitizer report: ASan aborts,
# UBSan exits 1), prints a sanitizer report, or shows "Dissector bug, protocol TCPCLOSE" or
# "Malformed Packet: TCPCLOSE".  Failing copies are kept in MUTATION_KEEP (default
# ./mutation-failures) and named after their capture, seed and offset.
#
# The damage is reproducible: copy k of the i-th capture (sorted) uses editcap's fixed seed
# MUTATION_SEED + i*N + k (editcap 4.0 has --seed), and skips the first 0, 14 or 34 bytes of each
# packet (k mod 3: anything; the IP header on; the TCP header on, for Ethernet IPv4) so that
# damage reaches tcpclose's own input often enough.  To redo one copy by hand:
#     editcap -E 0.02 --seed SEED -o OFFSET CAPTURE damaged.pcap
#     TCPCLOSE_PRELOAD=LIBASAN cmake/run-tshark.sh build/asan/tcpclose.so damaged.pcap -2 -V
#
# Environment: MUTATION_SEED (first seed, default 1), MUTATION_RATE (editcap -E, default 0.02),
# MUTATION_JOBS (tshark runs at once, default nproc), MUTATION_KEEP (see above).
#
# ctest runs this as asan.mutation with a few copies per capture (TCPCLOSE_MUTATION_COPIES).
# Thousands of copies, e.g. overnight or in a nightly CI job, from the build folder:
#     ../cmake/mutation-fuzz.sh asan/tcpclose.so "$(gcc -print-file-name=libasan.so)" 100
# (79 captures x 100 = 7,900 runs, about an hour on 2 cores), and with other seeds on other
# nights: MUTATION_SEED=100001 ../cmake/mutation-fuzz.sh ...  Other folders of captures work too:
#     ../cmake/mutation-fuzz.sh asan/tcpclose.so "$LIBASAN" 20 ../../shared/captures/public
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: $0 PLUGIN.so LIBASAN N [CAPTURE-FOLDER]" >&2
    exit 2
fi
plugin=$1 libasan=$2 copies=$3
folder=${4:-$here/../test-captures}
seed0=${MUTATION_SEED:-1}
rate=${MUTATION_RATE:-0.02}
jobs=${MUTATION_JOBS:-$(nproc)}
keep=${MUTATION_KEEP:-$PWD/mutation-failures}

[[ $copies =~ ^[0-9]+$ ]] && [ "$copies" -gt 0 ] || { echo "FAIL: N must be a positive number, not '$copies'" >&2; exit 2; }
[ -f "$plugin" ] || { echo "FAIL: no plugin at $plugin" >&2; exit 1; }
[ -r "$libasan" ] || { echo "FAIL: no ASan runtime at $libasan" >&2; exit 1; }
command -v editcap >/dev/null || { echo "FAIL: editcap not found (Debian: wireshark-common)" >&2; exit 1; }
export TCPCLOSE_PRELOAD=$libasan

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/mutants" "$work/failed"

"$here/require-plugin.sh" "$plugin"

mapfile -t captures < <(find -H "$folder" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort)
[ "${#captures[@]}" -gt 0 ] || { echo "FAIL: no captures in $folder" >&2; exit 1; }

offsets=(0 14 34)
# Damages one copy and runs tshark over it; a failure leaves a note in $work/failed.
check_one() {
    local capture=$1 seed=$2 offset=$3
    local base ext mutant out rc=0 reason=""
    base=$(basename "$capture")
    ext=${base##*.}
    mutant="$work/mutants/${base%.*}.seed$seed.off$offset.$ext"
    if ! editcap -E "$rate" --seed "$seed" -o "$offset" "$capture" "$mutant" >/dev/null 2>&1; then
        echo "FAIL: editcap could not damage $base (seed $seed)" >"$work/failed/$seed"
        return
    fi
    out=$("$here/run-tshark.sh" "$plugin" "$mutant" -2 -V 2>&1) || rc=$?
    if [ "$rc" -ne 0 ]; then
        reason="tshark exited with status $rc"
        [ "$rc" -gt 128 ] && reason="$reason (signal $((rc - 128)))"
    elif grep -q -E '^==[0-9]+==ERROR: |^SUMMARY: [A-Za-z]+Sanitizer|: runtime error: ' <<<"$out"; then
        reason="sanitizer report"
    elif grep -q -E 'Dissector bug, protocol TCPCLOSE|Malformed Packet: TCPCLOSE' <<<"$out"; then
        reason="tcpclose dissector error"
    fi
    if [ -n "$reason" ]; then
        mkdir -p "$keep"
        cp "$mutant" "$keep/"
        {
            echo "FAIL: $base, seed $seed, offset $offset: $reason; kept as $keep/$(basename "$mutant")"
            grep -E -A25 '^==[0-9]+==ERROR: |: runtime error: ' <<<"$out" | head -40 || true
            grep -E -m3 'Dissector bug, protocol TCPCLOSE|Malformed Packet: TCPCLOSE' <<<"$out" || true
        } >"$work/failed/$seed"
    fi
    rm -f "$mutant"
}

runs=0
for i in "${!captures[@]}"; do
    for ((k = 0; k < copies; k++)); do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
            wait -n || true
        done
        check_one "${captures[$i]}" $((seed0 + i * copies + k)) "${offsets[$((k % 3))]}" &
        runs=$((runs + 1))
    done
done
wait

failed=0
while read -r note; do
    [ -n "$note" ] || continue
    cat "$work/failed/$note" >&2
    failed=$((failed + 1))
done < <(ls "$work/failed" | sort -n)
echo "$runs damaged copies of ${#captures[@]} captures (editcap -E $rate, seeds $seed0..$((seed0 + runs - 1))), $failed failed"
[ "$failed" -eq 0 ]
