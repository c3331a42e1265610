#!/usr/bin/env bash
# Runs meetjoin's whole test suite with cargo-nextest (every test in its own process, so a crash
# is one failed test), then the doc tests.
#
# Some tests need a part of a real desktop. They are `#[ignore = "needs ..."]` in the code, so a
# plain `cargo test` reports them as ignored, and this script runs them only once it has set
# their part up; the reason must name the part ("a Secret Service", "a display", "a terminal"):
#   - the real OS keyring (tests/keyring.rs): a private D-Bus session with an unlocked,
#     throwaway gnome-keyring, checked to own org.freedesktop.secrets;
#   - a real window (tests/gui_window.rs): its own Xvfb with matchbox-window-manager, never the
#     user's display unless MEETJOIN_TEST_USE_DISPLAY=1 (then DISPLAY must be set);
#   - private desktops (tests/desktop.rs), which each test starts for itself whatever
#     MEETJOIN_TEST_USE_DISPLAY says: "Xvfb" (a screen of the test's size, matchbox, the X
#     tools), "Wayland" (weston, run inside such an Xvfb), "AT-SPI" (a private D-Bus session
#     with at-spi-bus-launcher, and a Python with pyatspi: Debian's python3-pyatspi is for
#     /usr/bin/python3, not a pyenv or venv one);
#   - a real terminal (tests/cli.rs, the password prompt): `script` from util-linux;
#   - the vendor's official Python SDK (tests/sdk.rs, the referee of the sandbox): a virtual
#     environment in target/sdk-venv with the versions pinned in tests/sdk/requirements.txt,
#     installed from PyPI the first time (and again when the pins change).
#
# A missing part is reported and its tests are counted as skipped; under CI=true it fails the
# run instead. The last line is `tests: N passed, M failed, K skipped`, where a test binary that
# fails to build or cannot list its tests counts as one failure.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$self")/.."

ci=false
[ "${CI:-}" = "true" ] && ci=true

say() { echo "test.sh: $*" >&2; }
die() {
    say "$*"
    exit 1
}

# `need TOOL WHAT`: true when TOOL is on PATH; otherwise fails the run under CI, or says that
# WHAT is skipped and returns false.
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    $ci && die "$1 is missing ($2); CI requires it (see .ci/run)"
    say "$1 not found: $2 skipped"
    return 1
}

# `not_ready WHAT WHY`: a part that could not be set up; fatal under CI.
not_ready() {
    $ci && die "$1: $2"
    say "$1: $2: skipped"
}

command -v cargo >/dev/null 2>&1 || die "cargo is missing: install a Rust toolchain (1.95 or newer)"
cargo nextest --version >/dev/null 2>&1 ||
    die "cargo-nextest is missing: cargo install --locked cargo-nextest"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# 1. A private Secret Service: re-run this script inside its own D-Bus session, with a fresh
#    keyring directory, then start and unlock gnome-keyring there.
keyring=false
if [ -z "${MEETJOIN_TEST_BUS:-}" ]; then
    if need dbus-run-session "the real-keyring tests" &&
        need gnome-keyring-daemon "the real-keyring tests" &&
        need dbus-send "the real-keyring tests" &&
        need dbus-daemon "the real-keyring tests (a private bus of their own)" &&
        need secret-tool "the real-keyring tests (libsecret-tools)"; then
        MEETJOIN_TEST_BUS=1 XDG_DATA_HOME="$(mktemp -d)" exec dbus-run-session -- "$self" "$@"
    fi
