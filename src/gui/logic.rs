//! State transitions: what each user action and each background result does to the window.

use rust_i18n::t;
use secrecy::{ExposeSecret, SecretString};

use super::app::MeetjoinApp;
use super::state::{
    CheckStatus, CheckedWith, HistoryEntry, MeetingFacts, ServerChoice, SettingsDialog, SignInForm,
    SignInMethodTab, Toast,
};
use super::views::Action;
use super::worker::Checked;
use crate::api::auth::now_unix;
use crate::api::{AppIdCredentials, ErrorKind, RandomRequest};
use crate::meeting_id::MeetingId;
use crate::session::{Credentials, SignInOutcome};

/// How long a toast stays, in seconds.
const TOAST_SECS: f64 = 3.0;

impl MeetjoinApp {
    /// Takes every result the worker has finished since the last frame. The worker keeps only
    /// the latest request's result, so nothing here can be stale.
    pub(crate) fn poll_worker(&mut self) {
        if let Some(checked) = self.worker.check.take_result() {
            self.checked(checked);
        }
        if let Some(result) = self.worker.sign_in.take_result() {
            self.signed_in(result);
        }
        if let Some(outcome) = self.worker.sign_out.take_result() {
            let lang = self.lang();
            if outcome.server_error.is_some() {
                self.show_toast(lang.tr("gui.toast.signed_out_locally"));
            } else {
                self.show_toast(lang.tr("gui.toast.signed_out"));
            }
        }
        if self.forget_stale_outcome() {
            self.ctx.request_repaint();
        }
        if self.worker.status_changed() {
            let status = self.worker.status();
            if status.store_error.is_none() {
                self.state.dismissed_store_error = None;
            }
            self.ctx.request_repaint();
        }
    }

    /// Clears a result or error that no longer belongs to what is on screen: the meeting ID,
    /// password or guest-waiting choice was changed, or the server or the account is another.
    /// Returns whether it cleared one.
    pub(crate) fn forget_stale_outcome(&mut self) -> bool {
        if !matches!(
            self.state.check,
            CheckStatus::Done(_) | CheckStatus::Failed(_)
        ) {
            return false;
        }
        let status = self.worker.status();
        let form = &self.state.form;
        let current = self.state.checked_with.as_ref().is_some_and(|asked| {
            MeetingId::parse(&form.input).is_ok_and(|id| id == asked.meeting_id)
                && form.password == asked.password.expose_secret()
                && self.state.settings.guest_waiting == asked.guest_waiting
                && status.server == asked.server
                && status.signed_in.map(|s| s.account) == asked.account
        });
        if !current {
            self.state.check = CheckStatus::Idle;
            self.state.checked_with = None;
        }
        !current
    }

    /// Shows a finished check.
    fn checked(&mut self, checked: Checked) {
        let Checked { meeting_id, result } = checked;
        self.state.reveal_outcome = true;
        match result {
            Ok(reply) => {
                self.state.remember(HistoryEntry {
                    meeting_id: meeting_id.as_str().to_owned(),
                    subject: reply.value.subject.clone(),
                    checked_at: now_unix(),
                });
                self.state.check = CheckStatus::Done(MeetingFacts {
                    meeting_id,
                    reply: reply.value,
                });
            }
            Err(error) => {
                if error.kind == ErrorKind::PasswordRequired && self.state.form.password.is_empty()
                {
                    self.state.form.focus_password = true;
                }
                self.state.check = CheckStatus::Failed(error);
            }
        }
        self.ctx.request_repaint();
    }

    /// Closes the dialog on success, or shows why not in it.
    fn signed_in(&mut self, result: Result<SignInOutcome, crate::api::ApiError>) {
        match result {
            Ok(_) => {
                if matches!(&self.state.check, CheckStatus::Failed(error) if error.kind.is_sign_in_problem())
                {
                    self.state.check = CheckStatus::Idle;
                }
                if self.state.sign_in.take().is_some() {
                    self.state.form.focus_input = true;
                    self.show_toast(self.lang().tr("gui.toast.signed_in"));
                }
            }
            Err(error) => {
                if let Some(form) = self.state.sign_in.as_mut() {
                    form.error = Some(error);
                }
            }
        }
        self.ctx.request_repaint();
    }

