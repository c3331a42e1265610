//! The result card: subject, mode, webinar, password, mini-program, and the auth random to copy.

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;
use secrecy::ExposeSecret;

use super::{Action, card, primary_button, yes_no};
use crate::api::ConfMode;
use crate::gui::state::MeetingFacts;
use crate::gui::theme;
use crate::gui::worker::JoinFailure;
use crate::i18n::Lang;
use crate::join::OpenError;

/// What the card shows besides the facts: Copy's and Join's state.
pub struct ResultModel<'a> {
    /// The random was just copied (Copy reads "Copied ✓").
    pub copied: bool,
    /// A Join is running (a nonce, the opener).
    pub joining: bool,
    /// Why the last Join did not open the meeting.
    pub join_failure: Option<&'a JoinFailure>,
    /// The client's download page, offered when it is not installed.
    pub download_page: &'a str,
}

/// Draws what the service said about the meeting; returns Copy, Join or a page to open.
pub fn result_card_ui(
    ui: &mut Ui,
    lang: Lang,
    facts: &MeetingFacts,
    model: &ResultModel<'_>,
) -> Option<Action> {
    let copied = model.copied;
    let mut action = None;
    card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(
            RichText::new(t!(
                "gui.result.meeting_id",
                locale = lang.code(),
                id = facts.meeting_id.grouped()
            ))
            .weak(),
        );
        let subject = facts
            .reply
            .subject
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| lang.tr("gui.result.no_subject"));
        ui.add(egui::Label::new(RichText::new(subject).size(24.0).strong()).wrap());
        ui.add_space(12.0);

        let (mode, help) = mode_text(lang, facts.conf_mode());
        fact_row_ui(ui, &lang.tr("gui.result.mode"), |ui| {
            ui.label(RichText::new(mode).strong());
            ui.label(RichText::new(help).small().weak());
        });
        let webinar = match facts.reply.webinar {
            Some(true) => lang.tr("gui.result.webinar_yes"),
            other => yes_no(lang, other),
        };
        fact_row_ui(ui, &lang.tr("gui.result.webinar"), |ui| {
            answer_ui(ui, webinar, facts.reply.webinar.is_none());
        });
        fact_row_ui(ui, &lang.tr("gui.result.password_required"), |ui| {
            let need = facts.reply.need_password;
            answer_ui(ui, yes_no(lang, need), need.is_none());
        });
        let applets = match facts.reply.support_applets {
            Some(true) => lang.tr("gui.result.applets_yes"),
            Some(false) => lang.tr("gui.result.applets_no"),
            None => lang.tr("gui.unknown"),
        };
        fact_row_ui(ui, &lang.tr("gui.result.applets"), |ui| {
            answer_ui(ui, applets, facts.reply.support_applets.is_none());
        });

        ui.add_space(14.0);
        ui.separator();
        ui.add_space(8.0);
        let random_label = ui.label(RichText::new(lang.tr("gui.result.random")).strong());
        ui.label(
            RichText::new(lang.tr("gui.result.random_help"))
                .small()
                .weak(),
        );
        ui.add_space(4.0);
        // Wrapped: at the window's narrowest, Join goes to the next line rather than past the card.
        ui.horizontal_wrapped(|ui| {
            egui::Frame::new()
                .fill(ui.visuals().extreme_bg_color)
                .stroke(ui.visuals().widgets.noninteractive.bg_stroke)
                .corner_radius(6.0)
                .inner_margin(egui::Margin::symmetric(12, 6))
                .show(ui, |ui| {
                    // Grouped in threes to read out; Copy copies the digits alone.
                    ui.label(
                        RichText::new(grouped(facts.random().expose_secret()))
                            .monospace()
                            .size(18.0)
                            .color(theme::accent(ui)),
                    )
                    .labelled_by(random_label.id);
                });
            ui.add_space(4.0);
            let label = if copied {
                lang.tr("gui.result.copied")
            } else {
                lang.tr("gui.result.copy")
            };
            let copy = primary_button(ui, &label).min_size(egui::vec2(104.0, 34.0));
            if ui
                .add(copy)
                .on_hover_text(lang.tr("gui.result.copy_shortcut"))
                .clicked()
            {
                action = Some(Action::CopyRandom);
            }
            let join = super::secondary_button(&lang.tr("gui.join.button"));
            if ui
                .add_enabled(!model.joining, join)
                .on_hover_text(lang.tr("gui.join.tooltip"))
                .clicked()
            {
                action = Some(Action::Join);
            }
            if model.joining {
                ui.spinner();
            }
        });
        // Beneath the row, not in it: at the window's narrowest the row has no room for it.
        ui.label(
            RichText::new(lang.tr("gui.result.copy_shortcut"))
                .small()
                .weak(),
        );
        if let Some(failure) = model.join_failure {
            ui.add_space(8.0);
            let text = match failure {
                JoinFailure::Api(error) => error.message(lang),
                JoinFailure::Open(error) => error.message(lang),
            };
            ui.add(
                egui::Label::new(
                    RichText::new(format!("⚠ {text}")).color(ui.visuals().error_fg_color),
                )
                .wrap(),
            );
            if matches!(failure, JoinFailure::Open(OpenError::NotInstalled)) {
                let download = super::secondary_button(&lang.tr("gui.join.download"));
                if ui
                    .add(download)
                    .on_hover_text(model.download_page)
                    .clicked()
                {
                    action = Some(Action::OpenUrl(model.download_page.to_owned()));
                }
            }
        }
    });
    action
}

