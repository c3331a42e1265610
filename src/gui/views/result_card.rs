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
    /// The line by Copy after a copy (when the clipboard is cleared), while it stands.
    pub copy_note: Option<&'a str>,
    /// A Join is running (a nonce, the opener).
    pub joining: bool,
    /// Why the last Join did not open the meeting.
    pub join_failure: Option<&'a JoinFailure>,
    /// The client's download page, offered when it is not installed.
    pub download_page: &'a str,
    /// How long ago the random was fetched, in seconds.
    pub age_secs: i64,
    /// The random is old (past [`crate::api::RANDOM_FRESH_FOR`], a guess): offer a new one
    /// instead of copying it.
    pub stale: bool,
}

/// What the card drew that the window may scroll to.
#[derive(Default)]
pub struct ResultCardOutput {
    /// What the user clicked.
    pub action: Option<Action>,
    /// Where the message saying why Join did not open the meeting stands, if shown.
    pub join_failure: Option<egui::Rect>,
}

/// Draws what the service said about the meeting; returns Copy, Join or a page to open.
pub fn result_card_ui(
    ui: &mut Ui,
    lang: Lang,
    facts: &MeetingFacts,
    model: &ResultModel<'_>,
) -> ResultCardOutput {
    card(ui)
        .show(ui, |ui| {
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

            facts_ui(ui, lang, facts);
            random_ui(ui, lang, facts, model.age_secs);
            ui.add_space(8.0);
            if model.stale {
                // An old random is not copied silently: a new one first.
                return ResultCardOutput {
                    action: stale_ui(ui, lang, model.age_secs),
                    join_failure: None,
                };
            }
            let action = actions_ui(ui, lang, model);
            match model.join_failure {
                Some(failure) => {
                    let (clicked, rect) = join_failure_ui(ui, lang, failure, model.download_page);
                    ResultCardOutput {
                        action: action.or(clicked),
                        join_failure: Some(rect),
                    }
                }
                None => ResultCardOutput {
                    action,
                    join_failure: None,
                },
            }
        })
        .inner
}

/// The id of the auth random's text (to select it, and to see a copy of it).
pub fn random_id() -> egui::Id {
    egui::Id::unique("meetjoin.result.random")
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

/// The meeting's facts: mode, webinar, password required, mini-programs.
fn facts_ui(ui: &mut Ui, lang: Lang, facts: &MeetingFacts) {
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
        answer_ui(ui, webinar, flag(facts.reply.webinar, Tone::Notice));
    });
    fact_row_ui(ui, &lang.tr("gui.result.password_required"), |ui| {
        let need = facts.reply.need_password;
        answer_ui(ui, yes_no(lang, need), flag(need, Tone::Notice));
    });
    let applets = match facts.reply.support_applets {
        Some(true) => lang.tr("gui.result.applets_yes"),
        Some(false) => lang.tr("gui.result.applets_no"),
        None => lang.tr("gui.unknown"),
    };
    fact_row_ui(ui, &lang.tr("gui.result.applets"), |ui| {
        answer_ui(ui, applets, flag(facts.reply.support_applets, Tone::Good));
    });
}

/// The auth random, selectable whole, and when it was fetched.
fn random_ui(ui: &mut Ui, lang: Lang, facts: &MeetingFacts, age_secs: i64) {
    ui.add_space(14.0);
    ui.separator();
    ui.add_space(8.0);
    let random_label = ui.label(RichText::new(lang.tr("gui.result.random")).strong());
    super::text::wrapped_label_ui(
        ui,
        RichText::new(lang.tr("gui.result.random_help"))
            .small()
            .weak(),
    );
    ui.add_space(4.0);
    egui::Frame::new()
        .fill(ui.visuals().extreme_bg_color)
        .stroke(ui.visuals().widgets.noninteractive.bg_stroke)
        .corner_radius(6.0)
        .inner_margin(egui::Margin::symmetric(12, 6))
        .show(ui, |ui| {
            // Grouped in threes by spacing alone: a double-click selects all the digits,
            // and a copy of them holds no spaces. Read-only text the user can select and
            // copy (Ctrl+C), whose copy the window sees and clears like Copy's.
            let mut digits = facts.random().expose_secret();
            let mut layouter = |ui: &Ui, text: &dyn egui::TextBuffer, _width: f32| {
                ui.fonts_mut(|fonts| fonts.layout_job(random_layout(ui, text.as_str())))
            };
            ui.add(
                egui::TextEdit::singleline(&mut digits)
                    .id(random_id())
                    .frame(egui::Frame::NONE)
                    .layouter(&mut layouter)
                    .desired_width(0.0)
                    .clip_text(false),
            )
            .labelled_by(random_label.id);
        });
    super::text::wrapped_label_ui(
        ui,
        RichText::new(t!(
            "gui.result.fetched",
            locale = lang.code(),
            ago = super::ago_text(lang, age_secs)
        ))
        .small()
        .weak(),
    );
}

