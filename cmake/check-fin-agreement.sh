#!/usr/bin/env bash
# check-fin-agreement.sh - tcpclose must agree with Wireshark's own closing-initiator analysis:
# the connection's first FIN (ACTIVE_FIN) carries tcp.connection.fin_active, and a FIN that
# answers or crosses it (PASSIVE_FIN, SIMULTANEOUS_FIN) carries tcp.connection.fin_passive.
# Connections where tcpclose inferred a FIN the capture missed are left out: there Wireshark
# calls the first captured FIN active, and tcpclose knows better.  Every annotated segment must
# also carry TCP's own stream number (tcpclose takes it from TCP's conversation).
#
# Usage: check-fin-agreement.sh PLUGIN.so CAPTURE [tshark options...]
#        check-fin-agreement.sh --fields
#            prints the fields it reads, comma separated, for a caller that has tshark -2 print
#            them (-T fields -E occurrence=a -E aggregator=,) in a run of its own
#        check-fin-agreement.sh --table FILE CAPTURE
#            checks that run's output (FILE) instead of running tshark
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fields=(frame.number tcp.stream tcp.flags.fin tcpclose.phase tcp.connection.fin_active tcp.connection.fin_passive
        tcpclose.fin_not_captured tcpclose.stream)
if [ "${1:-}" = --fields ]; then
    (IFS=,; echo "${fields[*]}")
    exit 0
fi
if [ "${1:-}" = --table ]; then
    table=$2 capture=$3
    read_table() { cat "$table"; }
else
    plugin=$1 capture=$2
    shift 2
    args=()
    for f in "${fields[@]}"; do args+=(-e "$f"); done
    read_table() {
        "$here/run-tshark.sh" "$plugin" "$capture" -2 "$@" -Y tcpclose -T fields -E occurrence=a -E aggregator=, \
            "${args[@]}"
    }
fi
read_table "$@" |
gawk -F'\t' -v capture="$(basename "$capture")" '
    # Each field lists its values, one per layer, joined by ","; the FIN checks read the first.
    function first(list) { split(list, item, ","); return item[1] }
    { frame[NR] = $1; stream[NR] = first($2); fin[NR] = first($3); phase[NR] = first($4)
      active[NR] = first($5); passive[NR] = first($6)
      if ($7 != "") inferred[stream[NR]] = 1
      n = split($8, ours, ","); split($2, theirs, ","); delete known
      for (k in theirs) known[theirs[k]] = 1
      for (k = 1; k <= n; k++)
          if (!(ours[k] in known)) {
              print "FAIL: " capture " frame " $1 ": tcpclose.stream " ours[k] " is none of its tcp.stream " $2; bad = 1 } }
    END {
        for (i = 1; i <= NR; i++) {
            if (fin[i] != "1" || (stream[i] in inferred)) continue
            if (phase[i] == "ACTIVE_FIN" && active[i] == "") {
                print "FAIL: " capture " frame " frame[i] ": ACTIVE_FIN but not tcp.connection.fin_active"; bad = 1 }
            if ((phase[i] == "PASSIVE_FIN" || phase[i] == "SIMULTANEOUS_FIN") && passive[i] == "") {
                print "FAIL: " capture " frame " frame[i] ": " phase[i] " but not tcp.connection.fin_passive"; bad = 1 }
        }
        exit bad
    }' >&2
