#!/usr/bin/env bash
# check-package.sh - the Debian package, installed system-wide, works for root.
#
# Usage: check-package.sh BUILD-DIR     (as root; cmake/matrix.sh runs it in each fresh chroot)
#
# Makes the .deb with cpack, checks that it depends on the exact libwireshark package installed,
# installs it with apt, and runs tshark AS ROOT (which reads only Wireshark's global plugin folder,
# not WIRESHARK_PLUGIN_DIR nor the personal one) on a bundled real capture: tshark must list the
# plugin from the global folder and annotate the capture as its golden table says, and the global
# tcpclose profile (-C tcpclose) must show those values in its columns.  The package is purged
# again at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
capture="$root/test-captures/linux-client-close.pcap"
expected="$root/test-captures/linux-client-close.expected"

[ "$(id -u)" = 0 ] || { echo "FAIL: check-package.sh installs a package: run it as root" >&2; exit 1; }
if dpkg-query -W -f='${Status}' tcpclose 2>/dev/null | grep -q 'install ok installed'; then
    echo "FAIL: a tcpclose package is installed already; this check installs and purges its own" >&2
    exit 1
fi

rm -f "$build"/tcpclose_*.deb
(cd "$build" && cpack --config CPackConfig.cmake -B "$build" >/dev/null)
deb=$(ls "$build"/tcpclose_*.deb)
echo "package: $(basename "$deb")"

# The dependency must name the libwireshark tshark uses, at its exact version.
depends=$(dpkg-deb -f "$deb" Depends)
library=$(ldd "$(command -v tshark)" | gawk '$1 ~ /^libwireshark\.so/ { print $3 }')
owner=$(dpkg-query -S "$(readlink -f "$library")" | cut -d: -f1)
want="$owner (= $(dpkg-query -W -f='${Version}' "$owner"))"
if [ "$depends" != "$want" ]; then
    echo "FAIL: the package depends on '$depends', tshark's library is '$want'" >&2
    exit 1
fi

trap 'apt-get purge -y -q tcpclose >/dev/null 2>&1 || true' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" >/dev/null

# As root, with a config folder of its own, and nothing but the global plugin folder to read.
work=$(mktemp -d)
trap 'rm -rf "$work"; apt-get purge -y -q tcpclose >/dev/null 2>&1 || true' EXIT
run=(env -i "PATH=$PATH" LC_ALL=C.UTF-8 "HOME=$work" "WIRESHARK_CONFIG_DIR=$work" "WIRESHARK_EXTCAP_DIR=$work")
global=$(dpkg -L tcpclose | grep '/tcpclose\.so$')
if ! "${run[@]}" tshark -G plugins | grep -q "$global"; then
    echo "FAIL: root tshark does not list $global (tshark -G plugins)" >&2
    "${run[@]}" tshark -G plugins >&2
    exit 1
fi
got=$("${run[@]}" tshark -2 -r "$capture" -Y tcpclose -T fields -e frame.number -e tcpclose.phase -e tcpclose.client_state \
      -e tcpclose.server_state)
want=$(gawk -F'\t' -v OFS='\t' 'NR > 1 { print $1, $4, $7, $8 }' "$expected")
if [ "$got" != "$want" ]; then
    echo "FAIL: root tshark with the installed package does not annotate $(basename "$capture") as expected" >&2
    diff <(echo "$want") <(echo "$got") >&2 || true
    exit 1
fi
# The tcpclose profile, from Wireshark's global profiles folder: its columns show tcpclose's values.
profile=$(dpkg -L tcpclose | grep '/profiles/tcpclose$')
columns=$("${run[@]}" tshark -C tcpclose -2 -r "$capture" -Y tcpclose |
          gawk '{ for (i = 1; i <= NF; i++) if ($i == "TCP") { print $1 "\t" $(i + 1) "\t" $(i + 3) "\t" $(i + 4); break } }')
if [ "$columns" != "$want" ]; then
    echo "FAIL: root tshark -C tcpclose (from $profile) does not show tcpclose's columns" >&2
    diff <(echo "$want") <(echo "$columns") >&2 || true
    exit 1
fi
echo "ok: $(basename "$deb") installed; root tshark loads $global and annotates $(basename "$capture") ($(echo "$got" | wc -l) closing segments); -C tcpclose shows them in its columns"
