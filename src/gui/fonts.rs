//! The bundled CJK font: a subset of Noto Sans CJK SC (SIL OFL 1.1, `assets/fonts/OFL.txt`).

use eframe::egui;
use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
use egui::{FontData, FontFamily};

/// The font's name in egui's font definitions.
pub const CJK_FONT_NAME: &str = "meetjoin-noto-sans-sc";

/// The subset made by `assets/fonts/make_subset.sh`: ASCII, CJK punctuation, full-width forms,
/// every character of the translations, and the Chinese character sets in
/// `assets/fonts/charsets/` (通用规范汉字表, GB2312, Big5 level 1 and the traditional forms of
/// the first two), so Chinese names render with no CJK font on the system. `tests/fonts.rs`
/// checks it covers them and stays within 4 MiB.
static CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-subset.otf");

/// Adds the CJK font after egui's own fonts for proportional and monospace text, so Latin text
/// keeps egui's look and Chinese falls back to it. Fonts that eframe's system font provider
/// finds (`system_fonts`) always come after it, for the characters it lacks.
pub fn install(ctx: &egui::Context) {
    ctx.add_font(FontInsert::new(
        CJK_FONT_NAME,
        FontData::from_static(CJK_FONT),
        vec![
            InsertFontFamily {
                family: FontFamily::Proportional,
                priority: FontPriority::Lowest,
            },
            InsertFontFamily {
                family: FontFamily::Monospace,
                priority: FontPriority::Lowest,
            },
        ],
    ));
}
