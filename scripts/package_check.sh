#!/usr/bin/env bash
# Installs the Debian package on this machine and checks it the way a user meets it, then
# removes it again. CI runs it after scripts/test.sh (as root, on a clean machine):
#
#   scripts/package_check.sh [PACKAGE.deb]    default: the newest target/debian/meetjoin_*.deb
#
#  1. `apt-get install ./meetjoin_*.deb`, which also installs its Depends;
#  2. every library the binary loads at run time (dlopen) is in a package of its Depends;
#  3. desktop-file-validate on the desktop file, `appstreamcli validate --no-net` on the
#     metainfo, the icon in every hicolor size, the "Check clipboard" action's command line;
#  4. `man -w meetjoin` (and a page per command) and the bash completion;
#  5. launches the app through its desktop entry (`gio launch`) under its own Xvfb with a window
#     manager and a fresh HOME, waits for the window, and takes a screenshot that must have more
#     than 20 colours (target/package-check/window.png);
#  6. `apt-get remove meetjoin`, and checks that the binary and the files are gone.
#
# Needs root, apt-get, desktop-file-validate [desktop-file-utils], appstreamcli [appstream],
# man [man-db], bash-completion, gio [libglib2.0-bin], Xvfb [xvfb], matchbox-window-manager,
# xdotool and ImageMagick's import and identify. It refuses to run when meetjoin is installed
# already, as it removes the package at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "package_check.sh: $*" >&2; }
die() {
    say "FAILED: $*"
    exit 1
}

if [ $# -gt 0 ]; then
    deb="$1" # given, even empty (a failed `$(scripts/package.sh)`): never another package
else
    # shellcheck disable=SC2012 # the newest of our own plain file names
    deb="$(ls -t target/debian/meetjoin_*.deb 2>/dev/null | head -n 1)"
fi
[ -n "$deb" ] && [ -f "$deb" ] || die "no package: run scripts/package.sh first, or name one"
deb="$(realpath "$deb")"
[ "$(id -u)" = 0 ] || die "needs root (it installs and removes the package)"
for tool in apt-get dpkg dpkg-deb ldconfig desktop-file-validate appstreamcli man gio Xvfb \
    matchbox-window-manager xdotool import identify; do
    command -v "$tool" >/dev/null || die "$tool is missing (see the list at the top)"
done
[ -f /usr/share/bash-completion/bash_completion ] || die "bash-completion is missing"
if dpkg-query -W -f '${db:Status-Status}' meetjoin 2>/dev/null | grep -qx installed; then
    die "meetjoin is installed already; this check would remove it (apt-get remove meetjoin)"
fi

out=target/package-check
rm -rf "$out"
mkdir -p "$out"
installed=false
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if $installed; then
        say "removing the package after a failure"
        apt-get remove -y -qq meetjoin >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

# 1. Install. Debian's minimal images may tell dpkg to leave out /usr/share/man
#    (path-exclude in /etc/dpkg/dpkg.cfg.d/); a later --path-include wins, so meetjoin's pages
#    are installed either way.
say "installing $deb ($(du -h "$deb" | cut -f1))"
apt-get install -y -qq --no-install-recommends \
    -o 'DPkg::Options::=--path-include=/usr/share/man/man1/meetjoin*' "$deb" >/dev/null
installed=true
[ "$(command -v meetjoin)" = /usr/bin/meetjoin ] || die "meetjoin is not /usr/bin/meetjoin"
say "installed: $(meetjoin --version), Installed-Size $(dpkg-query -W -f '${Installed-Size}' meetjoin) KiB"

# 2. The libraries the window loads with dlopen do not show in the ELF header, so $auto misses
#    them: each must come from a package named in Depends (libc's own are $auto's).
depends="$(dpkg-query -W -f '${Depends}' meetjoin)"
# The name as the system's linker cache knows it, 64-bit: its path, or nothing.
# (awk reads to the end: leaving early would kill ldconfig with SIGPIPE, a failure under pipefail)
known() { ldconfig -p | awk -v so="$1" '!found && $1 == so && /x86-64|AArch64|64bit/ { print $NF; found = 1 }'; }
libraries=()
# A release build packs its strings without separators ("...NestedListlibXi.so.6"), so each
# match is cut to its longest tail that starts with "lib" and that the linker knows.
# shellcheck disable=SC2013 # the matches are single words
for match in $(grep -aoE 'lib[A-Za-z0-9_+-]+\.so\.[0-9]+' /usr/bin/meetjoin | sort -u); do
    name="lib${match##*lib}" # the shortest tail, if none is known
    tail="$match"
    while [[ $tail == *lib* ]]; do
        tail="lib${tail#*lib}"
        if [ -n "$(known "$tail")" ]; then
            name="$tail"
            break
        fi
        tail="${tail#lib}"
    done
    libraries+=("$name")
done
[ "${#libraries[@]}" -gt 5 ] || die "found only ${libraries[*]} in the binary"
checked=()
for soname in $(printf '%s\n' "${libraries[@]}" | sort -u); do
    # The C library's and libgcc's own: $auto and required packages.
    case "$soname" in libc.so.* | libm.so.* | libgcc_s.so.* | libdl.so.* | libpthread.so.*) continue ;; esac
    path="$(known "$soname")"
    [ -n "$path" ] || die "$soname: the binary loads it, and no package installed it"
    # A pattern, as dpkg knows a file by the path its package ships (/lib or /usr/lib).
    package="$( (dpkg -S "*/$soname" 2>/dev/null || true) | head -n 1 | cut -d: -f1)"
    [ -n "$package" ] || die "$soname ($path) belongs to no package"
    [[ ", $depends," == *", $package"[,\ ]* ]] ||
        die "$soname comes from $package, which is not in Depends: $depends"
    checked+=("$soname")