/// An old random: says so and offers a new one; returns the click.
fn stale_ui(ui: &mut Ui, lang: Lang, age_secs: i64) -> Option<Action> {
    super::text::wrapped_label_ui(
        ui,
        RichText::new(t!(
            "gui.result.stale",
            locale = lang.code(),
            ago = super::ago_text(lang, age_secs)
        ))
        .color(theme::palette(ui).caution),
    );
    ui.add_space(4.0);
    ui.add(primary_button(ui, &lang.tr("gui.result.refresh")))
        .clicked()
        .then_some(Action::RefreshRandom)
}

/// Join (primary) and Copy beside it, each with its shortcut, and the copy's confirmation;
/// returns the click.
fn actions_ui(ui: &mut Ui, lang: Lang, model: &ResultModel<'_>) -> Option<Action> {
    let mut action = None;
    // Join is the point of the check: the primary action. Copy stands next to it, each
    // shortcut under its own button. Wrapped: at the narrowest, Copy goes to the next line.
    ui.horizontal_wrapped(|ui| {
        let join = primary_button(ui, &lang.tr("gui.join.button"));
        let join = ui.vertical(|ui| {
            ui.add_enabled(!model.joining, join)
                .on_hover_text(lang.tr("gui.join.tooltip"))
        });
        if join.inner.clicked() {
            action = Some(Action::Join);
        }
        if model.joining {
            ui.spinner();
        }
        let label = if model.copied {
            lang.tr("gui.result.copied")
        } else {
            lang.tr("gui.result.copy")
        };
        let copy =
            super::check_form::with_shortcut_ui(ui, &lang.tr("gui.result.copy_shortcut"), |ui| {
                ui.add(super::secondary_button(&label).min_size(egui::vec2(104.0, 32.0)))
            });
        if copy.clicked() {
            action = Some(Action::CopyRandom);
        }
    });
    // The copy's confirmation, by the Copy button.
    if let Some(note) = model.copy_note {
        super::text::wrapped_label_ui(
            ui,
            RichText::new(format!("✓ {note}"))
                .small()
                .color(theme::ok_color(ui)),
        );
    }
    action
}

/// Why Join did not open the meeting, and (without the meeting app) the browser, the
/// invitation to copy and the download page; returns the click and where the message stands.
fn join_failure_ui(
    ui: &mut Ui,
    lang: Lang,
    failure: &JoinFailure,
    download_page: &str,
) -> (Option<Action>, egui::Rect) {
    let mut action = None;
    ui.add_space(8.0);
    let text = match failure {
        JoinFailure::Api(error) => error.message(lang),
        JoinFailure::Open(error) => error.message(lang),
    };
    let shown = ui.scope(|ui| {
        super::text::wrapped_label_ui(
            ui,
            RichText::new(format!("⚠ {text}")).color(ui.visuals().error_fg_color),
        );
        if matches!(failure, JoinFailure::Open(OpenError::NotInstalled)) {
            // Not a dead end: the browser joins too, or the invitation goes elsewhere.
            super::text::wrapped_label_ui(
                ui,
                RichText::new(lang.tr("gui.join.without_app")).weak(),
            );
            ui.add_space(4.0);
            ui.horizontal_wrapped(|ui| {
                let browser = primary_button(ui, &lang.tr("gui.join.in_browser"));
                if ui
                    .add(browser)
                    .on_hover_text(lang.tr("gui.join.in_browser_help"))
                    .clicked()
                {
                    action = Some(Action::JoinInBrowser);
                }
                let copy = super::secondary_button(&lang.tr("gui.join.copy_invitation"));
                if ui
                    .add(copy)
                    .on_hover_text(lang.tr("gui.join.copy_invitation_help"))
                    .clicked()
                {
                    action = Some(Action::CopyInvitation);
                }
                let download = super::secondary_button(&lang.tr("gui.join.download"));
                if ui.add(download).on_hover_text(download_page).clicked() {
                    action = Some(Action::OpenUrl(download_page.to_owned()));
                }
            });
        }
    });
    (action, shown.response.rect)
}

