#!/usr/bin/env bash
# check-capture.sh - the golden test of one capture.
#
# Usage: check-capture.sh PLUGIN.so CAPTURE EXPECTED [tshark options...]
#
# Fails when the two-pass annotations differ from EXPECTED
# (a table checked by hand against the packets and RFC 9293), when a single pass says anything
# else than the second pass about what a single pass can know, or when tcpclose disagrees with
# Wireshark's own tcp.connection.fin_active / fin_passive, or when a subtree label or Info tag
# says something else than EXPECTED.  Options after EXPECTED (preferences: -o tcpclose.time_wait:1)
# go to every tshark run, so EXPECTED is the table of the capture under those settings.
# Three tshark runs: two passes printing the table and the fields check-fin-agreement.sh reads,
# one pass printing the table, two passes printing the labels and Info column (check-labels.sh).
# Without the plugin, tshark refuses the tcpclose fields and the test fails; the test plugin.listed
# says so first (require-plugin.sh), and every tshark test waits on it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1 capture=$2 expected=$3
shift 3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$here/annotations.sh" "$plugin" "$capture" --also "$out/fin-fields" "$("$here/check-fin-agreement.sh" --fields)" \
    "$@" >"$out/two-pass"
if ! diff -u "$expected" "$out/two-pass"; then
    echo "FAIL: $capture: annotations differ from $expected (- expected, + got)" >&2
    exit 1
fi

# What the single pass can know must read the same in both passes.  An RST cause the second pass
# puts down to an inferred idle timer (IDLE_TIMEOUT where idle_timer is set) was the first pass's
# ABORT, or IDLE_TIMEOUT from the preference: either reads as "IDLE_TIMEOUT|ABORT" in both.
"$here/annotations.sh" "$plugin" "$capture" --single-pass "$@" >"$out/single"
gawk -F'\t' -v OFS='\t' 'NR > 1 { if ($22 != "" && $17 == "IDLE_TIMEOUT") $17 = "IDLE_TIMEOUT|ABORT"
        $9 = "-"; $13 = "-"; $20 = "-"; $22 = "-"; n = split($NF, e, ","); $NF = "";
        for (i = 1; i <= n; i++) if (e[i] != "fin_unacked" && e[i] != "fin_unanswered" && e[i] != "idle_timer_close")
            $NF = $NF ($NF == "" ? "" : ",") e[i] } { print }' "$out/two-pass" >"$out/two-pass-stable"
gawk -F'\t' -v OFS='\t' 'NR == FNR { if ($17 == "IDLE_TIMEOUT|ABORT") timer[FNR] = 1; next }
        (FNR in timer) && ($17 == "ABORT" || $17 == "IDLE_TIMEOUT") { $17 = "IDLE_TIMEOUT|ABORT" } { print }' \
    "$out/two-pass-stable" "$out/single" >"$out/single-stable"
if ! diff -u "$out/two-pass-stable" "$out/single-stable"; then
    echo "FAIL: $capture: single-pass annotations differ from the second pass (- two-pass, + single)" >&2
    exit 1
fi

"$here/check-fin-agreement.sh" --table "$out/fin-fields" "$capture"
"$here/check-labels.sh" "$plugin" "$capture" "$expected" "$@"
echo "ok: $(($(wc -l <"$out/two-pass") - 1)) annotated segments match $(basename "$expected")"
