//! The "check a meeting" card: the pasted text, the live parse, password, guest waiting, Check.

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers, RichText, Ui};
use rust_i18n::t;

use super::{Action, card, card_title_ui, primary_button, secondary_button};
use crate::api::RetryNotice;
use crate::gui::state::CheckForm;
use crate::gui::theme;
use crate::i18n::Lang;
use crate::meeting_id::{MeetingId, MeetingIdError};

/// The id of the meeting field (for focus).
pub fn input_id() -> egui::Id {
    egui::Id::unique("meetjoin.check.input")
}

/// The id of the password field (for focus).
pub fn password_id() -> egui::Id {
    egui::Id::unique("meetjoin.check.password")
}

/// What the form needs besides its fields.
pub struct CheckFormModel<'a> {
    /// The language.
    pub lang: Lang,
    /// The guest-waiting setting (saved).
    pub guest_waiting: &'a mut bool,
    /// A check is running.
    pub running: bool,
    /// The running check failed once and is waiting to try again (or trying again).
    pub retrying: Option<&'a RetryNotice>,
    /// The meeting in the form refuses new tries for this long (Check is disabled until zero).
    pub locked_for: Option<std::time::Duration>,
    /// Say the lockout here (the error card, when shown, says it instead).
    pub say_lockout: bool,
    /// Nobody is signed in: say that Check asks to sign in first.
    pub sign_in_first: bool,
}

/// The meeting field: text in, Enter checks, leaving it or a paste judges it; returns the
/// meeting ID read from it.
fn meeting_input_ui(
    ui: &mut Ui,
    lang: Lang,
    form: &mut CheckForm,
    locked: bool,
    actions: &mut Vec<Action>,
) -> Result<MeetingId, MeetingIdError> {
    let input_label = ui.label(RichText::new(lang.tr("gui.check.input_label")).strong());
    let input = ui
        .add(
            egui::TextEdit::multiline(&mut form.input)
                .id(input_id())
                .hint_text(lang.tr("gui.check.input_hint"))
                .desired_rows(3)
                .margin(egui::Margin::symmetric(8, 6))
                .desired_width(f32::INFINITY)
                .return_key(KeyboardShortcut::new(Modifiers::SHIFT, Key::Enter)),
        )
        .labelled_by(input_label.id);
    if form.focus_input {
        input.request_focus();
        form.focus_input = false;
    }
    if std::mem::take(&mut form.cursor_to_end) {
        // Text filled in for the user: the cursor goes to its end, ready for more.
        if let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), input_id()) {
            let end = egui::text::CCursor::new(form.input.chars().count());
            state
                .cursor
                .set_char_range(Some(egui::text::CCursorRange::one(end)));
            state.store(ui.ctx(), input_id());
        }
        ui.ctx().request_repaint();
    }
    let pasted = input.changed() && ui.input(|i| i.events.iter().any(is_paste));
    if input.lost_focus() || pasted {
        actions.push(Action::JudgeMeeting);
    }
    if input.has_focus() && enter_pressed(ui) && !locked {
        actions.push(Action::Check);
    }
    // Read once per change of the text, not per frame.
    if input.changed() {
        form.sync();
    }
    let parsed = form.read().map(|invitation| invitation.meeting_id.clone());
    let judged = form.judged_input.as_deref() == Some(form.input.as_str()) || pasted;
    parsed_line_ui(ui, lang, &parsed, judged);
    parsed
}

