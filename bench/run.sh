#!/usr/bin/env bash
# bench/run.sh - tcpclose's performance benchmark.
#
# Makes (or reuses) real loopback captures of about 1 and 4 million packets with bench/loadgen.c,
# then times tshark with the tcpclose plugin against plain tshark, as whole processes (hyperfine,
# several runs each, peak RSS from /usr/bin/time):
#   filter  tshark -r CAP -Y 'tcpclose.phase == "RST"'          vs  -Y 'tcp.flags.reset==1'
#   fields  tshark -r CAP -T fields -e tcp.stream -e tcpclose.phase  vs  -e tcp.stream alone,
#           and the Lua post-dissector bench/tcpclose.lua doing the tcpclose job
#   conv    tshark -r CAP -q -z tcpclose,conns (tcpclose's own per-connection table) vs plain
#           tshark -r CAP -q -z conv,tcp; and -z conv,tcp with the plugin loaded
# and prints a Markdown table (also saved as WORK/results/table.md).
#
# Usage: bench/run.sh [--quick] [--work DIR] [--plugin PATH] [--sizes "1m 4m"]
#                     [--runs N] [--runs-1m N] [--runs-4m N]
#   --quick    a smoke test: one 10,000-connection capture (~100k packets), 2 runs each
#   --prepare  make the captures, plugin folders and fairness check, time nothing (for paired.sh)
#   --work     where captures and results go (default /tmp/tcpclose-bench, or $TCPCLOSE_BENCH_DIR);
#              it must be readable by user nobody.  Captures found there are reused; delete
#              them to make new ones.  Nothing is written to the repository.
#   --plugin   the tcpclose.so to time (default: built from this checkout into WORK/build, with
#              the project's default flags); it is copied once, so a rebuild during the run does
#              not mix two plugins
# Making captures needs root (tcpdump on lo) and the ports 20000-20006 free on 127.0.0.1.
# Timing as root runs tshark as nobody (bench/tshark-as-nobody.sh), plain and plugin alike.
# Default scale: 100,000 and 375,000 connections (about 1.07 and 4.0 million packets), 5 and 3
# runs: about 45 minutes on 2 cores (loadgen needs under a minute of it).
# The runs go round-robin over the jobs of a capture (see timing below).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
work=${TCPCLOSE_BENCH_DIR:-/tmp/tcpclose-bench}
plugin="" # default: built from this checkout into WORK/build
sizes="1m 4m"
declare -A conns=([1m]=100000 [4m]=375000 [quick]=10000)
declare -A runs=([1m]=5 [4m]=3 [quick]=2)
rounds=2       # loadgen -r: 1 or 2 request/response rounds per connection, ~10.5 packets each
base_port=20000
prepare=0

while [ $# -gt 0 ]; do
    case $1 in
    --quick) sizes=quick ;;
    --prepare) prepare=1 ;;
    --work) work=$2; shift ;;
    --plugin) plugin=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --runs) for s in "${!runs[@]}"; do runs[$s]=$2; done; shift ;;
    --runs-1m) runs[1m]=$2; shift ;;
    --runs-4m) runs[4m]=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

# ---- tools ----
missing=()
for pair in tshark:tshark capinfos:wireshark-common tcpdump:tcpdump hyperfine:hyperfine /usr/bin/time:time \
            gcc:gcc python3:python3 setpriv:util-linux cmake:cmake; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]}"
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi
if [ -z "$plugin" ]; then
    log "building the plugin from $repo into $work/build"
    mkdir -p "$work"
    cmake -S "$repo" -B "$work/build" -DTCPCLOSE_WERROR=ON -DBUILD_TESTING=OFF >&2
    cmake --build "$work/build" -j2 --target tcpclose >&2
    plugin=$work/build/tcpclose.so
fi
[ -f "$plugin" ] || die "no plugin at $plugin"

