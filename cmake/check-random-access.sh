#!/usr/bin/env bash
# check-random-access.sh - the stored results, found again in any order.
#
# Usage: check-random-access.sh PLUGIN.so CAPTURE
#
# tshark -2 visits the frames in order, so each frame's stored results are found where the lookup
# before left off (frame_results.c); the GUI jumps about (a click, a filter), which takes a binary
# search.  sharkd, Wireshark's JSON back end, loads the capture (the first pass) and then
# dissects the frames it is asked for: here every frame, once in order and once scattered (a
# stride prime to the frame count, from the back).  Every frame must show the same tcpclose
# items both ways, and in order the same phases as tshark -2 prints.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1 capture=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$here/require-plugin.sh" "$plugin"
frames=$("$here/run-tshark.sh" "$plugin" "$capture" -T fields -e frame.number | tail -1)
[ "$frames" -gt 2 ] || { echo "FAIL: $capture: too few frames ($frames) to scatter" >&2; exit 1; }

gcd() { local a=$1 b=$2; while [ "$b" -gt 0 ]; do set -- "$b" $((a % b)); a=$1 b=$2; done; echo "$a"; }
stride=$((frames / 2 + 1))
while [ "$(gcd "$stride" "$frames")" -ne 1 ]; do stride=$((stride + 1)); done

# One line a frame: its number, then each tcpclose item's label and filter text as sharkd gives them.
dissect() { # FRAME...
    {
        echo '{"jsonrpc":"2.0","id":1,"method":"load","params":{"file":"@CAPTURE@"}}'
        for frame in "$@"; do # sharkd's ids start at 1: a frame's is its number + 1
            echo "{\"jsonrpc\":\"2.0\",\"id\":$((frame + 1)),\"method\":\"frame\",\"params\":{\"frame\":$frame,\"proto\":true}}"
        done
    } | "$here/run-tshark.sh" "$plugin" "$capture" --sharkd 2>/dev/null |
        gawk 'match($0, /^\{"jsonrpc":"2.0","id":([0-9]+),"result":\{"tree"/, m) && m[1] > 1 {
                  line = m[1] - 1; rest = $0
                  while (match(rest, /"(l":"TCP Connection Closure|f":"tcpclose)([^"\\]|\\.)*"/)) {
                      line = line "\t" substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
                  }
                  print line }' | sort -n
}

dissect $(seq 1 "$frames") >"$out/in-order"
dissect $(for ((i = 0; i < frames; i++)); do echo $((frames - (i * stride) % frames)); done) >"$out/scattered"

[ "$(wc -l <"$out/in-order")" -eq "$frames" ] || {
    echo "FAIL: $capture: sharkd dissected $(wc -l <"$out/in-order") of $frames frames" >&2; exit 1; }
if ! diff -u "$out/in-order" "$out/scattered"; then
    echo "FAIL: $capture: frames dissected out of order show other tcpclose items (- in order, + scattered)" >&2
    exit 1
fi

"$here/run-tshark.sh" "$plugin" "$capture" -2 -T fields -e frame.number -e tcpclose.phase | gawk -F'\t' '$2 != ""' >"$out/tshark"
gawk -F'\t' '{ phases = ""
               for (i = 2; i <= NF; i++) if (match($i, /^"f":"tcpclose\.phase == \\"([A-Z_]+)\\""$/, m))
                   phases = phases (phases == "" ? "" : ",") m[1]
               if (phases != "") print $1 "\t" phases }' "$out/in-order" >"$out/sharkd"
[ -s "$out/tshark" ] || { echo "FAIL: $capture: tshark -2 shows no closing segment" >&2; exit 1; }
if ! diff -u "$out/tshark" "$out/sharkd"; then
    echo "FAIL: $capture: sharkd shows other phases than tshark -2 (- tshark, + sharkd)" >&2
    exit 1
fi
echo "ok: $frames frames, $(wc -l <"$out/tshark") with closing segments, the same in order and by a stride of $stride"
