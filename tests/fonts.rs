//! The bundled CJK font, through the same `fonts::install` the window calls, in an egui
//! context with no system font provider: every character of the Chinese character sets in
//! `assets/fonts/charsets/` has a glyph that draws, so Chinese names render on a machine with no
//! CJK font, and the font stays within its 4 MiB budget.
#![cfg(feature = "gui")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use eframe::egui::{self, Color32, FontFamily, FontId, MissingGlyphPolicy, RawInput};

/// A character set the bundled font must cover, and its size.
struct CharacterSet {
    file: &'static str,
    count: usize,
}

/// The sets of `assets/fonts/charsets/` (their headers name the sources).
const SETS: &[CharacterSet] = &[
    // 通用规范汉字表 (2013).
    CharacterSet {
        file: "tgh-2013.txt",
        count: 8105,
    },
    // GB 2312 hanzi, levels 1 and 2.
    CharacterSet {
        file: "gb2312.txt",
        count: 6763,
    },
    // Big5 level 1, the common traditional characters.
    CharacterSet {
        file: "big5-level1.txt",
        count: 5401,
    },
    // Traditional forms of the two simplified sets above, not already in them.
    CharacterSet {
        file: "traditional.txt",
        count: 2942,
    },
];

/// The names from the issue that showed as empty boxes with only GB2312 level 1.
const NAMES: &str = "昊喆琦璐鑫淼";

/// Both families the window draws text in.
const FAMILIES: [FontFamily; 2] = [FontFamily::Proportional, FontFamily::Monospace];

/// `assets/fonts/` of this checkout.
fn fonts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts")
}

/// The characters of one set file: one a line, `#` lines are its header.
fn read_set(file: &str) -> Vec<char> {
    let path = fonts_dir().join("charsets").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut chars = line.chars();
            let c = chars.next().unwrap();
            assert!(
                chars.next().is_none(),
                "{file}: {line:?} is not one character"
            );
            c
        })
        .collect()
}

/// An egui context with egui's own fonts and meetjoin's, and no font provider: eframe's system
/// fonts are never asked, so a glyph found here is in the binary. Laying out a character that
/// no font has panics instead of drawing a box.
fn context_with_bundled_fonts() -> egui::Context {
    let ctx = egui::Context::default();
    ctx.set_font_providers(Vec::new());
    ctx.set_missing_glyph_policy(MissingGlyphPolicy::Panic);
    meetjoin::gui::fonts::install(&ctx);
    let input = RawInput {
        max_texture_side: Some(8192),
        ..RawInput::default()
    };
    // No renderer takes the font atlas: drop its updates.
    ctx.run_ui(input, |_| {}).textures_delta.clear();
    ctx
}

/// The characters of `chars` that no installed font of `family` has.
fn missing_glyphs(ctx: &egui::Context, family: &FontFamily, chars: &[char]) -> Vec<char> {
    let font_id = FontId::new(14.0, family.clone());
    ctx.fonts_mut(|fonts| {
        chars
            .iter()
            .copied()
            .filter(|&c| !fonts.has_glyph(&font_id, c))
            .collect()
    })
}

/// The characters of `chars` that lay out as nothing drawn (an empty glyph). Panics on a
/// character that no font has.
fn undrawn_glyphs(ctx: &egui::Context, chars: &[char]) -> Vec<char> {
    let text: String = chars.iter().collect();
    let galley = ctx
        .fonts_mut(|fonts| fonts.layout_no_wrap(text, FontId::proportional(8.0), Color32::WHITE));
    let drawn: HashSet<char> = galley
        .rows
        .iter()
        .flat_map(|row| &row.glyphs)
        .filter(|glyph| !glyph.uv_rect.is_nothing() && glyph.advance_width > 0.0)
        .map(|glyph| glyph.chr)
        .collect();
    chars
        .iter()
        .copied()
        .filter(|c| !drawn.contains(c))
        .collect()
}

/// The first characters of a list, with their code points, for a failure message.
fn describe(chars: &[char]) -> String {
    chars
        .iter()
        .take(40)
        .map(|c| format!("{c} U+{:04X}", u32::from(*c)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn every_character_of_each_set_has_a_glyph() {
    let ctx = context_with_bundled_fonts();
    for set in SETS {
        let chars = read_set(set.file);
        assert_eq!(chars.len(), set.count, "{}", set.file);
        let mut unique = chars.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            chars.len(),
            "{} repeats a character",
            set.file
        );
        for family in &FAMILIES {
            let missing = missing_glyphs(&ctx, family, &chars);
            assert!(
                missing.is_empty(),
                "{}: {} characters have no glyph in {family:?}: {}",
                set.file,
                missing.len(),
                describe(&missing)
            );
        }
    }
}

#[test]
fn every_character_of_each_set_draws() {
    let ctx = context_with_bundled_fonts();
    for set in SETS {
        let chars = read_set(set.file);
        let undrawn = undrawn_glyphs(&ctx, &chars);
        assert!(
            undrawn.is_empty(),
            "{}: {} characters draw nothing: {}",
            set.file,
            undrawn.len(),
            describe(&undrawn)
        );
    }
}

#[test]
fn the_names_of_the_issue_render() {
    let names: Vec<char> = NAMES.chars().collect();
    let tgh = read_set("tgh-2013.txt");
    assert!(names.iter().all(|c| tgh.contains(c)));
    let ctx = context_with_bundled_fonts();
    for family in &FAMILIES {
        assert_eq!(missing_glyphs(&ctx, family, &names), Vec::<char>::new());
    }
    assert_eq!(undrawn_glyphs(&ctx, &names), Vec::<char>::new());
}

/// The checks above can fail: characters outside the subset (a Hangul syllable and a rare
/// CJK Extension B character, 𠀋 U+2000B, both in the full Noto Sans CJK) are found missing,
/// and laying them out panics.
#[test]
fn a_character_outside_the_font_is_missing() {
    let outside = ['한', '\u{2000B}'];
    let ctx = context_with_bundled_fonts();
    for family in &FAMILIES {
        assert_eq!(missing_glyphs(&ctx, family, &outside), outside);
    }
    for c in outside {
        let laid_out = catch_unwind(AssertUnwindSafe(|| undrawn_glyphs(&ctx, &[c])));
        assert!(laid_out.is_err(), "{c} laid out without a glyph");
    }
}

#[test]
fn the_font_adds_at_most_4_mib() {
    let path = fonts_dir().join("NotoSansSC-subset.otf");
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size <= 4 * 1024 * 1024, "{path:?} is {size} bytes");
}
