//! Paragraphs of the window's own text that wrap well. Chinese wraps between any two
//! characters, so a help line can end with one character alone on its last line ("清空列 /
//! 表。"); epaint already refuses a break before closing punctuation, and this balances the
//! last line: the wrap width is narrowed until the last line holds two characters or more.

use std::sync::Arc;

use eframe::egui::{self, Galley, TextStyle, TextWrapMode, Ui, WidgetText};

/// The most times the wrap width is narrowed (each time by the lonely character's width).
const MAX_NARROWING: usize = 8;

/// A wrapping label whose last line never holds one character alone.
pub fn wrapped_label_ui(ui: &mut Ui, text: impl Into<WidgetText>) -> egui::Response {
    let galley = balanced_galley(ui, text.into(), ui.available_width(), TextStyle::Body);
    ui.add(egui::Label::new(galley))
}

/// `text` laid out to at most `width` points, narrower where that keeps a lonely character
/// off the last line of a paragraph.
pub fn balanced_galley(ui: &Ui, text: WidgetText, width: f32, style: TextStyle) -> Arc<Galley> {
    let layout = |width: f32| {
        text.clone()
            .into_galley(ui, Some(TextWrapMode::Wrap), width, style.clone())
    };
    let galley = layout(width);
    let Some(step) = lonely_width(&galley) else {
        return galley;
    };
    let mut narrower = width;
    for _ in 0..MAX_NARROWING {
        narrower -= step.max(1.0);
        if narrower <= step * 4.0 {
            break;
        }
        let candidate = layout(narrower);
        match lonely_width(&candidate) {
            None => return candidate,
            Some(_) if candidate.rows.len() > galley.rows.len() + 1 => break,
            Some(_) => {}
        }
    }
    galley
}

/// The advance width of a character standing alone (give or take punctuation after it) on the
/// last line of a paragraph that has more than one line, if there is one.
pub fn lonely_width(galley: &Galley) -> Option<f32> {
    let rows = &galley.rows;
    for (index, placed) in rows.iter().enumerate() {
        let ends_paragraph = placed.ends_with_newline || index + 1 == rows.len();
        let first_of_paragraph = index == 0 || rows[index - 1].ends_with_newline;
        if !ends_paragraph || first_of_paragraph {
            continue;
        }
        // Punctuation after the character does not keep it company ("表。" is lonely).
        let mut words = placed
            .row
            .glyphs
            .iter()
            .filter(|g| !g.chr.is_whitespace() && !is_punctuation(g.chr));
        if let (Some(glyph), None) = (words.next(), words.next()) {
            return Some(glyph.advance_width);
        }
    }
    None
}

/// Punctuation, ASCII or full-width, that follows a word rather than being one.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || "。，、；：？！…）》」』】〕”’·—～".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    /// The window's own Chinese paragraphs that wrap: help lines, hints, messages.
    const PARAGRAPHS: [&str; 8] = [
        "gui.settings.history_help",
        "gui.settings.clipboard_help",
        "gui.result.random_help",
        "gui.check.sign_in_first",
        "gui.check.password_cleared",
        "gui.check.guest_waiting_help",
        "gui.sign_in.app_id_help",
        "gui.sign_out.body",
    ];

    /// Runs `check` inside a frame of a context with the window's fonts and style.
    fn with_ui(check: impl FnMut(&mut Ui)) {
        let ctx = egui::Context::default();
        crate::gui::fonts::install(&ctx);
        crate::gui::theme::setup_style(&ctx);
        let mut output = ctx.run_ui(egui::RawInput::default(), check);
        // No renderer here takes the glyph atlas.
        output.textures_delta.clear();
    }

    #[test]
    fn no_chinese_paragraph_leaves_one_character_alone_on_its_last_line() {
        with_ui(|ui| {
            let mut lonely_before = 0;
            for key in PARAGRAPHS {
                let text = Lang::ZhCn.tr(key);
                for width in (160..=640).step_by(2) {
                    let width = width as f32;
                    let rich = || WidgetText::from(egui::RichText::new(text.clone()).small());
                    let plain =
                        rich().into_galley(ui, Some(TextWrapMode::Wrap), width, TextStyle::Body);
                    if lonely_width(&plain).is_some() {
                        lonely_before += 1;
                    }
                    let balanced = balanced_galley(ui, rich(), width, TextStyle::Body);
                    assert!(
                        lonely_width(&balanced).is_none(),
                        "{key} at {width} points ends with one character alone: {:?}",
                        balanced.rows.last().map(|r| r.row.glyphs.len())
                    );
                    assert!(balanced.size().x <= width + 0.5, "{key} fits {width}");
                }
            }
            // The widths tried do produce lonely characters without balancing: the test can
            // fail.
            assert!(lonely_before > 0, "no width made a lonely character");
        });
    }
}
