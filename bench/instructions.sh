#!/usr/bin/env bash
# bench/instructions.sh - instructions a packet, tcpclose against plain tshark, on each Wireshark
# line: callgrind's exact counts, which no other work on the machine disturbs (where timed pairs
# are too noisy to tell 3 % from 6 %).
#
# Usage: bench/instructions.sh [--work DIR] [--suites "host trixie sid"] [--packets N] [--cache-sim]
#                              [--only "JOB ..."]
#   Run bench/run.sh --prepare and bench/paired.sh --suites ... first: this reuses the 1m capture,
#   the plugin folders and the chroots (WORK/roots/SUITE) they made (with valgrind in them).
#   For each suite and each job of paired.sh (filter, fields, loaded, conns, second; --only picks
#   some), plain and with tcpclose (second: plain, with a second field of its own), tshark
#   runs under callgrind on the capture's first N packets (default 20,000) and on its first N/10;
#   the difference over the 9N/10 packets between is the cost a packet, net of start-up.  Every run
#   has GLib's random numbers fixed (bench/fixed-seeds.c, preloaded) and address randomisation off,
#   so a count repeats within 30 instructions a packet.  The job "loaded" runs the field export of
#   tcp.stream alone, with tcpclose loaded and without: what tcpclose costs before any of its
#   fields is asked for.
#   Prints a Markdown table (also WORK/results/instructions.md).  About 25 minutes for three suites.
#   --cache-sim  also simulates the caches (callgrind's: first-level instruction and data caches of
#                32 KiB, a last level of 512 KiB, like the second level of this machine's cores) and
#                adds each side's misses a packet, for where time goes beyond instructions where
#                perf has no hardware counters (a virtual machine).  About twice as long.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
work=${TCPCLOSE_BENCH_DIR:-/tmp/tcpclose-bench}
suites=host
packets=20000
cache_sim=()
only="filter fields loaded conns second"
while [ $# -gt 0 ]; do
    case $1 in
    --work) work=$2; shift ;;
    --suites) suites=$2; shift ;;
    --packets) packets=$2; shift ;;
    --only) only=$2; shift ;;
    --cache-sim) cache_sim=(--cache-sim=yes "--I1=32768,8,64" "--D1=32768,8,64" "--LL=524288,8,64") ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "instructions.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
# shellcheck source=bench/jobs.sh
source "$here/jobs.sh"
bench_check_only "$only"
few=$((packets / 10))
out=$work/results/instructions
mkdir -p "$out"
[ -s "$work/cap-1m.pcap" ] || { echo "instructions.sh: no $work/cap-1m.pcap: run bench/run.sh --prepare" >&2; exit 1; }
for n in $packets $few; do
    [ -s "$work/cap-$n.pcap" ] || { editcap -r "$work/cap-1m.pcap" "$work/cap-$n.pcap" "1-$n" && chmod 644 "$work/cap-$n.pcap"; }
done

roots=()
release_roots() { for r in "${roots[@]}"; do "$repo/cmake/debian-root.sh" umount "$r"; done; }
trap release_roots EXIT
declare -A label
for suite in $suites; do
    if [ "$suite" = host ]; then
        command -v valgrind >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null
        label[host]=$(tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9][0-9.]*[0-9]\).*/\1/p')
        continue
    fi
    root=$work/roots/$suite
    [ -s "$work/plugins-$suite.line" ] || { echo "instructions.sh: no $root: run bench/paired.sh --suites first" >&2; exit 1; }
    label[$suite]=$(cat "$work/plugins-$suite.line")
    "$repo/cmake/debian-root.sh" mount "$root" "$work:$work"
    roots+=("$root")
    chroot "$root" sh -c 'command -v valgrind >/dev/null ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends valgrind >/dev/null' ||
        { echo "instructions.sh: could not install valgrind in $root" >&2; exit 1; }
done

# The seed shim, built for each system's C library.
for suite in $suites; do
    if [ "$suite" = host ]; then
        cc -O2 -shared -fPIC -o "$work/fixed-seeds-host.so" "$here/fixed-seeds.c"
    else
        cp "$here/fixed-seeds.c" "$work/fixed-seeds.c"
        chroot "$work/roots/$suite" gcc -O2 -shared -fPIC -o "$work/fixed-seeds-$suite.so" "$work/fixed-seeds.c"
    fi
    chmod a+r "$work/fixed-seeds-$suite.so"
