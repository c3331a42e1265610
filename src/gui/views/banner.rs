//! The banner that says the keyring could not keep the sign-in (the session goes on in memory).

use eframe::egui::{self, Color32, RichText, Ui};

use super::Action;
use crate::i18n::Lang;
use crate::secrets::StoreError;

/// Draws the keyring banner; returns [`Action::DismissBanner`] when dismissed.
pub fn store_banner_ui(ui: &mut Ui, lang: Lang, error: &StoreError) -> Option<Action> {
    let (fill, stroke, text) = if ui.visuals().dark_mode {
        (
            Color32::from_rgb(0x42, 0x2A, 0x06),
            Color32::from_rgb(0x92, 0x40, 0x0E),
            Color32::from_rgb(0xFD, 0xE6, 0x8A),
        )
    } else {
        (
            Color32::from_rgb(0xFF, 0xFB, 0xEB),
            Color32::from_rgb(0xF5, 0x9E, 0x0B),
            Color32::from_rgb(0x78, 0x35, 0x0F),
        )
    };
    let mut action = None;
    egui::Frame::new()
        .fill(fill)
        .stroke(egui::Stroke::new(1.0, stroke))
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(18, 12))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
                    if ui.button(lang.tr("gui.banner.dismiss")).clicked() {
                        action = Some(Action::DismissBanner);
                    }
                    ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                        ui.label(
                            RichText::new(format!("⚠ {}", lang.tr("gui.banner.title")))
                                .strong()
                                .color(text),
                        );
                        ui.label(RichText::new(error.message(lang)).color(text));
                    });
                });
            });
        });
    action
}
