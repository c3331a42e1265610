#!/usr/bin/env bash
# meetjoin check against curl making the same request, both on the local sandbox over loopback.
#
#   bench/check_vs_curl.sh            (builds the release binary first)
#
# Prints hyperfine's table, both medians, their ratio (goal: meetjoin within 1.3x of curl)
# and meetjoin's peak resident memory from /usr/bin/time -v (goal: under 20 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine curl /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install hyperfine curl time)" >&2; exit 1; }
done

target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked --quiet
bin="$target/release/meetjoin"

# The sandbox, without its rate limit (hyperfine makes more than 100 calls a minute).
"$bin" sandbox --port 0 --rate-limit 0 >"${TMPDIR:-/tmp}/meetjoin-bench-url" 2>/dev/null &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "${TMPDIR:-/tmp}/meetjoin-bench-url" ] && break; sleep 0.1; done
url="$(head -n1 "${TMPDIR:-/tmp}/meetjoin-bench-url")"

# One demo token for both contenders, passed through the environment (never on a command line).
token="$(curl -sS -X POST "$url/v1/usg/acs/auth/account" \
    -H "Authorization: Basic $(printf 'demo@meetjoin.test:Sandbox-2026' | base64)" \
    -H 'Content-Type: application/json;charset=UTF-8' \
    -d '{"account":"demo@meetjoin.test","clientType":72}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')"
export MEETJOIN_TOKEN="$token" MEETJOIN_SERVER="$url" MEETJOIN_MEETING_PASSWORD=""
# curl reads its headers from a file so that the token stays off its command line too.
headers="$(mktemp)"
chmod 600 "$headers"
printf 'X-Access-Token: %s\nX-Password: \nX-Request-ID: %s\nUser-Agent: meetjoin/bench\n' \
    "$token" "$(python3 -c 'import uuid; print(uuid.uuid4())')" >"$headers"
trap 'kill $sandbox 2>/dev/null || true; rm -f "$headers"' EXIT
curl_cmd="curl -sS --fail-with-body -H @$headers '$url/v2/mms/ncms/conferences/auth/random?conf_id=914047175&guest_waiting=0'"
meetjoin_cmd="$bin check 914047175 --json"

# Both must succeed before they are timed.
bash -c "$curl_cmd" >/dev/null
$meetjoin_cmd >/dev/null

json="$(mktemp)"
hyperfine --shell=none --warmup 10 --runs "${RUNS:-200}" --export-json "$json" \
    -n curl "$curl_cmd" -n meetjoin "$meetjoin_cmd"

python3 - "$json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
curl, mj = results["curl"]["median"], results["meetjoin"]["median"]
print(f"median curl:     {curl * 1000:.2f} ms")
print(f"median meetjoin: {mj * 1000:.2f} ms")
print(f"ratio meetjoin/curl: {mj / curl:.2f}x (goal <= 1.30x)")
PY
rm -f "$json"

for run in 1 2 3; do
    /usr/bin/time -v "$bin" check 914047175 --json 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'
done | sort -n | awk '{a[NR]=$1} END {printf "peak RSS meetjoin (median of 3): %.1f MB (goal < 20 MB)\n", a[2]/1024}'
