#!/usr/bin/env bash
# bench/profile.sh - where tcpclose's cost goes: run after bench/run.sh, in its work folder.
#
# 1. A ladder of plain tshark and tshark with tcpclose on the 1M capture (hyperfine, 3 runs each),
#    all with -q and no output, to split the cost:
#      A  plain     -z conv,tcp            dissection without a protocol tree (the conv tap needs none;
#                                          -z io,stat would: it asks for a tree)
#      B  plain     -z conv,tcp -Y frame   + a (fake) protocol tree on every packet: what tcpclose
#                                          cost when it asked for TCP's fields (before tcp_front.c)
#      D  tcpclose  -z conv,tcp            tcpclose in front of TCP, no tree
#      E  tcpclose  -z conv,tcp --disable-protocol tcpclose
#                                          what a disabled tcpclose still costs (a forwarding call)
# 2. perf stat (software counters: this VM has no hardware ones) and perf record -e cpu-clock -g of
#    A and D, and of the -T fields pair (F plain, G tcpclose):
#    shares per shared object, tcpclose's functions with their callees.
# 3. callgrind on the first 100,000 packets (exact instruction counts, immune to other work on the
#    machine) of A, D, E, F and G (PROFILE_CALLGRIND="A D E F G"; "" re-reads the outputs): inclusive
#    cost of epan_dissect_run_with_taps (all dissection), of dissect_tcpclose (the analysis and
#    drawing) and of the header reading in front of TCP (dissect_in_front_of_tcp minus TCP).
# 4. The sizes of the records tcpclose keeps per connection and per closing segment (gdb), and
#    how many closing segments a connection has, for the memory per connection.
#
# Usage: bench/profile.sh [WORK]   (default /tmp/tcpclose-bench; results in WORK/profile/)
#        PROFILE_STEPS="ladder perf callgrind sizes" (the default) chooses the steps.
# Needs: linux-perf, valgrind, gdb (installed when missing and root).  About 40 minutes, most of it
# callgrind (each -T fields run takes about 7 minutes under it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${1:-${TCPCLOSE_BENCH_DIR:-/tmp/tcpclose-bench}}
out=$work/profile
cap=$work/cap-1m.pcap
ws_version=$(tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
so=$work/plugins/$ws_version/epan/tcpclose.so
[ -s "$cap" ] && [ -s "$so" ] || { echo "profile.sh: run bench/run.sh first ($cap, $so)" >&2; exit 1; }

missing=()
for pair in perf:linux-perf valgrind:valgrind callgrind_annotate:valgrind gdb:gdb hyperfine:hyperfine editcap:wireshark-common; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi

mkdir -p "$out"
chmod a+rwx "$out"
ts=$here/tshark-as-nobody.sh
P="$ts $work/plugins $work/state"
N="$ts $work/noplugins $work/state"
log() { echo "== $*" >&2; }
steps=${PROFILE_STEPS:-ladder perf callgrind sizes}
want() { [[ " $steps " == *" $1 "* ]]; }

# ---- 1. ladder ----
if want ladder; then
log "ladder on $cap"
hyperfine --style basic --runs 3 --export-json "$out/ladder.json" --export-markdown "$out/ladder.md" \
    -n "A plain, no tree" "$N -r $cap -q -z conv,tcp" \
    -n "B plain, fake tree (-Y frame)" "$N -r $cap -q -z conv,tcp -Y frame" \
    -n "D tcpclose" "$P -r $cap -q -z conv,tcp" \
    -n "E tcpclose disabled" "$P -r $cap -q -z conv,tcp --disable-protocol tcpclose" >&2
fi

# ---- 2. perf ----
for v in A D F G; do
    want perf || break
    case $v in
    A) cmd="$N -r $cap -q -z conv,tcp" ;;
    D) cmd="$P -r $cap -q -z conv,tcp" ;;
    F) cmd="$N -r $cap -T fields -e tcp.stream" ;;
    G) cmd="$P -r $cap -T fields -e tcp.stream -e tcpclose.phase" ;;
    esac
    log "perf $v: $cmd"
    eval "perf stat -e task-clock,page-faults,context-switches -o $out/perf-stat-$v.txt -- $cmd" >/dev/null
    eval "perf record -q -e cpu-clock -F 999 -g -o $out/perf-$v.data -- $cmd" >/dev/null 2>&1
    perf report -i "$out/perf-$v.data" --stdio --no-children --sort dso -g none 2>/dev/null | grep -v '^$' | sed -n '1,30p' \
        > "$out/perf-$v-dso.txt"
    perf report -i "$out/perf-$v.data" --stdio --no-children --sort dso,symbol -g none 2>/dev/null |
        grep -v '^$' | sed -n '1,60p' > "$out/perf-$v-symbols.txt"