else
    # Our daemon, in the foreground so that $! is its pid; it lives as long as this script.
    # `--unlock` creates and unlocks a login keyring with the password read from stdin.
    keyring_log="$(mktemp)"
    printf 'meetjoin-test' |
        gnome-keyring-daemon --foreground --unlock --components=secrets >"$keyring_log" 2>&1 &
    daemon=$!
    pids+=("$daemon")
    # gnome-keyring-daemon --unlock returns before it owns org.freedesktop.secrets, and a call
    # in that gap auto-starts a second, locked daemon. Wait for the name, then check that its
    # owner is ours.
    bus() { # bus METHOD: org.freedesktop.DBus.METHOD("org.freedesktop.secrets"), last word
        dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            "org.freedesktop.DBus.$1" string:org.freedesktop.secrets 2>/dev/null |
            awk 'END { print $NF }'
    }
    owned=false
    for _ in $(seq 200); do # 10 s
        kill -0 "$daemon" 2>/dev/null || break
        if [ "$(bus NameHasOwner)" = "true" ]; then
            owned=true
            break
        fi
        sleep 0.05
    done
    owner="$($owned && bus GetConnectionUnixProcessID || true)"
    if ! $owned; then
        not_ready "the real keyring" "gnome-keyring-daemon did not take org.freedesktop.secrets \
within 10 s ($(tr '\n' ' ' <"$keyring_log"))"
    elif [ "$owner" != "$daemon" ]; then
        not_ready "the real keyring" "org.freedesktop.secrets is owned by pid $owner, \
not by the unlocked daemon (pid $daemon)"
    else
        keyring=true
        export MEETJOIN_TEST_KEYRING=1
    fi
    rm -f "$keyring_log"
fi

# 2. A display for the real-window test: our own Xvfb with a small window manager, so that no
#    test window, click or clipboard ever reaches the user's own display.
display=false
if [ "${MEETJOIN_TEST_USE_DISPLAY:-}" = "1" ]; then
    [ -n "${DISPLAY:-}" ] || die "MEETJOIN_TEST_USE_DISPLAY=1 but DISPLAY is not set"
    say "using the display $DISPLAY (MEETJOIN_TEST_USE_DISPLAY=1)"
    display=true
else
    unset DISPLAY WAYLAND_DISPLAY
    if need Xvfb "the real-window test" &&
        need matchbox-window-manager "the real-window test"; then
        # Xvfb picks a free display number and writes it to fd 3 once it accepts clients.
        number_file="$(mktemp)"
        Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$number_file" >/dev/null 2>&1 &
        pids+=($!)
        for _ in $(seq 100); do # 10 s
            [ -s "$number_file" ] && break
            sleep 0.1
        done
        number="$(tr -dc '0-9' <"$number_file")"
        rm -f "$number_file"
        if [ -n "$number" ]; then
            export DISPLAY=":$number"
            matchbox-window-manager -use_titlebar no >/dev/null 2>&1 &
            pids+=($!)
            display=true
        else
            not_ready "the real-window test" "Xvfb did not start within 10 s"
        fi
    fi
fi
if $display; then
    need xdotool "the real-window test" && need xclip "the real-window test" &&
        need xprop "the real-window test (x11-utils)" &&
        need import "the real-window test (ImageMagick)" || display=false
fi
$display && export MEETJOIN_TEST_DISPLAY=1

# 2b. Private desktops (tests/desktop.rs): every test there starts its own Xvfb, weston or
#     accessibility bus, and ends them; here only the tools are looked for.
xvfb=false
need Xvfb "the private-desktop tests" &&
    need matchbox-window-manager "the private-desktop tests" &&
    need xdotool "the private-desktop tests" && need xclip "the private-desktop tests" &&
    need xprop "the private-desktop tests (x11-utils)" &&
    need import "the private-desktop tests (ImageMagick)" && xvfb=true
