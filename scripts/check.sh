#!/usr/bin/env bash
# The static checks CI runs before the tests: formatting, then clippy with warnings as errors
# on every target, with the default features (the window and the sandbox) and without them
# (the library and the command line alone). The lints themselves are in Cargo.toml's [lints].
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "check.sh: $*" >&2; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy, default features"
cargo clippy --locked --all-targets -- -D warnings

step "cargo clippy, --no-default-features"
cargo clippy --locked --all-targets --no-default-features -- -D warnings

step "all clean"
