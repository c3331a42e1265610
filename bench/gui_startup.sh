#!/usr/bin/env bash
# The window's startup time, memory and idle CPU: meetjoin (`gui --sandbox`) beside
# examples/baseline_window.rs (an eframe window with one label, the same glow renderer and
# size), release builds, in the same run.
#
#   bench/gui_startup.sh              (builds both first; RUNS=10 launches each, IDLE_SECS=10)
#
# Without DISPLAY it starts its own Xvfb (1280x800x24) with matchbox-window-manager on a free
# display. Needs xdotool and xclip. Measures:
#   (a) launch -> first frame: the launcher passes MEETJOIN_BENCH_T0 (Unix time in ns, taken
#       just before exec) and both programs print `first_frame_ms=` (now - T0) on their first
#       frame, so exec and dynamic loading count. Median of RUNS launches each, alternating,
#       after one warm-up launch each that is not counted.
#   (b) VmRSS of meetjoin after signing in and checking 914047175 (driven with xdotool), of the
#       baseline 2 s after its first frame.
#   (c) CPU over IDLE_SECS from /proc/PID/stat (utime + stime): meetjoin with nothing focused
#       (after Escape) and with the meeting field focused; the baseline idle, and the baseline
#       with a focused text field (egui's default blinking cursor) as the reference.
# Goals: first frame < 200 ms; RSS within 25 MB of the baseline; idle CPU 0 with nothing
# focused, < 2% of a core with a text field focused.
#
# The functions (gb_*) are also used by assets/screenshots/take.sh: sourcing this file defines
# them without running the benchmark.
set -euo pipefail
shopt -s inherit_errexit

GB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GB_TARGET="${CARGO_TARGET_DIR:-$GB_ROOT/target}"
case "$GB_TARGET" in /*) ;; *) GB_TARGET="$GB_ROOT/$GB_TARGET" ;; esac
GB_MEETJOIN="$GB_TARGET/release/meetjoin"
GB_BASELINE="$GB_TARGET/release/examples/baseline_window"
GB_STEP_DEADLINE=20 # seconds any one wait may take
gb_pids=()
gb_work=""

gb_need() { # gb_need TOOL WHY
    command -v "$1" >/dev/null 2>&1 || {
        echo "${0##*/}: $1 is missing ($2)" >&2
        exit 1
    }
}

# Ends everything this script started: TERM first (Xvfb then removes its lock file), KILL after 2 s.
gb_cleanup() {
    local pid left
    for pid in "${gb_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 20); do
        left=0
        for pid in "${gb_pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
        [ "$left" = 0 ] && break
        sleep 0.1
    done
    for pid in "${gb_pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in "${gb_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -n "$gb_work" ] && rm -rf "$gb_work"
    return 0
}

# Sets up the work directory, the cleanup, and a display (its own Xvfb if DISPLAY is unset).
gb_setup() {
    gb_need xdotool "apt-get install xdotool"
    gb_need xclip "apt-get install xclip"
    gb_need import "apt-get install imagemagick"
    gb_work="$(mktemp -d)"
    trap gb_cleanup EXIT
    trap 'exit 130' INT TERM
    unset WAYLAND_DISPLAY
    if [ -z "${DISPLAY:-}" ]; then
        gb_need Xvfb "apt-get install xvfb"
        gb_need matchbox-window-manager "apt-get install matchbox-window-manager"
        local n display=""
        for n in $(seq 100 199); do
            if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then
                display=":$n"
                break
            fi
        done
        [ -n "$display" ] || { echo "${0##*/}: no free X display" >&2; exit 1; }
        Xvfb "$display" -screen 0 "${GB_SCREEN:-1280x800x24}" -nolisten tcp >/dev/null 2>&1 &
        gb_pids+=($!)
        for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.05; done
        export DISPLAY="$display"
        matchbox-window-manager -use_titlebar no >/dev/null 2>&1 &
        gb_pids+=($!)
        for _ in $(seq 100); do
            xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q 'window id' && break
            sleep 0.05
        done
        GB_OWN_DISPLAY=1
    fi
}

