//! The top bar: app name, sandbox badge, server, who is signed in, sign in / out, settings.

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;

use super::{Action, duration_text, server_name};
use crate::gui::state::AccountState;
use crate::gui::theme;
use crate::i18n::Lang;
use crate::server::Server;

/// What the header shows.
pub struct HeaderModel<'a> {
    /// The language.
    pub lang: Lang,
    /// The server in use.
    pub server: &'a Server,
    /// True in sandbox mode (shows the badge).
    pub sandbox: bool,
    /// Who is signed in.
    pub account: &'a AccountState,
    /// Now, in Unix seconds (for the token's remaining time).
    pub now: i64,
}

/// Draws the header; returns what the user clicked.
pub fn header_ui(ui: &mut Ui, model: &HeaderModel<'_>) -> Option<Action> {
    let lang = model.lang;
    let mut action = None;
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new(lang.tr("app.name")).size(20.0).strong());
                if model.sandbox {
                    sandbox_badge_ui(ui, lang, model.server);
                }
            });
            let server = t!(
                "gui.header.server",
                locale = lang.code(),
                server = server_name(lang, model.server)
            );
            ui.label(RichText::new(server).small().weak());
        });
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .add(
                    egui::Button::new(lang.tr("gui.header.settings"))
                        .min_size(egui::vec2(0.0, 30.0)),
                )
                .clicked()
            {
                action = Some(Action::OpenSettings);
            }
            let account = model.account;
            if let Some(signed_in) = &account.signed_in {
                let button = egui::Button::new(if account.signing_out {
                    lang.tr("gui.header.signing_out")
                } else {
                    lang.tr("gui.header.sign_out")
                })
                .min_size(egui::vec2(0.0, 30.0));
                if ui.add_enabled(!account.signing_out, button).clicked() {
                    action = Some(Action::SignOut);
                }
                ui.add_space(4.0);
                ui.vertical(|ui| {
                    ui.with_layout(egui::Layout::top_down(egui::Align::Max), |ui| {
                        let name = signed_in.user_name.as_deref().unwrap_or(&signed_in.account);
                        ui.label(
                            RichText::new(t!(
                                "gui.header.signed_in_as",
                                locale = lang.code(),
                                name = name
                            ))
                            .strong(),
                        );
                        let mut detail = match signed_in.expires_at {
                            Some(at) if at > model.now => t!(
                                "gui.header.expires_in",
                                locale = lang.code(),
                                time = duration_text(lang, at - model.now)
                            )
                            .into_owned(),
                            Some(_) => lang.tr("gui.header.expired"),
                            None => lang.tr("gui.header.no_expiry"),
                        };
                        if signed_in.memory_only && !model.sandbox {
                            detail.push_str(" · ");
                            detail.push_str(&lang.tr("gui.header.memory_only"));
                        }
                        ui.label(RichText::new(detail).small().weak());
                    });
                });
            } else if account.restoring {
                ui.spinner();
                ui.label(RichText::new(lang.tr("gui.header.restoring")).weak());
            } else {
                if ui
                    .add(
                        egui::Button::new(lang.tr("gui.header.sign_in"))
                            .min_size(egui::vec2(0.0, 30.0)),
                    )
                    .clicked()
                {
                    action = Some(Action::OpenSignIn);
                }
                ui.label(RichText::new(lang.tr("gui.header.not_signed_in")).weak());
            }
        });
    });
    action
}

/// The amber "Sandbox" badge, with the sandbox's address on hover.
fn sandbox_badge_ui(ui: &mut Ui, lang: Lang, server: &Server) {
    let palette = theme::palette(ui);
    egui::Frame::new()
        .fill(palette.badge_fill)
        .corner_radius(6.0)
        .inner_margin(egui::Margin::symmetric(8, 3))
        .show(ui, |ui| {
            ui.label(
                RichText::new(lang.tr("gui.sandbox_badge"))
                    .strong()
                    .color(palette.badge_text),
            );
        })
        .response
        .on_hover_text(t!(
            "gui.sandbox_tooltip",
            locale = lang.code(),
            url = server.base()
        ));
}
