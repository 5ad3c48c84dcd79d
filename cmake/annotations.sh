#!/usr/bin/env bash
# annotations.sh - prints tcpclose's annotations of a capture as a table, one closing segment a line.
#
# Usage: annotations.sh PLUGIN.so CAPTURE [--single-pass] [--also FILE FIELDS] [extra tshark arguments...]
#
# Columns: frame, stream, TCP flags, then the tcpclose fields, then (last) the names of the
# tcpclose expert infos on the segment.  By default tshark runs two passes (-2), as the GUI shows it;
# --single-pass leaves out what only a second pass can know (final type, fin_acked_in,
# cannot_know, idle_timer, fin_unacked, fin_unanswered, idle_timer_close) so the two can be compared.
# --also has the same tshark run print FIELDS too (comma separated) and writes them to FILE, one
# line a segment, tab separated, a field's values in one frame joined by ",": a check that needs
# other fields of the same segments costs no tshark run of its own.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1 capture=$2
shift 2
passes=(-2) mode=full also_file=/dev/null also=()
while [ $# -gt 0 ]; do
    case $1 in
    --single-pass) passes=() mode=single; shift ;;
    --also) also_file=$2; IFS=, read -r -a also <<<"$3"; shift 3 ;;
    *) break ;;
    esac
done
: >"$also_file"

fields=(frame.number tcpclose.stream tcp.flags tcpclose.phase tcpclose.sender tcpclose.active_side
        tcpclose.client_state tcpclose.server_state tcpclose.type tcpclose.roles_guessed
        tcpclose.close_frame tcpclose.acks_fin tcpclose.fin_acked_in tcpclose.rst_frame
        tcpclose.time_since_close tcpclose.rst_check tcpclose.rst_cause tcpclose.rst_answers
        tcpclose.idle_before_rst tcpclose.cannot_know tcpclose.idle_before_close
        tcpclose.idle_timer)
experts=(fin_unacked fin_unanswered ignored_after_rst rst_refused rst_after_fin data_after_fin
         fin_retransmission simultaneous_close closed_gracefully rst_out_of_window rst_challenged
         rst_no_connection time_wait_assassination suspected_rst_injection rst_with_data fin_not_captured
         truncated crossed_fin idle_timer_close)
args=()
for f in "${fields[@]}"; do args+=(-e "$f"); done
for e in "${experts[@]}"; do args+=(-e "tcpclose.$e"); done
# tshark prints a field asked for twice in its last column only: a field of --also that the table
# has already is copied from the table's column (also_columns: the column of each, in order).
also_columns="" extra=$((${#fields[@]} + ${#experts[@]}))
for f in "${also[@]}"; do
    column=0
    for i in "${!fields[@]}"; do [ "${fields[$i]}" != "$f" ] || column=$((i + 1)); done
    for i in "${!experts[@]}"; do [ "tcpclose.${experts[$i]}" != "$f" ] || column=$((${#fields[@]} + i + 1)); done
    if [ "$column" -eq 0 ]; then
        args+=(-e "$f")
        extra=$((extra + 1)) column=$extra
    fi
    also_columns="$also_columns $column"
done

"$here/run-tshark.sh" "$plugin" "$capture" "${passes[@]}" -Y tcpclose -T fields -E separator=/t \
    -E occurrence=a -E aggregator=, "$@" "${args[@]}" |
gawk -F'\t' -v OFS='\t' -v mode="$mode" -v nfields="${#fields[@]}" -v experts="${experts[*]}" \
     -v also_columns="$also_columns" -v also_file="$also_file" '
    BEGIN {
        split(experts, expert, " ")
        print "frame", "stream", "flags", "phase", "sender", "active", "client", "server", "type",
              "guessed", "close", "acks_fin", "fin_acked_in", "rst", "since_close", "rst_check", "rst_cause",
              "rst_answers", "idle_before_rst", "cannot_know", "idle_before_close", "idle_timer",
              "experts"
    }
    # "0x0011" -> "FIN+ACK" (several TCP layers: one name list per layer, comma separated)
    function flag_names(hex,    n, parts, i, v, s, out) {
        n = split(hex, parts, ",")
        out = ""
        for (i = 1; i <= n; i++) {
            v = strtonum(parts[i]); s = ""
            if (and(v, 0x02)) s = s "+SYN"
            if (and(v, 0x01)) s = s "+FIN"
            if (and(v, 0x04)) s = s "+RST"
            if (and(v, 0x08)) s = s "+PSH"
            if (and(v, 0x10)) s = s "+ACK"
            out = out (i > 1 ? "," : "") substr(s, 2)
        }
        return out
    }
    {
        if (also_columns != "") {
            n = split(also_columns, column, " "); also = ""
            for (i = 1; i <= n; i++) also = also (i > 1 ? "\t" : "") $(column[i])
            print also > also_file
        }
        $3 = flag_names($3)
        # tcpclose.roles_guessed is an FT_BOOLEAN: tshark 4.0 prints it as 1/0 in -T fields, 4.4 and
        # 4.6 as True/False.  The table keeps 4.0'"'"'s spelling, so one table serves every version.
        gsub(/True/, "1", $10); gsub(/False/, "0", $10)
        names = ""
        for (i = 1; i in expert; i++) {
            if ($(nfields + i) == "") continue
            if (mode == "single" && (expert[i] == "fin_unacked" || expert[i] == "fin_unanswered" ||
                                     expert[i] == "idle_timer_close")) continue
            names = names (names == "" ? "" : ",") expert[i]
        }
        if (mode == "single") { $9 = "-"; $13 = "-"; $20 = "-"; $22 = "-" }
        NF = nfields
        print $0, names
    }'