gb_build() {
    (cd "$GB_ROOT" && cargo build --release --locked --quiet --features bench --bin meetjoin --example baseline_window)
}

# gb_launch PROGRAM ARGS...: starts it with a fresh HOME and XDG directories, English, the
# first-frame report on, MEETJOIN_BENCH_T0 taken just before exec. Sets gb_pid and gb_err.
# GB_LANG overrides the language; GB_SEED_RON, when set, is written as eframe's saved state.
# GB_ENV holds extra NAME=VALUE words for the environment.
gb_launch() {
    local home
    home="$(mktemp -d "$gb_work/home.XXXXXX")"
    mkdir -p "$home/data/meetjoin" "$home/config" "$home/cache"
    mkdir -m 700 "$home/runtime" # its own single-window socket: never another launch's
    if [ -n "${GB_SEED_RON:-}" ]; then printf '%s\n' "$GB_SEED_RON" >"$home/data/meetjoin/app.ron"; fi
    gb_err="$home/stderr"
    (
        cd "$home"
        unset LC_ALL LC_MESSAGES LANGUAGE
        export HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
            XDG_CACHE_HOME="$home/cache" XDG_RUNTIME_DIR="$home/runtime" \
            LANG="${GB_LANG:-en_US.UTF-8}" \
            MEETJOIN_BENCH_FIRST_FRAME=1
        local word
        for word in ${GB_ENV:-}; do export "${word?}"; done
        t0="${EPOCHREALTIME//[!0-9]/}"
        MEETJOIN_BENCH_T0="${t0}000" exec "$@"
    ) >/dev/null 2>"$gb_err" &
    gb_pid=$!
    gb_pids+=("$gb_pid")
}

# gb_first_frame: waits for the launched program's first frame; prints its first_frame_ms.
gb_first_frame() {
    local deadline=$((SECONDS + GB_STEP_DEADLINE)) ms
    while :; do
        ms="$(grep -o -m1 'first_frame_ms=[0-9]*' "$gb_err" 2>/dev/null | cut -d= -f2 || true)"
        [ -n "$ms" ] && { echo "$ms"; return 0; }
        if ! kill -0 "$gb_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
            echo "${0##*/}: no first frame from pid $gb_pid; its stderr:" >&2
            cat "$gb_err" >&2
            return 1
        fi
        sleep 0.02
    done
}

# gb_window: the launched program's visible window id.
gb_window() {
    local id
    id="$(timeout "$GB_STEP_DEADLINE" xdotool search --sync --onlyvisible --pid "$gb_pid" 2>/dev/null | head -n1 || true)"
    [ -n "$id" ] || { echo "${0##*/}: no window for pid $gb_pid" >&2; return 1; }
    echo "$id"
}

# gb_stop: ends the launched program.
gb_stop() {
    kill -KILL "$gb_pid" 2>/dev/null || true
    wait "$gb_pid" 2>/dev/null || true
}

# gb_key KEY...: presses each key in turn, one frame apart (egui takes one focus move a frame).
gb_key() {
    local key
    for key in "$@"; do
        timeout 5 xdotool key --clearmodifiers "$key"
        sleep 0.25
    done
}

# gb_sign_in WINDOW: focuses the window and signs in with the demo account: Check before
# sign-in opens the sign-in dialog (pre-filled), Enter signs in and the check runs; the meeting
# field is emptied again for gb_check.
gb_sign_in() {
    timeout 5 xdotool windowactivate --sync "$1" || timeout 5 xdotool windowfocus --sync "$1"
    sleep 0.3
    timeout 10 xdotool type --delay 30 914047175
    sleep 0.3
    gb_key Return
    sleep 0.8
    gb_key Return
    sleep 1.5
    gb_key ctrl+a BackSpace
}

# gb_check MEETING: types the meeting ID into the focused meeting field and presses Enter.
gb_check() {
    timeout 10 xdotool type --delay 30 "$1"
    sleep 0.3
    gb_key Return
    sleep 1.5
}

