//! Today: the signed-in user's own meetings of the day (or the week, on demand), each one click
//! from joining: start time in local time, subject, organiser, where it stands ("running now",
//! "starts in 8 min", "ended"), Join (checks, then opens it with the password the service gave)
//! and Check. Loading, empty and failed states say so; "updated 12:03" says how fresh it is.

use eframe::egui::{self, RichText, Ui};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use rust_i18n::t;

use super::{Action, card, card_title_ui, primary_button, secondary_button};
use crate::api::meetings::{Meeting, Timing};
use crate::gui::state::TodayList;
use crate::gui::theme;
use crate::i18n::Lang;

/// A meeting starting within this long gets Join as the primary button.
const SOON: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Draws the Today card; returns what the user clicked.
pub fn today_ui(ui: &mut Ui, lang: Lang, today: &TodayList) -> Option<Action> {
    let mut action = None;
    let tz = TimeZone::system();
    let now = Timestamp::now();
    let local_now = now.to_zoned_datetime(tz.clone());
    card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            let title = if today.week {
                lang.tr("gui.today.week_heading")
            } else {
                lang.tr("gui.today.heading")
            };
            card_title_ui(ui, &title);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let toggle = if today.week {
                    lang.tr("gui.today.show_today")
                } else {
                    lang.tr("gui.today.show_week")
                };
                if ui.button(toggle).clicked() {
                    action = Some(Action::ShowWeek(!today.week));
                }
            });
        });
        status_line_ui(ui, lang, today, &tz, &mut action);
        ui.add_space(6.0);
        let shown: Vec<&Meeting> = today
            .meetings
            .iter()
            .filter(|m| today.week || m.overlaps_day(local_now.date(), &tz))
            .collect();
        if shown.is_empty() {
            if today.updated.is_some() {
                let key = if today.week {
                    "gui.today.empty_week"
                } else {
                    "gui.today.empty"
                };
                super::text::wrapped_label_ui(ui, RichText::new(lang.tr(key)).weak());
            }
            return;
        }
        for (index, meeting) in shown.iter().enumerate() {
            if index > 0 {
                ui.separator();
            }
            if let Some(clicked) = meeting_row_ui(ui, lang, meeting, now, &local_now, today.week) {
                action = Some(clicked);
            }
        }
    });
    // Relative times ("starts in 8 min") move on once a minute: one repaint then, no timer.
    let into_minute = u64::try_from(now.as_second().rem_euclid(60)).unwrap_or(0);
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_secs(60 - into_minute));
    action
}

/// "Reading your meetings…", why the last read failed (with Retry), or "updated 12:03".
fn status_line_ui(
    ui: &mut Ui,
    lang: Lang,
    today: &TodayList,
    tz: &TimeZone,
    action: &mut Option<Action>,
) {
    ui.horizontal_wrapped(|ui| {
        if let Some(error) = &today.error {
            super::text::wrapped_label_ui(
                ui,
                RichText::new(format!(
                    "⚠ {}",
                    lang.join_sentences(&lang.tr("gui.today.failed"), &error.message(lang))
                ))
                .color(ui.visuals().error_fg_color),
            );
            if ui
                .add(secondary_button(&lang.tr("gui.today.retry")))
                .clicked()
            {
                *action = Some(Action::RefreshMeetings);
            }
        } else if today.loading && today.updated.is_none() {
            // Words, not a spinner: a slow server must not keep the window repainting.
            ui.label(RichText::new(lang.tr("gui.today.loading")).weak());
        } else if let Some(at) = today.updated {
            let at = at
                .to_zoned_datetime(tz.clone())
                .strftime("%H:%M")
                .to_string();
            ui.label(
                RichText::new(t!("gui.today.updated", locale = lang.code(), time = at))
                    .small()
                    .weak(),
            );
            if today.loading {
                ui.label(RichText::new(lang.tr("gui.today.loading")).small().weak());
            } else if ui
                .small_button(lang.tr("gui.today.refresh"))
                .on_hover_text(lang.tr("gui.today.refresh_help"))
                .clicked()
            {
                *action = Some(Action::RefreshMeetings);
            }
        }
    });
}