    /// Applies one user action.
    pub(crate) fn apply(&mut self, action: Action) {
        match action {
            Action::Check => self.start_check(),
            Action::CancelCheck => {
                self.worker.check.cancel();
                if self.state.check.is_running() {
                    self.state.check = CheckStatus::Idle;
                }
                self.state.form.focus_input = true;
            }
            Action::CopyRandom => self.copy_random(),
            Action::CopyDetails(details) => {
                self.ctx.copy_text(details);
                self.show_toast(self.lang().tr("gui.toast.details_copied"));
            }
            Action::OpenSignIn => self.open_sign_in(),
            Action::SubmitSignIn => self.submit_sign_in(),
            Action::CloseSignIn => {
                self.worker.sign_in.cancel();
                self.state.sign_in = None;
            }
            Action::SignOut => self.worker.sign_out(),
            Action::OpenSettings => {
                self.state.settings_dialog = Some(SettingsDialog {
                    custom_server: self.state.settings.custom_server.clone(),
                    ca_file: self
                        .ca_file
                        .as_ref()
                        .map(|path| path.display().to_string())
                        .unwrap_or_default(),
                });
            }
            Action::CloseSettings => self.state.settings_dialog = None,
            Action::SetServer(choice, server) => {
                if self.sandbox {
                    return;
                }
                self.state.settings.server = choice;
                if let Some(server) = &server
                    && choice == ServerChoice::Custom
                {
                    self.state.settings.custom_server = server.base();
                }
                self.command_line_server = None;
                let next = self.state.settings.server();
                if next != self.server {
                    self.server = next.clone();
                    self.state.check = CheckStatus::Idle;
                    self.worker.set_server(next);
                }
            }
            Action::SetCaFile(ca_file) => {
                // The sandbox's CA file is for this run only: the saved one is the real server's.
                if !self.sandbox {
                    self.state.settings.ca_file = ca_file.clone();
                }
                self.command_line_ca_file = None;
                self.ca_file = ca_file.clone();
                // Applied again even when unchanged: the file itself may have been fixed.
                self.state.check = CheckStatus::Idle;
                self.state.checked_with = None;
                self.worker.set_ca_file(ca_file);
            }
            Action::SetLanguage(choice) => self.state.settings.language = choice,
            Action::SetTheme(choice) => self.state.settings.theme = choice,
            Action::SetClipboardClear(choice) => self.state.settings.clipboard_clear = choice,
            Action::SetKeepHistory(keep) => {
                self.state.settings.keep_history = keep;
                if !keep {
                    self.state.history.clear();
                }
            }
            Action::RecallHistory(meeting_id) => {
                self.state.form.input = MeetingId::parse(&meeting_id)
                    .map(|id| id.grouped())
                    .unwrap_or(meeting_id);
                self.state.form.password.clear();
                self.state.form.focus_input = true;
            }
            Action::ClearHistory => self.state.history.clear(),
            Action::DismissBanner => {
                self.state.dismissed_store_error = self.worker.status().store_error;
            }
        }
    }

    /// Starts a check of the meeting in the form; a check in flight is abandoned.
    fn start_check(&mut self) {
        let Ok(meeting_id) = MeetingId::parse(&self.state.form.input) else {
            return;
        };
        let request = RandomRequest {
            meeting_id: meeting_id.clone(),
            password: SecretString::from(self.state.form.password.clone()),
            guest_waiting: self.state.settings.guest_waiting,
        };
        self.state.checked_with = Some(CheckedWith {
            meeting_id: meeting_id.clone(),
            password: SecretString::from(self.state.form.password.clone()),
            guest_waiting: self.state.settings.guest_waiting,
            server: self.server.clone(),
            account: self.worker.status().signed_in.map(|s| s.account),
        });
        self.state.check = CheckStatus::Running(meeting_id);
        self.worker.check(request);
    }

    /// Copies the auth random, says so, and arranges for the clipboard to be cleared.
    fn copy_random(&mut self) {
        let CheckStatus::Done(facts) = &self.state.check else {
            return;
        };
        let random = facts.random().clone();
        self.ctx.copy_text(random.expose_secret().to_owned());
        let lang = self.lang();
        let text = match self.state.settings.clipboard_clear.delay() {
            Some(delay) => {
                self.worker.clear_clipboard_later(random, delay);
                let secs = i64::try_from(delay.as_secs()).unwrap_or(i64::MAX);
                t!(
                    "gui.toast.copied_clears",
                    locale = lang.code(),
                    time = super::views::duration_text(lang, secs)
                )
                .into_owned()
            }
            None => lang.tr("gui.toast.copied"),
        };
        self.show_toast(text);
    }

    fn open_sign_in(&mut self) {
        let mut form = SignInForm {
            tab: SignInMethodTab::Account,
            focus_first: true,
            ..SignInForm::default()
        };
        if let Some(demo) = &self.demo {
            form.account = demo.account.clone();
            form.password = demo.password.clone();
            form.app_id = demo.app_id.clone();
            form.app_key = demo.app_key.clone();
        } else if let Some(signed_in) = self.worker.status().signed_in {
            form.account = signed_in.account;
        }
        self.state.sign_in = Some(form);
    }

    fn submit_sign_in(&mut self) {
        if self.worker.sign_in.is_pending() {
            return;
        }
        let Some(form) = &mut self.state.sign_in else {
            return;
        };
        let optional = |text: &str| Some(text.to_owned()).filter(|t| !t.trim().is_empty());
        let credentials = match form.tab {
            SignInMethodTab::Account
                if !form.account.trim().is_empty() && !form.password.is_empty() =>
            {
                Credentials::Account {
                    account: form.account.clone(),
                    password: SecretString::from(form.password.clone()),
                }
            }
            SignInMethodTab::AppId
                if !form.app_id.trim().is_empty() && !form.app_key.trim().is_empty() =>
            {
                Credentials::AppId(AppIdCredentials {
                    app_id: form.app_id.clone(),
                    app_key: SecretString::from(form.app_key.clone()),
                    user_id: optional(&form.user_id),
                    multi_tenant: form.multi_tenant,
                    corp_id: optional(&form.corp_id).filter(|_| form.multi_tenant),
                })
            }
            SignInMethodTab::AccessToken if !form.token.trim().is_empty() => {
                Credentials::AccessToken(SecretString::from(form.token.clone()))
            }
            _ => {
                form.missing = true;
                return;
            }
        };
        form.missing = false;
        form.error = None;
        // The session trims every field, exactly as for the command line.
        self.worker.sign_in(credentials);
    }

    /// Shows a short message under the header for a few seconds.
    pub(crate) fn show_toast(&mut self, text: String) {
        let now = self.ctx.input(|i| i.time);
        self.state.toast = Some(Toast {
            text,
            until: now + TOAST_SECS,
        });
        self.ctx
            .request_repaint_after(std::time::Duration::from_secs_f64(TOAST_SECS));
    }
}