/// The password field with Show, and the line saying where its text came from or why it was
/// emptied.
fn password_ui(
    ui: &mut Ui,
    lang: Lang,
    form: &mut CheckForm,
    parsed: &Result<MeetingId, MeetingIdError>,
    locked: bool,
    actions: &mut Vec<Action>,
) {
    let password_label = ui.label(RichText::new(lang.tr("gui.check.password_label")).strong());
    ui.horizontal(|ui| {
        let toggle_text = if form.show_password {
            lang.tr("gui.check.hide_password")
        } else {
            lang.tr("gui.check.show_password")
        };
        let toggle_width = 72.0;
        let field_width = ui.available_width() - toggle_width - ui.spacing().item_spacing.x;
        // After the service said this meeting needs a password, the empty field says so.
        let required = parsed
            .as_ref()
            .is_ok_and(|id| form.password_required_for.as_ref() == Some(id));
        let hint = if required {
            lang.tr("gui.check.password_hint_required")
        } else {
            lang.tr("gui.check.password_hint")
        };
        let mut output = egui::TextEdit::singleline(&mut form.password)
            .id(password_id())
            .password(!form.show_password)
            .hint_text(hint)
            .margin(egui::Margin::symmetric(8, 6))
            .desired_width(field_width)
            .show(ui);
        let password = output
            .response
            .response
            .clone()
            .labelled_by(password_label.id);
        if form.focus_password {
            password.request_focus();
            form.focus_password = false;
            if std::mem::take(&mut form.select_password) {
                // A wrong password, selected: typing replaces it, Enter checks again.
                let all = egui::text::CCursorRange::select_all_str(&form.password);
                output.state.cursor.set_char_range(Some(all));
                output.state.store(ui.ctx(), password_id());
                ui.ctx().request_repaint();
            }
        }
        if password.changed() {
            actions.push(Action::PasswordTyped);
        }
        if password.lost_focus() && enter_pressed(ui) && !locked {
            actions.push(Action::Check);
        }
        if ui
            .add(egui::Button::new(toggle_text).min_size(egui::vec2(toggle_width, 30.0)))
            .clicked()
        {
            form.show_password = !form.show_password;
        }
    });
    if form
        .password_from_invitation
        .as_ref()
        .is_some_and(|filled| *filled == form.password)
    {
        ui.label(
            RichText::new(lang.tr("gui.check.password_from_invitation"))
                .small()
                .color(theme::ok_color(ui)),
        );
    } else if let Some(owner) = &form.password_cleared {
        super::text::wrapped_label_ui(
            ui,
            RichText::new(t!(
                "gui.check.password_cleared",
                locale = lang.code(),
                id = owner.grouped()
            ))
            .small()
            .color(theme::palette(ui).caution),
        );
    }
}

/// Check (and Cancel with the running state while a check runs), each with its shortcut.
fn buttons_ui(
    ui: &mut Ui,
    lang: Lang,
    model: &CheckFormModel<'_>,
    can_check: bool,
    actions: &mut Vec<Action>,
) {
    ui.horizontal_top(|ui| {
        // Each shortcut under its own button, so that it stays with it at any width.
        let check = with_shortcut_ui(ui, &lang.tr("gui.check.enter_hint"), |ui| {
            let button = primary_button(ui, &lang.tr("gui.check.button"));
            ui.add_enabled(can_check, button)
        });
        if check.clicked() {
            actions.push(Action::Check);
        }
        if model.running {
            let cancel = with_shortcut_ui(ui, &lang.tr("gui.check.esc_hint"), |ui| {
                ui.add(secondary_button(&lang.tr("gui.check.cancel")))
            });
            if cancel.clicked() {
                actions.push(Action::CancelCheck);
            }
            ui.add_space(4.0);
            ui.allocate_ui_with_layout(
                egui::vec2(ui.available_width(), 32.0),
                egui::Layout::left_to_right(egui::Align::Center),
                |ui| {
                    ui.spinner();
                    running_label_ui(ui, lang, model.retrying);
                },
            );
        }
    });
}

