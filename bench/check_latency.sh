#!/usr/bin/env bash
# Click-to-result of a meeting check over a slow link, cold and warmed, in the same run: the
# sandbox's TLS mode in-process behind a loopback proxy that adds 50 ms each way (a 100 ms
# round trip; the proxy also charges the TCP handshake's round trip, which loopback skips).
#
#   bench/check_latency.sh                        (builds the release example first)
#   bench/check_latency.sh --runs 30 --delay-ms 25  (any of the example's options)
#   CHECK_LATENCY_BIN=path/to/check_latency bench/check_latency.sh  (runs that build instead)
#
# Prints, for RUNS runs each (median, min, max): the server time (a warmed check without the
# proxy); a cold check (a new worker, so a new connection: TCP, TLS, request); the warm-up
# itself; a warmed check through the window's worker (warm-up finished, then Check); and a
# warmed check through the window itself (egui_kittest, headless: the meeting ID typed, the
# window warms by itself, Check clicked, until the frame showing the result). Each is also
# given in round trips beyond the server time. Goals: warmed at most 1.3 round trips plus the
# server time; cold about 3. Exits non-zero when the warmed goal is missed.
# See examples/check_latency.rs for what exactly is timed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CHECK_LATENCY_BIN:-}" ]; then
    cargo build --release --locked --quiet --example check_latency --features gui,sandbox
    CHECK_LATENCY_BIN="${CARGO_TARGET_DIR:-target}/release/examples/check_latency"
fi
exec "$CHECK_LATENCY_BIN" "$@"
