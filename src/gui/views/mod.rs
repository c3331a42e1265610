//! One file per panel or dialog. Views only draw and return [`Action`]s; `logic` applies them.

pub mod banner;
pub mod check_form;
pub mod error_card;
pub mod header;
pub mod history;
pub mod result_card;
pub mod settings;
pub mod sign_in;
pub mod toast;

use std::path::PathBuf;

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;

use crate::i18n::Lang;
use crate::server::Server;

use super::state::{ClipboardClear, LanguageChoice, ServerChoice, ThemeChoice};
use super::theme;

/// Something the user asked for, returned by a view and applied by `logic`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Check the meeting in the form.
    Check,
    /// Cancel the check in flight.
    CancelCheck,
    /// Copy the auth random of the result.
    CopyRandom,
    /// Copy an error's details (the text to copy).
    CopyDetails(String),
    /// Open the sign-in dialog.
    OpenSignIn,
    /// Sign in with the dialog's fields.
    SubmitSignIn,
    /// Close the sign-in dialog.
    CloseSignIn,
    /// Sign out.
    SignOut,
    /// Open the settings dialog.
    OpenSettings,
    /// Close the settings dialog.
    CloseSettings,
    /// Use China, International, or the custom address (already validated).
    SetServer(ServerChoice, Option<Server>),
    /// Trust the CA certificates of this PEM file too, or only the system's with `None`.
    SetCaFile(Option<PathBuf>),
    /// Switch the language.
    SetLanguage(LanguageChoice),
    /// Switch the theme.
    SetTheme(ThemeChoice),
    /// Change when a copied random is cleared.
    SetClipboardClear(ClipboardClear),
    /// Turn history on or off (off clears it).
    SetKeepHistory(bool),
    /// Put a remembered meeting ID back into the form.
    RecallHistory(String),
    /// Forget every remembered meeting.
    ClearHistory,
    /// Hide the keyring banner.
    DismissBanner,
}

/// The frame of a card: the main blocks of the window.
pub fn card(ui: &Ui) -> egui::Frame {
    egui::Frame::new()
        .fill(ui.visuals().window_fill)
        .stroke(ui.visuals().widgets.noninteractive.bg_stroke)
        .corner_radius(10.0)
        .inner_margin(egui::Margin::same(18))
}

/// A card's title.
pub fn card_title_ui(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).size(17.0).strong());
}

/// A button that stands out: the main action of a card or dialog.
pub fn primary_button(ui: &Ui, text: &str) -> egui::Button<'static> {
    let palette = theme::palette(ui);
    egui::Button::new(
        RichText::new(text.to_owned())
            .strong()
            .color(palette.primary_text),
    )
    .fill(palette.primary_fill)
    .min_size(egui::vec2(112.0, 32.0))
}

/// A secondary button of the same height as [`primary_button`].
pub fn secondary_button(text: &str) -> egui::Button<'static> {
    egui::Button::new(text.to_owned()).min_size(egui::vec2(88.0, 32.0))
}

/// A yes / no / unknown answer as text: `None` means the service did not say.
pub fn yes_no(lang: Lang, value: Option<bool>) -> String {
    match value {
        Some(true) => lang.tr("gui.yes"),
        Some(false) => lang.tr("gui.no"),
        None => lang.tr("gui.unknown"),
    }
}

/// A duration for people: "45 s", "12 min", "3 h 5 min", "2 d".
pub fn duration_text(lang: Lang, secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        t!("gui.time.seconds", locale = lang.code(), n = secs).into_owned()
    } else if secs < 3600 {
        t!("gui.time.minutes", locale = lang.code(), n = secs / 60).into_owned()
    } else if secs < 86_400 {
        t!(
            "gui.time.hours_minutes",
            locale = lang.code(),
            h = secs / 3600,
            m = secs % 3600 / 60
        )
        .into_owned()
    } else {
        t!("gui.time.days", locale = lang.code(), n = secs / 86_400).into_owned()
    }
}

/// How long ago something happened: "just now", "5 min ago", "3 h ago", "2 d ago".
pub fn ago_text(lang: Lang, secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        lang.tr("gui.time.just_now")
    } else if secs < 3600 {
        t!("gui.time.minutes_ago", locale = lang.code(), n = secs / 60).into_owned()
    } else if secs < 86_400 {
        t!("gui.time.hours_ago", locale = lang.code(), n = secs / 3600).into_owned()
    } else {
        t!("gui.time.days_ago", locale = lang.code(), n = secs / 86_400).into_owned()
    }
}

/// The server as people name it: "China", "International", or its address.
pub fn server_name(lang: Lang, server: &Server) -> String {
    match server {
        Server::Cn => lang.tr("gui.server.cn"),
        Server::Intl => lang.tr("gui.server.intl"),
        Server::Custom(_) => server.base(),
    }
}

/// The frame of a dialog: roomy, rounded, with the window's shadow.
pub fn dialog_frame(ui: &Ui) -> egui::Frame {
    egui::Frame::window(ui.style())
        .fill(ui.visuals().window_fill)
        .corner_radius(12.0)
        .inner_margin(egui::Margin::same(22))
}

/// Asks for another frame while a dialog is still settling its size and position (a modal
/// is centred using its size from the frame before), so it never rests half-placed.
pub fn repaint_until_placed(ui: &Ui, id_salt: &str, rect: egui::Rect) {
    let id = egui::Id::unique(("meetjoin.dialog_rect", id_salt));
    let previous = ui.ctx().data_mut(|d| {
        let previous = d.get_temp::<egui::Rect>(id);
        d.insert_temp(id, rect);
        previous
    });
    if previous != Some(rect) {
        ui.ctx().request_repaint();
    }
}
