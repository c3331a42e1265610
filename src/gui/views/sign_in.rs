//! The sign-in dialog: account and password, App ID, or a pasted access token.

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;

use super::{Action, error_card, primary_button, secondary_button, server_name};
use crate::api::ApiError;
use crate::gui::state::{DemoAccount, SignInForm, SignInMethodTab};
use crate::i18n::Lang;
use crate::server::Server;

/// What the dialog shows besides its fields.
pub struct SignInModel<'a> {
    /// The language.
    pub lang: Lang,
    /// The server signed in to.
    pub server: &'a Server,
    /// The sandbox's demo account, shown as a hint (sandbox mode only).
    pub demo: Option<&'a DemoAccount>,
    /// A sign-in is running.
    pub busy: bool,
}

/// The width of the dialog's content in a roomy window, in points.
const DIALOG_WIDTH: f32 = 400.0;
/// The height of what follows the dialog's scrolling part: a gap and the buttons, in points.
const FOOTER_HEIGHT: f32 = 56.0;

/// The sign-in methods as tabs; switching clears the error, which belongs to its tab.
fn tabs_ui(ui: &mut Ui, lang: Lang, form: &mut SignInForm) {
    ui.horizontal_wrapped(|ui| {
        for (tab, key) in [
            (SignInMethodTab::Account, "gui.sign_in.tab_account"),
            (SignInMethodTab::AppId, "gui.sign_in.tab_app_id"),
            (SignInMethodTab::AccessToken, "gui.sign_in.tab_token"),
        ] {
            let response = ui.selectable_value(&mut form.tab, tab, lang.tr(key));
            if response.clicked() {
                form.focus_first = true;
                form.missing = false;
                // An error belongs to the tab it came from.
                form.error = None;
            }
        }
    });
}

/// The account tab: the sandbox's demo account (if any), account and password.
fn account_tab_ui(
    ui: &mut Ui,
    lang: Lang,
    form: &mut SignInForm,
    demo: Option<&DemoAccount>,
    submit: &mut bool,
) {
    if let Some(demo) = demo {
        super::text::wrapped_label_ui(
            ui,
            RichText::new(t!(
                "gui.sign_in.sandbox_demo",
                locale = lang.code(),
                account = demo.account,
                password = demo.password
            ))
            .small()
            .weak(),
        );
        ui.add_space(4.0);
    }
    let first = field_ui(
        ui,
        &lang.tr("gui.sign_in.account"),
        &mut form.account,
        false,
        Some(lang.tr("gui.sign_in.account_hint")),
        submit,
    );
    focus_first(form.focus_first, &first);
    secret_field_ui(
        ui,
        lang,
        &lang.tr("gui.sign_in.password"),
        &mut form.password,
        &mut form.show_secret,
        std::mem::take(&mut form.focus_secret),
        submit,
    );
}

/// The App ID tab: App ID, App Key, user ID and, for a multi-tenant app, the corp ID.
fn app_id_tab_ui(ui: &mut Ui, lang: Lang, form: &mut SignInForm, submit: &mut bool) {
    super::text::wrapped_label_ui(
        ui,
        RichText::new(lang.tr("gui.sign_in.app_id_help"))
            .small()
            .weak(),
    );
    ui.add_space(4.0);
    let first = field_ui(
        ui,
        &lang.tr("gui.sign_in.app_id"),
        &mut form.app_id,
        false,
        None,
        submit,
    );
    focus_first(form.focus_first, &first);
    secret_field_ui(
        ui,
        lang,
        &lang.tr("gui.sign_in.app_key"),
        &mut form.app_key,
        &mut form.show_secret,
        std::mem::take(&mut form.focus_secret),
        submit,
    );
    field_ui(
        ui,
        &lang.tr("gui.sign_in.user_id"),
        &mut form.user_id,
        false,
        None,
        submit,
    );
    ui.checkbox(&mut form.multi_tenant, lang.tr("gui.sign_in.multi_tenant"))
        .on_hover_text(lang.tr("gui.sign_in.multi_tenant_help"));
    if form.multi_tenant {
        field_ui(
            ui,
            &lang.tr("gui.sign_in.corp_id"),
            &mut form.corp_id,
            false,
            None,
            submit,
        );
    }
}

/// The access token tab.
fn token_tab_ui(ui: &mut Ui, lang: Lang, form: &mut SignInForm, submit: &mut bool) {
    super::text::wrapped_label_ui(
        ui,
        RichText::new(lang.tr("gui.sign_in.token_help"))
            .small()
            .weak(),
    );
    ui.add_space(4.0);
    let first = secret_field_ui(
        ui,
        lang,
        &lang.tr("gui.sign_in.token"),
        &mut form.token,
        &mut form.show_secret,
        std::mem::take(&mut form.focus_secret),
        submit,
    );
    focus_first(form.focus_first, &first);
}

/// What is missing, or the error of the last sign-in (kept in view when new); returns a
/// click on the error card.
fn errors_ui(ui: &mut Ui, lang: Lang, form: &SignInForm) -> Option<Action> {
    if form.missing {
        super::text::wrapped_label_ui(
            ui,
            RichText::new(lang.tr("gui.sign_in.missing")).color(ui.visuals().error_fg_color),
        );
    }
    if let Some(error) = &form.error {
        ui.add_space(6.0);
        let card = ui.scope(|ui| {
            error_card::error_card_ui(
                ui,
                lang,
                error,
                &error_card::ErrorPlace {
                    id_salt: "sign_in",
                    offer_sign_in: false,
                },
            )
        });
        reveal_new_error(ui, Some((error, &card.response)));
        card.inner
    } else {
        reveal_new_error(ui, None);
        None
    }
}

