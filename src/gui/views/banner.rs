//! The banners above the form: the keyring could not keep the sign-in (the session goes on in
//! memory), and a meeting found in the clipboard.

use eframe::egui::{self, RichText, Ui};

use super::Action;
use crate::gui::state::ClipboardOffer;
use crate::gui::theme;
use crate::i18n::Lang;
use crate::secrets::StoreError;

/// Draws the keyring banner; returns [`Action::DismissBanner`] when dismissed.
pub fn store_banner_ui(ui: &mut Ui, lang: Lang, error: &StoreError) -> Option<Action> {
    let palette = theme::palette(ui);
    let text = palette.warning_text;
    let mut action = None;
    egui::Frame::new()
        .fill(palette.warning_fill)
        .stroke(egui::Stroke::new(1.0, palette.warning_border))
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
                        super::text::wrapped_label_ui(
                            ui,
                            RichText::new(error.message(lang)).color(text),
                        );
                    });
                });
            });
        });
    action
}

/// The quiet offer of a meeting found in the clipboard: Check or Dismiss.
pub fn clipboard_offer_ui(ui: &mut Ui, lang: Lang, offer: &ClipboardOffer) -> Option<Action> {
    let mut action = None;
    egui::Frame::new()
        .fill(ui.visuals().window_fill)
        .stroke(egui::Stroke::new(1.0, theme::accent(ui)))
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(18, 12))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            super::text::wrapped_label_ui(
                ui,
                rust_i18n::t!(
                    "gui.clipboard.offer",
                    locale = lang.code(),
                    id = offer.meeting_id.grouped()
                ),
            );
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if ui
                    .add(super::primary_button(ui, &lang.tr("gui.clipboard.check")))
                    .clicked()
                {
                    action = Some(Action::CheckClipboardOffer);
                }
                if ui
                    .add(super::secondary_button(&lang.tr("gui.clipboard.dismiss")))
                    .clicked()
                {
                    action = Some(Action::DismissClipboardOffer);
                }
            });
        });
    action
}
