#!/usr/bin/env bash
# check-robustness.sh - runs tcpclose over every capture in a folder: tshark must succeed, show no
# dissector bug or malformed tcpclose item in the full two-pass tree, and agree with Wireshark's
# fin_active/fin_passive.  Usage: check-robustness.sh PLUGIN.so FOLDER
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1 folder=$2
"$here/require-plugin.sh" "$plugin"
files=0 annotated=0 failed=0
for capture in "$folder"/*.pcap "$folder"/*.pcapng; do
    [ -e "$capture" ] || continue
    files=$((files + 1))
    if ! tree=$("$here/run-tshark.sh" "$plugin" "$capture" -2 -V 2>&1); then
        echo "FAIL: $(basename "$capture"): tshark failed" >&2
        failed=$((failed + 1))
        continue
    fi
    if grep -E -m3 'Dissector bug, protocol TCPCLOSE|Malformed Packet: TCPCLOSE' <<<"$tree" >&2; then
        echo "FAIL: $(basename "$capture"): dissector error above" >&2
        failed=$((failed + 1))
    fi
    annotated=$((annotated + $(grep -c '^TCP Connection Closure:' <<<"$tree" || true)))
    "$here/check-fin-agreement.sh" "$plugin" "$capture" || failed=$((failed + 1))
done
echo "$files captures, $annotated closing segments annotated, $failed failed"
[ "$files" -gt 0 ] && [ "$annotated" -gt 0 ] && [ "$failed" -eq 0 ]
