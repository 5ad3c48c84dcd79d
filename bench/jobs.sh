# bench/jobs.sh - the jobs paired.sh times and instructions.sh counts, sourced by both so that the
# two measure the same commands.  Each: name|plain tshark's arguments|the other side's
# arguments|the other side's plugin folder, when it is not tcpclose's ("plugins").
# shellcheck shell=bash disable=SC2034
bench_jobs=(
    "filter|-Y 'tcp.flags.reset==1'|-Y 'tcpclose.phase == \"RST\"'"
    "fields|-T fields -e tcp.stream|-T fields -e tcp.stream -e tcpclose.phase"
    "loaded|-T fields -e tcp.stream|-T fields -e tcp.stream"
    "conns|-q -z conv,tcp|-q -z tcpclose,conns"
    "second|-T fields -e tcp.stream|-T fields -e tcp.stream -e tcp.len|noplugins"
)

# Exits with a message naming the jobs when "$1" (a space-separated list) holds one that is not.
bench_check_only() {
    local name job known=()
    for job in "${bench_jobs[@]}"; do known+=("${job%%|*}"); done
    for name in $1; do
        [[ " ${known[*]} " == *" $name "* ]] || { echo "$0: --only takes ${known[*]}" >&2; exit 2; }
    done
}
