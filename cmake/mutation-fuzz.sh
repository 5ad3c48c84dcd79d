#!/usr/bin/env bash
# mutation-fuzz.sh - mutation fuzzing of the sanitizer-built plugin: N randomly damaged copies of
# every capture in test-captures/ (editcap -E), and R files of random TCP frames (randpkt), read by
# tshark with the plugin built with ASan+UBSan and gcc's ASan runtime preloaded
# (cmake/run-tshark.sh, TCPCLOSE_PRELOAD).  The files go to tshark in batches of MUTATION_BATCH
# (default 10), each batch joined end to end into one capture (mergecap -a): starting tshark costs
# more than reading a few hundred frames.  Files mergecap cannot join (copies of an empty capture)
# run one by one.
#
# Usage: mutation-fuzz.sh PLUGIN.so LIBASAN N [CAPTURE-FOLDER]
#   PLUGIN.so  the sanitizer build (build/asan/tcpclose.so, target tcpclose_asan)
#   LIBASAN    gcc's ASan runtime (gcc -print-file-name=libasan.so)
#   N          damaged copies of each capture (CAPTURE-FOLDER, default test-captures/, searched
#              recursively for *.pcap and *.pcapng); 0 for the randpkt files alone
#
# A batch fails when tshark -2 -V exits non-zero (a crash, or a sanitizer report: ASan aborts,
# UBSan exits 1), prints a sanitizer report, or shows "Dissector bug, protocol TCPCLOSE" or
# "Malformed Packet: TCPCLOSE".  Then each of its files runs alone, and the files that fail alone
# are kept in MUTATION_KEEP (default ./mutation-failures): damaged copies named after their
# capture, seed and offset, randpkt files after the run (time and process id) and their number.
# A batch whose files all pass alone (connections of two files that meet) is kept whole.
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
# payloads make most of each frame), MUTATION_BATCH (files a tshark run, default 10),
# MUTATION_JOBS (tshark runs at once, default nproc), MUTATION_KEEP (see above).  A kept file,
# batch or not, runs again as above: cmake/run-tshark.sh build/asan/tcpclose.so FILE -2 -V.
#
# ctest runs this as asan.mutation with a few copies per capture (TCPCLOSE_MUTATION_COPIES) and
# TCPCLOSE_MUTATION_RANDPKT randpkt files.
# Thousands of copies, e.g. overnight or in a nightly CI job, from the build folder:
#     ../cmake/mutation-fuzz.sh asan/tcpclose.so "$(gcc -print-file-name=libasan.so)" 100
# (90 captures x 100 = 9,000 copies in 900 batches, about 18 minutes on 2 cores), and with other seeds on other
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
batch_size=${MUTATION_BATCH:-10}
keep=${MUTATION_KEEP:-$PWD/mutation-failures}

