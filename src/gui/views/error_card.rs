//! The error card: one message per error kind, a collapsible "Details" and a button copying them.

use eframe::egui::{self, RichText, Ui};

use super::{Action, secondary_button};
use crate::api::{ApiError, ErrorKind};
use crate::gui::theme;
use crate::i18n::Lang;

/// Where an error card is shown.
pub struct ErrorPlace<'a> {
    /// Keeps the Details state of different places apart.
    pub id_salt: &'a str,
    /// Offer "Sign in…" when signing in again would help (not inside the sign-in dialog).
    pub offer_sign_in: bool,
}

/// What the check's error card adds to the message: a live countdown, the waiting page.
#[derive(Clone, Copy, Debug, Default)]
pub struct CheckExtras {
    /// The time left before trying again, counted down live (replaces the server's figure).
    pub wait: Option<std::time::Duration>,
    /// Offer "Check again with the waiting page" (the host has not arrived).
    pub offer_waiting_page: bool,
    /// Offer "Wait here" (the host has not arrived, or the meeting has not started).
    pub offer_wait_here: bool,
}

/// Draws `error` with its message, a collapsible "Details" and a button copying them.
pub fn error_card_ui(
    ui: &mut Ui,
    lang: Lang,
    error: &ApiError,
    place: &ErrorPlace<'_>,
) -> Option<Action> {
    error_card_with(ui, lang, error, place, CheckExtras::default())
}

/// The next steps the card offers when the host has not arrived: Wait here (primary when
/// offered) and a check with the waiting page; returns the click.
fn next_steps_ui(ui: &mut Ui, lang: Lang, error: &ApiError, extras: CheckExtras) -> Option<Action> {
    let mut action = None;
    let waiting_page = extras.offer_waiting_page && error.kind == ErrorKind::WaitingForHost;
    if waiting_page {
        ui.add_space(4.0);
        super::text::wrapped_label_ui(ui, lang.tr("gui.check.waiting_page_explained"));
    }
    if waiting_page || extras.offer_wait_here {
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            // The next step is the card's primary action: waiting here, when offered.
            if extras.offer_wait_here {
                let wait = super::primary_button(ui, &lang.tr("gui.waiting.wait_here"));
                if ui
                    .add(wait)
                    .on_hover_text(lang.tr("gui.waiting.wait_here_help"))
                    .clicked()
                {
                    action = Some(Action::WaitHere);
                }
            }
            if waiting_page {
                let text = lang.tr("gui.check.with_waiting_page");
                let button = if extras.offer_wait_here {
                    ui.add(secondary_button(&text))
                } else {
                    ui.add(super::primary_button(ui, &text))
                };
                if button.clicked() {
                    action = Some(Action::CheckWithWaitingPage);
                }
            }
        });
    }
    action
}

/// The error's details, folded, with the log file's place and a button to copy them;
/// returns the click.
fn details_ui(ui: &mut Ui, lang: Lang, error: &ApiError, id_salt: &str) -> Option<Action> {
    let mut action = None;
    let mut details = error.details(lang);
    // Where the window's log file is, for support: shown and copied with the rest.
    if let Some(line) = crate::logging::details_line(lang) {
        details.push('\n');
        details.push_str(&line);
    }
    egui::CollapsingHeader::new(lang.tr("gui.error.details"))
        .id_salt(("meetjoin.error.details", id_salt))
        .default_open(false)
        .show(ui, |ui| {
            ui.add(egui::Label::new(RichText::new(&details).monospace()).wrap());
            ui.add_space(4.0);
            if ui.button(lang.tr("gui.error.copy_details")).clicked() {
                action = Some(Action::CopyDetails(details.clone()));
            }
        });
    action
}

/// [`error_card_ui`] with a live countdown or the waiting page offered.
pub fn error_card_with(
    ui: &mut Ui,
    lang: Lang,
    error: &ApiError,
    place: &ErrorPlace<'_>,
    extras: CheckExtras,
) -> Option<Action> {
    let mut action = None;
    let palette = theme::palette(ui);
    // Waiting for the host, a meeting not started yet and a lockout that is over are not
    // mistakes: an informing card, not a red one.
    let lockout_over = error.kind == ErrorKind::Locked && extras.wait.is_some_and(|w| w.is_zero());
    let informs = lockout_over
        || matches!(
            error.kind,
            ErrorKind::WaitingForHost | ErrorKind::NotStarted
        );
    let (fill, border, text_color, sign) = if informs {
        let accent = palette.accent;
        (
            palette.info_fill,
            accent.gamma_multiply(0.6),
            ui.visuals().strong_text_color(),
            "",
        )
    } else {
        let error_color = ui.visuals().error_fg_color;
        (
            palette.error_fill,
            error_color.gamma_multiply(0.6),
            error_color,
            "⚠ ",
        )
    };
    // A lockout that is over says only that: the try can be made again.
    let message = if lockout_over {
        lang.tr("error.retry_now")
    } else {
        error.message_waiting(lang, extras.wait.or(error.retry_after))
    };
    egui::Frame::new()
        .fill(fill)
        .stroke(egui::Stroke::new(1.0, border))
        .corner_radius(10.0)
        .inner_margin(egui::Margin::same(16))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            super::text::wrapped_label_ui(
                ui,
                RichText::new(format!("{sign}{message}"))
                    .strong()
                    .color(text_color),
            );
            if let Some(a) = next_steps_ui(ui, lang, error, extras) {
                action = Some(a);
            }
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
            if let Some(a) = details_ui(ui, lang, error, place.id_salt) {
                action = Some(a);
            }
        });
    action
}
