//! The bundled CJK font: a subset of Noto Sans CJK SC (SIL OFL 1.1, `assets/fonts/OFL.txt`).

use eframe::egui;
use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
use egui::{FontData, FontFamily};

/// The font's name in egui's font definitions.
pub const CJK_FONT_NAME: &str = "meetjoin-noto-sans-sc";

/// The subset made by `assets/fonts/make_subset.sh`: ASCII, CJK punctuation, full-width forms,
/// the 3,755 GB2312 level-1 characters and every character of the translations.
static CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-subset.otf");

/// Adds the CJK font after egui's own fonts for proportional and monospace text, so Latin text
/// keeps egui's look and Chinese falls back to it (before any system font).
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