for pair in "N:$copies" "MUTATION_RANDPKT:$randoms" "MUTATION_RANDPKT_COUNT:$random_count" \
            "MUTATION_RANDPKT_BYTES:$random_bytes" "MUTATION_BATCH:$batch_size"; do
    [[ ${pair#*:} =~ ^[0-9]+$ ]] || { echo "FAIL: ${pair%%:*} must be a number, not '${pair#*:}'" >&2; exit 2; }
done
[ "$random_count" -gt 0 ] && [ "$random_bytes" -gt 0 ] && [ "$batch_size" -gt 0 ] || { echo "FAIL: MUTATION_RANDPKT_COUNT, MUTATION_RANDPKT_BYTES and MUTATION_BATCH must be positive" >&2; exit 2; }
[ "$copies" -gt 0 ] || [ "$randoms" -gt 0 ] || { echo "FAIL: nothing to run: N and MUTATION_RANDPKT are both 0" >&2; exit 2; }
[ -f "$plugin" ] || { echo "FAIL: no plugin at $plugin" >&2; exit 1; }
[ -r "$libasan" ] || { echo "FAIL: no ASan runtime at $libasan" >&2; exit 1; }
for tool in editcap randpkt mergecap; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (Debian: wireshark-common)" >&2; exit 1; }
done
export TCPCLOSE_PRELOAD=$libasan

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/mutants" "$work/batches" "$work/failed"

"$here/require-plugin.sh" "$plugin"

captures=()
if [ "$copies" -gt 0 ]; then
    mapfile -t captures < <(find -H "$folder" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort)
    [ "${#captures[@]}" -gt 0 ] || { echo "FAIL: no captures in $folder" >&2; exit 1; }
fi

# Runs tshark -2 -V over FILE, its output into FILE.out; sets $reason, empty when FILE passed, and
# $rc, tshark's exit status.
examine() {
    local file=$1
    rc=0 reason=""
    "$here/run-tshark.sh" "$plugin" "$file" -2 -V >"$file.out" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        reason="tshark exited with status $rc"
        [ "$rc" -gt 128 ] && reason="$reason (signal $((rc - 128)))"
    elif grep -q -E '^==[0-9]+==ERROR: |^SUMMARY: [A-Za-z]+Sanitizer|: runtime error: ' "$file.out"; then
        reason="sanitizer report"
    elif grep -q -E 'Dissector bug, protocol TCPCLOSE|Malformed Packet: TCPCLOSE' "$file.out"; then
        reason="tcpclose dissector error"
    fi
}

# Keeps FILE in $keep and writes the failure note NOTE (sort -V lists the notes in run order),
# WHAT saying what FILE is, from $reason, $rc and FILE.out.
report() {
    local file=$1 what=$2 note=$3
    mkdir -p "$keep"
    cp "$file" "$keep/"
    {
        echo "FAIL: $what: $reason; kept as $keep/$(basename "$file")"
        grep -E -A25 '^==[0-9]+==ERROR: |: runtime error: ' "$file.out" | head -40 || true
        grep -E -m3 'Dissector bug, protocol TCPCLOSE|Malformed Packet: TCPCLOSE' "$file.out" || true
        # tshark's own words on a failed exit (its messages start with "tshark:").
        [ "$rc" -eq 0 ] || grep -E -m5 '^tshark: |^run-tshark|^setpriv|^cp: ' "$file.out" || true
    } >"$work/failed/$note"
}

# What a made file is, and the name of its failure note: "WHAT<TAB>NOTE".
describe() {
    local name
    name=$(basename "$1")
    if [[ $name =~ ^(.*)\.seed([0-9]+)\.off([0-9]+)\.([a-z]+)$ ]]; then
        printf '%s, seed %s, offset %s\teditcap-%s\n' "${BASH_REMATCH[1]}.${BASH_REMATCH[4]}" \
            "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "${BASH_REMATCH[2]}"
    elif [[ $name =~ \.([0-9]+)\.pcap$ ]]; then
        printf 'randpkt file %s (%s TCP frames, -b %s)\trandpkt-%s\n' "${BASH_REMATCH[1]}" "$random_count" \
            "$random_bytes" "${BASH_REMATCH[1]}"
    fi
}

# Checks the made files of batch NUMBER in one tshark run, joined end to end into one capture
# (mergecap -a): a tshark start costs more than reading a few hundred frames.  When the batch
# fails, each file is run alone, and a file that fails alone is kept; a batch that fails only
# as a whole (connections of two files that meet) is kept whole.  The files are removed.
check_batch() {
    local number=$1
    shift
    local batch="$work/batches/batch-$number.pcapng" file what note failing=0 batch_reason="" batch_rc
    # Files mergecap cannot join (copies of the capture with no packets, which it will not write as
    # pcapng when a batch holds nothing else) run one by one.
    if [ $# -gt 1 ] && mergecap -a -F pcapng -w "$batch" "$@" >"$batch.out" 2>&1; then
        examine "$batch"
        if [ -z "$reason" ]; then
            rm -f "$batch" "$batch.out" "$@"
            return
        fi
        batch_reason=$reason batch_rc=$rc
    fi
    for file in "$@"; do
        examine "$file"
        if [ -n "$reason" ]; then
            IFS=$'\t' read -r what note < <(describe "$file")
            report "$file" "$what" "$note"
            failing=1
        fi
        rm -f "$file" "$file.out"
    done
    if [ -n "$batch_reason" ] && [ "$failing" -eq 0 ]; then
        reason=$batch_reason rc=$batch_rc
        report "$batch" "batch $number (its files pass alone: $(for file in "$@"; do describe "$file" | cut -f1; done | paste -sd';' | sed 's/;/; /g'))" "batch-$number"
    fi
    rm -f "$batch" "$batch.out"
}

offsets=(0 14 34)
# Damages one copy of a capture.
make_mutant() {
    local capture=$1 seed=$2 mutant=$3 offset=$4
    if ! editcap -E "$rate" --seed "$seed" -o "$offset" "$capture" "$mutant" >/dev/null 2>&1; then
        echo "FAIL: editcap could not damage $(basename "$capture") (seed $seed)" >"$work/failed/editcap-$seed"
    fi
}

# Writes the number-th file of random TCP frames.  randpkt cannot be seeded: the run's id in the
# name keeps a failing file from overwriting one kept by an earlier run.
run_id=$(date +%Y%m%d-%H%M%S)-$$
make_random() {
    local number=$1 file=$2
    if ! randpkt -t tcp -c "$random_count" -b "$random_bytes" "$file" >/dev/null 2>&1; then
        echo "FAIL: randpkt could not write file $number" >"$work/failed/randpkt-$number"
    fi
}

# Runs "$@" in the background once fewer than $jobs runs are going.
start() {
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    "$@" &
}

# Every file first (editcap and randpkt start quickly), in run order, then the batches.
made=() runs=0
for i in "${!captures[@]}"; do
    for ((k = 0; k < copies; k++)); do
        base=$(basename "${captures[$i]}") seed=$((seed0 + i * copies + k)) offset=${offsets[$((k % 3))]}
        made+=("$work/mutants/${base%.*}.seed$seed.off$offset.${base##*.}")
        start make_mutant "${captures[$i]}" "$seed" "${made[-1]}" "$offset"
        runs=$((runs + 1))
    done
done
for ((r = 1; r <= randoms; r++)); do
    made+=("$work/mutants/randpkt-tcp.$run_id.$r.pcap")
    start make_random "$r" "${made[-1]}"
done
wait
batches=0
for ((first = 0; first < ${#made[@]}; first += batch_size)); do
    members=()
    for file in "${made[@]:first:batch_size}"; do
        [ ! -e "$file" ] || members+=("$file")
    done
    batches=$((batches + 1))
    [ ${#members[@]} -eq 0 ] || start check_batch "$batches" "${members[@]}"
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
     "$randoms randpkt files ($((randoms * random_count)) random TCP frames, -b $random_bytes)," \
     "in $batches batches of up to $batch_size files; $failed failed"
[ "$failed" -eq 0 ]
