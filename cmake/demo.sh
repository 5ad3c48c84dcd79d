#!/usr/bin/env bash
# demo.sh - the main job: tcpclose on real captures, every closing segment, then one line per
# connection saying how it closed.  Needs only what cmake/bootstrap.sh installs (tshark, mergecap,
# gawk), and every line fits a 100-column terminal.
# Usage: demo.sh PLUGIN.so CAPTURE...   (several captures are merged into one, in time order)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mergecap -w "$work/demo.pcapng" "$@"

# Prints tab-separated lines as a table: columns as wide as their widest cell, two spaces apart,
# empty cells as "-", no padding after the last column.
align() {
    gawk -F'\t' '
        { for (i = 1; i <= NF; i++) { cell[NR, i] = $i == "" ? "-" : $i
                                      if (length(cell[NR, i]) > width[i]) width[i] = length(cell[NR, i]) }
          fields[NR] = NF }
        END { for (r = 1; r <= NR; r++) {
                  line = ""
                  for (i = 1; i < fields[r]; i++) line = line sprintf("%-*s  ", width[i], cell[r, i])
                  print line cell[r, fields[r]] } }'
}

"$here/annotations.sh" "$plugin" "$work/demo.pcapng" >"$work/table"
echo "== Closing segments (tshark -2; the full table: cmake/annotations.sh) =="
# Who began the close is in the connections below; an RST's cause goes beside its phase.
gawk -F'\t' -v OFS='\t' '
    NR == 1 { print "frame", "stream", "flags", "phase (rst cause)", "sender", "client", "server", "experts"; next }
    { print $1, $2, $3, $4 ($17 == "" ? "" : " (" $17 ")"), $5, $7, $8, $NF }' "$work/table" | align

# The per-connection table of -z tcpclose,conns is wider than a terminal: its CSV form, narrowed
# to how, by whom and why each connection closed (the close and completion frames are in the
# segments above; the final states are on each connection's last segment).
echo
echo "== Connections: how each one closed (tshark -z tcpclose,conns,csv; all columns: conns) =="
"$here/run-tshark.sh" "$plugin" "$work/demo.pcapng" -q -z tcpclose,conns,csv |
    gawk -F, -v OFS='\t' '
        $1 == "stream" { print "stream", "client", "server", "type", "active", "rst cause", "duration", "warnings"; next }
        $1 ~ /^[0-9]+$/ { print $1, $2, $3, $4, $5, $6, $9, $12 }' | align
