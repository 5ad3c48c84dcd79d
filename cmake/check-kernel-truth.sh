#!/usr/bin/env bash
# check-kernel-truth.sh - tcpclose against the Linux kernel's own TCP states.
#
# Usage: check-kernel-truth.sh PLUGIN.so FOLDER
#
# FOLDER holds SCENARIO.pcap + SCENARIO.truth pairs recorded by test-captures/kernel/lab.py: real
# Linux closes between two network namespaces, and at checkpoints the states both kernels gave
# their sockets (ss).  For every truth file this runs tshark -2 with the plugin on the capture and
#   - at every `settled` checkpoint compares tcpclose.client_state / server_state on the checkpoint's
#     last frame (the last frame captured before the kernels were asked) with the kernels' states.
#     A frame tcpclose does not annotate is one before the close began: it stands for
#     ESTABLISHED / ESTABLISHED (the lab takes no checkpoint inside a handshake, and tcpclose does
#     not annotate handshake segments, so handshake states are never compared);
#   - lists `undecidable: ...` checkpoints (a capture at this point cannot know the kernels' states)
#     with both sides' values, without comparing them;
#   - compares tcpclose.active_side on the connection's last annotated frame with @active_side
#     (listed, not compared, when the truth marks it undecidable: no close visible on the wire);
#   - compares the set of tcpclose expert infos seen anywhere in the capture (of fin_unacked
#     fin_unanswered ignored_after_rst rst_refused rst_after_fin data_after_fin fin_retransmission
#     simultaneous_close closed_gracefully crossed_fin; others are not checked) with @experts;
#   - compares the idle timers tcpclose infers (-z tcpclose,timers,csv: role and timer) with the
#     @idle_timer lines (ROLE<TAB>SECONDS; a timer within 2 % of it), and none where there are none.
# One line per check (ok / MISMATCH / undecidable), a summary, and a non-zero exit on any
# mismatch, on any error, when the plugin is not loaded, or when no checkpoint was compared.
# Needs bash and gawk only (no python).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ $# -ne 2 ]; then
    echo "usage: $0 PLUGIN.so FOLDER" >&2
    exit 2
fi
plugin=$1 folder=$2

if [ ! -f "$plugin" ]; then
    echo "FAIL: no plugin at $plugin" >&2
    exit 1
fi
"$here/require-plugin.sh" "$plugin"

