#!/usr/bin/env bash
# mutation-fuzz.sh - mutation fuzzing of the sanitizer-built plugin: N randomly damaged copies of
# every capture in test-captures/ (editcap -E), and R files of random TCP frames (randpkt), each
# read by tshark with the plugin built with ASan+UBSan and gcc's ASan runtime preloaded
# (cmake/run-tshark.sh, TCPCLOSE_PRELOAD).
#
# Usage: mutation-fuzz.sh PLUGIN.so LIBASAN N [CAPTURE-FOLDER]
#   PLUGIN.so  the sanitizer build (build/asan/tcpclose.so, target tcpclose_asan)
#   LIBASAN    gcc's ASan runtime (gcc -print-file-name=libasan.so)
#   N          damaged copies of each capture (CAPTURE-FOLDER, default test-captures/, searched
#              recursively for *.pcap and *.pcapng); 0 for the randpkt files alone
#
# A file fails when tshark -2 -V exits non-zero (a crash, or a sanitizer report: ASan aborts,
# UBSan exits 1), prints a sanitizer report, or shows "Dissector bug, protocol TCPCLOSE" or
# "Malformed Packet: TCPCLOSE".  Failing files are kept in MUTATION_KEEP (default
# ./mutation-failures): damaged copies named after their capture, seed and offset, randpkt files
# after the run (time and process id) and their number.
#
# The damage is reproducible: copy k of the i-th capture (sorted) uses editcap's fixed seed
# MUTATION_SEED + i*N + k (editcap 4.0 has --seed), and skips the first 0, 14 or 34 bytes of each
# packet (k mod 3: anything; the IP header on; the TCP header on, for Ethernet IPv4) so that
# damage reaches tcpclose's own input often enough.  To redo one copy by hand:
#     editcap -E 0.02 --seed SEED -o OFFSET CAPTURE damaged.pcap
#     TCPCLOSE_PRELOAD=LIBASAN cmake/run-tshark.sh build/asan/tcpclose.so damaged.pcap -2 -V
#
# randpkt (wireshark-common) adds what damaging well-formed captures rarely makes: TCP headers
# whose every field is random (Token Ring + LLC + a fixed IPv4 header, then random bytes from the
# TCP header on), so any flag combination, data offset, port pair and length, cut anywhere by
# the frame's random length.  About a quarter of such frames reach tcpclose's FIN and RST paths.
# randpkt has no seed option, so these files differ every run; a failing one is kept, and is
# the only way to redo it.  -t ip and -t ipv6 are not used: 0.2 % and 0.4 % of their frames are
# TCP at all.  By hand:
#     randpkt -t tcp -c 1000 -b 200 random.pcap
#     TCPCLOSE_PRELOAD=LIBASAN cmake/run-tshark.sh build/asan/tcpclose.so random.pcap -2 -V
#
# Environment: MUTATION_SEED (first seed, default 1), MUTATION_RATE (editcap -E, default 0.02),
# MUTATION_RANDPKT (randpkt files, default 20), MUTATION_RANDPKT_COUNT (frames in each, default
# 1000), MUTATION_RANDPKT_BYTES (randpkt -b, largest frame, default 200: so headers and short
# payloads make most of each frame), MUTATION_JOBS (tshark runs at once, default nproc),
# MUTATION_KEEP (see above).
#
# ctest runs this as asan.mutation with a few copies per capture (TCPCLOSE_MUTATION_COPIES) and
# TCPCLOSE_MUTATION_RANDPKT randpkt files.
# Thousands of copies, e.g. overnight or in a nightly CI job, from the build folder:
#     ../cmake/mutation-fuzz.sh asan/tcpclose.so "$(gcc -print-file-name=libasan.so)" 100
# (81 captures x 100 = 8,100 runs, about an hour on 2 cores), and with other seeds on other
# nights: MUTATION_SEED=100001 ../cmake/mutation-fuzz.sh ...  Random frames alone, 200,000 of them:
#     MUTATION_RANDPKT=200 ../cmake/mutation-fuzz.sh asan/tcpclose.so "$LIBASAN" 0
# Other folders of captures work too:
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
randoms=${MUTATION_RANDPKT:-20}
random_count=${MUTATION_RANDPKT_COUNT:-1000}
random_bytes=${MUTATION_RANDPKT_BYTES:-200}
jobs=${MUTATION_JOBS:-$(nproc)}
keep=${MUTATION_KEEP:-$PWD/mutation-failures}

