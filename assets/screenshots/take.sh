#!/usr/bin/env bash
# Regenerates the README screenshots from the real window: the release build of
# `meetjoin gui --sandbox` on its own Xvfb (so every shot has the same size) with
# matchbox-window-manager, driven with xdotool exactly as bench/gui_startup.sh drives it.
#
#   assets/screenshots/take.sh
#
# Writes, beside this script:
#   result-en-light.png   English, light theme: the result card of 914047175
#   result-zh-dark.png    Chinese, dark theme: the same
#   sign-in-en-dark.png   the sign-in dialog (sandbox: pre-filled with the demo account)
#   error-en-dark.png     987654321 without its password: the error card, Details open
# Needs Xvfb, matchbox-window-manager, xdotool, xclip and ImageMagick.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

unset DISPLAY
export GB_SCREEN="${SCREEN:-760x960x24}"
# shellcheck source=bench/gui_startup.sh
source "$here/../../bench/gui_startup.sh"
gb_setup
echo "building the release binary…" >&2
gb_build

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

# launch LANG THEME: starts the window; sets win to its id.
launch() {
    GB_LANG="$1" GB_SEED_RON="$(seed "$2")" gb_launch "$GB_MEETJOIN" gui --sandbox
    gb_first_frame >/dev/null
    win="$(gb_window)"
}

# A result card: sign in, check 914047175, make sure it worked (Ctrl+Shift+C copies the random).
result() { # result LANG THEME NAME
    launch "$1" "$2"
    gb_sign_in "$win"
    gb_check 914047175
    gb_key Escape # the meeting field gives up the focus: no text cursor in the picture
    gb_copied_random >/dev/null
    sleep 3.2 # the "Copied" toast goes away
    shoot "$win" "$3"
    gb_stop
}

result en_US.UTF-8 Light result-en-light
result zh_CN.UTF-8 Dark result-zh-dark

# The sign-in dialog.
launch en_US.UTF-8 Dark
timeout 5 xdotool windowactivate --sync "$win"
sleep 0.3
gb_key shift+Tab Return
sleep 1
shoot "$win" sign-in-en-dark
gb_stop

# An error with its Details open: the password field takes the focus; four Tabs reach Details.
launch en_US.UTF-8 Dark
gb_sign_in "$win"
sleep 2 # the "Signed in" toast goes away
gb_check 987654321
gb_key Tab Tab Tab Tab space
sleep 0.5
shoot "$win" error-en-dark
gb_stop
