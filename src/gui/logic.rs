//! State transitions: what each user action and each background result does to the window.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use super::app::MeetjoinApp;
use super::state::{
    AccountState, CheckStatus, HistoryEntry, MeetingFacts, SettingsDialog, SignInForm,
    SignInMethodTab, Toast,
};
use super::views::Action;
use super::worker::WorkerEvent;
use crate::api::auth::now_unix;
use crate::api::{AppIdCredentials, Client, ErrorKind, RandomRequest};
use crate::meeting_id::MeetingId;
use crate::sandbox::{DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD};
use crate::session::{Credentials, Session};

/// How long a toast stays, in seconds.
const TOAST_SECS: f64 = 3.0;

impl MeetjoinApp {
    /// Handles every background result that has arrived.
    pub(crate) fn poll_worker(&mut self) {
        for event in self.worker.poll() {
            self.handle_event(event);
        }
    }

    /// Applies one background result; results for an older session or check are ignored.
    pub(crate) fn handle_event(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::Restored { session, result } => {
                if session != self.session_generation {
                    return;
                }
                self.state.account.restoring = false;
                match result {
                    Ok(signed_in) => {
                        if self.state.account.signed_in.is_none() {
                            self.state.account.signed_in = signed_in;
                        }
                    }
                    Err(error) => self.state.store_warning = Some(error),
                }
            }
            WorkerEvent::Checked {
                generation,
                result,
                status,
            } => {
                let meeting_id = match &self.state.check {
                    CheckStatus::Running {
                        generation: running,
                        meeting_id,
                    } if *running == generation => meeting_id.clone(),
                    _ => return,
                };
                if let Some(status) = status {
                    self.state.account.signed_in = status;
                }
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
                        if error.kind == ErrorKind::PasswordRequired
                            && self.state.form.password.is_empty()
                        {
                            self.state.form.focus_password = true;
                        }
                        self.state.check = CheckStatus::Failed { meeting_id, error };
                    }
                }
            }
            WorkerEvent::SignedIn {
                session,
                generation,
                result,
            } => {
                if session != self.session_generation {
                    return;
                }
                let from_dialog = self
                    .state
                    .sign_in
                    .as_ref()
                    .is_some_and(|form| form.busy == Some(generation));
                match result {
                    Ok(outcome) => {
                        self.state.account.restoring = false;
                        self.state.account.signed_in = Some(outcome.signed_in);
                        self.state.store_warning = outcome.store_error;
                        if matches!(&self.state.check, CheckStatus::Failed { error, .. } if error.kind.is_sign_in_problem())
                        {
                            self.state.check = CheckStatus::Idle;
                        }
                        if from_dialog {
                            self.state.sign_in = None;
                            self.state.form.focus_input = true;
                            self.show_toast(self.lang().tr("gui.toast.signed_in"));
                        }
                    }
                    Err(error) => {
                        if let Some(form) = self.state.sign_in.as_mut().filter(|_| from_dialog) {
                            form.busy = None;
                            form.error = Some(error);
                        }
                    }
                }
            }
            WorkerEvent::SignedOut { session, outcome } => {
                if session != self.session_generation {
                    return;
                }
                self.state.account.signing_out = false;
                self.state.account.signed_in = None;
                let lang = self.lang();
                if outcome.server_error.is_some() {
                    self.show_toast(lang.tr("gui.toast.signed_out_locally"));
                } else {
                    self.show_toast(lang.tr("gui.toast.signed_out"));
                }
                if let Some(error) = outcome.store_error {
                    self.state.store_warning = Some(error);
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
                self.worker.cancel_check();
                self.check_generation += 1;
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
                self.state.sign_in = None;
            }
            Action::SignOut => {
                if let Some(session) = &self.session {
                    self.state.account.signing_out = true;
                    self.worker
                        .sign_out(Arc::clone(session), self.session_generation);
                }
            }
            Action::OpenSettings => {
                self.state.settings_dialog = Some(SettingsDialog {
                    custom_server: self.state.settings.custom_server.clone(),
                });
            }
            Action::CloseSettings => self.state.settings_dialog = None,
            Action::SetServer(choice, server) => {
                if self.sandbox {
                    return;
                }
                self.state.settings.server = choice;
                if let Some(server) = &server
                    && choice == super::state::ServerChoice::Custom
                {
                    self.state.settings.custom_server = server.base();
                }
                self.command_line_server = None;
                let next = self.state.settings.server();
                if next != self.server {
                    self.server = next;
                    self.start_session();
                }
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
            Action::DismissBanner => self.state.store_warning = None,
        }
    }

    /// Builds a new session on [`MeetjoinApp::server`] and looks up its saved sign-in.
    pub(crate) fn start_session(&mut self) {
        self.worker.cancel_check();
        self.check_generation += 1;
        self.state.check = CheckStatus::Idle;
        self.session_generation += 1;
        self.state.account = AccountState::default();
        if let Some(form) = &mut self.state.sign_in {
            form.busy = None;
        }
        match Client::new(self.server.clone()) {
            Ok(client) => {
                let session = Arc::new(Session::new(client, Arc::clone(&self.store)));
                self.state.account.restoring = true;
                self.worker
                    .restore(Arc::clone(&session), self.session_generation);
                self.session = Some(session);
                self.session_error = None;
            }
            Err(error) => {
                self.session = None;
                self.session_error = Some(error);
            }
        }
    }

    /// Starts a check of the meeting in the form; a check in flight is abandoned.
    fn start_check(&mut self) {
        let Ok(meeting_id) = MeetingId::parse(&self.state.form.input) else {
            return;
        };
        let Some(session) = &self.session else {
            return;
        };
        self.check_generation += 1;
        let request = RandomRequest {
            meeting_id: meeting_id.clone(),
            password: SecretString::from(self.state.form.password.trim().to_owned()),
            guest_waiting: self.state.settings.guest_waiting,
        };
        self.state.check = CheckStatus::Running {
            generation: self.check_generation,
            meeting_id,
        };
        self.worker
            .check(Arc::clone(session), self.check_generation, request);
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
                crate::tr!(
                    lang,
                    "gui.toast.copied_clears",
                    time = super::views::duration_text(lang, secs)
                )
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
        if self.sandbox {
            form.account = DEMO_ACCOUNT.to_owned();
            form.password = DEMO_PASSWORD.to_owned();
            form.app_id = DEMO_APP_ID.to_owned();
            form.app_key = DEMO_APP_KEY.to_owned();
        } else if let Some(signed_in) = &self.state.account.signed_in {
            form.account = signed_in.account.clone();
        }
        self.state.sign_in = Some(form);
    }

    fn submit_sign_in(&mut self) {
        let Some(session) = self.session.clone() else {
            return;
        };
        let Some(form) = &mut self.state.sign_in else {
            return;
        };
        if form.busy.is_some() {
            return;
        }
        let optional = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        let credentials = match form.tab {
            SignInMethodTab::Account
                if !form.account.trim().is_empty() && !form.password.is_empty() =>
            {
                Credentials::Account {
                    account: form.account.trim().to_owned(),
                    password: SecretString::from(form.password.clone()),
                }
            }
            SignInMethodTab::AppId
                if !form.app_id.trim().is_empty() && !form.app_key.trim().is_empty() =>
            {
                Credentials::AppId(AppIdCredentials {
                    app_id: form.app_id.trim().to_owned(),
                    app_key: SecretString::from(form.app_key.trim().to_owned()),
                    user_id: optional(&form.user_id),
                    corp_id: optional(&form.corp_id),
                })
            }
            SignInMethodTab::AccessToken if !form.token.trim().is_empty() => {
                Credentials::AccessToken(SecretString::from(form.token.trim().to_owned()))
            }
            _ => {
                form.missing = true;
                return;
            }
        };
        self.sign_in_generation += 1;
        form.missing = false;
        form.error = None;
        form.busy = Some(self.sign_in_generation);
        self.worker.sign_in(
            session,
            self.session_generation,
            self.sign_in_generation,
            credentials,
        );
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
