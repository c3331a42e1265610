//! The settings dialog: server, language, theme, clipboard clearing, history. Nothing secret.

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;

use super::{Action, primary_button, server_name};
use crate::gui::state::{
    ClipboardClear, LanguageChoice, ServerChoice, Settings, SettingsDialog, ThemeChoice,
};
use crate::gui::theme;
use crate::i18n::Lang;
use crate::server::Server;

/// What the dialog shows besides its draft.
pub struct SettingsModel<'a> {
    /// The language.
    pub lang: Lang,
    /// The saved settings.
    pub settings: &'a Settings,
    /// The server in use now.
    pub server: &'a Server,
    /// Sandbox mode: the server cannot change.
    pub sandbox: bool,
    /// The server given on the command line, while it is in use.
    pub command_line_server: Option<&'a Server>,
}

/// Draws the dialog; every change is returned as an action and applied at once.
pub fn settings_ui(
    ui: &mut Ui,
    draft: &mut SettingsDialog,
    model: &SettingsModel<'_>,
) -> Option<Action> {
    let lang = model.lang;
    let settings = model.settings;
    let mut action = None;
    let modal = egui::Modal::new(egui::Id::unique("meetjoin.settings"))
        .frame(super::dialog_frame(ui))
        .show(ui.ctx(), |ui| {
            ui.set_width(440.0);
            ui.label(
                RichText::new(lang.tr("gui.settings.title"))
                    .size(20.0)
                    .strong(),
            );
            ui.add_space(8.0);
            ui.scope(|ui| {
                server_section_ui(ui, draft, model, &mut action);
                section_ui(ui, &lang.tr("gui.settings.language"), |ui| {
                    ui.horizontal_wrapped(|ui| {
                        for (choice, key) in [
                            (LanguageChoice::System, "gui.settings.lang_system"),
                            (LanguageChoice::En, "gui.settings.lang_en"),
                            (LanguageChoice::ZhCn, "gui.settings.lang_zh"),
                        ] {
                            let r = ui.radio(settings.language == choice, lang.tr(key));
                            if r.clicked() && settings.language != choice {
                                action = Some(Action::SetLanguage(choice));
                            }
                        }
                    });
                });
                section_ui(ui, &lang.tr("gui.settings.theme"), |ui| {
                    ui.horizontal(|ui| {
                        for (choice, key) in [
                            (ThemeChoice::System, "gui.settings.theme_system"),
                            (ThemeChoice::Light, "gui.settings.theme_light"),
                            (ThemeChoice::Dark, "gui.settings.theme_dark"),
                        ] {
                            let r = ui.radio(settings.theme == choice, lang.tr(key));
                            if r.clicked() && settings.theme != choice {
                                action = Some(Action::SetTheme(choice));
                            }
                        }
                    });
                });
                section_ui(ui, &lang.tr("gui.settings.clipboard"), |ui| {
                    ui.horizontal_wrapped(|ui| {
                        for choice in ClipboardClear::ALL {
                            let r = ui.radio(
                                settings.clipboard_clear == choice,
                                lang.tr(choice.label_key()),
                            );
                            if r.clicked() && settings.clipboard_clear != choice {
                                action = Some(Action::SetClipboardClear(choice));
                            }
                        }
                    });
                    ui.label(
                        RichText::new(lang.tr("gui.settings.clipboard_help"))
                            .small()
                            .weak(),
                    );
                });
                section_ui(ui, &lang.tr("gui.settings.history"), |ui| {
                    let mut keep = settings.keep_history;
                    if ui
                        .checkbox(&mut keep, lang.tr("gui.settings.keep_history"))
                        .changed()
                    {
                        action = Some(Action::SetKeepHistory(keep));
                    }
                    ui.label(
                        RichText::new(lang.tr("gui.settings.history_help"))
                            .small()
                            .weak(),
                    );
                });
            });
            ui.add_space(8.0);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .add(primary_button(ui, &lang.tr("gui.settings.close")))
                    .clicked()
                {
                    action = Some(Action::CloseSettings);
                }
            });
        });
    super::repaint_until_placed(ui, "settings", modal.response.rect);
    if modal.should_close() && action.is_none() {
        action = Some(Action::CloseSettings);
    }
    action
}