done
if want perf; then
    for v in D G; do
        perf report -i "$out/perf-$v.data" --stdio --children --sort symbol -g none 2>/dev/null | grep -v '^$' |
            grep -E 'dissect_tcpclose|dissect_in_front_of_tcp|tcp_front|find_conversation|analyse_|draw_segment|tc_process|connections_find|add_events|rst_' \
            > "$out/perf-$v-tcpclose-children.txt" || true
    done
fi

# ---- 3. callgrind on 100,000 packets ----
if want callgrind; then
small=$work/cap-100k.pcap
[ -s "$small" ] || { editcap -r "$cap" "$small" 1-100000 && chmod 644 "$small"; }
for v in ${PROFILE_CALLGRIND-A D E F G}; do
    case $v in
    A) dir=noplugins args=(-q -z conv,tcp) ;;
    D) dir=plugins args=(-q -z conv,tcp) ;;
    E) dir=plugins args=(-q -z conv,tcp --disable-protocol tcpclose) ;;
    F) dir=noplugins args=(-T fields -e tcp.stream) ;;
    G) dir=plugins args=(-T fields -e tcp.stream -e tcpclose.phase) ;;
    esac
    log "callgrind $v"
    rm -f "$out/callgrind-$v.out"
    run=(env -i "PATH=$PATH" LC_ALL=C.UTF-8 "HOME=$work/state/home" "WIRESHARK_CONFIG_DIR=$work/state/config"
         "WIRESHARK_PLUGIN_DIR=$work/$dir")
    [ "$(id -u)" = 0 ] && run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}")
    "${run[@]}" valgrind --tool=callgrind --callgrind-out-file="$out/callgrind-$v.out" \
        tshark -r "$small" "${args[@]}" >/dev/null 2>"$out/callgrind-$v.log"
    callgrind_annotate --inclusive=yes "$out/callgrind-$v.out" 2>/dev/null | sed -n '1,80p' > "$out/callgrind-$v-inclusive.txt"
done
for v in D G; do
[ -s "$out/callgrind-$v.out" ] || continue
callgrind_annotate --inclusive=yes --tree=calling "$out/callgrind-$v.out" 2>/dev/null |
    grep -E 'tcpclose|tcp_front|dissect_in_front_of_tcp|find_conversation|tc_process|connections_|analyse_|draw_segment|proto_tree_add|p_add_proto_data|wmem_map|tap_queue' |
    sed -n '1,80p' > "$out/callgrind-$v-tcpclose.txt" || true
done
for v in A D E F G; do
    [ -s "$out/callgrind-$v.out" ] || continue
    echo "$v $(callgrind_annotate --inclusive=yes "$out/callgrind-$v.out" 2>/dev/null |
        grep -E 'PROGRAM TOTALS|epan_dissect_run_with_taps|packet-tcpclose.c:dissect_tcpclose' | awk '{print $1}' | tr '\n' ' ')"
done > "$out/callgrind-summary.txt" # total, all dissection, dissect_tcpclose (instructions)
fi

# ---- 4. sizes ----
want sizes || exit 0
gdb -batch -ex 'ptype/o struct tcpclose_conn' -ex 'ptype/o struct tcpclose_segment' -ex 'ptype/o struct frame_result' \
    "$so" > "$out/sizes.txt" 2>&1 || true
$P -r "$work/cap-1m.pcap" -Y tcpclose -T fields -e tcpclose.phase 2>/dev/null | wc -l > "$out/closing-segments.txt"
log "results in $out"
