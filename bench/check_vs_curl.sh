#!/usr/bin/env bash
# meetjoin check against curl making the same request, all on the local sandbox over loopback:
# meetjoin with its token in MEETJOIN_TOKEN, and meetjoin with its sign-in in a real OS keyring
# (a private D-Bus session with gnome-keyring, set up here as scripts/test.sh does).
#
#   bench/check_vs_curl.sh                              (builds the release binary first)
#   MEETJOIN_BIN=path/to/meetjoin bench/check_vs_curl.sh  (times that binary instead)
#
# Prints hyperfine's table, the three medians, their ratios to curl (goals: MEETJOIN_TOKEN
# within 1.3x, keyring within 1.5x) and meetjoin's peak resident memory from /usr/bin/time -v
# (goal: under 20 MB). Needs hyperfine, curl, time, python3, dbus-run-session, dbus-send and
# gnome-keyring-daemon (apt-get install hyperfine curl time dbus dbus-bin gnome-keyring).
set -euo pipefail
cd "$(dirname "$0")/.."

# 1. The binary, built before entering the private bus.
if [ -z "${MEETJOIN_BENCH_BUS:-}" ]; then
    for tool in hyperfine curl /usr/bin/time python3 dbus-run-session dbus-send gnome-keyring-daemon; do
        command -v "$tool" >/dev/null || {
            echo "bench: $tool is missing (apt-get install hyperfine curl time dbus dbus-bin gnome-keyring)" >&2
            exit 1
        }
    done
    if [ -z "${MEETJOIN_BIN:-}" ]; then
        cargo build --release --locked --quiet
        MEETJOIN_BIN="${CARGO_TARGET_DIR:-target}/release/meetjoin"
    fi
    MEETJOIN_BIN="$(realpath "$MEETJOIN_BIN")"
    # 2. A private session bus with a new keyring of its own: the user's keyring is never touched.
    data="$(mktemp -d)"
    MEETJOIN_BENCH_BUS=1 MEETJOIN_BENCH_DATA="$data" MEETJOIN_BIN="$MEETJOIN_BIN" XDG_DATA_HOME="$data" \
        dbus-run-session -- "$0" "$@" && status=0 || status=$?
    rm -rf "$data"
    exit "$status"
fi
bin="$MEETJOIN_BIN"
tmp="${TMPDIR:-/tmp}"
pids=()
files=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -f "${files[@]}"
}
trap cleanup EXIT

# Unlock a new login keyring with a throwaway password, then wait until the daemon owns
# org.freedesktop.secrets: --unlock returns before that, and a call in the gap would start a
# second, locked daemon. The default collection must then read as unlocked.
printf 'meetjoin-bench' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
bus_call() { dbus-send --session --print-reply=literal "$@" 2>/dev/null; }
owned=false
for _ in $(seq 100); do
    if bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
        string:org.freedesktop.secrets | grep -q true; then
        owned=true
        break
    fi
    sleep 0.05
done
$owned || { echo "bench: gnome-keyring-daemon did not take org.freedesktop.secrets" >&2; exit 1; }
bus_call --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
    org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked |
    grep -q false || { echo "bench: the private keyring is locked" >&2; exit 1; }

# 3. The sandbox, without its rate limit (hyperfine makes more than 100 calls a minute).
urlfile="$(mktemp)"
files+=("$urlfile")
"$bin" sandbox --port 0 --rate-limit 0 >"$urlfile" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do [ -s "$urlfile" ] && break; sleep 0.1; done
url="$(head -n1 "$urlfile")"
export MEETJOIN_SERVER="$url" MEETJOIN_MEETING_PASSWORD="" MEETJOIN_KEYRING_SERVICE="meetjoin-bench"

# The keyring contender signs in once, as a user would; the session is kept in the keyring.
printf 'Sandbox-2026\n' | "$bin" login --account demo@meetjoin.test --password-stdin >/dev/null

# One demo token for curl and the MEETJOIN_TOKEN contender, passed through the environment
# (never on a command line).
token="$(curl -sS -X POST "$url/v1/usg/acs/auth/account" \
    -H "Authorization: Basic $(printf 'demo@meetjoin.test:Sandbox-2026' | base64)" \
    -H 'Content-Type: application/json;charset=UTF-8' \
    -d '{"account":"demo@meetjoin.test","clientType":72}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')"
export MEETJOIN_TOKEN="$token"
# curl reads its headers from a file so that the token stays off its command line too.
headers="$(mktemp)"
files+=("$headers")
chmod 600 "$headers"
printf 'X-Access-Token: %s\nX-Password: \nX-Request-ID: %s\nUser-Agent: meetjoin/bench\n' \
    "$token" "$(python3 -c 'import uuid; print(uuid.uuid4())')" >"$headers"
curl_cmd="curl -sS --fail-with-body -H @$headers '$url/v2/mms/ncms/conferences/auth/random?conf_id=914047175&guest_waiting=0'"
token_cmd="$bin check 914047175 --json"
# Without a shell, the only way to drop MEETJOIN_TOKEN for one command is env(1): the keyring
# contender pays one more exec (about 0.5 ms), which counts against it.
keyring_cmd="env -u MEETJOIN_TOKEN $bin check 914047175 --json"

# All must succeed before they are timed.
bash -c "$curl_cmd" >/dev/null
$token_cmd >/dev/null
$keyring_cmd >/dev/null

json="$(mktemp)"
files+=("$json")
hyperfine --shell=none --warmup 10 --runs "${RUNS:-200}" --export-json "$json" \
    -n curl "$curl_cmd" -n MEETJOIN_TOKEN "$token_cmd" -n keyring "$keyring_cmd"

python3 - "$json" <<'PY'
import json, sys
results = {r["command"]: r["median"] for r in json.load(open(sys.argv[1]))["results"]}
curl, token, keyring = results["curl"], results["MEETJOIN_TOKEN"], results["keyring"]
print(f"median curl:           {curl * 1000:.2f} ms")
print(f"median MEETJOIN_TOKEN: {token * 1000:.2f} ms")
print(f"median keyring:        {keyring * 1000:.2f} ms")
print(f"ratio MEETJOIN_TOKEN/curl: {token / curl:.2f}x (goal <= 1.30x)")
print(f"ratio keyring/curl:        {keyring / curl:.2f}x (goal <= 1.50x)")
PY

peak_rss() { # peak_rss NAME COMMAND...: the median of three runs' peak resident memory
    local name="$1"
    shift
    for _ in 1 2 3; do
        /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'
    done | sort -n | awk -v name="$name" '{a[NR]=$1} END {printf "peak RSS %s (median of 3): %.1f MB (goal < 20 MB)\n", name, a[2]/1024}'
}
peak_rss MEETJOIN_TOKEN $token_cmd
peak_rss keyring $keyring_cmd