ws_version=$(tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
[ -n "$ws_version" ] || die "cannot tell tshark's version"

# ---- work folder: plugin snapshot, empty plugin folder, state, loadgen ----
mkdir -p "$work"
rm -rf "$work/plugins" "$work/noplugins" "$work/state"
mkdir -p "$work/plugins/$ws_version/epan" "$work/noplugins/$ws_version/epan" "$work/state/home" \
         "$work/state/config" "$work/results"
cp "$plugin" "$work/plugins/$ws_version/epan/tcpclose.so"
cp "$here/tcpclose.lua" "$work/tcpclose.lua"
gcc -O2 -Wall -Wextra -pthread -o "$work/loadgen" "$here/loadgen.c"
chmod 755 "$work"
chmod -R a+rX "$work"
chmod a+rwx "$work/state/home" "$work/state/config"
{
    echo "plugin_source=$plugin"
    echo "plugin_sha256=$(sha256sum "$plugin" | cut -c1-16)"
    echo "git=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
        git -C "$repo" diff --quiet HEAD -- plugin CMakeLists.txt 2>/dev/null || echo +changes)"
} > "$work/results/plugin.txt"

ts=$here/tshark-as-nobody.sh
P="$ts $work/plugins $work/state"   # tshark with tcpclose
N="$ts $work/noplugins $work/state" # plain tshark: same user, same start-up, no plugin
$P -G protocols 2>/dev/null | grep -q $'\ttcpclose$' ||
    die "tshark as nobody does not load $work/plugins/$ws_version/epan/tcpclose.so (is $work readable by nobody?)"

# ---- captures ----
make_capture() {
    local size=$1 n=${conns[$1]}
    local cap=$work/cap-$size.pcap meta=$work/cap-$size.meta
    if [ -s "$cap" ] && [ -s "$meta" ] && grep -qx "conns=$n" "$meta"; then
        log "reusing $cap ($(sed -n 's/^packets=//p' "$meta") packets)"
        return
    fi
    [ "$(id -u)" = 0 ] || die "making $cap needs root (tcpdump on lo)"
    local rate=0 drops=unknown attempt
    for attempt in 1 2 3; do
        rm -f "$cap.part"
        tcpdump -i lo -n -s 96 -B 131072 -Z root -w "$cap.part" \
            "tcp portrange $base_port-$((base_port + 6))" 2>"$work/tcpdump-$size.err" &
        local tpid=$! waited=0
        until grep -q 'listening on' "$work/tcpdump-$size.err"; do
            sleep 0.2
            waited=$((waited + 1))
            [ $waited -lt 50 ] || { kill -INT $tpid; die "tcpdump did not start: $(cat "$work/tcpdump-$size.err")"; }
        done
        log "capturing $size: loadgen -n $n -r $rounds -R $rate"
        local lg_rc=0 t0=$SECONDS
        "$work/loadgen" -n "$n" -r "$rounds" -p "$base_port" -R "$rate" -t 900 2>"$work/loadgen-$size.log" || lg_rc=$?
        local secs=$((SECONDS - t0 > 0 ? SECONDS - t0 : 1))
        sleep 1
        kill -INT $tpid
        wait $tpid || true
        cat "$work/loadgen-$size.log" >&2
        [ $lg_rc = 0 ] || die "loadgen failed (exit $lg_rc)"
        drops=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$work/tcpdump-$size.err")
        log "tcpdump: $(tr '\n' ' ' < "$work/tcpdump-$size.err")"
        [ "$drops" = 0 ] && break
        rate=$((n / secs / 2 + 1)) # the kernel dropped packets: try again at half the speed
        log "$drops packets dropped: again at $rate connections/s"
    done
    [ "$drops" = 0 ] || die "tcpdump kept dropping packets"
    local packets
    packets=$(capinfos -c -M "$cap.part" | sed -n 's/^Number of packets: *//p')
    mv "$cap.part" "$cap"
    chmod 644 "$cap"
    {
        echo "conns=$n"
        echo "packets=$packets"
        echo "dropped=$drops"
        echo "loadgen=loadgen -n $n -r $rounds -p $base_port -R $rate"
        echo "made=$(date -u +%FT%TZ)"
    } > "$meta"
}
for size in $sizes; do
    [ -n "${conns[$size]:-}" ] || die "unknown size $size (1m, 4m or quick)"
    make_capture "$size"
