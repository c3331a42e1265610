//! One file per panel or dialog. Views only draw and return [`Action`]s; `logic` applies them.

pub mod banner;
pub mod check_form;
pub mod confirm;
pub mod error_card;
pub mod header;
pub mod history;
pub mod invitation;
pub mod result_card;
pub mod settings;
pub mod sign_in;
pub mod text;
pub mod toast;
pub mod today;
pub mod waiting;

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
    /// The user stopped typing in the meeting field (left it, or pasted): judge its text.
    JudgeMeeting,
    /// The user typed in the password field: the password belongs to the meeting there now.
    PasswordTyped,
    /// Check again with the guest waiting page (`guest_waiting=1`), and keep that choice.
    CheckWithWaitingPage,
    /// Cancel the check in flight.
    CancelCheck,
    /// Copy the auth random of the result.
    CopyRandom,
    /// Open the checked meeting in the official client.
    Join,
    /// Open a web page (the client's download page) in the browser.
    OpenUrl(String),
    /// Change how Join joins (name, microphone, camera).
    SetJoin(super::state::JoinSettings),
    /// Check the meeting offered from the clipboard.
    CheckClipboardOffer,
    /// Dismiss the clipboard's offer.
    DismissClipboardOffer,
    /// Turn the clipboard offers on or off.
    SetOfferClipboard(bool),
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
    /// Put a remembered meeting back into the form.
    RecallHistory(crate::meeting_id::MeetingId),
    /// Forget every remembered meeting (Undo brings them back for a few seconds).
    ClearHistory,
    /// Bring back what the status bar's message says was removed.
    Undo,
    /// Ask before signing out (it ends the token on the server).
    AskSignOut,
    /// Keep the sign-in after all.
    CancelSignOut,
    /// Check a meeting of the Today list and open it (with the password the service gave).
    JoinListed(crate::meeting_id::MeetingId),
    /// Check a meeting of the Today list.
    CheckListed(crate::meeting_id::MeetingId),
    /// Read the Today list again now.
    RefreshMeetings,
    /// Show the whole week (`true`) or only today.
    ShowWeek(bool),
    /// Show the Today list or not.
    SetShowToday(bool),
    /// Change when reminders come.
    SetReminders(super::state::ReminderLead),
    /// Wait here for the host, checking again now and then.
    WaitHere,
    /// Stop waiting for the host.
    StopWaiting,
    /// Open the meeting as soon as the host arrives (or not).
    SetJoinOnArrival(bool),
    /// Fetch a new auth random for the checked meeting (the one shown is old).
    RefreshRandom,
    /// Join the checked meeting in the browser (its web page): no meeting app here.
    JoinInBrowser,
    /// Copy an invitation to the checked meeting (ID, password, link).
    CopyInvitation,
    /// Hide the keyring banner.
    DismissBanner,
    /// Switch to the official site the pasted invitation's link names, and check there.
    CheckOnSite(crate::invitation::Site),
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

/// A duration for people: "45 s", "12 min", "60 min", "3 h", "3 h 5 min", "2 d".
pub fn duration_text(lang: Lang, secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        t!("gui.time.seconds", locale = lang.code(), n = secs).into_owned()
    } else if secs < 3660 {
        // Up to an hour in minutes: "60 min", never "1 h 0 min".
        t!("gui.time.minutes", locale = lang.code(), n = secs / 60).into_owned()
    } else if secs < 86_400 && secs % 3600 < 60 {
        t!("gui.time.hours", locale = lang.code(), n = secs / 3600).into_owned()
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

/// The server as people name it: "China", "International", or a custom server's host (and
/// port); the full address belongs in a hover text.
pub fn server_name(lang: Lang, server: &Server) -> String {
    match server {
        Server::Cn => lang.tr("gui.server.cn"),
        Server::Intl => lang.tr("gui.server.intl"),
        Server::Custom(url) => match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => server.base(),
        },
    }
}

/// The frame of a dialog: roomy, rounded, with the window's shadow.
pub fn dialog_frame(ui: &Ui) -> egui::Frame {
    egui::Frame::window(ui.style())
        .fill(ui.visuals().window_fill)
        .corner_radius(12.0)
        .inner_margin(egui::Margin::same(DIALOG_PADDING))
}

/// The inner margin of a dialog's frame, in points.
const DIALOG_PADDING: i8 = 22;
/// The least room a dialog leaves between itself and the window's edges, in points.
const DIALOG_MARGIN: f32 = 12.0;

/// A modal dialog standing at a place that depends only on the window's size: centred across,
/// a fixed distance below the window's top. Its top-left stays put when its content grows or
/// shrinks (another tab, an error's Details), so a second click lands where the first did.
pub fn dialog(ui: &Ui, id: egui::Id) -> egui::Modal {
    let top = dialog_top(ui.ctx().content_rect());
    let area = egui::Modal::default_area(id).anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, top));
    egui::Modal::new(id).area(area).frame(dialog_frame(ui))
}

/// How far below the window's top dialogs stand, in points: a little lower in a tall window.
fn dialog_top(window: egui::Rect) -> f32 {
    (window.height() * 0.06).clamp(DIALOG_MARGIN, 48.0)
}

/// The width of a dialog's content: `wanted`, or less in a narrow window, so that the dialog
/// with its frame fits inside the window.
pub fn dialog_width(ui: &Ui, wanted: f32) -> f32 {
    let room = ui.ctx().content_rect().width() - 2.0 * (DIALOG_MARGIN + f32::from(DIALOG_PADDING));
    wanted.min(room).max(160.0)
}

/// The scrolling part of a dialog, starting where `ui`'s cursor stands, when `footer` points
/// of content follow it: as tall as its content, up to where the dialog would leave the window.
pub fn dialog_body(ui: &Ui, id_salt: &str, footer: f32) -> egui::ScrollArea {
    let window = ui.ctx().content_rect();
    let bottom = window.bottom() - DIALOG_MARGIN - f32::from(DIALOG_PADDING) - footer;
    let max_height = (bottom - ui.cursor().top()).max(80.0);
    egui::ScrollArea::vertical()
        .id_salt(id_salt)
        .max_height(max_height)
        // The room the modal had last frame does not limit it: settles in one frame.
        .min_scrolled_height(max_height)
        .auto_shrink([false, true])
}

/// Asks for another frame while a dialog is still settling its size and position (a modal
/// is centred across using its width from the frame before), so it never rests half-placed.
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
