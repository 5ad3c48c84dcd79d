#!/usr/bin/env bash
# check-stats.sh - tests of tcpclose's statistics (-z tcpclose,...).
#
# Usage: check-stats.sh PLUGIN.so golden CAPTURE_DIR
#            Every -z form on bundled captures, single pass, must equal CAPTURE_DIR/stats/*.expected
#            (checked by hand against the per-segment tables CAPTURE_DIR/*.expected), and a second
#            pass (-2) must print the same.  With TCPCLOSE_STATS_OUT=DIR the outputs are kept in
#            DIR, for reading before any expected file is changed (never copy them blindly).
#        check-stats.sh PLUGIN.so crosscheck CAPTURE...
#            The per-connection table (-z tcpclose,conns,csv, single pass and -2) must agree with
#            the per-segment annotations (the capture's golden table, .expected beside it, where it
#            has one; else those of tshark -2, cmake/annotations.sh): one row for every
#            connection incarnation that has closing segments, with the same closure type, active
#            side, RST cause, close and completion frames, close duration, final states (those on
#            its last annotated segment) and number of warning expert infos; every other row is a
#            connection that never began closing (OPEN, no warnings, handshake states); every TCP
#            stream has a row; and the summary counts what the table lists.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=$1 mode=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$here/require-plugin.sh" "$plugin"

rule=$(printf '%80s' '' | tr ' ' '=') # the lines that frame tcpclose's -z outputs
# stats CAPTURE [-2] -z FORM...: tshark's statistics output alone.
stats() {
    local capture=$1
    shift
    "$here/run-tshark.sh" "$plugin" "$capture" -q "$@"
}

