#!/bin/sh
# Regenerates assets/fonts/NotoSansSC-subset.otf, the CJK fallback font the window bundles.
#
# Source: Noto Sans CJK SC Regular from Debian's fonts-noto-cjk (SIL OFL 1.1, see OFL.txt).
# Needs: apt-get install fonts-noto-cjk; pip install fonttools (for pyftsubset).
# Keeps: ASCII, Latin-1, general punctuation, CJK punctuation, full-width forms, the 3,755
# GB2312 level-1 characters, and every character in assets/locales/*.yml, the sandbox's seeded
# meeting subjects (src/sandbox/mod.rs) and the window's sources (src/gui/). Run from anywhere;
# rerun after adding text.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source_font=${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
out="$here/NotoSansSC-subset.otf"
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT

python3 - "$root" "$chars" <<'PY'
import pathlib, sys

root, out = pathlib.Path(sys.argv[1]), sys.argv[2]
keep = set(chr(c) for c in range(0x20, 0x7F))            # ASCII
keep |= set(chr(c) for c in range(0xA0, 0x100))          # Latin-1 (×, ·, «»)
keep |= set(chr(c) for c in range(0x2000, 0x2070))       # general punctuation (“” — …)
keep |= set(chr(c) for c in range(0x3000, 0x3040))       # CJK symbols and punctuation
keep |= set(chr(c) for c in range(0xFF00, 0xFFF0))       # full-width forms
for hi in range(0xB0, 0xD8):                             # GB2312 level 1: B0A1..D7F9
    for lo in range(0xA1, 0xFF):
        try:
            keep.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
texts = sorted((root / "assets" / "locales").glob("*.yml"))
texts.append(root / "src" / "sandbox" / "mod.rs")
texts += sorted((root / "src" / "gui").rglob("*.rs"))                # symbols the window draws (✓ ⚠)
for path in texts:
    keep |= set(path.read_text(encoding="utf-8"))
keep = {c for c in keep if c.isprintable() or c == "\u3000"}
pathlib.Path(out).write_text(",".join("U+%04X" % ord(c) for c in sorted(keep)))
PY

# Face 2 of the collection is Noto Sans CJK SC.
pyftsubset "$source_font" --font-number=2 --unicodes-file="$chars" \
    --layout-features='' --no-hinting \
    --name-IDs='0,1,2,3,4,5,6,13,14' --name-languages=0x409 --output-file="$out"
ls -l "$out"