shopt -s nullglob
truths=("$folder"/*.truth)
if [ ${#truths[@]} -eq 0 ]; then
    echo "FAIL: no *.truth files in $folder" >&2
    exit 1
fi

experts=(fin_unacked fin_unanswered ignored_after_rst rst_refused rst_after_fin data_after_fin
         fin_retransmission simultaneous_close closed_gracefully crossed_fin)
args=(-e frame.number -e tcpclose.client_state -e tcpclose.server_state -e tcpclose.active_side)
for e in "${experts[@]}"; do args+=(-e "tcpclose.$e"); done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

compared=0 mismatches=0 undecidable=0 conn_checks=0 conn_failures=0 errors=0
for truth in "${truths[@]}"; do
    name=$(basename "$truth" .truth)
    capture="$folder/$name.pcap"
    if [ ! -f "$capture" ]; then
        echo "ERROR       $name: no $name.pcap beside $name.truth"
        errors=$((errors + 1))
        continue
    fi
    if ! "$here/run-tshark.sh" "$plugin" "$capture" -2 -T fields -E separator=/t -E occurrence=f \
            "${args[@]}" >"$work/table" 2>"$work/stderr"; then
        echo "ERROR       $name: tshark failed: $(head -c 500 "$work/stderr")"
        errors=$((errors + 1))
        continue
    fi
    if [ ! -s "$work/table" ]; then
        echo "ERROR       $name: tshark read no frames from $name.pcap"
        errors=$((errors + 1))
        continue
    fi
    gawk -F'\t' -v name="$name" -v experts="${experts[*]}" '
        BEGIN { nexp = split(experts, expert, " ") }
        # The table: frame, client state, server state, active side, one column per expert.
        FNR == NR {
            f = $1 + 0
            if (f > nframes) nframes = f
            client[f] = $2; server[f] = $3
            if ($4 != "") active = $4
            for (i = 1; i <= nexp; i++)
                if ($(4 + i) != "") seen[expert[i]] = seen[expert[i]] (seen[expert[i]] == "" ? "" : " ") f
            next
        }
        /^#/ || /^[ \t]*$/ { next }
        !header { if ($1 != "checkpoint") bad("first line is not the header"); header = 1; next }
        $1 == "@active_side" { want_active = $2; active_status = $3; has_active = 1; next }
        $1 == "@experts" { want_experts = $2; has_experts = 1; next }
        $1 == "@idle_timer" { next } # compared below
        /^@/ { bad("unknown line " $1); next }
        {
            if (NF < 5) { bad("checkpoint line with " NF " fields: " $0); next }
            cp = $1; f = $2 + 0; kc = $3; ks = $4; status = $5
            if (f < 1 || f > nframes) { bad("checkpoint " cp ": frame " $2 " is not in the capture (" nframes " frames)"); next }
            if (client[f] == "" && server[f] == "") { tc = "ESTABLISHED"; ts = "ESTABLISHED"; how = " (not annotated: close not begun)" }
            else { tc = client[f]; ts = server[f]; how = "" }
            where = sprintf("%-26s %-22s frame %-3d", name, cp, f)
            if (status == "settled") {
                compared++
                if (tc == kc && ts == ks)
                    printf "ok          %s client %s, server %s%s\n", where, kc, ks, how
                else {
                    mismatches++
                    printf "MISMATCH    %s tcpclose: client %s, server %s%s; kernel: client %s, server %s\n",
                           where, tc, ts, how, kc, ks
                }
            } else if (status ~ /^undecidable: /) {
                undecided++
                printf "undecidable %s not compared: tcpclose: client %s, server %s%s; kernel: client %s, server %s (%s)\n",
                       where, tc, ts, how, kc, ks, substr(status, 14)
            } else
                bad("checkpoint " cp ": status is neither settled nor undecidable: " status)
        }
        function bad(msg) { printf "ERROR       %s: %s\n", name, msg; errors++ }
        function sorted_list(text,    n, a, i, out) {
            if (text == "-" || text == "") return "-"
            n = split(text, a, ","); asort(a); out = ""
            for (i = 1; i <= n; i++) out = out (i > 1 ? "," : "") a[i]
            return out
        }
        END {
            if (!header) bad("no header line")
            if (!has_active) bad("no @active_side line")
            if (!has_experts) bad("no @experts line")
            got_active = active == "" ? "(no annotation)" : active
            if (has_active && active_status ~ /^undecidable: /) {
                undecided++
                printf "undecidable %-26s active_side not compared: tcpclose %s, expected %s (%s)\n", name, got_active,
                       want_active, substr(active_status, 14)
            } else if (has_active && active_status != "") {
                bad("@active_side: status is neither empty nor undecidable: " active_status)
            } else if (has_active) {
                checks++
                if (got_active == want_active) printf "ok          %-26s active_side %s\n", name, want_active
                else { failures++; printf "MISMATCH    %-26s active_side: tcpclose %s, expected %s\n", name, got_active, want_active }
            }
            if (has_experts) {
                checks++
                got = ""; where = ""
                for (i = 1; i <= nexp; i++)
                    if (expert[i] in seen) {
                        got = got (got == "" ? "" : ",") expert[i]
                        where = where (where == "" ? "" : ", ") expert[i] " in " seen[expert[i]]
                    }
                got = sorted_list(got); want = sorted_list(want_experts)
                if (got == want) printf "ok          %-26s experts %s\n", name, want
                else { failures++; printf "MISMATCH    %-26s experts: tcpclose %s (%s), expected %s\n", name, got, where == "" ? "none" : where, want }
            }
            printf "SUMMARY %d %d %d %d %d %d\n", compared, mismatches, undecided, checks, failures, errors
        }' "$work/table" "$truth" >"$work/out"
    grep -v '^SUMMARY ' "$work/out" || true
    read -r _ c m u k f e < <(grep '^SUMMARY ' "$work/out")
    # Idle timers: the ones the truth names, within 2 %, and no others.
    if "$here/run-tshark.sh" "$plugin" "$capture" -q -z tcpclose,timers,csv >"$work/timers" 2>"$work/stderr"; then
        k=$((k + 1))
        verdict=$(gawk -F'\t' -v got_file="$work/timers" '
            $1 == "@idle_timer" { want[++nw] = $2 " " $3 }
            END {
                while ((getline line < got_file) > 0) {
                    if (line ~ /^endpoint,/) continue
                    split(line, g, ","); got[++ng] = g[2] " " g[4]; text = text (text == "" ? "" : ", ") g[1] " " g[2] " " g[4]
                }
                bad = nw != ng
                for (i = 1; i <= nw; i++) {
                    split(want[i], w, " "); found = 0
                    for (j = 1; j <= ng; j++) {
                        split(got[j], t, " ")
                        if (t[1] == w[1] && t[2] - w[2] <= 0.02 * w[2] && w[2] - t[2] <= 0.02 * w[2]) found = 1
                    }
                    if (!found) bad = 1
                    wanted = wanted (wanted == "" ? "" : ", ") want[i]
                }
                printf "%s\ttcpclose %s, expected %s\n", bad ? "MISMATCH" : "ok", text == "" ? "none" : text,
                       wanted == "" ? "none" : wanted
            }' "$truth")
        if [ "${verdict%%$'\t'*}" = ok ]; then
            printf 'ok          %-26s idle timers: %s\n' "$name" "${verdict#*$'\t'}"
        else
            f=$((f + 1))
            printf 'MISMATCH    %-26s idle timers: %s\n' "$name" "${verdict#*$'\t'}"
        fi
    else
        echo "ERROR       $name: tshark -z tcpclose,timers,csv failed: $(head -c 500 "$work/stderr")"
        e=$((e + 1))
    fi
    compared=$((compared + c)) mismatches=$((mismatches + m)) undecidable=$((undecidable + u))
    conn_checks=$((conn_checks + k)) conn_failures=$((conn_failures + f)) errors=$((errors + e))
done

echo "kernel conformance: ${#truths[@]} captures; $compared checkpoints compared, $mismatches mismatched;" \
     "$undecidable undecidable (listed, not compared); $conn_checks connection checks, $conn_failures failed;" \
     "$errors errors"
status=0
if [ "$compared" -eq 0 ]; then
    echo "FAIL: no checkpoint was compared" >&2
    status=1
fi
if [ "$mismatches" -gt 0 ] || [ "$conn_failures" -gt 0 ] || [ "$errors" -gt 0 ]; then
    echo "FAIL: tcpclose disagrees with the kernel (or the truth could not be read): see MISMATCH / ERROR above" >&2
    status=1
fi
exit $status
