//! The status bar at the window's bottom: a short message ("Signed in", "Recent meetings
//! cleared") for a few seconds, with Undo when something can be brought back. It has its own
//! room, so it never covers a control or a heading.

use eframe::egui::{self, RichText, Ui};

use super::Action;
use crate::gui::state::Toast;
use crate::i18n::Lang;

/// The room around the status bar's text, in points.
const MARGIN: egui::Margin = egui::Margin::symmetric(20, 8);

/// The frame of the status bar.
pub fn status_bar_frame(ui: &Ui) -> egui::Frame {
    egui::Frame::side_top_panel(ui.style())
        .fill(ui.visuals().window_fill)
        .inner_margin(MARGIN)
}

/// Draws the message, and Undo when there is something to bring back.
pub fn status_bar_ui(ui: &mut Ui, lang: Lang, toast: &Toast) -> Option<Action> {
    let mut action = None;
    ui.horizontal(|ui| {
        if toast.undo.is_some() {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(lang.tr("gui.toast.undo")).clicked() {
                    action = Some(Action::Undo);
                }
                ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                    super::text::wrapped_label_ui(ui, RichText::new(&toast.text).strong());
                });
            });
        } else {
            super::text::wrapped_label_ui(ui, RichText::new(&toast.text).strong());
        }
    });
    action
}