done
say "the libraries it loads (${checked[*]}) all come from its Depends: $depends"

# 3. The desktop entry, the AppStream metadata, the icons, the action.
desktop=/usr/share/applications/meetjoin.desktop
metainfo=/usr/share/metainfo/io.github.meetjoin.metainfo.xml
desktop-file-validate "$desktop" || die "desktop-file-validate $desktop"
say "desktop-file-validate: no errors"
appstreamcli validate --no-net "$metainfo" >"$out/appstream.txt" 2>&1 ||
    die "appstreamcli validate: $(cat "$out/appstream.txt")"
say "appstreamcli validate --no-net: $(tail -n 1 "$out/appstream.txt")"
grep -q '<launchable type="desktop-id">meetjoin.desktop</launchable>' "$metainfo" ||
    die "the metainfo does not launch meetjoin.desktop"
for size in 16 22 24 32 48 64 128 256 512; do
    icon="/usr/share/icons/hicolor/${size}x${size}/apps/meetjoin.png"
    [ "$(identify -format '%wx%h' "$icon")" = "${size}x${size}" ] || die "$icon is not ${size}x${size}"
done
say "icons: hicolor 16 to 512"
# The action's command line must be one meetjoin accepts: with --help appended, clap rejects an
# unknown option before it prints the help.
action="$(sed -n '/^\[Desktop Action check-clipboard\]/,/^\[/s/^Exec=//p' "$desktop")"
[ -n "$action" ] || die "no [Desktop Action check-clipboard] with an Exec line"
# shellcheck disable=SC2086 # the Exec line is words
$action --help >/dev/null || die "the check-clipboard action's command is refused: $action"
say "action check-clipboard: $action"

# 4. The manual and the completions.
page="$(man -w meetjoin)" || die "man -w meetjoin finds no page"
for command in check login logout gui; do
    man -w "meetjoin-$command" >/dev/null || die "man -w meetjoin-$command finds no page"
