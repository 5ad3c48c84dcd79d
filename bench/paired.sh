#!/usr/bin/env bash
# bench/paired.sh - tcpclose against plain tshark, timed in back-to-back pairs, for a shared machine.
#
# On a virtual machine that shares its cores, one tshark run can take 30 % longer than the next
# for reasons of its own; bench/run.sh's medians then move by more than the 5 % goal.  Here each
# job runs plain and with tcpclose back to back, N times, the order swapped every other pair
# (ABBA...), so whatever else the machine does falls on both runs of a pair alike.  Each pair gives
# one CPU-time ratio (user + system); printed per job: the median ratio, its interquartile range,
# the ratio of the summed CPU times, and the median system time of each side.
#
# Usage: bench/paired.sh [--pairs N] [--work DIR] [--size 1m] [--only filter|fields|conns]
#   Run bench/run.sh first: this reuses its capture WORK/cap-SIZE.pcap and its plugin folders.
#   Default 15 pairs on the 1m capture: about 25 minutes on 2 cores.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${TCPCLOSE_BENCH_DIR:-/tmp/tcpclose-bench}
pairs=15
size=1m
only= # one job only (the 4m capture's pairs take 5 minutes for all three)
while [ $# -gt 0 ]; do
    case $1 in
    --pairs) pairs=$2; shift ;;
    --work) work=$2; shift ;;
    --size) size=$2; shift ;;
    --only) only=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "paired.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

case $only in
"" | filter | fields | conns) ;;
*) echo "paired.sh: --only takes filter, fields or conns" >&2; exit 2 ;;
esac
cap=$work/cap-$size.pcap
[ -r "$cap" ] && [ -d "$work/plugins" ] || { echo "paired.sh: no $cap or $work/plugins: run bench/run.sh first" >&2; exit 1; }
ts=$here/tshark-as-nobody.sh
out=$work/results/paired-$size${only:+-$only}.txt
mkdir -p "$work/results"
: > "$out"

# job name, plain tshark's arguments, tcpclose's arguments (the pairs of bench/run.sh)
jobs=(
    "filter|-Y 'tcp.flags.reset==1'|-Y 'tcpclose.phase == \"RST\"'"
    "fields|-T fields -e tcp.stream|-T fields -e tcp.stream -e tcpclose.phase"
    "conns|-q -z conv,tcp|-q -z tcpclose,conns"
)

cpu_of() { # plugin-folder args... : prints the run's user and system CPU seconds
    local folder=$1
    shift
    /usr/bin/time -f '%U %S' -o "$work/results/paired.time" \
        bash -c "$ts $folder $work/state -r $cap $* > /dev/null 2>&1"
    cat "$work/results/paired.time"
}

for ((pair = 1; pair <= pairs; pair++)); do
    for job in "${jobs[@]}"; do
        IFS='|' read -r name plain_args plugin_args <<<"$job"
        [ -z "$only" ] || [ "$name" = "$only" ] || continue
        if ((pair % 2)); then
            a=$(cpu_of "$work/noplugins" "$plain_args")
            b=$(cpu_of "$work/plugins" "$plugin_args")
        else
            b=$(cpu_of "$work/plugins" "$plugin_args")
            a=$(cpu_of "$work/noplugins" "$plain_args")
        fi
        echo "$name $a $b" >>"$out" # name, plain's user and system s, tcpclose's user and system s
        echo "== pair $pair/$pairs $name: plain $a s, tcpclose $b s CPU (user system)" >&2
    done
done

python3 - "$out" "$size" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, a_user, a_sys, b_user, b_sys = line.split()
    rows.setdefault(name, []).append((float(a_user), float(a_sys), float(b_user), float(b_sys)))
print(f"| Job ({sys.argv[2]} capture) | Pairs | Median ratio | Interquartile range | Summed CPU ratio "
      "| Plain CPU s, min–max | Median system s, plain / tcpclose |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, runs in rows.items():
    plain = [au + as_ for au, as_, _, _ in runs]
    plugin = [bu + bs for _, _, bu, bs in runs]
    ratios = sorted(b / a for a, b in zip(plain, plugin))
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    sys_plain = statistics.median(r[1] for r in runs)
    sys_plugin = statistics.median(r[3] for r in runs)
    print(f"| {name} | {len(runs)} | {statistics.median(ratios):.3f} | {q[0]:.3f}–{q[2]:.3f} "
          f"| {sum(plugin) / sum(plain):.3f} | {min(plain):.2f}–{max(plain):.2f} "
          f"| {sys_plain:.2f} / {sys_plugin:.2f} |")
EOF
