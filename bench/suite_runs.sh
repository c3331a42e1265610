#!/usr/bin/env bash
# Runs the whole suite (scripts/test.sh, the README's test command) N times in a row in a clean
# clone of HEAD, and reports each run's summary line, the runs that failed and which tests
# failed in them, and the slowest tests (the median of each test's times over the runs).
#
#   bench/suite_runs.sh [N]        N defaults to 10
#
# The clone gets its own target directory; the first run builds it, the others reuse it (the
# point is the tests, not the build). Logs stay in target/suite-runs/.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-10}"
out="$(pwd)/target/suite-runs"
rm -rf "$out"
mkdir -p "$out"
clone="$(mktemp -d /tmp/meetjoin-runs.XXXXXX)"
trap 'rm -rf "$clone"' EXIT
git clone --quiet "$(pwd)" "$clone/meetjoin"

failed_runs=0
for run in $(seq 1 "$runs"); do
    log="$out/run-$run.log"
    start=$(date +%s)
    if (cd "$clone/meetjoin" && scripts/test.sh) >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed_runs=$((failed_runs + 1))
    fi
    summary="$(grep -E '^tests: ' "$log" | tail -n 1 || echo 'tests: no summary line')"
    echo "run $run: $status in $(($(date +%s) - start)) s; $summary"
    grep -E '^ +(FAIL|TIMEOUT|SIGSEGV|SIGABRT) \[' "$log" | sed 's/^/    /' | sort -u || true
done

echo "runs: $runs, failed: $failed_runs"
# Each test's time in every run (nextest: "PASS [   1.234s] (n/m) binary test"), then the
# median per test, slowest first.
cat "$out"/run-*.log |
    sed -nE 's/^ +PASS \[ *([0-9.]+)s\] +(\([0-9]+\/[0-9]+\) +)?(.*)$/\3\t\1/p' |
    sort -t "$(printf '\t')" -k1,1 -k2,2n |
    awk -F '\t' '
        { times[$1] = times[$1] " " $2; n[$1]++ }
        END {
            for (t in n) {
                split(substr(times[t], 2), v, " ")
                m = v[int((n[t] + 1) / 2)]
                printf "%8.3f s  %s (%d runs)\n", m, t, n[t]
            }
        }' |
    sort -rn | head -n 5 | sed 's/^/slowest: /'
[ "$failed_runs" -eq 0 ]
