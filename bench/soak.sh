#!/usr/bin/env bash
# The long run: 2,000 checks through the library against an in-process sandbox, with token
# refreshes along the way (the sandbox ends every access token every 100 checks; and as tokens
# live just past the session's 5-minute refresh margin, a run longer than a second also renews
# some before use), then 200 checks fired at the window's worker in quick succession. Linux
# only (it reads /proc).
#
#   bench/soak.sh                                   (builds the release example first)
#   bench/soak.sh --checks 10000 --burst 1000       (any of the example's options)
#   SOAK_BIN=path/to/soak bench/soak.sh             (runs that build instead)
#
# Prints the figures: resident memory signed in, after the warm-up (200 checks) and at the end,
# with its growth (goal: under 5 MB); open descriptors and tokio tasks before, during and after
# (goal: back to their starting counts, net of the client's keep-alive connections while it
# lives, exactly once it is dropped); token refreshes; checks per second; for the burst, the
# results the window could see (goal: only the last check's); and the peak resident memory from
# /usr/bin/time -v. Exits non-zero when a goal is missed. Needs time (apt-get install time).
# The CI runs the same soak, shorter, as tests/soak.rs.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(uname -s)" = "Linux" ] || {
    echo "bench: the soak reads /proc: Linux only" >&2
    exit 1
}
command -v /usr/bin/time >/dev/null || {
    echo "bench: /usr/bin/time is missing (apt-get install time)" >&2
    exit 1
}
if [ -z "${SOAK_BIN:-}" ]; then
    cargo build --release --locked --quiet --example soak
    SOAK_BIN="${CARGO_TARGET_DIR:-target}/release/examples/soak"
fi

times="$(mktemp)"
trap 'rm -f "$times"' EXIT
status=0
/usr/bin/time -v -o "$times" "$SOAK_BIN" "$@" || status=$?
awk -F': ' '/Maximum resident/ {printf "peak RSS of the whole run: %.1f MB\n", $2 / 1024}' "$times"
awk -F': ' '/Elapsed \(wall clock\)/ {print "wall time of the whole run: " $2}' "$times"
exit "$status"
