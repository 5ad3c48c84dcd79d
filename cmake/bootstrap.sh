#!/usr/bin/env bash
# bootstrap.sh - sets up a Debian machine (12 "bookworm", 13 "trixie" or unstable "sid") for tcpclose,
# builds it against the Wireshark of that distribution, and runs the demo or the tests.
#
# Usage: cmake/bootstrap.sh demo   installs what is missing, builds, annotates the bundled real
#                                  Linux captures and prints a per-connection summary
#        cmake/bootstrap.sh test   installs what is missing, builds, runs the whole suite (ctest)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"

case ${1:-} in
demo | test) ;;
*)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac

# Packages by their distribution-neutral names, so that each release installs its own versions: the
# compiler and CMake, Wireshark's headers and CMake config, tshark (and mergecap, editcap, randpkt,
# sharkd) to run the plugin, libpcap for the capture generators, gawk for the test tables, python3
# for the memory test; the Wireshark GUI, Xvfb, xauth and xdotool for the GUI test; clang and its
# runtime libraries (libFuzzer) for the fuzzer.
packages=(cmake make gcc libc6-dev wireshark-dev libglib2.0-dev libpcap-dev tshark wireshark-common gawk util-linux
          python3 wireshark xvfb xauth xdotool clang libclang-rt-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -q
    # tshark's package asks whether non-root users may capture: answer with the default.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S "$root" -B "$build" -DTCPCLOSE_WERROR=ON
cmake --build "$build" -j"$(nproc)"

if [ "$1" = demo ]; then
    exec "$root/cmake/demo.sh" "$build/tcpclose.so" "$root"/test-captures/linux-*.pcap
fi
cd "$build"
exec ctest --output-on-failure -j"$(nproc)"
