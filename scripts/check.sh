#!/usr/bin/env bash
# The static checks CI runs before the tests: formatting, then clippy with warnings as errors
# on every target, with the default features (the window and the sandbox) and without them
# (the library and the command line alone). The lints themselves are in Cargo.toml's [lints].
# Every check runs; the script fails at the end if any of them failed.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=()
check() { # check NAME COMMAND...
    echo "check.sh: $1" >&2
    "${@:2}" || failed+=("$1")
}

check "cargo fmt --check" cargo fmt --all --check
check "clippy with the default features" \
    cargo clippy --locked --all-targets -- -D warnings
check "clippy with --no-default-features" \
    cargo clippy --locked --all-targets --no-default-features -- -D warnings

if [ "${#failed[@]}" -gt 0 ]; then
    printf 'check.sh: FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "check.sh: all clean" >&2