# gb_copied_random: Ctrl+Shift+C, then prints the clipboard if it is a 15-digit auth random
# (fails otherwise): proof that the sign-in and the check worked.
gb_copied_random() {
    local holder text="" deadline=$((SECONDS + 5))
    printf 'gb-marker' | xclip -quiet -selection clipboard -i >/dev/null 2>&1 &
    holder=$!
    gb_pids+=("$holder")
    sleep 0.3
    gb_key ctrl+shift+c
    while [ "$SECONDS" -le "$deadline" ]; do
        text="$(timeout 2 xclip -o -selection clipboard 2>/dev/null || true)"
        [[ "$text" =~ ^[0-9]{15}$ ]] && break
        sleep 0.1
    done
    kill "$holder" 2>/dev/null || true
    [[ "$text" =~ ^[0-9]{15}$ ]] || {
        echo "${0##*/}: after sign-in and check, Ctrl+Shift+C copied '${text}', not a random" >&2
        return 1
    }
    echo "$text"
}

# gb_rss_mb PID: resident memory in MB.
gb_rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# gb_cpu_ticks PID: user + system CPU time of all its threads, in clock ticks.
gb_cpu_ticks() {
    local line
    read -r line <"/proc/$1/stat"
    # shellcheck disable=SC2086 # split the fields after "(comm) "
    set -- ${line##*) }
    echo $((${12} + ${13}))
}

# gb_idle_cpu PID SECONDS: CPU use over SECONDS, in % of one core (one decimal).
gb_idle_cpu() {
    local before after
    before="$(gb_cpu_ticks "$1")"
    sleep "$2"
    after="$(gb_cpu_ticks "$1")"
    awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v s="$2" \
        'BEGIN { printf "%.1f", t * 100 / (hz * s) }'
}

# gb_median: the median of the numbers on standard input.
gb_median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

gb_main() {
    local runs="${RUNS:-10}" idle="${IDLE_SECS:-10}"
    gb_setup
    echo "building release binaries…" >&2
    gb_build

    # (a) launch -> first frame.
    local ff_app=() ff_base=() i
    local ms
    gb_launch "$GB_MEETJOIN" gui --sandbox # warm-up launches, not counted
    gb_first_frame >/dev/null
    gb_stop
    gb_launch "$GB_BASELINE"
    gb_first_frame >/dev/null
    gb_stop
    for i in $(seq "$runs"); do
        sleep 0.2
        gb_launch "$GB_MEETJOIN" gui --sandbox
        ms="$(gb_first_frame)"
        ff_app+=("$ms")
        gb_stop
        sleep 0.2
        gb_launch "$GB_BASELINE"
        ms="$(gb_first_frame)"
        ff_base+=("$ms")
        gb_stop
        echo "launch $i: meetjoin ${ff_app[-1]} ms, baseline ${ff_base[-1]} ms" >&2
    done
    local med_app med_base
    med_app="$(printf '%s\n' "${ff_app[@]}" | gb_median)"
    med_base="$(printf '%s\n' "${ff_base[@]}" | gb_median)"

    # (b), (c): meetjoin signed in, after a check.
    local win rss_app_start rss_app cpu_app_focus cpu_app_idle focus_seen
    gb_launch "$GB_MEETJOIN" gui --sandbox
    gb_first_frame >/dev/null
    win="$(gb_window)"
    sleep 2
    rss_app_start="$(gb_rss_mb "$gb_pid")"
    gb_sign_in "$win"
    gb_check 914047175
    gb_copied_random >/dev/null
    sleep 3.5 # the "Copied" toast goes away
    rss_app="$(gb_rss_mb "$gb_pid")"
    echo "meetjoin: idle ${idle} s with the meeting field focused…" >&2
    timeout 5 xdotool mousemove 1270 790
    sleep 0.5
    import -window "$win" "$gb_work/focused.png"
    cpu_app_focus="$(gb_idle_cpu "$gb_pid" "$idle")"
    gb_key Escape
    sleep 0.5
    import -window "$win" "$gb_work/unfocused.png"
    # Escape takes the focus from the field, which redraws it: the shots differ.
    focus_seen="$(compare -metric AE "$gb_work/focused.png" "$gb_work/unfocused.png" null: 2>&1 || true)"
    echo "meetjoin: idle ${idle} s with nothing focused…" >&2
    cpu_app_idle="$(gb_idle_cpu "$gb_pid" "$idle")"
    gb_stop

    # The baseline, and the baseline with a blinking cursor.
    local rss_base cpu_base_idle cpu_base_blink
    gb_launch "$GB_BASELINE"
    gb_first_frame >/dev/null
    gb_window >/dev/null
    sleep 2
    rss_base="$(gb_rss_mb "$gb_pid")"
    echo "baseline: idle ${idle} s…" >&2
    cpu_base_idle="$(gb_idle_cpu "$gb_pid" "$idle")"
    gb_stop
    GB_ENV="MEETJOIN_BENCH_TEXT_FIELD=1" gb_launch "$GB_BASELINE"
    gb_first_frame >/dev/null
    win="$(gb_window)"
    timeout 5 xdotool windowactivate --sync "$win" || true
    sleep 1
    echo "baseline: idle ${idle} s with a blinking cursor…" >&2
    cpu_base_blink="$(gb_idle_cpu "$gb_pid" "$idle")"
    gb_stop

    # The table.
    local verdict_ff verdict_rss verdict_idle verdict_focus delta
    verdict_ff="$(awk -v m="$med_app" 'BEGIN { print (m < 200) ? "PASS" : "FAIL" }')"
    delta="$(awk -v a="$rss_app" -v b="$rss_base" 'BEGIN { printf "%+.1f", a - b }')"
    verdict_rss="$(awk -v d="$delta" 'BEGIN { print (d <= 25) ? "PASS" : "FAIL" }')"
    verdict_idle="$(awk -v c="$cpu_app_idle" 'BEGIN { print (c == 0) ? "PASS" : "FAIL" }')"
    verdict_focus="$(awk -v c="$cpu_app_focus" 'BEGIN { print (c < 2) ? "PASS" : "FAIL" }')"
    local renderer
    renderer="$(glxinfo -B 2>/dev/null | sed -n 's/^OpenGL renderer string: //p' || true)"
    renderer="${renderer:-GL renderer unknown (glxinfo, from mesa-utils, is not installed)}"
    echo
    echo "meetjoin window benchmark: release builds, glow; DISPLAY=$DISPLAY${GB_OWN_DISPLAY:+ (own Xvfb ${GB_SCREEN:-1280x800x24} + matchbox)}; ${renderer}; $(nproc) CPUs"
    printf '%-44s %-14s %-14s %-24s %s\n' "" "meetjoin" "baseline" "goal" "verdict"
    printf '%-44s %-14s %-14s %-24s %s\n' "launch -> first frame, median of $runs (ms)" \
        "$med_app" "$med_base" "< 200 ms" "$verdict_ff"
    printf '  all launches (ms): meetjoin %s\n' "${ff_app[*]}"
    printf '                     baseline %s\n' "${ff_base[*]}"
    printf '%-44s %-14s %s\n' "VmRSS, first frame + 2 s (MB)" "$rss_app_start" "$rss_base"
    printf '%-44s %-14s %-14s %-24s %s\n' "VmRSS, meetjoin signed in + checked (MB)" \
        "$rss_app" "$rss_base" "within 25 MB ($delta)" "$verdict_rss"
    printf '%-44s %-14s %-14s %-24s %s\n' "CPU idle ${idle} s, nothing focused (% core)" \
        "$cpu_app_idle" "$cpu_base_idle" "0" "$verdict_idle"
    printf '%-44s %-14s %-14s %-24s %s\n' "CPU idle ${idle} s, text field focused (% core)" \
        "$cpu_app_focus" "$cpu_base_blink" "< 2" "$verdict_focus"
    echo "  meetjoin's text cursor does not blink; the baseline's field uses egui's default blink."
    echo "  focus check: Escape changed ${focus_seen} pixels of meetjoin's window (0 would mean the field was not focused)."
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    gb_main "$@"
fi
