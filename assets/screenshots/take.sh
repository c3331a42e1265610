#!/usr/bin/env bash
# Regenerates the README screenshots from the real window: `meetjoin gui --sandbox` on its own
# Xvfb with matchbox-window-manager (which gives the window the whole screen, so the screen's
# size is the window's), driven with xdotool exactly as bench/gui_startup.sh drives it.
#
#   assets/screenshots/take.sh             # release build (as shipped)
#   SHOTS_PROFILE=debug assets/screenshots/take.sh   # debug build: same pixels, faster to build
#
# Writes, beside this script, at the window's minimum 480x640 and at 1280x800:
#   result-SIZE-LANG-THEME.png  meeting 900000004 ("张喆与王璐的设计周会": rarer characters of
#                               Chinese names), checked: the result card, in English and
#                               Chinese (en, zh), light and dark
#   lockout-SIZE-LANG-THEME.png 987654321 after six wrong passwords: the live countdown
#                               (480x640 English light, 1280x800 Chinese dark)
#   sign-in-en-dark.png         the sign-in dialog (480x640; Check before sign-in opens it)
#   waiting-en-dark.png         900000002: waiting for the host, "Wait here" and "Check again
#                               with the waiting page"
#   today-1280x800-LANG-light.png  the Today list of the sandbox's seeded meetings (en, zh)
# Needs Xvfb, matchbox-window-manager, xdotool, xclip and ImageMagick.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ -z "${SHOTS_SIZE:-}" ]; then
    if [ "${SHOTS_PROFILE:-release}" = debug ]; then
        echo "building the debug binary…" >&2
        (cd "$root" && cargo build --locked --quiet --features bench --bin meetjoin)
        export SHOTS_BINARY="${CARGO_TARGET_DIR:-$root/target}/debug/meetjoin"
    else
        echo "building the release binary…" >&2
        (cd "$root" && cargo build --release --locked --quiet --features bench --bin meetjoin)
        export SHOTS_BINARY="${CARGO_TARGET_DIR:-$root/target}/release/meetjoin"
    fi
    for size in 480x640 1280x800; do
        SHOTS_SIZE="$size" "$0"
    done
    exit 0
fi

unset DISPLAY
export GB_SCREEN="${SHOTS_SIZE}x24"
# shellcheck source=bench/gui_startup.sh
source "$root/bench/gui_startup.sh"
gb_setup
app="${SHOTS_BINARY:-$GB_MEETJOIN}"

# eframe's saved state: only the theme; everything else stays at its default.
seed() { printf '{\n    "meetjoin.gui": "(settings:(theme:%s))",\n}' "$1"; }

# shoot WINDOW NAME: the window's pixels, without metadata, as NAME.png here.
shoot() {
    timeout 5 xdotool mousemove "$(xdotool getdisplaygeometry | cut -d' ' -f1)" 0 || true
    sleep 0.4
    import -window "$1" -strip "$gb_work/shot.png"
    convert "$gb_work/shot.png" -strip -define png:compression-level=9 "$here/$2.png"
    echo "$2.png: $(identify -format '%wx%h' "$here/$2.png"), $(($(stat -c %s "$here/$2.png") / 1024)) KB" >&2
}

# launch LANG THEME: starts the window; sets win to its id and gives it the keyboard.
launch() {
    GB_LANG="$1" GB_SEED_RON="$(seed "$2")" gb_launch "$app" gui --sandbox
    gb_first_frame >/dev/null
    win="$(gb_window)"
    timeout 5 xdotool windowactivate --sync "$win" || timeout 5 xdotool windowfocus --sync "$win"
    sleep 0.3
}

# first_check MEETING: Check before sign-in: the sign-in dialog opens pre-filled with the demo
# account, Enter signs in, and the check runs.
first_check() {
    timeout 10 xdotool type --delay 30 "$1"
    sleep 0.3
    gb_key Return
    sleep 0.8
    gb_key Return
    sleep 2
}

lang_code() { case "$1" in zh_*) echo zh ;; *) echo en ;; esac; }
theme_code() { echo "$1" | tr '[:upper:]' '[:lower:]'; }

# result LANG THEME: the result card of 900000004.
result() {
    launch "$1" "$2"
    first_check 900000004
    gb_key Escape # the meeting field gives up the focus: no text cursor in the picture
    gb_copied_random >/dev/null
    sleep 3.2 # "Copied ✓" and the toast go away
    shoot "$win" "result-$SHOTS_SIZE-$(lang_code "$1")-$(theme_code "$2")"
    gb_stop
}

# lockout LANG THEME: six wrong passwords for 987654321, then the countdown.
lockout() {
    launch "$1" "$2"
    first_check 987654321 # no password: "password required", the password field has the focus
    local n
    for n in 1 2 3 4 5 6; do
        # After a wrong password it stays focused and selected: typing replaces it.
        timeout 10 xdotool type --delay 30 "00000$n"
        gb_key Return
        sleep 1
    done
    sleep 1.5
    shoot "$win" "lockout-$SHOTS_SIZE-$(lang_code "$1")-$(theme_code "$2")"
    gb_stop
}

for lang in en_US.UTF-8 zh_CN.UTF-8; do
    for theme in Light Dark; do
        result "$lang" "$theme"
    done
done

if [ "$SHOTS_SIZE" = 480x640 ]; then
    lockout en_US.UTF-8 Light

    # The sign-in dialog: Check before sign-in opens it.
    launch en_US.UTF-8 Dark
    timeout 10 xdotool type --delay 30 914047175
    gb_key Return
    sleep 1
    shoot "$win" sign-in-en-dark
    gb_stop

    # Waiting for the host.
    launch en_US.UTF-8 Dark
    first_check 900000002
    gb_key Escape
    sleep 2.5 # the "Signed in" toast goes away
    shoot "$win" waiting-en-dark
    gb_stop
else
    lockout zh_CN.UTF-8 Dark

    # Today's meetings: the sandbox's seeded ones, below the result.
    for lang in en_US.UTF-8 zh_CN.UTF-8; do
        launch "$lang" Light
        first_check 900000004
        gb_key Escape
        sleep 3.2 # the "Signed in" message goes away
        timeout 5 xdotool mousemove --window "$win" 640 500
        for _ in 1 2 3 4 5 6; do timeout 5 xdotool click 5; done
        sleep 0.5
        shoot "$win" "today-$SHOTS_SIZE-$(lang_code "$lang")-light"
        gb_stop
    done
fi
