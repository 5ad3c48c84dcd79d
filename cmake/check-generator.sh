#!/usr/bin/env bash
# check-generator.sh - the committed crafted captures must be byte for byte what the generator makes.
# Usage: check-generator.sh MAKE-CAPTURES TEST-CAPTURES-DIR
set -euo pipefail
generator=$1 captures=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$generator" "$out" >/dev/null
count=0
for made in "$out"/*.pcap; do
    cmp "$made" "$captures/$(basename "$made")" || { echo "FAIL: $(basename "$made") differs from the generator's" >&2; exit 1; }
    count=$((count + 1))
done
[ "$count" -gt 0 ] || { echo "FAIL: the generator made no capture" >&2; exit 1; }
echo "ok: $count crafted captures match the generator"
