#!/usr/bin/env bash
# demo.sh - the main job: tcpclose on real captures, every closing segment, then one line per
# connection saying how it closed.
# Usage: demo.sh PLUGIN.so CAPTURE...   (several captures are merged into one, in time order)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mergecap -w "$work/demo.pcapng" "$@"

"$here/annotations.sh" "$plugin" "$work/demo.pcapng" >"$work/table"
echo "== Closing segments (tshark -2; the full table: cmake/annotations.sh) =="
cut -f1-8,17,21 "$work/table" | column -t -s $'\t'

echo
echo "== Connections: how each one closed (tshark -z tcpclose,conns) =="
"$here/run-tshark.sh" "$plugin" "$work/demo.pcapng" -q -z tcpclose,conns