done
MANWIDTH=80 man -P cat meetjoin 2>/dev/null | grep -q 'meetjoin-check' ||
    die "man meetjoin does not list its commands"
say "man -w meetjoin: $page"
# bash-completion loads /usr/share/bash-completion/completions/meetjoin on first use.
completed="$(bash -s <<'EOF'
source /usr/share/bash-completion/bash_completion
_completion_loader meetjoin
function="$(complete -p meetjoin | sed -E 's/.* -F ([^ ]+) .*/\1/')"
COMP_WORDS=(meetjoin ch) COMP_CWORD=1 COMP_LINE="meetjoin ch" COMP_POINT=11
"$function" meetjoin ch meetjoin
printf '%s\n' "${COMPREPLY[@]}"
EOF
)"
[ "$completed" = check ] || die "bash completes 'meetjoin ch' to '$completed', not 'check'"
say "bash completion: 'meetjoin ch' -> check"
[ -s /usr/share/zsh/vendor-completions/_meetjoin ] || die "no zsh completion"
[ -s /usr/share/fish/vendor_completions.d/meetjoin.fish ] || die "no fish completion"

# 5. The app, launched the way a desktop launches it: through its desktop entry.
unset DISPLAY WAYLAND_DISPLAY
number_file="$(mktemp)"
# Xvfb picks a free display number and writes it to fd 3 once it accepts clients.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$number_file" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do # 10 s
    [ -s "$number_file" ] && break
    sleep 0.1
done
number="$(tr -dc '0-9' <"$number_file")"
rm -f "$number_file"
[ -n "$number" ] || die "Xvfb did not start within 10 s"
export DISPLAY=":$number"
matchbox-window-manager -use_titlebar no >/dev/null 2>&1 &
pids+=($!)
home="$(mktemp -d)"
HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
    XDG_STATE_HOME="$home/.local/state" XDG_CACHE_HOME="$home/.cache" \
    gio launch "$desktop" >"$out/app.log" 2>&1 || die "gio launch $desktop: $(cat "$out/app.log")"
window="$(timeout 60 xdotool search --sync --onlyvisible --class meetjoin 2>/dev/null | head -n 1)" ||
    true
[ -n "$window" ] || die "no meetjoin window within 60 s of gio launch: $(cat "$out/app.log")"
app="$(xdotool getwindowpid "$window")"
pids+=("$app")
[ "$(readlink "/proc/$app/exe")" = /usr/bin/meetjoin ] || die "the window is not the installed binary's"
say "window $window from pid $app ($(readlink "/proc/$app/exe"))"
# The first frames take a moment on software GL: shoot until the window is drawn.
colours=0
for _ in $(seq 60); do # 30 s
    import -window "$window" "$out/window.png" 2>/dev/null || true
    colours="$(identify -format '%k' "$out/window.png" 2>/dev/null || echo 0)"
    [ "$colours" -gt 20 ] && break
    sleep 0.5
done
[ "$colours" -gt 20 ] || die "the screenshot has $colours colours: the window was not drawn"
say "screenshot $out/window.png: $colours colours"
kill "$app"
for _ in $(seq 50); do # 5 s
    kill -0 "$app" 2>/dev/null || break
    sleep 0.1
done
rm -rf "$home"

# 6. Remove it again.
apt-get remove -y -qq meetjoin >/dev/null
installed=false
! dpkg-query -W -f '${db:Status-Status}' meetjoin 2>/dev/null | grep -qx installed ||
    die "meetjoin is still installed"
for gone in /usr/bin/meetjoin "$desktop" "$metainfo" "$page" \
    /usr/share/bash-completion/completions/meetjoin; do
    [ ! -e "$gone" ] || die "$gone is still there after apt-get remove"
done
hash -r
! command -v meetjoin >/dev/null || die "meetjoin is still on PATH: $(command -v meetjoin)"
say "removed: no binary, desktop file, metainfo, man page or completion left"
say "all checks passed"