/// The mode's name and its one-line explanation.
fn mode_text(lang: Lang, mode: Option<&ConfMode>) -> (String, String) {
    match mode {
        Some(ConfMode::Mmr) => (
            lang.tr("gui.result.mode_mmr"),
            lang.tr("gui.result.mode_mmr_help"),
        ),
        Some(ConfMode::Mcu) => (
            lang.tr("gui.result.mode_mcu"),
            lang.tr("gui.result.mode_mcu_help"),
        ),
        Some(ConfMode::Unknown(value)) if !value.is_empty() => (
            t!(
                "gui.result.mode_unknown",
                locale = lang.code(),
                value = value
            )
            .into_owned(),
            lang.tr("gui.result.mode_unknown_help"),
        ),
        _ => (
            lang.tr("gui.unknown"),
            lang.tr("gui.result.mode_unknown_help"),
        ),
    }
}

/// One fact: its name in a fixed-width column, the answer beside it, both top-aligned.
fn fact_row_ui(ui: &mut Ui, label: &str, add_value: impl FnOnce(&mut Ui)) {
    ui.horizontal_top(|ui| {
        let width = 160.0_f32.min(ui.available_width() * 0.4);
        ui.allocate_ui_with_layout(
            egui::vec2(width, 0.0),
            egui::Layout::top_down(egui::Align::Min),
            |ui| {
                ui.set_width(width);
                ui.add(egui::Label::new(RichText::new(label).weak()).wrap());
            },
        );
        ui.vertical(|ui| add_value(ui));
    });
    ui.add_space(4.0);
}

/// An answer as a small badge; an unknown one is plain italics, so it reads differently from "No".
fn answer_ui(ui: &mut Ui, text: String, unknown: bool) {
    if unknown {
        ui.label(RichText::new(text).italics().weak());
        return;
    }
    egui::Frame::new()
        .fill(ui.visuals().extreme_bg_color)
        .stroke(ui.visuals().widgets.noninteractive.bg_stroke)
        .corner_radius(5.0)
        .inner_margin(egui::Margin::symmetric(7, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(text).strong());
        });
}

/// The random in groups of three from the left, as people read it out: `196 939 622 836 268`.
pub fn grouped(random: &str) -> String {
    let mut out = String::with_capacity(random.len() + random.len() / 3);
    for (i, c) in random.chars().enumerate() {
        if i > 0 && i % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
