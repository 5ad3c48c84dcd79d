#!/usr/bin/env bash
# check-labels.sh - the words a user reads first: each closing segment's subtree label ("TCP
# Connection Closure: ACTIVE_FIN by client (client FIN_WAIT_1, server CLOSE_WAIT)") and its Info
# column tag (" [ACTIVE_FIN by client]") must say what the hand-checked table says of it.
#
# Usage: check-labels.sh PLUGIN.so CAPTURE EXPECTED
# EXPECTED is the capture's golden table (annotations.sh's columns): phase, sender, client and
# server state per segment, comma separated when a frame holds several TCP layers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1 capture=$2 expected=$3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/run-tshark.sh" "$plugin" "$capture" -2 -Y tcpclose -T fields -E separator=/t -E occurrence=a \
    -E 'aggregator=|' -e frame.number -e tcpclose >"$work/labels"
# The Info column as tshark prints it.  Not "-T fields -e _ws.col.Info": from 4.4 on, that field
# holds the column as it stood before the post-dissectors ran, without tcpclose's tag (the printed
# column, the GUI's and tshark 4.0's field have it).
"$here/run-tshark.sh" "$plugin" "$capture" -2 -Y tcpclose -o 'gui.column.format:"No.","%m","Info","%i"' |
    sed -E 's/^ *([0-9]+) /\1\t/' >"$work/info"
paste "$work/labels" "$work/info" |
gawk -F'\t' -v capture="$(basename "$capture")" '
    # The golden table: what the labels and the Info tag of each frame must read.
    NR == FNR {
        if (FNR == 1)
            next
        n = split($4, phase, ","); split($5, sender, ","); split($7, client, ","); split($8, server, ",")
        label = $NF ~ /(^|,)truncated(,|$)/ ? "TCP Connection Closure: TCP header cut short by the capture, not analysed" : ""
        tag = ""
        for (i = 1; i <= n; i++) {
            role = tolower(sender[i])
            label = label (label == "" ? "" : "|") "TCP Connection Closure: " phase[i] " by " role \
                    " (client " client[i] ", server " server[i] ")"
            tag = tag " [" phase[i] " by " role "]"
        }
        want_label[$1] = label
        want_tag[$1] = tag
        next
    }
    {
        frame = $1
        if ($3 != frame) {
            print "FAIL: " capture ": the label and Info runs list other frames (" frame ", " $3 ")"
            bad = 1
            exit
        }
        $3 = $4
        if (!(frame in want_label)) {
            print "FAIL: " capture " frame " frame ": a tcpclose subtree the table does not have: " $2
            bad = 1
            next
        }
        seen[frame] = 1
        if ($2 != want_label[frame]) {
            print "FAIL: " capture " frame " frame ": label\n  got:      " $2 "\n  expected: " want_label[frame]
            bad = 1
        }
        tag = want_tag[frame]
        if (substr($3, length($3) - length(tag) + 1) != tag) {
            print "FAIL: " capture " frame " frame ": Info should end with \"" tag "\": " $3
            bad = 1
        }
        if (tag == "" && $3 ~ / by (client|server)\]$/) {
            print "FAIL: " capture " frame " frame ": Info tagged, but nothing was analysed: " $3
            bad = 1
        }
        checked++
    }
    END {
        for (frame in want_label)
            if (!(frame in seen)) {
                print "FAIL: " capture " frame " frame ": no tcpclose subtree"
                bad = 1
            }
        if (bad)
            exit 1
        print "ok: labels and Info tags of " checked + 0 " frames"
    }' "$expected" -
