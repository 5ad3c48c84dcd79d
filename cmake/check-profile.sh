#!/usr/bin/env bash
# check-profile.sh - the tcpclose configuration profile, as tshark applies it: its columns, its
# colouring rules and its display filter buttons, on a few captures, against a table checked by hand.
#
# Usage: check-profile.sh PLUGIN.so PROFILE_DIR EXPECTED CAPTURE...
#
# For each capture, "tshark -C tcpclose -2 --color -T psml" prints the packet list as Wireshark
# draws it: the column titles, and per frame its colours and every column's text.  Kept: the
# frame number, the colouring rule's colour (red, amber, grey; "-" for any other rule), the tag at
# the end of the Info column, the five tcpclose columns (found by title), and the buttons whose
# filter selects the frame (each button's filter run with -2 -Y).  Fails when that differs from
# EXPECTED, or when tshark says anything on stderr (a malformed dfilter_buttons or preferences
# line, a colouring rule that does not compile).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1 profile=$2 expected=$3
shift 3
name=$(basename "$profile")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$here/require-plugin.sh" "$plugin"
export TCPCLOSE_PROFILE=$profile

# The buttons: label TAB filter, one a line (Wireshark writes a double quote inside a field as \x22).
gawk -F'","' '/^"/ { sub(/^"/, ""); sub(/"[ \t\r]*$/, ""); gsub(/\\x22/, "\"", $3); print $2 "\t" $3 }' \
    "$profile/dfilter_buttons" >"$out/buttons"
[ -s "$out/buttons" ] || { echo "FAIL: no display filter button in $profile/dfilter_buttons" >&2; exit 1; }

: >"$out/stderr"
for capture in "$@"; do
    echo "== $(basename "$capture")"
    : >"$out/selected"
    while IFS=$'\t' read -r label filter; do
        "$here/run-tshark.sh" "$plugin" "$capture" -C "$name" -2 -Y "$filter" -T fields -e frame.number \
            2>>"$out/stderr" | sed "s/\$/\t$label/" >>"$out/selected"
    done <"$out/buttons"
    "$here/run-tshark.sh" "$plugin" "$capture" -C "$name" -2 --color -T psml 2>>"$out/stderr" |
    gawk -v OFS='\t' -v selected="$out/selected" '
        BEGIN {
            while ((getline line < selected) > 0) {
                split(line, f, "\t")
                buttons[f[1]] = (f[1] in buttons ? buttons[f[1]] "," : "") f[2]
            }
            colour["#a40000"] = "red"; colour["#ffbf00"] = "amber"; colour["#d0d0d0"] = "grey"
        }
        function text(s) {
            sub(/^[ \t]*<section>/, "", s); sub(/<\/section>[ \t\r]*$/, "", s)
            gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s)
            gsub(/&amp;/, "\\&", s)
            return s
        }
        /<structure>/ { n = 0; in_structure = 1; next }
        /<\/structure>/ {
            in_structure = 0
            titles = "columns:"
            for (i = 1; i <= n; i++) {
                titles = titles (i > 1 ? " |" : "") " " cell[i]
                column[cell[i]] = i
            }
            split("Phase|Sender|Client state|Server state|RST cause", shown, "|")
            for (i = 1; i in shown; i++) {
                if (!(shown[i] in column)) { print "no column " shown[i]; exit 1 }
            }
            if (!("Info" in column)) { print "no column Info"; exit 1 }
            print titles
            print "frame", "colour", "info tag", "phase", "sender", "client state", "server state",
                  "rst cause", "buttons"
            next
        }
        /<packet/ {
            n = 0
            bg = "-"
            if (match($0, /background=\047#[0-9a-f]+\047/))
                bg = substr($0, RSTART + 12, RLENGTH - 13)
            next
        }
        /<section>/ { cell[++n] = text($0); next }
        /<\/packet>/ {
            tag = "-"
            info = cell[column["Info"]]
            if (match(info, /\[[A-Z_]+ by (client|server)\]$/)) tag = substr(info, RSTART, RLENGTH)
            row = cell[1] OFS (bg in colour ? colour[bg] : "-") OFS tag
            for (i = 1; i in shown; i++) row = row OFS (cell[column[shown[i]]] == "" ? "-" : cell[column[shown[i]]])
            print row, (cell[1] in buttons ? buttons[cell[1]] : "-")
        }
        in_structure && /<section>/ { cell[++n] = text($0) }'
done >"$out/got"

if [ -s "$out/stderr" ]; then
    cat "$out/stderr" >&2
    echo "FAIL: tshark complained about the profile $profile (above)" >&2
    exit 1
fi
if ! diff -u "$expected" "$out/got"; then
    echo "FAIL: the packet list with the $name profile differs from $expected (- expected, + got)" >&2
    exit 1
fi
echo "ok: the $name profile's columns, colours and buttons match $(basename "$expected") on $# captures"
