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
echo "== Connections: how each one closed =="
gawk -F'\t' -v OFS='\t' '
    NR == 1 { next }
    {
        s = $2; if (!(s in first)) { first[s] = $1; order[++n] = s }
        type[s] = $9; active[s] = $6; client[s] = $7; server[s] = $8; last[s] = $1
        if ($17 != "" && cause[s] == "") cause[s] = $17
        if ($NF != "") warn[s] = warn[s] (warn[s] == "" ? "" : ",") $NF
    }
    END {
        print "stream", "type", "closed by", "rst cause", "close frames", "client ends", "server ends", "expert infos"
        for (i = 1; i <= n; i++) { s = order[i]
            print s, type[s], active[s], (cause[s] == "" ? "-" : cause[s]), first[s] "-" last[s], client[s], server[s],
                  (warn[s] == "" ? "-" : warn[s]) }
    }' "$work/table" | column -t -s $'\t'