done

# count SUITE plugins|noplugins PACKETS args...: the program's totals, one number an event
# (instructions; with --cache-sim, then the reads, writes and each cache's misses)
count() {
    local suite=$1 folder=$work/$2 n=$3 file
    shift 3
    [ "$suite" = host ] || folder=$folder-$suite
    file=$out/$suite-$(basename "$folder")-$n-$(echo "$*" | tr -c 'a-z0-9' '_').out
    local run=(env -i "PATH=/usr/sbin:/usr/bin:/sbin:/bin" LC_ALL=C.UTF-8 "HOME=$work/state/home"
               "WIRESHARK_CONFIG_DIR=$work/state/config" "WIRESHARK_PLUGIN_DIR=$folder"
               "LD_PRELOAD=$work/fixed-seeds-$suite.so" setarch -R)
    [ "$(id -u)" != 0 ] || run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}")
    [ "$suite" = host ] || run=(chroot "$work/roots/$suite" "${run[@]}")
    "${run[@]}" valgrind --tool=callgrind "${cache_sim[@]}" --callgrind-out-file="$file" \
        tshark -r "$work/cap-$n.pcap" "$@" >/dev/null 2>"$file.log"
    sed -n 's/^summary: //p' "$file"
    sed -n 's/^events: //p' "$file" >"$out/events.txt"
}

# minus "A B C" "D E F": "A-D,B-E,C-F"
minus() {
    paste -d ' ' <(tr ' ' '\n' <<<"$1") <(tr ' ' '\n' <<<"$2") | awk '{ printf "%s%.0f", (NR > 1 ? "," : ""), $1 - $2 }'
}

chmod a+rwx "$out"
: >"$out/counts.txt"
for suite in $suites; do
    for job in "${bench_jobs[@]}"; do
        IFS='|' read -r name plain_args plugin_args plugin_folder <<<"$job"
        [[ " $only " == *" $name "* ]] || continue
        eval "plain=($plain_args)"
        eval "plugin=($plugin_args)"
        folder=${plugin_folder:-plugins}
        a=$(minus "$(count "$suite" noplugins "$packets" "${plain[@]}")" "$(count "$suite" noplugins "$few" "${plain[@]}")")
        b=$(minus "$(count "$suite" "$folder" "$packets" "${plugin[@]}")" "$(count "$suite" "$folder" "$few" "${plugin[@]}")")
        echo "$name ${label[$suite]} $a $b $((packets - few))" >>"$out/counts.txt"
        echo "== $name on ${label[$suite]}: plain $((${a%%,*} / (packets - few))), other side $((${b%%,*} / (packets - few))) instructions a packet" >&2
    done
done

# The table: instructions, and with --cache-sim each cache's misses (callgrind's event names:
# I1mr and D1mr first-level instruction and data read misses, ILmr and DLmr last-level ones).
gawk -v events="$(cat "$out/events.txt")" '
    BEGIN {
        n = split(events, name, " ")
        header = "| Job | Wireshark | Plain, instructions a packet | With tcpclose (second: tcp.len) | Added | Ratio |"
        rule = "| --- | --- | ---: | ---: | ---: | ---: |"
        for (i = 2; i <= n; i++)
            if (name[i] ~ /mr$/) { header = header " " name[i] " plain, added |"; rule = rule " ---: |" }
        print header; print rule
    }
    {
        split($3, a, ","); split($4, b, ",")
        line = sprintf("| %s | %s | %d | %d | %+d | %.3f |", $1, $2, a[1] / $5, b[1] / $5, (b[1] - a[1]) / $5, b[1] / a[1])
        for (i = 2; i <= n; i++)
            if (name[i] ~ /mr$/)
                line = line sprintf(" %.1f, %+.1f (%s) |", a[i] / $5, (b[i] - a[i]) / $5,
                                    a[i] > 0 ? sprintf("%+.1f %%", 100 * (b[i] - a[i]) / a[i]) : "none plain")
        print line
    }
' "$out/counts.txt" | tee "$work/results/instructions.md"
