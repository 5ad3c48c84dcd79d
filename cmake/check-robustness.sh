#!/usr/bin/env bash
# check-robustness.sh - runs tcpclose over every capture in a folder: tshark must succeed and show
# no dissector bug or malformed tcpclose item in the full two-pass tree.  tcpclose stands in front
# of TCP (plugin/tcp_front.c), so the tree must also be, apart from tcpclose's own subtrees, the one
# tshark prints without the plugin; and tcpclose must agree with Wireshark's fin_active/fin_passive.
# Those two comparisons are left out under the sanitizers (TCPCLOSE_PRELOAD): that run is about
# memory errors (the plain build makes the comparisons), and twice as slow.
# Usage: check-robustness.sh PLUGIN.so FOLDER
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1 folder=$2
"$here/require-plugin.sh" "$plugin"
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
# The tree without tcpclose's subtrees (a header line and the indented lines under it).
without_tcpclose() { awk '/^TCP Connection Closure/ { skip = 1; next } skip && /^ / { next } { skip = 0; print }'; }

files=0 annotated=0 failed=0
for capture in "$folder"/*.pcap "$folder"/*.pcapng; do
    [ -e "$capture" ] || continue
    files=$((files + 1))
    if ! tree=$("$here/run-tshark.sh" "$plugin" "$capture" -2 -V 2>"$errors"); then
        cat "$errors" >&2
        echo "FAIL: $(basename "$capture"): tshark failed" >&2
        failed=$((failed + 1))
        continue
    fi
    if grep -E -m3 'Dissector bug, protocol TCPCLOSE|Malformed Packet: TCPCLOSE' <<<"$tree$(cat "$errors")" >&2; then
        echo "FAIL: $(basename "$capture"): dissector error above" >&2
        failed=$((failed + 1))
    fi
    if [ -z "${TCPCLOSE_PRELOAD:-}" ]; then
        plain=$("$here/run-tshark.sh" none "$capture" -2 -V 2>/dev/null) || plain="(tshark without the plugin failed)"
        if ! diff <(without_tcpclose <<<"$tree") - <<<"$plain" >"$errors"; then
            head -20 "$errors" >&2
            echo "FAIL: $(basename "$capture"): with tcpclose, the rest of the tree differs (above: < with, > without)" >&2
            failed=$((failed + 1))
        fi
        "$here/check-fin-agreement.sh" "$plugin" "$capture" || failed=$((failed + 1))
    fi
    annotated=$((annotated + $(grep -c '^TCP Connection Closure:' <<<"$tree" || true)))
done
echo "$files captures, $annotated closing segments annotated, $failed failed"
[ "$files" -gt 0 ] && [ "$annotated" -gt 0 ] && [ "$failed" -eq 0 ]
