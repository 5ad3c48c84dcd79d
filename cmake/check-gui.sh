#!/usr/bin/env bash
# check-gui.sh - the plugin in the Wireshark GUI (Qt), on a virtual X display.
#
# Usage: check-gui.sh PLUGIN.so CAPTURE [PROFILE_DIR]
#
# Wireshark starts under xvfb-run with the plugin and the capture and "-z tcpclose,conns", which
# only exists when Wireshark loaded the plugin: once the capture is read, it opens the
# Statistics > TCP Connection Closures table (a retap through tcpclose's tap).  TCPCLOSE_GUI_TABLE=
# "FORM=WINDOW TITLE" opens another of tcpclose's tables instead (tcpclose,timers_table=TCP Idle
# Timers).  The test waits for that window, closes it (Escape), quits Wireshark (Ctrl+Q) and
# requires exit status 0 and a
# stderr free of tcpclose messages, dissector bugs, critical messages and crashes.  With
# PROFILE_DIR (plugin/profile/tcpclose), the profile is copied into the configuration folder's
# profiles/ and Wireshark starts in it (-C): on quitting, Wireshark must have recorded that profile
# as the last one used and laid out every custom column of its preferences in the packet list
# (the "recent" file Wireshark writes into the profile over the one it ships with); what those
# columns show is checked by check-profile.sh.  Like
# run-tshark.sh it drops to user nobody when run as root (Wireshark ignores plugins as root).
# Needs: wireshark (the Qt GUI), xvfb, xauth, xdotool.  TCPCLOSE_GUI_SHOTS=DIR keeps screenshots
# of the table and of the packet list there (needs imagemagick), with TCPCLOSE_GUI_FILTER as the
# packet list's display filter when set; TCPCLOSE_PRELOAD (a sanitizer runtime, as for
# run-tshark.sh) is preloaded into Wireshark, and any report fails the test.
set -euo pipefail
plugin=$1 capture=$2 profile=${3:-}
name=$(basename "$capture")
profile_name=${profile:+$(basename "$profile")}
gui_table=${TCPCLOSE_GUI_TABLE:-tcpclose,conns=TCP Connection Closures}

