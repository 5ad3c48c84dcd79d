#!/usr/bin/env bash
# run-tshark.sh - runs tshark with a freshly built tcpclose plugin, as root too.
#
# Usage: run-tshark.sh PLUGIN.so|none CAPTURE|- [tshark arguments...]
#        run-tshark.sh PLUGIN.so CAPTURE --sharkd <REQUESTS
# "none" runs the same tshark, the same way, without the plugin (to compare against).
# --sharkd runs Wireshark's JSON back end instead, on requests from stdin, one a line, where
# @CAPTURE@ stands for the capture's copy.
# With TCPCLOSE_PRELOAD set (a sanitizer runtime), tshark runs with it preloaded, so that a
# plugin built with sanitizers can load into Debian's tshark; any report makes tshark fail.
# With TCPCLOSE_PROFILE=DIR, the configuration profile folder DIR is copied into the fresh
# configuration folder's profiles/, so that "-C $(basename DIR)" selects it.  TCPCLOSE_WIRESHARK_LINE
# (4.0, 4.4...) names the plugin folder to use; without it, tshark -v says.
#
# As root, tshark ignores WIRESHARK_PLUGIN_DIR and the personal plugin folder: a root run would
# silently test nothing.  So a root caller drops to nobody (65534), and the plugin and capture
# are copied into a fresh folder that nobody can read, wherever the checkout lives.
set -euo pipefail

plugin=$1 capture=$2
shift 2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The plugin goes where tshark looks for its release line's plugins.  ctest gives the line the plugin
# was built for (TCPCLOSE_WIRESHARK_LINE): asking tshark -v costs as much as a tshark run.
version=${TCPCLOSE_WIRESHARK_LINE:-$(tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')}
mkdir -p "$work/plugins/$version/epan" "$work/home" "$work/config" "$work/extcap"
if [ "$plugin" != none ]; then
    cp "$plugin" "$work/plugins/$version/epan/"
fi
if [ -n "${TCPCLOSE_PROFILE:-}" ]; then
    mkdir -p "$work/config/profiles"
    cp -R "$TCPCLOSE_PROFILE" "$work/config/profiles/"
fi
read_args=()
if [ "$capture" != - ]; then
    cp "$capture" "$work/capture"
    read_args=(-r "$work/capture")
fi
chmod -R a+rX "$work"
chmod a+rwx "$work/home" "$work/config"

# No extcap helpers: tshark -G starts them, and with a preloaded sanitizer some never exit.
run=(env -i "PATH=$PATH" LC_ALL=C.UTF-8 "HOME=$work/home" "WIRESHARK_CONFIG_DIR=$work/config"
     "WIRESHARK_PLUGIN_DIR=$work/plugins" "WIRESHARK_EXTCAP_DIR=$work/extcap")
if [ -n "${TCPCLOSE_PRELOAD:-}" ]; then
    run+=("LD_PRELOAD=$TCPCLOSE_PRELOAD" "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1"
          "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
fi
if [ "$(id -u)" = 0 ]; then
    run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}")
fi
if [ "${1:-}" = --sharkd ]; then
    sed "s|@CAPTURE@|$work/capture|g" | "${run[@]}" sharkd -
else
    "${run[@]}" tshark "${read_args[@]}" "$@"
fi
