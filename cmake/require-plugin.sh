#!/usr/bin/env bash
# require-plugin.sh - fails loudly unless tshark loads the plugin: a test run without it would
# silently test nothing (as root, tshark ignores plugin folders; see run-tshark.sh).  tshark must
# also list it as a dissector: from 4.2 on, a plugin without plugin_describe() is "unknown".
# Usage: require-plugin.sh PLUGIN.so
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
listed=$("$here/run-tshark.sh" "$1" - -G plugins | grep 'tcpclose\.so' || true)
if [ -z "$listed" ]; then
    echo "FAIL: tshark did not load $1 (tshark -G plugins does not list tcpclose.so): nothing was checked" >&2
    exit 1
fi
if ! gawk -F'\t' '$3 == "dissector" { found = 1 } END { exit !found }' <<<"$listed"; then
    echo "FAIL: tshark lists tcpclose.so, but not as a dissector: $listed" >&2
    exit 1
fi
