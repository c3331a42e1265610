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

/// The advance width of a character standing alone on the last line of a paragraph that
/// has more than one line, if there is one.
pub fn lonely_width(galley: &Galley) -> Option<f32> {
    let rows = &galley.rows;
    for (index, placed) in rows.iter().enumerate() {
        let ends_paragraph = placed.ends_with_newline || index + 1 == rows.len();
        let first_of_paragraph = index == 0 || rows[index - 1].ends_with_newline;
        if !ends_paragraph || first_of_paragraph {
            continue;
        }
        let mut visible = placed.row.glyphs.iter().filter(|g| !g.chr.is_whitespace());
        if let (Some(glyph), None) = (visible.next(), visible.next()) {
            return Some(glyph.advance_width);
        }
    }
    None
}