/// The server choice: China, International, or a custom address validated as it is typed.
fn server_section_ui(
    ui: &mut Ui,
    draft: &mut SettingsDialog,
    model: &SettingsModel<'_>,
    action: &mut Option<Action>,
) {
    let lang = model.lang;
    section_ui(ui, &lang.tr("gui.settings.server"), |ui| {
        if model.sandbox {
            ui.label(t!(
                "gui.settings.sandbox_fixed",
                locale = lang.code(),
                url = model.server.base()
            ));
            return;
        }
        if let Some(server) = model.command_line_server {
            ui.label(
                RichText::new(t!(
                    "gui.settings.cli_override",
                    locale = lang.code(),
                    server = server.base()
                ))
                .small()
                .weak(),
            );
        }
        let current = model.settings.server;
        let active = |choice| model.command_line_server.is_none() && current == choice;
        let parsed = Server::parse(&draft.custom_server);
        let mut apply = false;
        ui.horizontal_wrapped(|ui| {
            for (choice, key) in [
                (ServerChoice::Cn, "gui.server.cn"),
                (ServerChoice::Intl, "gui.server.intl"),
            ] {
                let r = ui.radio(active(choice), lang.tr(key));
                if r.clicked() && !active(choice) {
                    *action = Some(Action::SetServer(choice, None));
                }
            }
            let custom = ui.radio(active(ServerChoice::Custom), lang.tr("gui.server.custom"));
            apply = custom.clicked() && !active(ServerChoice::Custom) && parsed.is_ok();
        });
        ui.horizontal(|ui| {
            let label = ui.label(lang.tr("gui.settings.custom_url"));
            let apply_text = lang.tr("gui.settings.apply");
            let edit = egui::TextEdit::singleline(&mut draft.custom_server)
                .id_salt("meetjoin.settings.custom_url")
                .hint_text(lang.tr("gui.settings.custom_hint"))
                .margin(egui::Margin::symmetric(8, 5))
                .desired_width((ui.available_width() - 130.0).max(120.0));
            let response = ui.add(edit).labelled_by(label.id);
            if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                apply = true;
            }
            if ui
                .add_enabled(parsed.is_ok(), egui::Button::new(apply_text))
                .clicked()
            {
                apply = true;
            }
        });
        match &parsed {
            Ok(server) if server == model.server => {
                ui.label(
                    RichText::new(t!(
                        "gui.settings.server_in_use",
                        locale = lang.code(),
                        server = server_name(lang, server)
                    ))
                    .small()
                    .color(theme::ok_color(ui)),
                );
            }
            Ok(server) => {
                ui.label(
                    RichText::new(t!(
                        "gui.settings.server_ok",
                        locale = lang.code(),
                        server = server_name(lang, server)
                    ))
                    .small()
                    .weak(),
                );
            }
            Err(_) if draft.custom_server.trim().is_empty() => {}
            Err(error) => {
                ui.label(
                    RichText::new(error.message(lang))
                        .small()
                        .color(ui.visuals().error_fg_color),
                );
            }
        }
        if apply && let Ok(server) = parsed {
            let choice = match server {
                Server::Cn => ServerChoice::Cn,
                Server::Intl => ServerChoice::Intl,
                Server::Custom(_) => ServerChoice::Custom,
            };
            *action = Some(Action::SetServer(choice, Some(server)));
        }
    });
}

/// A titled group of settings, with a rule under it.
fn section_ui(ui: &mut Ui, title: &str, add_contents: impl FnOnce(&mut Ui)) {
    ui.add_space(4.0);
    ui.label(RichText::new(title).strong());
    add_contents(ui);
    ui.add_space(4.0);
    ui.separator();
}
