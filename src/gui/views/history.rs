//! Recent meetings: the last ten checked (ID, subject, when); click one to fill it in again.

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;

use super::{Action, ago_text, card, card_title_ui};
use crate::gui::state::HistoryEntry;
use crate::i18n::Lang;

/// Draws the list; returns which entry was clicked, or Clear all.
pub fn history_ui(
    ui: &mut Ui,
    lang: Lang,
    entries: &[HistoryEntry],
    keep_history: bool,
    now: i64,
) -> Option<Action> {
    let mut action = None;
    card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            card_title_ui(ui, &lang.tr("gui.history.heading"));
            if !entries.is_empty() {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button(lang.tr("gui.history.clear")).clicked() {
                        action = Some(Action::ClearHistory);
                    }
                });
            }
        });
        ui.add_space(6.0);
        if !keep_history {
            super::text::wrapped_label_ui(ui, RichText::new(lang.tr("gui.history.off")).weak());
            return;
        }
        if entries.is_empty() {
            super::text::wrapped_label_ui(ui, RichText::new(lang.tr("gui.history.empty")).weak());
            return;
        }
        for entry in entries {
            let grouped = entry.meeting_id.grouped();
            let subject = entry.subject.as_deref().unwrap_or("");
            let button = egui::Button::new((
                RichText::new(grouped.clone()).monospace().strong(),
                RichText::new(subject),
            ))
            .right_text(RichText::new(ago_text(lang, now - entry.checked_at)).weak())
            .frame_when_inactive(false)
            .gap(12.0)
            .truncate()
            .min_size(egui::vec2(ui.available_width(), 30.0));
            if ui
                .add(button)
                .on_hover_text(t!("gui.history.recall", locale = lang.code(), id = grouped))
                .clicked()
            {
                action = Some(Action::RecallHistory(entry.meeting_id.clone()));
            }
        }
    });
    action
}
