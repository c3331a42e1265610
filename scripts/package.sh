#!/usr/bin/env bash
# Builds the Debian package and prints its path on the last line of standard output.
#
#   scripts/package.sh         target/debian/meetjoin_<version>-1_<arch>.deb, from a release
#                              build (fat LTO: about 10 minutes on 2 cores)
#   scripts/package.sh --dev   target/debian-dev/meetjoin_<version>-1_<arch>.deb, from the
#                              dev-profile binary (unoptimised, 4 times larger; what CI installs
#                              and checks, as scripts/test.sh has built it already)
#
# cargo-deb deletes the meetjoin .debs it finds in target/debian each time it runs, so --dev
# removes a release package made before (and never puts its own there).
#
# Needs cargo-deb (cargo install --locked cargo-deb). The binary first writes its man pages and
# shell completions into target/assets (`meetjoin generate-assets`, made from its own clap
# definitions); the asset list in Cargo.toml's [package.metadata.deb] takes them from there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "package.sh: $*" >&2; }

profile=release
case "${1:-}" in
"") ;;
--dev) profile=dev ;;
*)
    say "usage: scripts/package.sh [--dev]"
    exit 2
    ;;
esac

if ! cargo deb --version >/dev/null 2>&1; then
    say "cargo-deb is missing: cargo install --locked cargo-deb"
    exit 1
fi

target_dir="${CARGO_TARGET_DIR:-target}"
if [ "$profile" = release ]; then
    cargo build --locked --release
    bin="$target_dir/release/meetjoin"
    # Built just above, with the same features that cargo-deb would use.
    deb_args=(--no-build)
else
    cargo build --locked # nothing to do right after scripts/test.sh
    bin="$target_dir/debug/meetjoin"
    # cargo-deb warns that a dev profile is meant for development, not releases: true, and this
    # package is only installed by CI. --fast: a larger file, compressed in seconds. Its own
    # directory: never mistaken for the release package.
    deb_args=(--no-build --profile dev --fast --output "$target_dir/debian-dev/")
fi

rm -rf target/assets
"$bin" generate-assets --out target/assets
say "man pages and completions: $(cd target/assets && echo man/* completions/*)"

# cargo-deb strips the binary (the dev one from about 430 MB to about 80 MB) and prints the
# package's path on standard output.
deb="$(cargo deb --locked "${deb_args[@]}" | tail -n 1)"
[ -f "$deb" ] || {
    say "cargo deb did not report a package (got: $deb)"
    exit 1
}
say "built $(du -h "$deb" | cut -f1) $deb"
echo "$deb"
