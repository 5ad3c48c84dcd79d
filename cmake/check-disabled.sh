#!/usr/bin/env bash
# check-disabled.sh - a disabled tcpclose (--disable-protocol tcpclose, or unticked in Analyze >
# Enabled Protocols) must leave tshark's output exactly as without the plugin: no subtree, no Info
# tag, nothing from its post-dissector, whose handle belongs to a helper protocol that must follow
# tcpclose's switch (plugin/packet-tcpclose.c), nor from its place in front of TCP.
# Usage: check-disabled.sh PLUGIN.so CAPTURE...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1
shift
"$here/require-plugin.sh" "$plugin"

failed=0
for capture in "$@"; do
    name=$(basename "$capture")
    enabled=$("$here/run-tshark.sh" "$plugin" "$capture" -2 -V)
    # The same capture, enabled, must have something for tcpclose to show: else this proves nothing.
    if ! grep -q '^TCP Connection Closure: ' <<<"$enabled"; then
        echo "FAIL: $name: no tcpclose subtree even when enabled: pick a capture with closing segments" >&2
        failed=1
        continue
    fi
    for args in "-2 -V" "-2"; do
        # shellcheck disable=SC2086 # the arguments are meant to split
        disabled=$("$here/run-tshark.sh" "$plugin" "$capture" $args --disable-protocol tcpclose)
        # shellcheck disable=SC2086
        plain=$("$here/run-tshark.sh" none "$capture" $args)
        if ! difference=$(diff <(echo "$disabled") <(echo "$plain")); then
            head -10 <<<"$difference" >&2
            echo "FAIL: $name: tshark $args with tcpclose disabled differs from tshark without it (< disabled, > without)" >&2
            failed=1
        fi
    done
done
[ "$failed" -eq 0 ] && echo "ok: with tcpclose disabled, the output is tshark's own on $# captures"
