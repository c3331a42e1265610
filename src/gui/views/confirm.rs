//! "Sign out?": signing out ends the token on the server, which cannot be undone, so it is
//! asked first. Cancel has the focus: a stray Enter keeps the sign-in.

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;

use super::{Action, primary_button, secondary_button, server_name};
use crate::i18n::Lang;
use crate::server::Server;

/// The width of the dialog's content in a roomy window, in points.
const DIALOG_WIDTH: f32 = 360.0;

/// Draws the question over the window; returns Sign out or Cancel.
pub fn sign_out_ui(ui: &mut Ui, lang: Lang, server: &Server, account: &str) -> Option<Action> {
    let mut action = None;
    let modal = super::dialog(ui, egui::Id::unique("meetjoin.sign_out")).show(ui.ctx(), |ui| {
        ui.set_width(super::dialog_width(ui, DIALOG_WIDTH));
        ui.label(
            RichText::new(lang.tr("gui.sign_out.title"))
                .size(20.0)
                .strong(),
        );
        ui.add_space(8.0);
        super::text::wrapped_label_ui(
            ui,
            t!(
                "gui.sign_out.body",
                locale = lang.code(),
                account = account,
                server = server_name(lang, server)
            )
            .into_owned(),
        );
        ui.add_space(14.0);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let sign_out = ui.add(primary_button(ui, &lang.tr("gui.sign_out.confirm")));
            let cancel = ui.add(secondary_button(&lang.tr("gui.sign_out.cancel")));
            if !cancel.has_focus() && !sign_out.has_focus() {
                cancel.request_focus();
            }
            if sign_out.clicked() {
                action = Some(Action::SignOut);
            } else if cancel.clicked() {
                action = Some(Action::CancelSignOut);
            }
        });
    });
    super::repaint_until_placed(ui, "sign_out", modal.response.rect);
    if modal.should_close() && action.is_none() {
        action = Some(Action::CancelSignOut);
    }
    action
}
