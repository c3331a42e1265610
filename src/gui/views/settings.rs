//! The settings dialog: server and CA certificate, language, theme, clipboard clearing,
//! history. Nothing secret.

use std::path::{Path, PathBuf};

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;

use super::{Action, primary_button, server_name};
use crate::api::ApiError;
use crate::gui::state::{
    ClipboardClear, LanguageChoice, ReminderLead, ServerChoice, Settings, SettingsDialog,
    ThemeChoice,
};
use crate::gui::theme;
use crate::i18n::Lang;
use crate::server::Server;

/// A server as the settings name it: China, International, or a custom server's whole
/// address (the one being typed).
fn address_name(lang: Lang, server: &Server) -> String {
    match server {
        Server::Custom(_) => server.base(),
        _ => server_name(lang, server),
    }
}

/// The width of the dialog's content in a roomy window, in points.
const DIALOG_WIDTH: f32 = 440.0;
/// The height of what follows the dialog's sections: a gap and Close, in points.
const FOOTER_HEIGHT: f32 = 52.0;

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
    /// The CA certificate file the worker's client trusts besides the system's, if any.
    pub ca_file: Option<&'a Path>,
    /// The CA certificate file given on the command line, while it is in use.
    pub command_line_ca_file: Option<&'a Path>,
    /// Why the CA certificate file in use could not be used, if it could not.
    pub ca_error: Option<&'a ApiError>,
    /// Why the last reminder could not be shown, in the window's language, if it could not.
    pub reminder_error: Option<String>,
}

