#!/usr/bin/env bash
# check-fin-agreement.sh - tcpclose must agree with Wireshark's own closing-initiator analysis:
# the connection's first FIN (ACTIVE_FIN) carries tcp.connection.fin_active, and a FIN that
# answers or crosses it (PASSIVE_FIN, SIMULTANEOUS_FIN) carries tcp.connection.fin_passive.
# Usage: check-fin-agreement.sh PLUGIN.so CAPTURE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/run-tshark.sh" "$1" "$2" -Y 'tcp.flags.fin == 1 && tcpclose' -T fields \
    -e frame.number -e tcpclose.phase -e tcp.connection.fin_active -e tcp.connection.fin_passive |
gawk -F'\t' -v capture="$(basename "$2")" '
    $2 == "ACTIVE_FIN" && $3 == "" {
        print "FAIL: " capture " frame " $1 ": ACTIVE_FIN but not tcp.connection.fin_active"; bad = 1 }
    ($2 == "PASSIVE_FIN" || $2 == "SIMULTANEOUS_FIN") && $4 == "" {
        print "FAIL: " capture " frame " $1 ": " $2 " but not tcp.connection.fin_passive"; bad = 1 }
    END { exit bad }' >&2