for pair in "N:$copies" "MUTATION_RANDPKT:$randoms" "MUTATION_RANDPKT_COUNT:$random_count" \
            "MUTATION_RANDPKT_BYTES:$random_bytes"; do
    [[ ${pair#*:} =~ ^[0-9]+$ ]] || { echo "FAIL: ${pair%%:*} must be a number, not '${pair#*:}'" >&2; exit 2; }
done
[ "$random_count" -gt 0 ] && [ "$random_bytes" -gt 0 ] || { echo "FAIL: MUTATION_RANDPKT_COUNT and MUTATION_RANDPKT_BYTES must be positive" >&2; exit 2; }
[ "$copies" -gt 0 ] || [ "$randoms" -gt 0 ] || { echo "FAIL: nothing to run: N and MUTATION_RANDPKT are both 0" >&2; exit 2; }
[ -f "$plugin" ] || { echo "FAIL: no plugin at $plugin" >&2; exit 1; }
[ -r "$libasan" ] || { echo "FAIL: no ASan runtime at $libasan" >&2; exit 1; }
for tool in editcap randpkt; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (Debian: wireshark-common)" >&2; exit 1; }
done
export TCPCLOSE_PRELOAD=$libasan

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/mutants" "$work/failed"

"$here/require-plugin.sh" "$plugin"

captures=()
if [ "$copies" -gt 0 ]; then
    mapfile -t captures < <(find -H "$folder" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort)
    [ "${#captures[@]}" -gt 0 ] || { echo "FAIL: no captures in $folder" >&2; exit 1; }
fi

# Runs tshark over one made file and removes it; a failure keeps the file in $keep and leaves a
# note in $work/failed named NOTE (editcap-SEED, randpkt-NUMBER: sort -V lists them in run order).
check_file() {
    local file=$1 what=$2 note=$3
    local out rc=0 reason=""
    out=$("$here/run-tshark.sh" "$plugin" "$file" -2 -V 2>&1) || rc=$?
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
        cp "$file" "$keep/"
        {
            echo "FAIL: $what: $reason; kept as $keep/$(basename "$file")"
            grep -E -A25 '^==[0-9]+==ERROR: |: runtime error: ' <<<"$out" | head -40 || true
            grep -E -m3 'Dissector bug, protocol TCPCLOSE|Malformed Packet: TCPCLOSE' <<<"$out" || true
            # tshark's own words on a failed exit (its messages start with "tshark:").
            [ "$rc" -eq 0 ] || grep -E -m5 '^tshark: |^run-tshark|^setpriv|^cp: ' <<<"$out" || true
        } >"$work/failed/$note"
    fi
    rm -f "$file"
}

offsets=(0 14 34)
# Damages one copy of a capture and checks it.
check_mutant() {
    local capture=$1 seed=$2 offset=$3
    local base ext mutant
    base=$(basename "$capture")
    ext=${base##*.}
    mutant="$work/mutants/${base%.*}.seed$seed.off$offset.$ext"
    if ! editcap -E "$rate" --seed "$seed" -o "$offset" "$capture" "$mutant" >/dev/null 2>&1; then
        echo "FAIL: editcap could not damage $base (seed $seed)" >"$work/failed/editcap-$seed"
        return
    fi
    check_file "$mutant" "$base, seed $seed, offset $offset" "editcap-$seed"
}

# Writes the number-th file of random TCP frames and checks it.  randpkt cannot be seeded: the
# run's id in the name keeps a failing file from overwriting one kept by an earlier run.
run_id=$(date +%Y%m%d-%H%M%S)-$$
check_random() {
    local number=$1
    local file="$work/mutants/randpkt-tcp.$run_id.$number.pcap"
    if ! randpkt -t tcp -c "$random_count" -b "$random_bytes" "$file" >/dev/null 2>&1; then
        echo "FAIL: randpkt could not write file $number" >"$work/failed/randpkt-$number"
        return
    fi
    check_file "$file" "randpkt file $number ($random_count TCP frames, -b $random_bytes)" "randpkt-$number"
}

# Runs "$@" in the background once fewer than $jobs runs are going.
start() {
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    "$@" &
}

runs=0
for i in "${!captures[@]}"; do
    for ((k = 0; k < copies; k++)); do
        start check_mutant "${captures[$i]}" $((seed0 + i * copies + k)) "${offsets[$((k % 3))]}"
        runs=$((runs + 1))
    done
done
for ((r = 1; r <= randoms; r++)); do
    start check_random "$r"
done
wait

failed=0
while read -r note; do
    [ -n "$note" ] || continue
    cat "$work/failed/$note" >&2
    failed=$((failed + 1))
done < <(ls "$work/failed" | sort -V)
seeds="none"
[ "$runs" -gt 0 ] && seeds="seeds $seed0..$((seed0 + runs - 1))"
echo "$runs damaged copies of ${#captures[@]} captures (editcap -E $rate, $seeds)," \
     "$randoms randpkt files ($((randoms * random_count)) random TCP frames, -b $random_bytes), $failed failed"
[ "$failed" -eq 0 ]