/// Draws the form; returns Check or Cancel when asked for, and when the user stopped typing in
/// the meeting field (left it, pasted) or typed a password.
pub fn check_form_ui(ui: &mut Ui, form: &mut CheckForm, model: CheckFormModel<'_>) -> Vec<Action> {
    let lang = model.lang;
    let mut actions = Vec::new();
    card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        card_title_ui(ui, &lang.tr("gui.check.heading"));
        ui.add_space(10.0);

        let locked = model.locked_for.is_some_and(|left| !left.is_zero());
        let parsed = meeting_input_ui(ui, lang, form, locked, &mut actions);
        ui.add_space(8.0);

        password_ui(ui, lang, form, &parsed, locked, &mut actions);
        ui.add_space(4.0);
        ui.checkbox(model.guest_waiting, lang.tr("gui.check.guest_waiting"))
            .on_hover_text(lang.tr("gui.check.guest_waiting_help"));
        ui.add_space(10.0);
        if model.sign_in_first {
            ui.add(
                egui::Label::new(RichText::new(lang.tr("gui.check.sign_in_first")).weak()).wrap(),
            );
            ui.add_space(6.0);
        }
        if let Some(left) = model.locked_for.filter(|_| model.say_lockout && locked) {
            let text = t!(
                "gui.check.locked",
                locale = lang.code(),
                time = crate::api::error::wait_text(lang, left)
            );
            ui.add(egui::Label::new(RichText::new(text).color(ui.visuals().error_fg_color)).wrap());
            ui.add_space(6.0);
        }

        buttons_ui(ui, lang, &model, parsed.is_ok() && !locked, &mut actions);
    });
    actions
}

/// A button with its keyboard shortcut in small print right under it.
pub fn with_shortcut_ui(
    ui: &mut Ui,
    shortcut: &str,
    add_button: impl FnOnce(&mut Ui) -> egui::Response,
) -> egui::Response {
    ui.vertical(|ui| {
        let button = add_button(ui);
        ui.add_space(-2.0);
        ui.label(RichText::new(shortcut).small().weak());
        button
    })
    .inner
}

/// "Checking…", or "Retrying…" with why on hover.
fn running_label_ui(ui: &mut Ui, lang: Lang, retrying: Option<&RetryNotice>) {
    match retrying {
        Some(notice) => {
            ui.label(RichText::new(lang.tr("gui.check.retrying")).color(theme::accent(ui)))
                .on_hover_text(t!(
                    "gui.check.retrying_help",
                    locale = lang.code(),
                    attempt = notice.attempt,
                    total = notice.max_attempts,
                    reason = lang.tr(&notice.error.message_key())
                ));
        }
        None => {
            ui.label(RichText::new(lang.tr("gui.check.running")).color(theme::accent(ui)));
        }
    }
}

/// Beneath the field, live: the meeting ID found, or why there is none. A problem is a quiet
/// hint while the user types ("914" on the way to a full ID is not a mistake) and an error
/// once they stopped (`judged`: Enter, leaving the field, a paste).
fn parsed_line_ui(
    ui: &mut Ui,
    lang: Lang,
    parsed: &Result<MeetingId, MeetingIdError>,
    judged: bool,
) {
    match parsed {
        Ok(id) => {
            ui.label(
                RichText::new(format!(
                    "✓ {}",
                    t!("gui.check.parsed", locale = lang.code(), id = id.grouped())
                ))
                .color(theme::ok_color(ui))
                .strong(),
            );
        }
        Err(MeetingIdError::Empty) => {
            super::text::wrapped_label_ui(
                ui,
                RichText::new(MeetingIdError::Empty.message(lang)).weak(),
            );
        }
        Err(error) if judged => {
            super::text::wrapped_label_ui(
                ui,
                RichText::new(format!("⚠ {}", error.message(lang)))
                    .color(ui.visuals().error_fg_color),
            );
        }
        Err(error) => {
            super::text::wrapped_label_ui(ui, RichText::new(error.message(lang)).weak());
        }
    }
}

/// True for a paste (egui's paste event, or a paste from the platform's text input).
fn is_paste(event: &egui::Event) -> bool {
    matches!(event, egui::Event::Paste(_))
}

/// Enter without Shift (Shift+Enter adds a line in the meeting field).
fn enter_pressed(ui: &Ui) -> bool {
    ui.input(|i| i.key_pressed(Key::Enter) && !i.modifiers.shift)
}
