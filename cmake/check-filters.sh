#!/usr/bin/env bash
# check-filters.sh - display filters on tcpclose's token fields and expert infos, in passes that
# print no tree.
#
# The golden tables are read with -T fields, which makes tshark build every item.  A plain
# `tshark -Y FILTER` builds a tree nobody sees: Wireshark fakes the items no filter asks for, and
# tcpclose adds no string item a filter does not ask for (plugin/packet-tcpclose.c, add_string).
# So here each value of each token field in the hand-checked EXPECTED table is used as a filter,
# `tshark -2 -Y 'tcpclose.FIELD == "VALUE"'` with the default summary lines, and the frames it
# prints must be exactly the table's frames with that value (any of them, on frames with several
# TCP layers).
# Usage: check-filters.sh PLUGIN.so CAPTURE EXPECTED
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1 capture=$2 expected=$3
"$here/require-plugin.sh" "$plugin"

failed=0 checked=0
# values N: the values in column N of the table (0: the last, the expert infos), each once
values() {
    gawk -F'\t' -v n="$1" 'NR > 1 { c = n ? $n : $NF; k = split(c, v, ","); for (i = 1; i <= k; i++) if (v[i] != "") print v[i] }' \
        "$expected" | sort -u
}
# expect N VALUE TSHARK_ARGS...: the frames tshark -2 prints must be those with VALUE in column N
expect() {
    local n=$1 value=$2 want got
    shift 2
    want=$(gawk -F'\t' -v n="$n" -v value="$value" 'NR > 1 { c = n ? $n : $NF; k = split(c, v, ",");
        for (i = 1; i <= k; i++) if (v[i] == value) { print $1; break } }' "$expected")
    got=$("$here/run-tshark.sh" "$plugin" "$capture" -2 "$@" | gawk '{ print $1 }')
    checked=$((checked + 1))
    if [ "$want" != "$got" ]; then
        diff <(echo "$want") <(echo "$got") >&2 || true
        echo "FAIL: $(basename "$capture"): tshark -2 $* matches other frames than the table (< table, > tshark)" >&2
        failed=1
    fi
}

# field name and its column in the table (cmake/annotations.sh)
columns=(phase:4 sender:5 active_side:6 client_state:7 server_state:8 type:9 rst_cause:17)
for column in "${columns[@]}"; do
    field=${column%%:*} n=${column##*:}
    for value in $(values "$n"); do
        expect "$n" "$value" -Y "tcpclose.$field == \"$value\""
    done
done
# Each expert info the table lists, as a filter in a pass that prints neither tree nor columns:
# tcpclose adds an expert info only where something can show it (expert_shows), and a filter on
# it is such a thing.
for expert in $(values 0); do
    expect 0 "$expert" -Y "tcpclose.$expert" -T fields -e frame.number
done
[ "$checked" -gt 0 ] || { echo "FAIL: $(basename "$expected") gave no value to filter on" >&2; exit 1; }
[ "$failed" -eq 0 ] && echo "ok: $checked filters on tcpclose's token fields and expert infos match $(basename "$expected")"
