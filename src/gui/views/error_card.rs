//! The error card: one message per error kind, a collapsible "Details" and a button copying them.

use eframe::egui::{self, RichText, Ui};

use super::{Action, secondary_button};
use crate::api::ApiError;
use crate::gui::theme;
use crate::i18n::Lang;

/// Where an error card is shown.
pub struct ErrorPlace<'a> {
    /// Keeps the Details state of different places apart.
    pub id_salt: &'a str,
    /// Offer "Sign in…" when signing in again would help (not inside the sign-in dialog).
    pub offer_sign_in: bool,
}

/// Draws `error` with its message, a collapsible "Details" and a button copying them.
pub fn error_card_ui(
    ui: &mut Ui,
    lang: Lang,
    error: &ApiError,
    place: &ErrorPlace<'_>,
) -> Option<Action> {
    let mut action = None;
    let error_color = ui.visuals().error_fg_color;
    let fill = theme::palette(ui).error_fill;
    egui::Frame::new()
        .fill(fill)
        .stroke(egui::Stroke::new(1.0, error_color.gamma_multiply(0.6)))
        .corner_radius(10.0)
        .inner_margin(egui::Margin::same(16))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.add(
                egui::Label::new(
                    RichText::new(format!("⚠ {}", error.message(lang)))
                        .strong()
                        .color(error_color),
                )
                .wrap(),
            );
            if place.offer_sign_in && error.kind.is_sign_in_problem() {
                ui.add_space(6.0);
                if ui
                    .add(secondary_button(&lang.tr("gui.header.sign_in")))
                    .clicked()
                {
                    action = Some(Action::OpenSignIn);
                }
            }
            ui.add_space(4.0);
            let mut details = error.details(lang);
            // Where the window's log file is, for support: shown and copied with the rest.
            if let Some(line) = crate::logging::details_line(lang) {
                details.push('\n');
                details.push_str(&line);
            }
            egui::CollapsingHeader::new(lang.tr("gui.error.details"))
                .id_salt(("meetjoin.error.details", place.id_salt))
                .default_open(false)
                .show(ui, |ui| {
                    ui.add(egui::Label::new(RichText::new(&details).monospace()).wrap());
                    ui.add_space(4.0);
                    if ui.button(lang.tr("gui.error.copy_details")).clicked() {
                        action = Some(Action::CopyDetails(details.clone()));
                    }
                });
        });
    action
}