done

# ---- fairness check: tcpclose and the Lua baseline label the same segments the same way ----
first=$work/cap-${sizes%% *}.pcap
$P -r "$first" -c 100000 -T fields -e frame.number -e tcpclose.phase > "$work/results/check-tcpclose.txt"
$N -X "lua_script:$work/tcpclose.lua" -r "$first" -c 100000 -T fields -e frame.number -e tcpclose_lua.phase \
    > "$work/results/check-lua.txt"
if cmp -s "$work/results/check-tcpclose.txt" "$work/results/check-lua.txt"; then
    echo "same=yes" > "$work/results/check.txt"
else
    echo "same=no ($(diff "$work/results/check-tcpclose.txt" "$work/results/check-lua.txt" | grep -c '^<') lines differ)" \
        > "$work/results/check.txt"
fi
log "Lua baseline agrees with tcpclose on the first 100,000 packets: $(cat "$work/results/check.txt")"
[ "$prepare" = 0 ] || exit 0

# ---- timing ----
# Each job is a shell string; hyperfine times it once per round, and the rounds go round-robin over
# all jobs of a capture, so that a change in the machine's load (other work on a shared machine)
# falls on plain and plugin runs alike.  Each run also appends tshark's peak RSS (KiB) to NAME.rss:
# the wrapper execs tshark, so /usr/bin/time measures tshark itself.
names=() cmds=()
add_job() {
    names+=("$1")
    cmds+=("$2")
}

for size in $sizes; do
    cap=$work/cap-$size.pcap
    names=() cmds=()
    add_job filter-plain "$N -r $cap -Y 'tcp.flags.reset==1'"
    add_job filter-tcpclose "$P -r $cap -Y 'tcpclose.phase == \"RST\"'"
    add_job fields-plain "$N -r $cap -T fields -e tcp.stream"
    add_job fields-tcpclose "$P -r $cap -T fields -e tcp.stream -e tcpclose.phase"
    add_job fields-lua "$N -X lua_script:$work/tcpclose.lua -r $cap -T fields -e tcp.stream -e tcpclose_lua.phase"
    add_job conv-plain "$N -r $cap -q -z conv,tcp"
    add_job conv-tcpclose "$P -r $cap -q -z conv,tcp"
    add_job conv-tcpclose-conns "$P -r $cap -q -z tcpclose,conns"
    for j in "${!names[@]}"; do
        out=$work/results/$size-${names[$j]}
        rm -f "$out".*
        echo "${cmds[$j]}" > "$out.cmd"
    done
    for ((run = 1; run <= ${runs[$size]}; run++)); do
        for j in "${!names[@]}"; do
            out=$work/results/$size-${names[$j]}
            cut -d' ' -f1 /proc/loadavg >> "$out.load"
            log "$size ${names[$j]} run $run/${runs[$size]}: ${cmds[$j]}"
            hyperfine --style none --runs 1 --export-json "$out.run$run.json" --command-name "${names[$j]}" \
                "/usr/bin/time -f %M -a -o $out.rss ${cmds[$j]} > /dev/null" >&2
            python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("   %.2f s wall, %.2f s CPU" % (r["times"][0], r["user"]+r["system"]))' \
                "$out.run$run.json" >&2
        done
    done
done

# ---- report ----
{
    echo "nproc=$(nproc)"
    echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "mem_kib=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
    echo "kernel=$(uname -r)"
    echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "tshark=$(tshark -v 2>/dev/null | head -1)"
    echo "hyperfine=$(hyperfine --version)"
    echo "lua=$(ldd "$(command -v tshark)" 2>/dev/null | grep -o 'liblua[0-9]*\.[0-9]*' | head -1)"
    echo "date=$(date -u +%FT%TZ)"
    echo "sizes=$sizes"
} > "$work/results/machine.txt"
python3 "$here/report.py" "$work" | tee "$work/results/table.md"