/// Draws the dialog; every change is returned as an action and applied at once.
pub fn settings_ui(
    ui: &mut Ui,
    draft: &mut SettingsDialog,
    model: &SettingsModel<'_>,
) -> Option<Action> {
    let lang = model.lang;
    let mut action = None;
    let modal = super::dialog(ui, egui::Id::unique("meetjoin.settings")).show(ui.ctx(), |ui| {
        ui.set_width(super::dialog_width(ui, DIALOG_WIDTH));
        ui.label(
            RichText::new(lang.tr("gui.settings.title"))
                .size(20.0)
                .strong(),
        );
        ui.add_space(8.0);
        // The sections scroll when the window is too short for all of them; the title and
        // Close stay in view.
        super::dialog_body(ui, "meetjoin.settings.sections", FOOTER_HEIGHT).show(ui, |ui| {
            server_section_ui(ui, draft, model, &mut action);
            language_section_ui(ui, model, &mut action);
            theme_section_ui(ui, model, &mut action);
            clipboard_section_ui(ui, model, &mut action);
            join_section_ui(ui, draft, model, &mut action);
            today_section_ui(ui, model, &mut action);
            history_section_ui(ui, model, &mut action);
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

/// The language: the system's, English or Chinese.
fn language_section_ui(ui: &mut Ui, model: &SettingsModel<'_>, action: &mut Option<Action>) {
    let (lang, settings) = (model.lang, model.settings);
    section_ui(ui, &lang.tr("gui.settings.language"), |ui| {
        ui.horizontal_wrapped(|ui| {
            for (choice, key) in [
                (LanguageChoice::System, "gui.settings.lang_system"),
                (LanguageChoice::En, "gui.settings.lang_en"),
                (LanguageChoice::ZhCn, "gui.settings.lang_zh"),
            ] {
                let r = ui.radio(settings.language == choice, lang.tr(key));
                if r.clicked() && settings.language != choice {
                    *action = Some(Action::SetLanguage(choice));
                }
            }
        });
    });
}

/// The theme: the system's, light or dark.
fn theme_section_ui(ui: &mut Ui, model: &SettingsModel<'_>, action: &mut Option<Action>) {
    let (lang, settings) = (model.lang, model.settings);
    section_ui(ui, &lang.tr("gui.settings.theme"), |ui| {
        ui.horizontal(|ui| {
            for (choice, key) in [
                (ThemeChoice::System, "gui.settings.theme_system"),
                (ThemeChoice::Light, "gui.settings.theme_light"),
                (ThemeChoice::Dark, "gui.settings.theme_dark"),
            ] {
                let r = ui.radio(settings.theme == choice, lang.tr(key));
                if r.clicked() && settings.theme != choice {
                    *action = Some(Action::SetTheme(choice));
                }
            }
        });
    });
}

/// How soon a copied random is cleared from the clipboard.
fn clipboard_section_ui(ui: &mut Ui, model: &SettingsModel<'_>, action: &mut Option<Action>) {
    let (lang, settings) = (model.lang, model.settings);
    section_ui(ui, &lang.tr("gui.settings.clipboard"), |ui| {
        ui.horizontal_wrapped(|ui| {
            for choice in ClipboardClear::ALL {
                let r = ui.radio(
                    settings.clipboard_clear == choice,
                    lang.tr(choice.label_key()),
                );
                if r.clicked() && settings.clipboard_clear != choice {
                    *action = Some(Action::SetClipboardClear(choice));
                }
            }
        });
        super::text::wrapped_label_ui(
            ui,
            RichText::new(lang.tr("gui.settings.clipboard_help"))
                .small()
                .weak(),
        );
    });
}

/// What Join asks the meeting app for: the display name, microphone and camera.
fn join_section_ui(
    ui: &mut Ui,
    draft: &mut SettingsDialog,
    model: &SettingsModel<'_>,
    action: &mut Option<Action>,
) {
    let (lang, settings) = (model.lang, model.settings);
    section_ui(ui, &lang.tr("gui.settings.join"), |ui| {
        let mut join = settings.join.clone();
        let label = ui.label(lang.tr("gui.settings.display_name"));
        let name = ui
            .add(
                egui::TextEdit::singleline(&mut draft.display_name)
                    .hint_text(lang.tr("gui.settings.display_name_hint"))
                    .margin(egui::Margin::symmetric(8, 6))
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        let mut changed = name.changed();
        join.display_name.clone_from(&draft.display_name);
        changed |= ui
            .checkbox(&mut join.mic, lang.tr("gui.settings.join_mic"))
            .changed();
        changed |= ui
            .checkbox(&mut join.camera, lang.tr("gui.settings.join_camera"))
            .changed();
        if changed {
            *action = Some(Action::SetJoin(join));
        }
    });
}

/// The Today list and reminders before meetings (only while meetjoin runs).
fn today_section_ui(ui: &mut Ui, model: &SettingsModel<'_>, action: &mut Option<Action>) {
    let (lang, settings) = (model.lang, model.settings);
    section_ui(ui, &lang.tr("gui.settings.today"), |ui| {
        let mut show = settings.show_today;
        if ui
            .checkbox(&mut show, lang.tr("gui.settings.show_today"))
            .changed()
        {
            *action = Some(Action::SetShowToday(show));
        }
        ui.label(lang.tr("gui.settings.reminders"));
        ui.horizontal_wrapped(|ui| {
            for choice in ReminderLead::ALL {
                let r = ui.radio(settings.reminders == choice, lang.tr(choice.label_key()));
                if r.clicked() && settings.reminders != choice {
                    *action = Some(Action::SetReminders(choice));
                }
            }
        });
        super::text::wrapped_label_ui(
            ui,
            RichText::new(lang.tr("gui.settings.reminders_help"))
                .small()
                .weak(),
        );
        if let Some(error) = &model.reminder_error
            && settings.reminders != ReminderLead::Off
        {
            super::text::wrapped_label_ui(
                ui,
                RichText::new(error)
                    .small()
                    .color(ui.visuals().error_fg_color),
            );
        }
    });
}

/// Recent meetings kept or not, and meetings offered from the clipboard.
fn history_section_ui(ui: &mut Ui, model: &SettingsModel<'_>, action: &mut Option<Action>) {
    let (lang, settings) = (model.lang, model.settings);
    section_ui(ui, &lang.tr("gui.settings.history"), |ui| {
        let mut keep = settings.keep_history;
        if ui
            .checkbox(&mut keep, lang.tr("gui.settings.keep_history"))
            .changed()
        {
            *action = Some(Action::SetKeepHistory(keep));
        }
        super::text::wrapped_label_ui(
            ui,
            RichText::new(lang.tr("gui.settings.history_help"))
                .small()
                .weak(),
        );
        let mut offer = settings.offer_clipboard;
        if ui
            .checkbox(&mut offer, lang.tr("gui.settings.offer_clipboard"))
            .on_hover_text(lang.tr("gui.settings.offer_clipboard_help"))
            .changed()
        {
            *action = Some(Action::SetOfferClipboard(offer));
        }
    });
}

/// The server section: which server (fixed in sandbox mode), then the CA certificate file.
fn server_section_ui(
    ui: &mut Ui,
    draft: &mut SettingsDialog,
    model: &SettingsModel<'_>,
    action: &mut Option<Action>,
) {
    let lang = model.lang;
    section_ui(ui, &lang.tr("gui.settings.server"), |ui| {
        if model.sandbox {
            super::text::wrapped_label_ui(
                ui,
                t!(
                    "gui.settings.sandbox_fixed",
                    locale = lang.code(),
                    url = model.server.base()
                ),
            );
        } else {
            server_choice_ui(ui, draft, model, action);
        }
        ui.add_space(6.0);
        ca_file_ui(ui, draft, model, action);
    });
}

/// What the custom server field holds: the server in use, one that would do, or why not.
fn custom_server_note_ui(
    ui: &mut Ui,
    lang: Lang,
    parsed: &Result<Server, crate::server::ServerError>,
    in_use: &Server,
    typed: &str,
) {
    match parsed {
        Ok(server) if server == in_use => {
            super::text::wrapped_label_ui(
                ui,
                RichText::new(t!(
                    "gui.settings.server_in_use",
                    locale = lang.code(),
                    server = address_name(lang, server)
                ))
                .small()
                .color(theme::ok_color(ui)),
            );
        }
        Ok(server) => {
            super::text::wrapped_label_ui(
                ui,
                RichText::new(t!(
                    "gui.settings.server_ok",
                    locale = lang.code(),
                    server = address_name(lang, server)
                ))
                .small()
                .weak(),
            );
        }
        Err(_) if typed.trim().is_empty() => {}
        Err(error) => {
            super::text::wrapped_label_ui(
                ui,
                RichText::new(error.message(lang))
                    .small()
                    .color(ui.visuals().error_fg_color),
            );
        }
    }
}

/// The server choice: China, International, or a custom address validated as it is typed.
fn server_choice_ui(
    ui: &mut Ui,
    draft: &mut SettingsDialog,
    model: &SettingsModel<'_>,
    action: &mut Option<Action>,
) {
    let lang = model.lang;
    if let Some(server) = model.command_line_server {
        super::text::wrapped_label_ui(
            ui,
            RichText::new(t!(
                "gui.settings.cli_override",
                locale = lang.code(),
                server = server.base()
            ))
            .small()
            .weak(),
        );
    }
    // The choice that matches the server in use is selected, also when the command line
    // chose it.
    let in_use = match model.server {
        Server::Cn => ServerChoice::Cn,
        Server::Intl => ServerChoice::Intl,
        Server::Custom(_) => ServerChoice::Custom,
    };
    let active = |choice| in_use == choice;
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
    custom_server_note_ui(ui, lang, &parsed, model.server, &draft.custom_server);
    if apply && let Ok(server) = parsed {
        let choice = match server {
            Server::Cn => ServerChoice::Cn,
            Server::Intl => ServerChoice::Intl,
            Server::Custom(_) => ServerChoice::Custom,
        };
        *action = Some(Action::SetServer(choice, Some(server)));
    }
}

/// The CA certificate file trusted besides the system's: a path with "Use this file" and
/// What the CA file setting does now: why the file cannot be used, the file in use, or none.
fn ca_file_note_ui(ui: &mut Ui, model: &SettingsModel<'_>) {
    let lang = model.lang;
    match (model.ca_error, model.ca_file) {
        (Some(error), _) => {
            super::text::wrapped_label_ui(
                ui,
                RichText::new(error.message(lang))
                    .small()
                    .color(ui.visuals().error_fg_color),
            );
            if let Some(detail) = &error.detail {
                super::text::wrapped_label_ui(ui, RichText::new(detail).small().weak());
            }
        }
        (None, Some(path)) => {
            super::text::wrapped_label_ui(
                ui,
                RichText::new(t!(
                    "gui.settings.ca_in_use",
                    locale = lang.code(),
                    file = path.display()
                ))
                .small()
                .color(theme::ok_color(ui)),
            );
        }
        (None, None) => {
            super::text::wrapped_label_ui(
                ui,
                RichText::new(lang.tr("gui.settings.ca_none"))
                    .small()
                    .weak(),
            );
        }
    }
}

/// "Clear", and under it whether the file is in use or why it could not be used.
fn ca_file_ui(
    ui: &mut Ui,
    draft: &mut SettingsDialog,
    model: &SettingsModel<'_>,
    action: &mut Option<Action>,
) {
    let lang = model.lang;
    let label = ui.label(lang.tr("gui.settings.ca_file"));
    if model.sandbox {
        super::text::wrapped_label_ui(
            ui,
            RichText::new(lang.tr("gui.settings.ca_sandbox_note"))
                .small()
                .weak(),
        );
    } else if let Some(path) = model.command_line_ca_file {
        super::text::wrapped_label_ui(
            ui,
            RichText::new(t!(
                "gui.settings.ca_cli_override",
                locale = lang.code(),
                file = path.display()
            ))
            .small()
            .weak(),
        );
    }
    let mut apply = false;
    let mut clear = false;
    ui.horizontal(|ui| {
        let edit = egui::TextEdit::singleline(&mut draft.ca_file)
            .id_salt("meetjoin.settings.ca_file")
            .hint_text(lang.tr("gui.settings.ca_hint"))
            .margin(egui::Margin::symmetric(8, 5))
            .desired_width((ui.available_width() - 170.0).max(120.0));
        let response = ui.add(edit).labelled_by(label.id);
        let typed = !draft.ca_file.trim().is_empty();
        if typed && response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            apply = true;
        }
        let apply_button = egui::Button::new(lang.tr("gui.settings.ca_apply"));
        if ui.add_enabled(typed, apply_button).clicked() {
            apply = true;
        }
        let clear_button = egui::Button::new(lang.tr("gui.settings.ca_clear"));
        let can_clear = model.ca_file.is_some() || !draft.ca_file.is_empty();
        if ui.add_enabled(can_clear, clear_button).clicked() {
            clear = true;
        }
    });
    ca_file_note_ui(ui, model);
    if clear {
        draft.ca_file.clear();
        if model.ca_file.is_some() {
            *action = Some(Action::SetCaFile(None));
        }
    } else if apply {
        // Saved as an absolute path: the window may start elsewhere next time.
        let typed = PathBuf::from(draft.ca_file.trim());
        let path = std::path::absolute(&typed).unwrap_or(typed);
        draft.ca_file = path.display().to_string();
        *action = Some(Action::SetCaFile(Some(path)));
    }
}

/// A titled group of settings, with a rule under it.
fn section_ui(ui: &mut Ui, title: &str, add_contents: impl FnOnce(&mut Ui)) {
    ui.add_space(4.0);
    ui.label(RichText::new(title).strong());
    add_contents(ui);
    ui.add_space(4.0);
    ui.separator();
}