for tool in wireshark xvfb-run xauth xdotool; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=${TCPCLOSE_WIRESHARK_LINE:-$(tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')}
mkdir -p "$work/plugins/$version/epan" "$work/home" "$work/config" "$work/runtime" "$work/out" "$work/extcap"
cp "$plugin" "$work/plugins/$version/epan/"
cp "$capture" "$work/$name"
if [ -n "$profile" ]; then
    mkdir -p "$work/config/profiles"
    cp -R "$profile" "$work/config/profiles/"
fi
chmod -R a+rX "$work"
chmod a+rwx "$work/home" "$work/config" "$work/out"
[ -z "$profile" ] || chmod -R a+rwX "$work/config/profiles" # Wireshark writes the profile's recent file
chmod 0700 "$work/runtime"
run=()
if [ "$(id -u)" = 0 ]; then
    chown 65534:65534 "$work/runtime"
    run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

# What runs on the virtual display: Wireshark in the background, driven with xdotool.
cat >"$work/session.sh" <<'EOF'
#!/usr/bin/env bash
set -u
work=$1 name=$2 profile_name=$3 form=${4%%=*} title=${4#*=}
shoot() { # WINDOW FILE: a screenshot of the window as it is on the screen
    local X Y WIDTH HEIGHT SCREEN WINDOW
    eval "$(xdotool getwindowgeometry --shell "$1")"
    import -window root -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" +repage "$2" 2>/dev/null
}
wait_window() { # PATTERN SECONDS: the id of the first window whose name matches
    local id
    for _ in $(seq 1 $(($2 * 2))); do
        id=$(xdotool search --name "$1" 2>/dev/null | head -1)
        if [ -n "$id" ]; then echo "$id"; return 0; fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.5
    done
    return 1
}
env ${WIRESHARK_PRELOAD:+LD_PRELOAD=$WIRESHARK_PRELOAD} \
    wireshark -o capture.no_interface_load:TRUE ${profile_name:+-C "$profile_name"} -r "$work/$name" \
    ${TCPCLOSE_GUI_FILTER:+-Y "$TCPCLOSE_GUI_FILTER"} \
    -z "$form" \
    >"$work/out/stdout" 2>"$work/out/stderr" &
pid=$!
if ! table=$(wait_window "$title" 90); then
    echo "the $title window did not appear" >"$work/out/problem"
else
    sleep 1
    if [ -n "${TCPCLOSE_GUI_SHOTS:-}" ]; then
        xdotool windowmove --sync "$table" 0 0 windowsize --sync "$table" 1500 300
        sleep 1
        shoot "$table" "$work/out/table.png"
    fi
    xdotool windowfocus --sync "$table" key Escape
    sleep 1
    if main=$(wait_window "^$name" 10); then
        if [ -n "${TCPCLOSE_GUI_SHOTS:-}" ]; then
            xdotool windowmove --sync "$main" 0 0 windowsize --sync "$main" 1500 1000
            sleep 2
            shoot "$main" "$work/out/packet-list.png"
        fi
        xdotool windowfocus --sync "$main" key ctrl+q
    fi
fi
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$pid" 2>/dev/null; then
    echo "Wireshark did not quit" >>"$work/out/problem"
    kill -TERM "$pid"; sleep 2; kill -KILL "$pid" 2>/dev/null
fi
wait "$pid"
echo $? >"$work/out/status"
EOF
chmod a+rx "$work/session.sh"

# An empty extcap folder: no extcap helper runs (they only slow the start, and hang under a preload).
environment=("PATH=$PATH" LC_ALL=C.UTF-8 "HOME=$work/home" "WIRESHARK_CONFIG_DIR=$work/config"
             "WIRESHARK_PLUGIN_DIR=$work/plugins" "WIRESHARK_EXTCAP_DIR=$work/extcap" "XDG_RUNTIME_DIR=$work/runtime"
             "TCPCLOSE_GUI_SHOTS=${TCPCLOSE_GUI_SHOTS:-}" "TCPCLOSE_GUI_FILTER=${TCPCLOSE_GUI_FILTER:-}")
if [ -n "${TCPCLOSE_PRELOAD:-}" ]; then # a sanitizer runtime, as in run-tshark.sh: for Wireshark only
    environment+=("WIRESHARK_PRELOAD=$TCPCLOSE_PRELOAD" "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1"
                  "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
fi

# Wireshark's Qt program has no -G (it prints its usage): tshark's list, in the same setting, stands
# for the library both load the plugin into.
"${run[@]}" env -i "${environment[@]}" ${TCPCLOSE_PRELOAD:+LD_PRELOAD=$TCPCLOSE_PRELOAD} tshark -G plugins |
    grep -q 'tcpclose\.so' || {
    echo "FAIL: tshark -G plugins does not list tcpclose.so ($plugin)" >&2
    exit 1
}

set +e
"${run[@]}" env -i "${environment[@]}" \
    timeout 180 xvfb-run -a -s "-screen 0 1600x1200x24" "$work/session.sh" "$work" "$name" "$profile_name" "$gui_table"
xvfb_status=$?
set -e

if [ -n "${TCPCLOSE_GUI_SHOTS:-}" ]; then
    mkdir -p "$TCPCLOSE_GUI_SHOTS"
    for shot in table packet-list; do
        [ -f "$work/out/$shot.png" ] && cp "$work/out/$shot.png" "$TCPCLOSE_GUI_SHOTS/$name.$shot.png"
    done
fi
failed=0
if [ "$xvfb_status" = 124 ]; then
    echo "FAIL: $name: the GUI session timed out (killed after 180 s)" >&2
    failed=1
fi
if [ -s "$work/out/problem" ]; then
    echo "FAIL: $name: $(tr '\n' ';' <"$work/out/problem")" >&2
    failed=1
fi
status=$(cat "$work/out/status" 2>/dev/null || echo none)
if [ "$status" != 0 ]; then
    echo "FAIL: $name: Wireshark exited with status $status (137: killed, 139: segmentation fault, 134: abort)" >&2
    failed=1
fi
if grep -E -i 'tcpclose|dissector bug|critical|\[[a-z]* error\]|segmentation|assert|sanitizer|runtime error' \
    "$work/out/stderr" >&2; then
    echo "FAIL: $name: the messages above on Wireshark's stderr" >&2
    failed=1
fi
if [ -n "$profile" ]; then
    # Wireshark writes the profile it ran in, and the packet list's columns, when it quits.
    if ! grep -qx "gui.last_used_profile: $profile_name" "$work/config/recent_common" 2>/dev/null; then
        echo "FAIL: $name: Wireshark did not run in the $profile_name profile" >&2
        failed=1
    fi
    # The profile ships a recent file of its own (column widths): Wireshark's must have replaced it.
    if ! grep -q '^# Recent settings file for Wireshark' "$work/config/profiles/$profile_name/recent" 2>/dev/null; then
        echo "FAIL: $name: Wireshark did not write the $profile_name profile's recent file" >&2
        failed=1
    fi
    columns=$(grep -o '%Cus:[^:"]*' "$profile/preferences" || true)
    if [ -z "$columns" ]; then
        echo "FAIL: $name: the $profile_name profile's preferences set no custom column" >&2
        failed=1
    fi
    for column in $columns; do
        if ! grep -q "\"$column\"" "$work/config/profiles/$profile_name/recent" 2>/dev/null; then
            echo "FAIL: $name: the packet list has no column $column (from the $profile_name profile)" >&2
            failed=1
        fi
    done
fi
if [ "$failed" != 0 ]; then
    echo "--- Wireshark's stderr:" >&2
    cat "$work/out/stderr" >&2
    exit 1
fi
echo "ok: $name: Wireshark loaded tcpclose${profile:+ in the $profile_name profile (its columns laid out)}," \
    "read the capture, drew ${gui_table#*=} and quit cleanly"
