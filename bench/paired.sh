#!/usr/bin/env bash
# bench/paired.sh - tcpclose against plain tshark, timed in back-to-back pairs, for a shared machine.
#
# On a virtual machine that shares its cores, one tshark run can take 30 % longer than the next
# for reasons of its own; bench/run.sh's medians then move by more than the 5 % goal.  Here each
# job runs plain and with tcpclose back to back, N times, the order swapped every other pair
# (ABBA...), so whatever else the machine does falls on both runs of a pair alike.  Each pair gives
# one CPU-time ratio (user + system); printed per job: the median ratio, the lowest and highest,
# the ratio of the summed CPU times, and the median system time of each side.  With fields and
# loaded timed together, also the field export's split and plain tshark against itself.
#
# Usage: bench/paired.sh [--pairs N] [--work DIR] [--size 1m] [--only "JOB ..."]
#                        [--suites "host trixie sid"] [--append]
#   Run bench/run.sh first: this reuses its capture WORK/cap-SIZE.pcap and its plugin folders.
#   Default 15 pairs on the 1m capture: about 25 minutes on 2 cores.
#   --only    the jobs to time, of filter, fields, loaded, conns and second (default: filter,
#             fields and conns).
#             loaded is the field export of tcp.stream alone, with tcpclose loaded and without:
#             what tcpclose costs before any of its fields is asked for; beside the fields job it
#             splits that job's cost into tcpclose's own work and the asking for a second field.
#             second is plain tshark on both sides, exporting tcp.stream and then tcp.stream and
#             tcp.len: what a second field of Wireshark's own costs, the field export's yardstick.
#   --suites  the Wireshark lines to time, interleaved pair by pair in one run: "host" is this
#             machine's tshark (and run.sh's plugin); bookworm, trixie and sid are Debian's
#             Wireshark 4.0, 4.4 and 4.6 in chroots kept under WORK/roots (made on first use
#             with cmake/debian-root.sh, the plugin built there from this checkout; needs root).
#             Each pair's two runs use the same Wireshark; the table has a row per job and suite.
#   --append  adds this run's pairs to those of the last run with the same size and jobs
#             (its WORK/results file) and prints the table over all of them: runs at other hours
#             of the day pooled, as the machine's load comes and goes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
work=${TCPCLOSE_BENCH_DIR:-/tmp/tcpclose-bench}
pairs=15
size=1m
only="filter fields conns"
suites=host
append=0
while [ $# -gt 0 ]; do
    case $1 in
    --pairs) pairs=$2; shift ;;
    --work) work=$2; shift ;;
    --size) size=$2; shift ;;
    --only) only=$2; shift ;;
    --suites) suites=$2; shift ;;
    --append) append=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "paired.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# shellcheck source=bench/jobs.sh
source "$here/jobs.sh"
bench_check_only "$only"
cap=$work/cap-$size.pcap
[ -r "$cap" ] && [ -d "$work/plugins" ] || { echo "paired.sh: no $cap or $work/plugins: run bench/run.sh first" >&2; exit 1; }
ts=$here/tshark-as-nobody.sh
out=$work/results/paired-$size-${only// /-}.txt
mkdir -p "$work/results"
[ "$append" = 1 ] || : >"$out"

# A chroot per other Wireshark line, with its tshark and the plugin built against it there; WORK is
# mounted at the same path inside, so the capture, plugin folders and state are where they are here.
declare -A label=([host]="$(tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9][0-9.]*[0-9]\).*/\1/p')")
roots=()
release_roots() { for r in "${roots[@]}"; do "$repo/cmake/debian-root.sh" umount "$r"; done; }
trap release_roots EXIT
for suite in $suites; do
    [ "$suite" != host ] || continue
    root=$work/roots/$suite
    if [ ! -s "$root/.tcpclose-bench" ]; then # made once: Debian's tshark and what builds the plugin
        rm -rf "$root"
        "$repo/cmake/debian-root.sh" unpack "$suite" "$root"
        "$repo/cmake/debian-root.sh" mount "$root"
        chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 sh -c '
            apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                tshark wireshark-dev libglib2.0-dev cmake make gcc libc6-dev valgrind' >&2
        "$repo/cmake/debian-root.sh" umount "$root"
        date -u +%FT%TZ >"$root/.tcpclose-bench"
    fi
    # The plugin, from this checkout as it is now, with the project's default flags.
    "$repo/cmake/debian-root.sh" mount "$root" "$repo:/tcpclose:ro" "$work:$work"
    roots+=("$root")
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 sh -c '
        cmake -S /tcpclose -B /build -DBUILD_TESTING=OFF -DTCPCLOSE_WERROR=ON >/dev/null &&
        cmake --build /build --target tcpclose -j2 >/dev/null' >&2
    line=$(chroot "$root" tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
    rm -rf "$work/plugins-$suite" "$work/noplugins-$suite"
    mkdir -p "$work/plugins-$suite/$line/epan" "$work/noplugins-$suite/$line/epan"
    cp "$root/build/tcpclose.so" "$work/plugins-$suite/$line/epan/"
    chmod -R a+rX "$work/plugins-$suite" "$work/noplugins-$suite"
    chroot "$root" tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9][0-9.]*[0-9]\).*/\1/p' >"$work/plugins-$suite.line"
    label[$suite]=$(cat "$work/plugins-$suite.line")
