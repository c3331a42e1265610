//! A short message under the header ("Copied"), gone after a few seconds.

use eframe::egui::{self, RichText, Ui};

use crate::gui::state::Toast;

/// Draws the toast over the window.
pub fn toast_ui(ui: &mut Ui, toast: &Toast) {
    egui::Area::new(egui::Id::unique("meetjoin.toast"))
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 78.0))
        .order(egui::Order::Tooltip)
        .interactable(false)
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style())
                .corner_radius(8.0)
                .inner_margin(egui::Margin::symmetric(16, 10))
                .show(ui, |ui| {
                    ui.set_max_width(420.0);
                    ui.label(RichText::new(&toast.text).strong());
                });
        });
}