/// One meeting: when and where it stands, subject and organiser, Join and Check.
fn meeting_row_ui(
    ui: &mut Ui,
    lang: Lang,
    meeting: &Meeting,
    now: Timestamp,
    local_now: &ZonedDateTime,
    week: bool,
) -> Option<Action> {
    let mut action = None;
    let tz = local_now.time_zone();
    let timing = meeting.timing_at(now);
    let subject = meeting
        .subject
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| lang.tr("gui.result.no_subject"));
    ui.push_id(("meetjoin.today", meeting.id.as_str()), |ui| {
        let when = when_text(lang, meeting, tz, local_now, week);
        let (state, color) = timing_text(lang, timing, ui);
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(when).monospace().strong());
            if !state.is_empty() {
                ui.label(RichText::new(state).color(color).strong());
            }
        });
        super::text::wrapped_label_ui(ui, RichText::new(&subject).strong());
        let mut details = meeting.id.grouped();
        if let Some(organiser) = meeting
            .organiser
            .as_deref()
            .filter(|o| !o.trim().is_empty())
        {
            details = t!(
                "gui.today.organiser",
                locale = lang.code(),
                id = details,
                name = organiser
            )
            .into_owned();
        }
        super::text::wrapped_label_ui(ui, RichText::new(details).small().weak());
        if timing == Timing::Ended {
            return;
        }
        ui.add_space(2.0);
        ui.horizontal(|ui| {
            // Join stands out when the meeting runs or starts soon.
            let soon = match timing {
                Timing::Running | Timing::Due => true,
                Timing::StartsIn(left) => left <= SOON,
                Timing::Ended | Timing::Unknown => false,
            };
            let join_text = lang.tr("gui.join.button");
            let join = if soon {
                ui.add(primary_button(ui, &join_text))
            } else {
                ui.add(secondary_button(&join_text))
            };
            name_for_screen_readers(ui, &join, &format!("{join_text}: {subject}"));
            if join.on_hover_text(lang.tr("gui.today.join_help")).clicked() {
                action = Some(Action::JoinListed(meeting.id.clone()));
            }
            let check_text = lang.tr("gui.check.button");
            let check = ui.add(secondary_button(&check_text));
            name_for_screen_readers(ui, &check, &format!("{check_text}: {subject}"));
            if check.clicked() {
                action = Some(Action::CheckListed(meeting.id.clone()));
            }
        });
    });
    action
}

/// Gives a row's button a name that says which meeting it is for ("Join: Weekly sync"):
/// a list of buttons all named "Join" tells a screen reader's user nothing.
fn name_for_screen_readers(ui: &Ui, response: &egui::Response, name: &str) {
    ui.ctx()
        .accesskit_node_builder(response.id, |node| node.set_label(name.to_owned()));
}

/// "09:30–10:00" today, "Thu 09:30–10:00" on another day of the week.
fn when_text(
    lang: Lang,
    meeting: &Meeting,
    tz: &TimeZone,
    now: &ZonedDateTime,
    week: bool,
) -> String {
    let Some(start) = meeting.start_in(tz) else {
        return lang.tr("gui.today.no_time");
    };
    let mut text = start.strftime("%H:%M").to_string();
    if let Some(end) = meeting.end_in(tz).filter(|end| *end > start) {
        text.push('–');
        text.push_str(&end.strftime("%H:%M").to_string());
    }
    if week && start.date() != now.date() {
        let day = weekday_text(lang, start.date().weekday());
        text = format!("{day} {text}");
    }
    text
}

/// The weekday's short name in `lang`.
fn weekday_text(lang: Lang, day: jiff::civil::Weekday) -> String {
    use jiff::civil::Weekday;
    lang.tr(match day {
        Weekday::Monday => "gui.weekday.mon",
        Weekday::Tuesday => "gui.weekday.tue",
        Weekday::Wednesday => "gui.weekday.wed",
        Weekday::Thursday => "gui.weekday.thu",
        Weekday::Friday => "gui.weekday.fri",
        Weekday::Saturday => "gui.weekday.sat",
        Weekday::Sunday => "gui.weekday.sun",
    })
}

/// Where the meeting stands, and its colour: running is good news, soon is the accent,
/// ended is quiet.
fn timing_text(lang: Lang, timing: Timing, ui: &Ui) -> (String, egui::Color32) {
    let palette = theme::palette(ui);
    match timing {
        Timing::Running => (lang.tr("gui.today.running"), palette.ok),
        Timing::Due => (lang.tr("gui.today.due"), palette.accent),
        Timing::StartsIn(left) => {
            let secs = i64::try_from(left.as_secs()).unwrap_or(i64::MAX);
            // Rounded up: "starts in 1 min" until it starts.
            let secs = (secs + 59) / 60 * 60;
            (
                t!(
                    "gui.today.starts_in",
                    locale = lang.code(),
                    time = super::duration_text(lang, secs)
                )
                .into_owned(),
                palette.accent,
            )
        }
        Timing::Ended => (lang.tr("gui.today.ended"), ui.visuals().weak_text_color()),
        Timing::Unknown => (String::new(), ui.visuals().weak_text_color()),
    }
}