wayland=false
need weston "the Wayland test" && wayland=true
atspi=false
if need dbus-daemon "the AT-SPI tests" && need dbus-send "the AT-SPI tests"; then
    launcher=""
    for candidate in /usr/libexec/at-spi-bus-launcher /usr/lib/at-spi2-core/at-spi-bus-launcher; do
        [ -x "$candidate" ] && launcher="$candidate" && break
    done
    python=""
    for candidate in /usr/bin/python3 python3; do
        if "$candidate" -c 'import pyatspi' >/dev/null 2>&1; then
            python="$(command -v "$candidate")"
            break
        fi
    done
    if [ -z "$launcher" ]; then
        not_ready "the AT-SPI tests" "at-spi-bus-launcher is missing (apt-get install at-spi2-core)"
    elif [ -z "$python" ]; then
        not_ready "the AT-SPI tests" "no python3 imports pyatspi (apt-get install python3-pyatspi)"
    else
        export MEETJOIN_TEST_ATSPI_LAUNCHER="$launcher" MEETJOIN_TEST_ATSPI_PYTHON="$python"
        atspi=true
    fi
fi

# 3. A real terminal for the password prompt.
terminal=false
need script "the terminal password-prompt test (util-linux)" && terminal=true

# 3b. xdg-utils for the join-link tests (a fake cloudlink:// handler in a temporary XDG dir).
xdg=false
need xdg-open "the join-link tests (xdg-utils)" && need xdg-mime "the join-link tests (xdg-utils)" && xdg=true

# 4. The official Python SDK, in its own virtual environment.
sdk=false
if need python3 "the official-SDK tests"; then
    venv=target/sdk-venv
    stamp="$venv/requirements.sha256"
    want="$(sha256sum tests/sdk/requirements.txt | cut -d' ' -f1)"
    if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        sdk=true
    else
        rm -rf "$venv"
        say "installing the official Python SDK into $venv (pinned in tests/sdk/requirements.txt)"
        if python3 -m venv "$venv" >/dev/null 2>&1 &&
            "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input \
                -r tests/sdk/requirements.txt; then
            echo "$want" >"$stamp"
            sdk=true
        else
            not_ready "the official-SDK tests" "could not install the SDK from PyPI into $venv"
        fi
    fi
    if $sdk; then
        MEETJOIN_SDK_PYTHON="$(pwd)/$venv/bin/python"
        export MEETJOIN_SDK_PYTHON
    fi
fi

