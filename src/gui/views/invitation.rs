//! What the pasted invitation itself offers: checking on the site its link names, and joining
//! through its link when that link carries the password the meeting asks for.

use eframe::egui::{self, RichText, Ui};
use rust_i18n::t;

use super::{Action, secondary_button};
use crate::gui::theme;
use crate::gui::worker::JoinFailure;
use crate::i18n::Lang;
use crate::invitation::Site;
use crate::join::OpenError;

/// The quiet offer under the form: "This invitation is for the international site: check
/// there?". Never a silent switch: the button switches the server and checks there.
pub fn site_offer_ui(ui: &mut Ui, lang: Lang, site: Site) -> Option<Action> {
    let mut action = None;
    egui::Frame::new()
        .fill(ui.visuals().window_fill)
        .stroke(egui::Stroke::new(1.0, theme::accent(ui)))
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(18, 12))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            let name = site.name(lang);
            ui.add(
                egui::Label::new(t!(
                    "invitation.other_site_offer",
                    locale = lang.code(),
                    site = name
                ))
                .wrap(),
            );
            ui.add_space(6.0);
            let button = secondary_button(&t!(
                "invitation.check_on_site",
                locale = lang.code(),
                site = name
            ));
            if ui
                .add(button)
                .on_hover_text(lang.tr("invitation.check_on_site_help"))
                .clicked()
            {
                action = Some(Action::CheckOnSite(site));
            }
        });
    action
}

/// What the link's Join line shows besides its text: Join's state and its last failure.
pub struct LinkJoinModel<'a> {
    /// A Join is running.
    pub joining: bool,
    /// Why the last Join did not open the link.
    pub failure: Option<&'a JoinFailure>,
    /// The client's download page, offered when it is not installed.
    pub download_page: &'a str,
}

/// Under the "password required" error: the invitation's link carries the password, and
/// Join opens that link (the browser hands it to the meeting app).
pub fn link_join_ui(ui: &mut Ui, lang: Lang, model: &LinkJoinModel<'_>) -> Option<Action> {
    let mut action = None;
    ui.add(egui::Label::new(lang.tr("invitation.link_carries_password")).wrap());
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let join = super::primary_button(ui, &lang.tr("gui.join.button"));
        if ui.add_enabled(!model.joining, join).clicked() {
            action = Some(Action::Join);
        }
        if model.joining {
            ui.spinner();
        }
    });
    if let Some(failure) = model.failure {
        let text = match failure {
            JoinFailure::Api(error) => error.message(lang),
            JoinFailure::Open(error) => error.message(lang),
        };
        ui.add(egui::Label::new(RichText::new(text).color(ui.visuals().error_fg_color)).wrap());
        if matches!(failure, JoinFailure::Open(OpenError::NotInstalled))
            && ui
                .add(secondary_button(&lang.tr("gui.join.download")))
                .clicked()
        {
            action = Some(Action::OpenUrl(model.download_page.to_owned()));
        }
    }
    action
}