/// What an answer means to the user, which decides how its badge looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// The service did not say: plain italics, so it reads differently from "No".
    Unknown,
    /// A plain answer ("No"): a grey badge.
    Plain,
    /// Good news ("Allowed"): a green badge.
    Good,
    /// It changes how you join ("Yes: you join as audience", a password): a blue badge.
    Notice,
}

/// The tone of a yes/no answer: `yes` when it holds (answers that change how you join stand
/// out, good news is green), a plain grey "No", and "unknown" when the service did not say.
fn flag(value: Option<bool>, yes: Tone) -> Tone {
    match value {
        Some(true) => yes,
        Some(false) => Tone::Plain,
        None => Tone::Unknown,
    }
}

/// The fill and text colours of a badge of this tone; `None` for an unknown answer, which is
/// plain italics instead.
fn badge_colors(ui: &Ui, tone: Tone) -> Option<(egui::Color32, egui::Color32)> {
    let palette = theme::palette(ui);
    match tone {
        Tone::Unknown => None,
        Tone::Plain => Some((
            ui.visuals().extreme_bg_color,
            ui.visuals().strong_text_color(),
        )),
        Tone::Good => Some((palette.good_fill, palette.good_text)),
        Tone::Notice => Some((palette.notice_fill, palette.notice_text)),
    }
}

/// An answer as a small badge coloured by what it means.
fn answer_ui(ui: &mut Ui, text: String, tone: Tone) {
    let Some((fill, color)) = badge_colors(ui, tone) else {
        ui.label(RichText::new(text).italics().weak());
        return;
    };
    egui::Frame::new()
        .fill(fill)
        .stroke(ui.visuals().widgets.noninteractive.bg_stroke)
        .corner_radius(5.0)
        .inner_margin(egui::Margin::symmetric(7, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(text).strong().color(color));
        });
}

/// The random's digits, a gap after every third: spacing only, no space characters, so
/// that selecting and copying it gives the digits alone.
fn random_layout(ui: &Ui, random: &str) -> egui::text::LayoutJob {
    let font = egui::FontId::monospace(18.0);
    let color = theme::accent(ui);
    let gap = font.size * 0.5;
    let digits: Vec<char> = random.chars().collect();
    let mut job = egui::text::LayoutJob::default();
    for (index, digit) in digits.iter().enumerate() {
        // epaint puts a glyph's extra spacing before it: the first of each group but the first.
        let starts_group = index > 0 && index % 3 == 0;
        let format = egui::TextFormat {
            font_id: font.clone(),
            color,
            extra_letter_spacing: if starts_group { gap } else { 0.0 },
            ..egui::TextFormat::default()
        };
        job.append(&digit.to_string(), 0.0, format);
    }
    job.wrap.max_width = f32::INFINITY;
    job
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_no_and_allowed_are_told_apart_in_both_themes() {
        // The answers of a result: webinar and password required stand out when yes, mini
        // programs allowed is good news, every "No" is plain, and unsaid is unknown.
        assert_eq!(flag(Some(true), Tone::Notice), Tone::Notice);
        assert_eq!(flag(Some(true), Tone::Good), Tone::Good);
        assert_eq!(flag(Some(false), Tone::Good), Tone::Plain);
        assert_eq!(flag(None, Tone::Notice), Tone::Unknown);
        for theme in [egui::Theme::Light, egui::Theme::Dark] {
            let ctx = egui::Context::default();
            ctx.set_theme(theme);
            crate::gui::theme::setup_style(&ctx);
            let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
                let colors: Vec<_> = [Tone::Plain, Tone::Good, Tone::Notice]
                    .into_iter()
                    .filter_map(|tone| badge_colors(ui, tone))
                    .collect();
                assert_eq!(colors.len(), 3, "{theme:?}");
                for (i, a) in colors.iter().enumerate() {
                    for b in &colors[i + 1..] {
                        assert_ne!(a.0, b.0, "{theme:?}: two tones share a fill");
                    }
                }
                assert_eq!(badge_colors(ui, Tone::Unknown), None);
            });
            output.textures_delta.clear();
        }
    }
}
