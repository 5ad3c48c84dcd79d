#!/usr/bin/env bash
# check-labels.sh - the words a user reads first: each closing segment's subtree label ("TCP
# Connection Closure: ACTIVE_FIN by client (client FIN_WAIT_1, server CLOSE_WAIT)") and its Info
# column tag (" [ACTIVE_FIN by client]") must say what the hand-checked table says of it, and so
# must the words an IDLE_TIMEOUT cause adds in the tree: which rule decided, the inferred timer or
# the idle_timeout preference.
#
# Usage: check-labels.sh PLUGIN.so CAPTURE EXPECTED [tshark options...]
# EXPECTED is the capture's golden table (annotations.sh's columns): phase, sender, client and
# server state per segment, comma separated when a frame holds several TCP layers.  The options
# go to tshark; -o tcpclose.info_tag:FALSE means no frame may be tagged, and
# -o tcpclose.idle_timeout:N is the number the IDLE_TIMEOUT words must give (300 if not set).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1 capture=$2 expected=$3
shift 3
info_tag=1 idle_timeout=300
for option in "$@"; do
    case ${option,,} in
    tcpclose.info_tag:false) info_tag=0 ;;
    tcpclose.idle_timeout:*) idle_timeout=${option#*:} ;;
    esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One two-pass run prints, for each frame tcpclose annotates, its summary line (-P: frame number and
# the Info column as tshark prints it) and then its tree with tcpclose's subtrees alone expanded
# (-V -O tcpclose).  Not "-T fields -e _ws.col.Info": from 4.4 on, that field holds the column as it
# stood before the post-dissectors ran, without tcpclose's tag (the printed column, the GUI's and
# tshark 4.0's field have it).  Of each frame's block this keeps "frame<TAB>labels<TAB>Info", the
# labels being the subtrees' header lines joined by "|", and, where the RST cause is IDLE_TIMEOUT,
# a line "cause<TAB>frame<TAB>words" (the tree shows the cause as "[RST cause: ...]").
"$here/run-tshark.sh" "$plugin" "$capture" -2 "$@" -Y tcpclose -P -V -O tcpclose \
    -o 'gui.column.format:"No.","%m","Info","%i"' |
gawk 'function flush() { if (frame != "") print frame "\t" labels "\t" info; frame = "" }
      $0 == "" { flush(); first = 1; next }
      first || NR == 1 { first = 0; match($0, /^ *[0-9]+ /); frame = substr($0, RSTART, RLENGTH - 1)
                         info = substr($0, RSTART + RLENGTH); sub(/^ +/, "", frame); labels = ""; next }
      /^TCP Connection Closure/ { labels = labels (labels == "" ? "" : "|") $0; next }
      /^    \[RST cause: IDLE_TIMEOUT / { cause = substr($0, 6); sub(/\]$/, "", cause)
                                          causes = causes "cause\t" frame "\t" cause "\n" }
      END { flush(); printf "%s", causes }' >"$work/runs"
gawk -F'\t' -v capture="$(basename "$capture")" -v info_tag="$info_tag" -v idle_timeout="$idle_timeout" '
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
        want_tag[$1] = info_tag ? tag : ""
        # The words after IDLE_TIMEOUT on a frame of one TCP layer, where the idle_timer column is
        # that of the layer: the inferred timer (rounded as the tree rounds it), or the preference.
        if (n == 1 && $17 == "IDLE_TIMEOUT")
            want_cause[$1] = "RST cause: IDLE_TIMEOUT (" ($22 != "" ?
                sprintf("an idle timer of about %.1f s inferred for the %s)", $22, tolower($5)) :
                "idle longer than the idle_timeout preference, " idle_timeout " s)")
        next
    }
    $1 == "cause" {
        if ($2 in want_cause) {
            if ($3 != want_cause[$2]) {
                print "FAIL: " capture " frame " $2 ": RST cause\n  got:      " $3 "\n  expected: " want_cause[$2]
                bad = 1
            }
            cause_seen[$2] = 1
        }
        next
    }
    {
        frame = $1
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
            print "FAIL: " capture " frame " frame ": Info tagged, but " (info_tag ? "nothing was analysed" : "the info_tag preference is off") ": " $3
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
        for (frame in want_cause)
            if (!(frame in cause_seen)) {
                print "FAIL: " capture " frame " frame ": no RST cause IDLE_TIMEOUT in the tree"
                bad = 1
            }
        if (bad)
            exit 1
        print "ok: labels and Info tags of " checked + 0 " frames, RST cause words of " length(cause_seen) " frames"
    }' "$expected" "$work/runs"
