#!/usr/bin/env bash
# Runs meetjoin's whole test suite: unit and integration tests, the window under egui_kittest,
# the real OS keyring (a private D-Bus session with gnome-keyring) and the real window (Xvfb).
#
# Without gnome-keyring or Xvfb the tests that need them say so and skip, except when CI=true:
# then a missing part fails the run. The last line counts the tests that ran.
set -euo pipefail
cd "$(dirname "$0")/.."

ci=false
[ "${CI:-}" = "true" ] && ci=true

need() { # need TOOL WHAT: fail under CI, warn otherwise
    if ! command -v "$1" >/dev/null 2>&1; then
        if $ci; then
            echo "test.sh: $1 is missing ($2); CI requires it" >&2
            exit 1
        fi
        echo "test.sh: $1 not found: $2 will be skipped" >&2
        return 1
    fi
}

# 1. A private Secret Service: re-run this script inside dbus-run-session with a fresh keyring.
if [ -z "${MEETJOIN_TEST_BUS:-}" ]; then
    if need dbus-run-session "the real keyring tests" && need gnome-keyring-daemon "the real keyring tests"; then
        MEETJOIN_TEST_BUS=1 XDG_DATA_HOME="$(mktemp -d)" exec dbus-run-session -- "$0" "$@"
    fi
else
    # Unlock a new login keyring with a throwaway password; the daemon lives as long as the bus.
    if printf 'meetjoin-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; then
        export MEETJOIN_TEST_KEYRING=1
    elif $ci; then
        echo "test.sh: gnome-keyring-daemon did not start" >&2
        exit 1
    fi
fi

# 2. A display for the real-window test: Xvfb with a small window manager.
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
if [ -z "${DISPLAY:-}" ]; then
    if need Xvfb "the real-window test" && need matchbox-window-manager "the real-window test"; then
        display=""
        for n in $(seq 90 140); do
            if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then display=":$n"; break; fi
        done
        Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
        pids+=($!)
        for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
        export DISPLAY="$display"
        matchbox-window-manager -use_titlebar no >/dev/null 2>&1 &
        pids+=($!)
    fi
fi
if [ -n "${DISPLAY:-}" ]; then
    need xdotool "the real-window test" && need xclip "the real-window test" &&
        need import "the real-window test (ImageMagick)" && export MEETJOIN_TEST_DISPLAY=1 || true
fi

# 3. The tests. Doc tests first, so that the summary below is the last word.
log="$(mktemp)"
status=0
cargo test --locked --doc 2>&1 | tee "$log" || status=1
cargo test --locked --all-targets --no-fail-fast 2>&1 | tee -a "$log" || status=1

passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
rm -f "$log"
[ "$failed" -gt 0 ] && status=1
echo "tests: ${passed} passed, ${failed} failed"
exit "$status"
