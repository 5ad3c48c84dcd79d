#!/usr/bin/env bash
# bench/shard-check.sh - splits a capture by connection into N shards and checks that tcpclose
# says the same about every connection in the shards as in the whole capture.
#
# A shard holds the packets whose (source port + destination port) % N is k: the sum is the same
# in both directions, so each connection lands whole in one shard (IPv4 only: libpcap's tcp[]
# does not reach past an IPv6 header).  tcpdump -r with that BPF filter makes a shard without
# dissecting anything, and GNU parallel runs tshark on the shards.  Compared, as sorted lines:
#   per connection  its final segment (FINAL_ACK, or the RST): addresses, ports, tcpclose.type
#   per segment     every closing segment: addresses, ports, phase, sender, states, type
# tcp.stream and frame numbers differ between shards and are left out.
#
# Usage: bench/shard-check.sh [CAPTURE] [N] [JOBS]   (default WORK/cap-1m.pcap, 4 shards, 2 jobs)
# Run bench/run.sh first (it makes the capture and the plugin snapshot in WORK).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${TCPCLOSE_BENCH_DIR:-/tmp/tcpclose-bench}
cap=${1:-$work/cap-1m.pcap}
n=${2:-4}
jobs=${3:-2}
sh=$work/shards
rm -rf "$sh"
mkdir -p "$sh"
chmod 755 "$sh"
command -v parallel >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q parallel >&2
P="$here/tshark-as-nobody.sh $work/plugins $work/state"
per_conn="-Y 'tcpclose.phase == \"FINAL_ACK\" || tcpclose.phase == \"RST\"' -T fields -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcpclose.type"
per_seg="-Y tcpclose -T fields -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcpclose.phase -e tcpclose.sender -e tcpclose.client_state -e tcpclose.server_state -e tcpclose.type"

t0=$(date +%s.%N)
eval "$P -r $cap $per_conn" | LC_ALL=C sort > "$sh/whole-conns.txt"
t1=$(date +%s.%N)
eval "$P -r $cap $per_seg" | LC_ALL=C sort > "$sh/whole-segments.txt"

t2=$(date +%s.%N)
seq 0 $((n - 1)) | parallel --will-cite -j "$jobs" \
    "tcpdump -Z root -r $cap -w $sh/shard-{}.pcap 'tcp and ((tcp[0:2] + tcp[2:2]) % $n == {})' 2>/dev/null"
chmod 644 "$sh"/shard-*.pcap
t3=$(date +%s.%N)
seq 0 $((n - 1)) | parallel --will-cite -j "$jobs" "$P -r $sh/shard-{}.pcap $per_conn > $sh/conns-{}.txt"
t4=$(date +%s.%N)
seq 0 $((n - 1)) | parallel --will-cite -j "$jobs" "$P -r $sh/shard-{}.pcap $per_seg > $sh/segments-{}.txt"
cat "$sh"/conns-*.txt | LC_ALL=C sort > "$sh/sharded-conns.txt"
cat "$sh"/segments-*.txt | LC_ALL=C sort > "$sh/sharded-segments.txt"

total=$(capinfos -c -M "$cap" | sed -n 's/^Number of packets: *//p')
sum=0
for f in "$sh"/shard-*.pcap; do
    c=$(capinfos -c -M "$f" | sed -n 's/^Number of packets: *//p')
    echo "$(basename "$f"): $c packets"
    sum=$((sum + c))
done
echo "shards hold $sum of $total packets"
echo "per connection: $(wc -l < "$sh/whole-conns.txt") lines whole, $(wc -l < "$sh/sharded-conns.txt") sharded," \
     "$(sort -u "$sh/whole-conns.txt" | wc -l) distinct"
echo "per segment:    $(wc -l < "$sh/whole-segments.txt") lines whole, $(wc -l < "$sh/sharded-segments.txt") sharded"
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
echo "time: whole per-connection run $(secs "$t0" "$t1") s; sharding $(secs "$t2" "$t3") s;" \
     "$n shards on $jobs jobs $(secs "$t3" "$t4") s"
ok=1
cmp -s "$sh/whole-conns.txt" "$sh/sharded-conns.txt" && echo "per connection: SAME" || { echo "per connection: DIFFERENT"; ok=0; }
cmp -s "$sh/whole-segments.txt" "$sh/sharded-segments.txt" && echo "per segment: SAME" || { echo "per segment: DIFFERENT"; ok=0; }
[ "$sum" = "$total" ] || { echo "shards do not hold every packet"; ok=0; }
[ $ok = 1 ]