golden() {
    local captures=$1 dir=$1/stats out=${TCPCLOSE_STATS_OUT:-$work/out} failed=0
    mkdir -p "$out"
    mergecap -F pcap -w "$work/linux.pcap" "$captures"/linux-*.pcap
    # mixed: the Linux captures, one of them cut before its close (a connection that never closes),
    # and three crafted closes of one address and port pair one after the other (three incarnations
    # of tcp.stream 0: reset, then graceful after an out-of-window RST, then left in CLOSE_WAIT).
    editcap -r "$captures/linux-ipv6-client-close.pcap" "$work/open.pcap" 1-7
    editcap -t 10 "$captures/rst-out-of-window.pcap" "$work/out-of-window.pcap"
    editcap -t 20 "$captures/close-wait.pcap" "$work/close-wait.pcap"
    mergecap -F pcap -w "$work/mixed.pcap" $(ls "$captures"/linux-*.pcap | grep -v linux-ipv6-client-close) \
        "$work/open.pcap" "$captures/rst-injection.pcap" "$work/out-of-window.pcap" "$work/close-wait.pcap"
    # Where Wireshark itself differs: the three crafted incarnations reuse one ISN, and Wireshark 4.0
    # begins a new tcp.stream for a reused port pair only when the SYN brings a new ISN, so they are
    # tcp.stream 0; 4.4 and later also begin one when a SYN follows a connection that closed, so
    # they are streams 0, 1 and 2 and every later stream is 2 higher.  The expected files hold 4.0's
    # numbering; on a Wireshark that splits, mixed_as_4_0 maps the streams back (the table) and
    # joins the three ladders into one, so that tcpclose's own output is checked unchanged.
    local reuse_streams
    reuse_streams=$("$here/run-tshark.sh" none "$work/mixed.pcap" -Y 'tcp.port == 40000' -T fields -e tcp.stream |
                    sort -u | tr '\n' ' ')
    case $reuse_streams in
    "0 ") mixed_split=0 ;;
    "0 1 2 ") mixed_split=1 ;;
    *) echo "FAIL: the crafted incarnations in mixed.pcap are tcp.stream $reuse_streams (expected 0, or 0 1 2)" >&2
       return 1 ;;
    esac

    # rst_forms TAG [-2]: rst.csv, rst.ladder and rst.summary of the crafted RST captures (and a few
    # more), into $work/rst.TAG.{csv,ladder,summary}.  The -z outputs come in reverse order of
    # registration, each but the CSV framed by rule lines.
    rst_forms() {
        local tag=$1 capture base extra
        shift
        : >"$work/rst.$tag.csv"; : >"$work/rst.$tag.ladder"; : >"$work/rst.$tag.summary"
        for capture in "$captures"/rst-*.pcap "$captures"/{close-wait,fin-unacked,fin-retransmission,midclose-start}.pcap; do
            base=$(basename "$capture") extra=()
            case $base in rst-injection.pcap | close-wait.pcap | fin-unacked.pcap) extra=(-z tcpclose,summary) ;; esac
            [[ $base == rst-* ]] && extra+=(-z tcpclose,ladder,0)
            stats "$capture" "$@" -z tcpclose,conns,csv "${extra[@]}" |
            gawk -v rule="$rule" -v name="# $base" -v out="$work/rst.$tag" '
                $0 == rule && !block { block = 1; text = "\n" rule "\n"; next }
                $0 == rule { text = text rule "\n"; block = 0
                             if (text ~ /closure ladder/) ladder = ladder text; else summary = summary text; next }
                block { text = text $0 "\n"; next }
                $0 != "" { csv = csv $0 "\n" }
                END {
                    printf "%s\n%s", name, csv >> (out ".csv")
                    if (ladder != "") printf "%s\n%s", name, ladder >> (out ".ladder")
                    if (summary != "") printf "%s\n%s", name, summary >> (out ".summary")
                }'
        done
    }

    # mixed_as_4_0 conns|ladder: stdin, with mixed.pcap's streams numbered as Wireshark 4.0 numbers them
    # (see above); unchanged where Wireshark numbers them so already.
    mixed_as_4_0() {
        if [ "$mixed_split" = 0 ]; then cat; return; fi
        case $1 in
        conns) # the stream is the first column, right-aligned in 6 characters
            gawk '/^ *[0-9]+  / { stream = $1 + 0; if (stream > 0) stream = stream <= 2 ? 0 : stream - 2
                                  $0 = sprintf("%6d", stream) substr($0, 7) } { print }' ;;
        ladder) # three framed ladders, of streams 0, 1 and 2: one frame, headed stream 0
            gawk -v rule="$rule" '$0 == rule { rules++; if (rules == 1 || rules == 6) print; next }
                                  rules == 0 { print; next }
                                  rules % 2 == 0 { next }
                                  rules > 1 && /^TCP connection closure ladder/ { next }
                                  { print }' ;;
        esac
    }

    # produce NAME: prints what NAME.expected must hold.
    produce() {
        local pass=("${@:2}") capture
        case $1 in
        linux.conns) stats "$work/linux.pcap" "${pass[@]}" -z tcpclose,conns ;;
        linux.csv) stats "$work/linux.pcap" "${pass[@]}" -z tcpclose,conns,csv ;;
        linux.conns-server) stats "$work/linux.pcap" "${pass[@]}" -z 'tcpclose,conns,tcpclose.active_side == "SERVER"' ;;
        linux.summary) stats "$work/linux.pcap" "${pass[@]}" -z tcpclose,summary ;;
        linux.ladder)
            for stream in 0 2 6 8; do stats "$work/linux.pcap" "${pass[@]}" -z "tcpclose,ladder,$stream"; done ;;
        linux.tree) stats "$work/linux.pcap" -2 -z tcpclose,tree ;; # Wireshark's tree, as a second pass sees it
        mixed.conns) stats "$work/mixed.pcap" "${pass[@]}" -z tcpclose,conns | mixed_as_4_0 conns ;;
        mixed.summary) stats "$work/mixed.pcap" "${pass[@]}" -z tcpclose,summary ;;
        mixed.ladder)
            if [ "$mixed_split" = 1 ]; then
                for stream in 0 1 2; do stats "$work/mixed.pcap" "${pass[@]}" -z "tcpclose,ladder,$stream"; done |
                    mixed_as_4_0 ladder
            else
                stats "$work/mixed.pcap" "${pass[@]}" -z tcpclose,ladder,0
            fi ;;
        # Idle timers: none among the Linux captures and the mixed one; the keep-alive server's.
        timers.none) stats "$work/mixed.pcap" "${pass[@]}" -z tcpclose,timers ;;
        timers.keepalive) stats "$captures/idle-timer-keepalive.pcap" "${pass[@]}" -z tcpclose,timers ;;
        timers.csv) stats "$captures/idle-timer-keepalive.pcap" "${pass[@]}" -z tcpclose,timers,csv ;;
        # A firewall's idle timer behind RSTs: the RST causes it decides, in every view that shows them.
        timers.firewall) stats "$captures/idle-timer-firewall-rst.pcap" "${pass[@]}" -z tcpclose,conns \
                               -z tcpclose,summary -z tcpclose,ladder,0 -z tcpclose,timers ;;
        # The Statistics menu's table (stats_timers_table.c) as tshark prints it, its rows as CSV: as the
        # dialog fills it, on frames seen before (a second pass); with a filter, the timers with a
        # matching close that passes it.
        timers.table)
            for capture in idle-timer-keepalive idle-timer-firewall-rst "idle-timer-firewall-rst,tcp.stream == 2" \
                           "idle-timer-firewall-rst,tcp.stream == 3" rst-idle-timeout; do
                local file=${capture%%,*} filter=${capture#"${capture%%,*}"}
                echo "# $file.pcap${filter:+ (filter ${filter#,})}"
                stats "$captures/$file.pcap" -2 -z "tcpclose,timers_table$filter" |
                    gawk '/ \|$/ { sub(/ \|$/, ""); gsub(/ \|/, ","); print }'
            done ;;
        rst.csv | rst.ladder | rst.summary)
            # One tshark run per capture and pass prints the three; rst_forms sorts them out.
            local form=${1#rst.} tag=${pass[*]:-one}
            if [ ! -f "$work/rst.$tag.$form" ]; then rst_forms "$tag" "${pass[@]}"; fi
            cat "$work/rst.$tag.$form" ;;
        *) echo "unknown golden output $1" >&2; return 1 ;;
        esac
    }

    local names=(linux.conns linux.csv linux.conns-server linux.summary linux.ladder linux.tree
                 mixed.conns mixed.summary mixed.ladder rst.csv rst.ladder rst.summary
                 timers.none timers.keepalive timers.csv timers.firewall timers.table)
    for name in "${names[@]}"; do
        produce "$name" >"$out/$name"
        if [ ! -f "$dir/$name.expected" ]; then
            echo "FAIL: $dir/$name.expected is missing (the output is in $out/$name if TCPCLOSE_STATS_OUT is set)" >&2
            failed=$((failed + 1))
        elif ! diff -u "$dir/$name.expected" "$out/$name"; then
            echo "FAIL: $name: -z output differs from $name.expected (- expected, + got)" >&2
            failed=$((failed + 1))
        fi
        case $name in
        timers.table) ;; # a second pass only, as linux.tree
        *.csv | *.ladder | *.summary | timers.*)
            produce "$name" -2 >"$out/$name.two-pass"
            if ! diff -u "$out/$name" "$out/$name.two-pass"; then
                echo "FAIL: $name: tshark -2 prints something else than a single pass (- single, + two passes)" >&2
                failed=$((failed + 1))
            fi ;;
        esac
    done
    for expected in "$dir"/*.expected; do
        [ -e "$expected" ] || continue
        local name
        name=$(basename "$expected" .expected)
        [[ " ${names[*]} " == *" $name "* ]] || {
            echo "FAIL: $expected is not produced by any form in check-stats.sh" >&2
            failed=$((failed + 1))
        }
    done
    [ "$failed" -eq 0 ] && echo "ok: ${#names[@]} statistics outputs match $dir"
    [ "$failed" -eq 0 ]
}

crosscheck_one() {
    local capture=$1 name
    name=$(basename "$capture")
    # A capture of test-captures/ has its annotations in its golden table (checked by hand, and what
    # golden.<capture> holds tshark -2 to); any other gets them from tshark -2.
    local table="${capture%.pcap*}.expected"
    if [ -f "$table" ] && head -1 "$table" | grep -q $'^frame\tstream\tflags\tphase\t'; then
        cp "$table" "$work/annotations"
    else
        "$here/annotations.sh" "$plugin" "$capture" >"$work/annotations"
    fi
    # One pass prints the stream of every TCP header tcpclose reads (it ignores ICMP-quoted ones and
    # those too short to hold tcp.len), then the summary (registered last, drawn first), then the CSV.
    "$here/run-tshark.sh" "$plugin" "$capture" -Y 'tcp.len && !icmp && !icmpv6' -T fields -E occurrence=a \
        -E aggregator=, -e tcp.stream -z tcpclose,conns,csv -z tcpclose,summary >"$work/single"
    gawk -v rule="$rule" '$0 == rule { n++; next } n >= 2 && NF' "$work/single" >"$work/csv"
    gawk -v rule="$rule" '$0 == rule { n++; next } n == 1' "$work/single" >"$work/summary"
    gawk '$0 == "" { exit } { n = split($0, s, ","); for (i = 1; i <= n; i++) if (s[i] != "") print s[i] }' \
        "$work/single" | sort -un >"$work/streams"
    # Two passes print the same table.
    stats "$capture" -2 -z tcpclose,conns,csv >"$work/csv2"
    if ! diff -u "$work/csv" "$work/csv2" >&2; then
        echo "FAIL: $name: -z tcpclose,conns,csv differs between one pass and two (- single, + two passes)" >&2
        return 1
    fi
    gawk -F'\t' -v capture="$name" -v csv="$work/csv" -v summary="$work/summary" -v streams="$work/streams" '
        function fail(msg) { print "FAIL: " capture ": " msg > "/dev/stderr"; bad = 1 }
        BEGIN {
            split("fin_unacked fin_unanswered ignored_after_rst rst_out_of_window rst_no_connection " \
                  "time_wait_assassination suspected_rst_injection crossed_fin", w, " ")
            for (i in w) warning[w[i]] = 1
        }
        # The annotation table: 1 frame, 2 stream, 3 flags, 4 phase, 5 sender, 6 active, 7 client, 8 server,
        # 9 type, 10 guessed, 11 close, ..., 15 since_close, ..., 17 rst_cause, ..., last: experts.  A frame
        # with several TCP layers has comma-separated values, one per layer when the field is on each.
        NR > 1 && $2 != "" {
            layers = split($2, S, ",")
            n = split($NF, e, ","); warns = 0
            for (i = 1; i <= n; i++) if (e[i] in warning) warns++
            split("1 4 6 7 8 9 11 15 17", cols, " "); unclear = 0
            for (c in cols) {
                k = cols[c]; m = split($k, v, ",")
                for (l = 1; l <= layers; l++) F[l, k] = (m == layers ? v[l] : m == 0 ? "" : (k == 1 ? $1 : "?"))
                if (m != layers && m != 0 && k != 1) unclear = 1
            }
            if (layers > 1 && warns > 0) unclear = 1
            for (l = 1; l <= layers; l++) {
                s = S[l]
                if (unclear) { vague[s] = 1; if (F[l, 11] != "?" && F[l, 11] != "") { key = s "/" F[l, 11]; if (!(key in seen)) { seen[key] = 1; order[++groups] = key } }; continue }
                if (F[l, 11] == "") { pending[s] += warns; ostate[s] = F[l, 7] "/" F[l, 8]; continue }
                key = s "/" F[l, 11]
                if (!(key in seen)) { seen[key] = 1; order[++groups] = key; nwarn[key] = pending[s]; delete pending[s] }
                nwarn[key] += warns
                type[key] = F[l, 9]; active[key] = F[l, 6]; states[key] = F[l, 7] "/" F[l, 8]
                # The cause of the RST that began the close, else of the one that ended it.
                if (F[l, 1] == F[l, 11] && (F[l, 4] == "RST" || F[l, 4] == "IGNORED_RST")) close_cause[key] = F[l, 17]
                if (F[l, 4] == "RST") { cause[key] = F[l, 17]; done_frame[key] = F[l, 1]; done_since[key] = F[l, 15] }
                else if (F[l, 4] == "FINAL_ACK") { final_frame[key] = F[l, 1]; final_since[key] = F[l, 15] }
            }
        }
        END {
            # Segments annotated before any close (an ignored RST) of connections that never closed.
            for (s in pending) { key = s "/"; seen[key] = 1; order[++groups] = key; nwarn[key] = pending[s]
                                 states[key] = ostate[s]; type[key] = "OPEN"; active[key] = "" }
            FS = ","
            getline header < csv
            if (header != "stream,client,server,type,active_side,rst_cause,close_frame,complete_frame,close_duration,client_state,server_state,warnings")
                fail("unexpected CSV header: " header)
            while ((getline line < csv) > 0) {
                rows++; n = split(line, f, ",")
                if (n != 12) { fail("CSV row with " n " fields: " line); continue }
                key = f[1] "/" f[7]; instream[f[1]] = 1; bytype[f[4]]++
                if (key in row) fail("two rows for connection " key)
                row[key] = 1
                if (f[1] in vague) { skipped++; continue }
                if (!(key in seen)) {
                    if (f[7] != "" || f[4] != "OPEN") fail("stream " f[1] ": row " line " has no annotated segments")
                    else if (f[12] != 0) fail("stream " f[1] ": OPEN row with warnings: " line)
                    else if (f[10] !~ /^(SYN_SENT|SYN_RECEIVED|ESTABLISHED)$/ || f[11] !~ /^(SYN_SENT|SYN_RECEIVED|ESTABLISHED)$/)
                        fail("stream " f[1] ": OPEN row with closing states: " line)
                    open_rows++
                    continue
                }
                checked++
                # A graceful close completes at its (last) final ACK, even if an RST follows; else at the RST.
                want_done = type[key] == "GRACEFUL" ? final_frame[key] : (key in done_frame) ? done_frame[key] : ""
                want_since = type[key] == "GRACEFUL" ? final_since[key] : (key in done_frame) ? done_since[key] : ""
                got = f[4] "|" f[5] "|" f[6] "|" f[8] "|" f[10] "/" f[11] "|" f[12]
                want_cause = (key in close_cause) ? close_cause[key] : cause[key]
                want = type[key] "|" active[key] "|" want_cause "|" want_done "|" states[key] "|" nwarn[key]
                if (got != want) fail("connection " key ": table says type|active|cause|complete|states|warnings = " \
                                      got ", the annotations " want)
                if (want_since != "" && (f[9] == "" || (f[9] - want_since) > 0.0000005 || (want_since - f[9]) > 0.0000005))
                    fail("connection " key ": close duration " f[9] " but the completing segment is " want_since " s after the close")
            }
            for (i = 1; i <= groups; i++) if (!(order[i] in row)) fail("no row for annotated connection " order[i])
            while ((getline s < streams) > 0) if (!(s in instream)) fail("no row for tcp.stream " s)
            # The summary counts the same connections.
            while ((getline line < summary) > 0) {
                if (line ~ /^Connections: /) { split(line, p, " "); if (p[2] != rows) fail("summary counts " p[2] " connections, the table " rows) }
                if (line ~ /^(GRACEFUL|HALF_CLOSED|RESET|ABORTED|REFUSED|OPEN) /) {
                    n = split(line, p, " "); if (p[n] != bytype[p[1]] + 0) fail("summary: " p[1] " " p[n] ", the table " bytype[p[1]] + 0) }
            }
            if (!bad) printf "ok: %s: %d connection(s): %d agree with the annotations, %d never began closing%s\n", capture,
                             rows, checked, open_rows, skipped ? ", " skipped " not compared (several TCP layers in a frame)" : ""
            exit bad
        }' "$work/annotations"
}

case $mode in
golden) golden "$1" ;;
crosscheck)
    failed=0
    for capture in "$@"; do crosscheck_one "$capture" || failed=$((failed + 1)); done
    [ "$failed" -eq 0 ] ;;
*)
    echo "usage: $0 PLUGIN.so golden CAPTURE_DIR | crosscheck CAPTURE..." >&2
    exit 2 ;;
esac