# 5. The ignored tests, and what each needs, from the reason of its `#[ignore = "needs ..."]`:
#    "Secret Service" or "keyring" needs the keyring, "display" the display, "terminal" the
#    terminal, "xdg-utils" xdg-open and xdg-mime, "Python SDK" the SDK, "Xvfb" a private
#    desktop's tools, "Wayland" weston, "AT-SPI" the accessibility bus and pyatspi. A test
#    whose part is missing is left out (nextest counts it as skipped).
ignored_tests() { # prints FILE<TAB>TEST<TAB>REASON for each ignored test under src/ and tests/
    find src tests -name '*.rs' -print0 | sort -z | xargs -0 awk '
        {
            line = $0
            if (match(line, /#\[ignore[^]]*\]/)) {
                reason = substr(line, RSTART, RLENGTH)
                sub(/^#\[ignore[ \t]*=?[ \t]*"?/, "", reason)
                sub(/"?\]$/, "", reason)
                pending = 1
                line = substr(line, RSTART + RLENGTH)
            }
            if (pending && match(line, /(^|[^A-Za-z0-9_])fn[ \t]+[A-Za-z0-9_]+/)) {
                name = substr(line, RSTART, RLENGTH)
                sub(/^.*fn[ \t]+/, "", name)
                print FILENAME "\t" name "\t" reason
                pending = 0
            }
        }'
}
left_out=()
while IFS=$'\t' read -r file name reason; do
    lower="${reason,,}"
    known=false
    ready=true
    if [[ $lower == *"secret service"* || $lower == *keyring* ]]; then
        known=true
        $keyring || ready=false
    fi
    if [[ $lower == *display* ]]; then
        known=true
        $display || ready=false
    fi
    if [[ $lower == *terminal* ]]; then
        known=true
        $terminal || ready=false
    fi
    if [[ $lower == *xdg-utils* ]]; then
        known=true
        $xdg || ready=false
    fi
    if [[ $lower == *"python sdk"* ]]; then
        known=true
        $sdk || ready=false
    fi
    if [[ $lower == *xvfb* ]]; then
        known=true
        $xvfb || ready=false
    fi
    if [[ $lower == *wayland* ]]; then
        known=true
        $wayland || ready=false
    fi
    if [[ $lower == *at-spi* ]]; then
        known=true
        $atspi || ready=false
    fi
    if ! $known; then
        $ci && die "$file: $name is ignored for a reason test.sh does not know: \"$reason\""
        say "$file: $name is ignored for a reason test.sh does not know: skipped"
        ready=false
    fi
    $ready && continue
    case "$file" in
    tests/*) left_out+=("(binary_id(meetjoin::$(basename "$file" .rs)) & test(=$name))") ;;
    *) left_out+=("test(/(^|::)$name\$/)") ;;
    esac
done < <(ignored_tests)
filter=()
if [ "${#left_out[@]}" -gt 0 ]; then
    joined="$(printf ' | %s' "${left_out[@]}")"
    filter=(-E "not (${joined:3})")
fi

# 6. The tests. Every nextest run ends on `Summary [...] N tests run: A passed, B failed, ...`;
#    a run that ends otherwise (a build failure, a binary that cannot list its tests) is
#    retried one target at a time, and each target that still cannot run is one failure.
log="$(mktemp)"
passed=0
failed=0
skipped=0
broken=()

count() { # count WORDS...: sum of "<n> <words>" over the summary lines in the log
    local words="$1"
    { grep -E '^ *Summary \[' "$log" || true; } |
        grep -Eo "[0-9]+ ($words)" | awk '{ s += $1 } END { print s + 0 }'
}

nextest() { # nextest ARGS...: one run; true when it ended on a summary line
    : >"$log"
    cargo nextest run --locked --color never --no-fail-fast --run-ignored all "${filter[@]}" "$@" \
        2>&1 | tee "$log" || true
    grep -qE '^ *Summary \[' "$log" || return 1
    passed=$((passed + $(count passed)))
    failed=$((failed + $(count 'exec failed|failed|timed out')))
    skipped=$((skipped + $(count skipped)))
    return 0
}

if ! nextest --all-targets; then
    say "the test run did not finish; running each test target alone to find the broken ones"
    targets=(--lib --bins)
    for file in tests/*.rs; do
        name="$(basename "$file" .rs)"
        targets+=("--test=$name")
    done
    for target in "${targets[@]}"; do
        if ! nextest "$target" --no-tests=pass; then
            broken+=("$target")
            failed=$((failed + 1))
        fi
    done
fi

# Doc tests: nextest does not run them.
: >"$log"
cargo test --locked --doc 2>&1 | tee "$log" || true
if grep -qE '^test result: ' "$log"; then
    sum() { grep -Eo "[0-9]+ $1;" "$log" | awk '{ s += $1 } END { print s + 0 }'; }
    passed=$((passed + $(sum passed)))
    failed=$((failed + $(sum failed)))
    skipped=$((skipped + $(sum ignored)))
else
    broken+=("--doc")
    failed=$((failed + 1))
fi
rm -f "$log"

for target in "${broken[@]}"; do
    say "$target did not build or could not list its tests: counted as one failure"
done
$keyring || say "skipped: the real-keyring tests (no Secret Service)"
$display || say "skipped: the real-window test (no display)"
$terminal || say "skipped: the terminal test (no script)"
$sdk || say "skipped: the official-SDK tests (no Python SDK)"
$xvfb || say "skipped: the private-desktop tests (no Xvfb or X tools)"
$wayland || say "skipped: the Wayland test (no weston)"
$atspi || say "skipped: the AT-SPI tests (no accessibility bus or pyatspi)"
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" -eq 0 ]
