//! The waiting room: the host has not started the meeting, and the window checks again now and
//! then (30 s, backing off, for at most 30 minutes): how long it has waited, when it checks
//! next, whether to open the meeting as soon as the host arrives, and Stop.

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;

use super::{Action, duration_text, primary_button, secondary_button};
use crate::gui::state::WaitingRoom;
use crate::gui::theme;
use crate::i18n::Lang;

/// Draws the waiting room; returns Stop, Wait again, or the join-on-arrival choice.
pub fn waiting_ui(ui: &mut Ui, lang: Lang, room: &WaitingRoom) -> Option<Action> {
    let mut action = None;
    let palette = theme::palette(ui);
    egui::Frame::new()
        .fill(palette.info_fill)
        .stroke(egui::Stroke::new(1.0, palette.accent.gamma_multiply(0.6)))
        .corner_radius(10.0)
        .inner_margin(egui::Margin::same(16))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            let id = room.meeting_id.grouped();
            if let Some(error) = &room.ended {
                super::text::wrapped_label_ui(
                    ui,
                    RichText::new(t!("gui.waiting.gave_up", locale = lang.code(), id = id))
                        .strong(),
                );
                super::text::wrapped_label_ui(ui, RichText::new(error.message(lang)).weak());
                ui.add_space(6.0);
                ui.horizontal_wrapped(|ui| {
                    if ui
                        .add(primary_button(ui, &lang.tr("gui.waiting.again")))
                        .clicked()
                    {
                        action = Some(Action::WaitHere);
                    }
                    if ui
                        .add(secondary_button(&lang.tr("gui.waiting.close")))
                        .clicked()
                    {
                        action = Some(Action::StopWaiting);
                    }
                });
                return;
            }
            // No spinner: a wait of up to 30 minutes must not repaint all along. The line
            // below changes at each re-check.
            super::text::wrapped_label_ui(
                ui,
                RichText::new(t!("gui.waiting.title", locale = lang.code(), id = id)).strong(),
            );
            // Said at each re-check (the worker's timer), not counted down by repaints.
            let progress = match &room.last {
                None => lang.tr("gui.waiting.first"),
                Some(last) => {
                    let waited = duration_text(lang, secs(last.waited));
                    match last.next_in {
                        Some(next) => t!(
                            "gui.waiting.progress",
                            locale = lang.code(),
                            waited = waited,
                            next = duration_text(lang, secs(next))
                        )
                        .into_owned(),
                        None => t!(
                            "gui.waiting.last_check",
                            locale = lang.code(),
                            waited = waited
                        )
                        .into_owned(),
                    }
                }
            };
            super::text::wrapped_label_ui(ui, RichText::new(progress).weak());
            ui.add_space(6.0);
            let mut join = room.join_on_arrival;
            if ui
                .checkbox(&mut join, lang.tr("gui.waiting.join_on_arrival"))
                .changed()
            {
                action = Some(Action::SetJoinOnArrival(join));
            }
            ui.add_space(4.0);
            if ui
                .add(secondary_button(&lang.tr("gui.waiting.stop")))
                .clicked()
            {
                action = Some(Action::StopWaiting);
            }
        });
    action
}

/// Whole seconds of `duration`, for [`duration_text`].
fn secs(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}
