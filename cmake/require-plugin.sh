#!/usr/bin/env bash
# require-plugin.sh - fails loudly unless tshark loads the plugin: a test run without it would
# silently test nothing (as root, tshark ignores plugin folders; see run-tshark.sh).
# Usage: require-plugin.sh PLUGIN.so
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/run-tshark.sh" "$1" - -G plugins | grep -q 'tcpclose\.so' || {
    echo "FAIL: tshark did not load $1 (tshark -G plugins does not list tcpclose.so): nothing was checked" >&2
    exit 1
}