/// Draws the dialog over the window; returns Submit or Close.
pub fn sign_in_ui(ui: &mut Ui, form: &mut SignInForm, model: &SignInModel<'_>) -> Option<Action> {
    let lang = model.lang;
    let mut action = None;
    let modal = super::dialog(ui, egui::Id::unique("meetjoin.sign_in")).show(ui.ctx(), |ui| {
        ui.set_width(super::dialog_width(ui, DIALOG_WIDTH));
        ui.label(
            RichText::new(lang.tr("gui.sign_in.title"))
                .size(20.0)
                .strong(),
        );
        ui.label(
            RichText::new(t!(
                "gui.sign_in.server",
                locale = lang.code(),
                server = server_name(lang, model.server)
            ))
            .weak(),
        );
        ui.add_space(10.0);

        ui.label(RichText::new(lang.tr("gui.sign_in.method")).small().weak());
        tabs_ui(ui, lang, form);
        ui.add_space(10.0);

        let mut submit = false;
        // The fields, and an error under them, scroll when the window is too short; the
        // title and the tabs above, the buttons below, stay in place.
        super::dialog_body(ui, "meetjoin.sign_in.body", FOOTER_HEIGHT).show(ui, |ui| {
            match form.tab {
                SignInMethodTab::Account => {
                    account_tab_ui(ui, lang, form, model.demo, &mut submit);
                }
                SignInMethodTab::AppId => {
                    app_id_tab_ui(ui, lang, form, &mut submit);
                }
                SignInMethodTab::AccessToken => {
                    token_tab_ui(ui, lang, form, &mut submit);
                }
            }
            form.focus_first = false;

            if let Some(a) = errors_ui(ui, lang, form) {
                action = Some(a);
            }
        });
        ui.add_space(12.0);
        ui.horizontal(|ui| {
            if model.busy {
                ui.spinner();
                ui.label(lang.tr("gui.sign_in.busy"));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let button = primary_button(ui, &lang.tr("gui.sign_in.submit"));
                if ui.add_enabled(!model.busy, button).clicked() {
                    submit = true;
                }
                if ui
                    .add(secondary_button(&lang.tr("gui.sign_in.cancel")))
                    .clicked()
                {
                    action = Some(Action::CloseSignIn);
                }
            });
        });
        if submit && !model.busy {
            action = Some(Action::SubmitSignIn);
        }
    });
    super::repaint_until_placed(ui, "sign_in", modal.response.rect);
    if modal.should_close() && action.is_none() {
        action = Some(Action::CloseSignIn);
    }
    action
}

/// One labelled field; Enter in it asks to submit.
fn field_ui(
    ui: &mut Ui,
    label: &str,
    value: &mut String,
    secret: bool,
    hint: Option<String>,
    submit: &mut bool,
) -> egui::Response {
    let label_text = label;
    let label = ui.label(RichText::new(label_text).strong());
    let mut edit = egui::TextEdit::singleline(value)
        .id_salt(("meetjoin.sign_in", label_text))
        .password(secret)
        .margin(egui::Margin::symmetric(8, 6))
        .desired_width(f32::INFINITY);
    if let Some(hint) = hint {
        edit = edit.hint_text(hint);
    }
    let response = ui.add(edit).labelled_by(label.id);
    if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        *submit = true;
    }
    ui.add_space(6.0);
    response
}

/// A secret field (password, App Key, token) with Show beside it, as the meeting password has.
/// With `focus`, it takes the keyboard focus with its text selected (after a refused
/// sign-in: typing replaces it, Enter signs in again).
fn secret_field_ui(
    ui: &mut Ui,
    lang: Lang,
    label: &str,
    value: &mut String,
    show: &mut bool,
    focus: bool,
    submit: &mut bool,
) -> egui::Response {
    let label_text = label;
    let label = ui.label(RichText::new(label_text).strong());
    let id = egui::Id::unique(("meetjoin.sign_in", label_text));
    let response = ui
        .horizontal(|ui| {
            let toggle_width = 72.0;
            let width = ui.available_width() - toggle_width - ui.spacing().item_spacing.x;
            let mut output = egui::TextEdit::singleline(value)
                .id(id)
                .password(!*show)
                .margin(egui::Margin::symmetric(8, 6))
                .desired_width(width)
                .show(ui);
            let response = output.response.response.clone().labelled_by(label.id);
            if focus {
                response.request_focus();
                let all = egui::text::CCursorRange::select_all_str(value);
                output.state.cursor.set_char_range(Some(all));
                output.state.store(ui.ctx(), id);
                ui.ctx().request_repaint();
            }
            let toggle = if *show {
                lang.tr("gui.check.hide_password")
            } else {
                lang.tr("gui.check.show_password")
            };
            if ui
                .add(egui::Button::new(toggle).min_size(egui::vec2(toggle_width, 30.0)))
                .clicked()
            {
                *show = !*show;
            }
            response
        })
        .inner;
    if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        *submit = true;
    }
    ui.add_space(6.0);
    response
}

/// Scrolls an error's card into view the first frame it shows (in a short window it may stand
/// below the fields); `None` when no error shows.
fn reveal_new_error(ui: &Ui, shown: Option<(&ApiError, &egui::Response)>) {
    let id = egui::Id::unique("meetjoin.sign_in.shown_error");
    let Some((error, card)) = shown else {
        ui.ctx().data_mut(|d| d.remove::<ApiError>(id));
        return;
    };
    let new = ui.ctx().data_mut(|d| {
        let new = d.get_temp::<ApiError>(id).as_ref() != Some(error);
        d.insert_temp(id, error.clone());
        new
    });
    if new {
        card.scroll_to_me(Some(egui::Align::BOTTOM));
    }
}

fn focus_first(wanted: bool, response: &egui::Response) {
    if wanted {
        response.request_focus();
    }
}