done

cpu_of() { # suite plugins|noplugins args... : prints the run's user and system CPU seconds
    local suite=$1 folder=$work/$2
    shift 2
    [ "$suite" = host ] || folder=$folder-$suite
    TCPCLOSE_BENCH_ROOT=$([ "$suite" = host ] || echo "$work/roots/$suite") /usr/bin/time -f '%U %S' \
        -o "$work/results/paired.time" bash -c "$ts $folder $work/state -r $cap $* > /dev/null 2>&1"
    cat "$work/results/paired.time"
}

for ((pair = 1; pair <= pairs; pair++)); do
    for suite in $suites; do
        for job in "${bench_jobs[@]}"; do
            IFS='|' read -r name plain_args plugin_args plugin_folder <<<"$job"
            [[ " $only " == *" $name "* ]] || continue
            if ((pair % 2)); then
                a=$(cpu_of "$suite" noplugins "$plain_args")
                b=$(cpu_of "$suite" "${plugin_folder:-plugins}" "$plugin_args")
            else
                b=$(cpu_of "$suite" "${plugin_folder:-plugins}" "$plugin_args")
                a=$(cpu_of "$suite" noplugins "$plain_args")
            fi
            # job, Wireshark, plain's user and system s, the other side's (tcpclose's) user and system s
            echo "$name ${label[$suite]} $a $b" >>"$out"
            echo "== pair $pair/$pairs $name on ${label[$suite]}: plain $a s, other side $b s CPU (user system)" >&2
        done
    done
done

python3 - "$out" "$size" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, wireshark, a_user, a_sys, b_user, b_sys = line.split()
    rows.setdefault((name, wireshark), []).append((float(a_user), float(a_sys), float(b_user), float(b_sys)))
print(f"| Job ({sys.argv[2]} capture) | Wireshark | Pairs | Median ratio | Lowest–highest | Summed CPU ratio "
      "| Plain CPU s, min–max | Median system s, plain / other side |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for (name, wireshark), runs in sorted(rows.items()):
    plain = [au + as_ for au, as_, _, _ in runs]
    plugin = [bu + bs for _, _, bu, bs in runs]
    ratios = sorted(b / a for a, b in zip(plain, plugin))
    sys_plain = statistics.median(r[1] for r in runs)
    sys_plugin = statistics.median(r[3] for r in runs)
    print(f"| {name} | {wireshark} | {len(runs)} | {statistics.median(ratios):.3f} | {ratios[0]:.3f}–{ratios[-1]:.3f} "
          f"| {sum(plugin) / sum(plain):.3f} | {min(plain):.2f}–{max(plain):.2f} "
          f"| {sys_plain:.2f} / {sys_plugin:.2f} |")

# With fields and loaded in the same rounds: the field export's split (tcpclose's fields run over its
# loaded run: what asking for tcpclose.phase costs), and how far plain tshark's same command, run
# twice in a round, differs from itself: the noise to read every other ratio against.
# With fields and second: tcpclose's field export over plain tshark's export of tcp.len beside
# tcp.stream, what tcpclose costs beyond a second field of Wireshark's own.
print()
for wireshark in sorted({w for _, w in rows}):
    fields, loaded, second = (rows.get((job, wireshark)) for job in ("fields", "loaded", "second"))
    if fields and loaded:
        split = sorted((f[2] + f[3]) / (l[2] + l[3]) for f, l in zip(fields, loaded))
        itself = sorted((f[0] + f[1]) / (l[0] + l[1]) for f, l in zip(fields, loaded))
        print(f"{wireshark}: fields over loaded, with tcpclose: median {statistics.median(split):.3f} "
              f"({split[0]:.3f}–{split[-1]:.3f}); plain tshark against itself: {itself[0]:.3f}–{itself[-1]:.3f}")
    if fields and second:
        beyond = sorted((f[2] + f[3]) / (s[2] + s[3]) for f, s in zip(fields, second))
        print(f"{wireshark}: fields with tcpclose over plain tshark's export of tcp.stream and tcp.len: "
              f"median {statistics.median(beyond):.3f} ({beyond[0]:.3f}–{beyond[-1]:.3f})")
EOF
