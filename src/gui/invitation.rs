//! The pasted invitation in the window: what Join opens (the library's join plan), the offer
//! to check on the site the invitation's link names, and Join through that link when only it
//! carries the password.

use eframe::egui;

use super::app::MeetjoinApp;
use super::state::{CheckStatus, PendingCheck, ServerChoice};
use super::views::{self, Action};
use crate::i18n::Lang;
use crate::invitation::{InvitationLink, Site};
use crate::join::{JoinInput, JoinPlan, PlanError};

impl MeetjoinApp {
    /// The HUAWEI CLOUD Meeting link of the invitation in the form, if it has one.
    fn form_link(&self) -> Option<&InvitationLink> {
        self.state.form.read().ok()?.link.as_ref()
    }

    /// What Join opens for the outcome on screen, as the command line decides it too; in the
    /// browser when `browser` (no meeting app, or asked for).
    pub(crate) fn join_plan_with(&self, browser: bool) -> Result<JoinPlan, PlanError> {
        let asked = self
            .state
            .checked_with
            .as_ref()
            .ok_or(PlanError::NotChecked)?;
        let check = match &self.state.check {
            CheckStatus::Done(facts) => Ok(facts.reply.need_password),
            CheckStatus::Failed(error) => Err(error.kind),
            CheckStatus::Idle => return Err(PlanError::NotChecked),
        };
        let link = self.form_link();
        let server = self.server();
        let signed_in = self.worker.status().signed_in;
        let join = &self.state.settings.join;
        // A meeting of the Today list has its own web link for this user.
        let listed = self
            .state
            .today
            .meetings
            .iter()
            .find(|m| m.id == asked.meeting_id);
        crate::join::plan(&JoinInput {
            server: &server,
            meeting_id: &asked.meeting_id,
            check,
            password: Some(&asked.password),
            link,
            name: Some(&join.display_name),
            signed_in: signed_in.as_ref(),
            mic: join.mic,
            camera: join.camera,
            browser,
            web_link: listed.and_then(|m| m.join_uri()),
        })
    }

    /// What Join opens for the outcome on screen (the meeting app, or the invitation's link).
    pub(crate) fn join_plan(&self) -> Result<JoinPlan, PlanError> {
        self.join_plan_with(false)
    }

    /// The official site the form's invitation belongs to, when the window uses the other one
    /// (never for a custom server or the sandbox).
    pub(crate) fn other_site(&self) -> Option<Site> {
        if self.sandbox {
            return None;
        }
        self.state.form.read().ok()?.other_site(&self.server())
    }

    /// Switches to `site`'s server as Settings would, then checks the form there once that
    /// server's session is known (signing in there first: tokens are kept per server).
    pub(crate) fn check_on_site(&mut self, site: Site) {
        let choice = match site {
            Site::China => ServerChoice::Cn,
            Site::International => ServerChoice::Intl,
        };
        self.apply(Action::SetServer(choice, None));
        self.state.pending = Some(PendingCheck::OnServer(site.server()));
        self.follow_site_switch();
    }

    /// Checks the form on the server switched to for the invitation, once the worker has that
    /// server's saved sign-in looked up.
    pub(crate) fn follow_site_switch(&mut self) {
        let Some(PendingCheck::OnServer(server)) = &self.state.pending else {
            return;
        };
        // Another server was chosen meanwhile (Settings): that intention is gone.
        if self.server() != *server {
            self.state.pending = None;
            return;
        }
        let status = self.worker.status();
        if status.server != *server || status.restoring {
            return;
        }
        self.state.pending = None;
        self.apply(Action::Check);
    }

    /// The offer to check on the invitation's site, under the form; nothing when the sites
    /// agree.
    pub(crate) fn site_offer_ui(&self, ui: &mut egui::Ui, lang: Lang) -> Option<Action> {
        let site = self.other_site()?;
        let action = views::invitation::site_offer_ui(ui, lang, site);
        ui.add_space(14.0);
        action
    }

    /// Under a "password required" error: Join through the invitation's link, when it carries
    /// the password and none was typed.
    pub(crate) fn link_join_ui(&self, ui: &mut egui::Ui, lang: Lang) -> Option<Action> {
        if !matches!(self.join_plan(), Ok(JoinPlan::InvitationLink(_))) {
            return None;
        }
        ui.add_space(10.0);
        views::invitation::link_join_ui(
            ui,
            lang,
            &views::invitation::LinkJoinModel {
                joining: self.worker.join.is_pending(),
                failure: self.state.join_failure.as_ref(),
                download_page: crate::join::download_page(&self.server()),
            },
        )
    }

    /// True while the clipboard is being read (the window reads it when it gains the focus).
    pub fn clipboard_read_pending(&self) -> bool {
        self.worker.clipboard_text.is_pending()
    }

    /// True while a Join is running in the background (a portal nonce, the opener).
    pub fn join_pending(&self) -> bool {
        self.worker.join.is_pending()
    }
}
