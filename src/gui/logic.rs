//! State transitions: what each user action and each background result does to the window.

use rust_i18n::t;
use secrecy::{ExposeSecret, SecretString};

use super::app::MeetjoinApp;
use super::state::{
    CheckStatus, CheckedWith, ClipboardOffer, HistoryEntry, Lockout, MeetingFacts, PendingCheck,
    ServerChoice, SettingsDialog, SignInForm, SignInMethodTab, Toast, Undo,
};
use super::views::Action;
use super::worker::{Checked, JoinJob};
use crate::api::auth::now_unix;
use crate::api::meetings::{MeetingRange, meetings_today};
use crate::api::{AppIdCredentials, ErrorKind, RandomRequest};
use crate::join::JoinPlan;
use crate::meeting_id::MeetingId;
use crate::session::{Credentials, SignInOutcome};
use eframe::egui;

/// How long a toast stays, in seconds.
const TOAST_SECS: f64 = 3.0;
/// How long Copy reads "Copied ✓", in seconds.
const COPIED_SECS: f64 = 2.0;
/// How long Undo stands after something was removed, in seconds.
const UNDO_SECS: f64 = 8.0;

impl MeetjoinApp {
    /// Takes every result the worker has finished since the last frame. The worker keeps only
    /// the latest request's result, so nothing here can be stale.
    pub(crate) fn poll_worker(&mut self) {
        #[cfg(unix)]
        while let Some(handoff) = self
            .instance
            .as_ref()
            .and_then(|listener| listener.handoffs.try_recv().ok())
        {
            // A second launch: come to the front with its meeting.
            self.ctx
                .send_viewport_cmd(egui::ViewportCommand::Minimized(false));
            self.ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
            tracing::info!(target: "meetjoin::gui", "a second launch handed over to this window");
            self.start_with(handoff);
            self.ctx.request_repaint();
        }
        if let Some(text) = self.worker.clipboard_text.take_result() {
            self.clipboard_read(text);
        }
        if self.state.pending == Some(PendingCheck::WhenReady) && !self.worker.status().restoring {
            self.state.pending = None;
            // Never on its own on the other official site: the form offers to check there.
            if self.other_site().is_none() {
                self.start_check();
            }
        }
        if let Some(checked) = self.worker.check.take_result() {
            self.checked(checked);
        }
        if let Some(result) = self.worker.join.take_result() {
            match result {
                Ok(()) => {
                    self.state.join_failure = None;
                    let key = if self.state.joining_in_browser {
                        "gui.join.opened_browser"
                    } else {
                        "gui.join.opened"
                    };
                    self.show_toast(self.lang().tr(key));
                }
                Err(failure) => {
                    self.state.join_failure = Some(failure);
                    self.state.reveal_join_failure = true;
                }
            }
            self.ctx.request_repaint();
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
        if let Some(read) = self.worker.meetings.take_result() {
            self.meetings_read(read);
        }
        if let Some(attempt) = self.worker.wait.progress()
            && let Some(room) = self.state.waiting.as_mut()
            && room.last.as_ref() != Some(&attempt)
        {
            room.last = Some(attempt);
        }
        if let Some(waited) = self.worker.wait.take_result() {
            self.waited(waited);
        }
        while let Some(meeting_id) = self.worker.reminders.take_join() {
            // Join pressed in a reminder: come to the front and join.
            self.ctx
                .send_viewport_cmd(egui::ViewportCommand::Minimized(false));
            self.ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
            self.apply(Action::JoinListed(meeting_id));
        }
        if self.worker.status_changed() {
            let status = self.worker.status();
            if status.store_error.is_none() {
                self.state.dismissed_store_error = None;
            }
            self.follow_account_for_today(&status);
            self.ctx.request_repaint();
        }
    }

    /// The Today list belongs to the signed-in account: read when one signs in, gone when
    /// they sign out (or another signs in).
    fn follow_account_for_today(&mut self, status: &super::worker::AccountStatus) {
        let account = status.signed_in.as_ref().map(|s| s.account.clone());
        if self.state.today.account == account {
            return;
        }
        self.state.today = super::state::TodayList {
            week: self.state.today.week,
            account: account.clone(),
            ..super::state::TodayList::default()
        };
        self.plan_reminders();
        if account.is_some() && self.state.settings.show_today {
            self.read_meetings();
        }
    }

    /// Reads the user's meetings now (the worker reads them again every few minutes).
    pub(crate) fn read_meetings(&mut self) {
        self.state.today.loading = true;
        self.worker.read_meetings(MeetingRange::Week);
    }

    /// The user's meetings arrived: the Today list, and what the reminders remind of.
    fn meetings_read(&mut self, read: super::worker::MeetingsRead) {
        let today = &mut self.state.today;
        today.loading = false;
        match read.result {
            Ok(list) => {
                today.meetings = list.meetings;
                today.updated = Some(read.at);
                today.error = None;
            }
            // The list read before stays, with the error and Retry beside it.
            Err(error) => today.error = Some(error),
        }
        self.plan_reminders();
        self.ctx.request_repaint();
    }

    /// Tells the reminders what to remind of: today's meetings, as long before as the
    /// settings say (nothing when reminders are off or nobody is signed in).
    pub(crate) fn plan_reminders(&self) {
        let lead = self
            .state
            .settings
            .reminders
            .lead()
            .filter(|_| self.state.today.account.is_some());
        self.worker
            .reminders
            .set_plan(super::reminders::ReminderPlan {
                lead,
                meetings: meetings_today(&self.state.today.meetings),
                bus: self.notifications_bus.clone(),
            });
    }

    /// The waiting room ended: the host arrived (the result shows, a notification says so,
    /// and the meeting opens if asked), or why it ended without the host.
    fn waited(&mut self, waited: super::worker::Waited) {
        let Some(room) = self.state.waiting.as_mut() else {
            return;
        };
        if room.meeting_id != waited.meeting_id {
            return;
        }
        match waited.result {
            Ok(reply) => {
                let join = room.join_on_arrival;
                self.state.waiting = None;
                let subject = reply.value.subject.clone();
                self.checked(Checked {
                    meeting_id: waited.meeting_id.clone(),
                    result: Ok(reply),
                });
                let lang = self.lang();
                let title = subject.unwrap_or_else(|| waited.meeting_id.grouped());
                self.worker.reminders.notify(crate::notify::Reminder {
                    title,
                    body: t!(
                        "gui.waiting.arrived",
                        locale = lang.code(),
                        id = waited.meeting_id.grouped()
                    )
                    .into_owned(),
                    join_label: None,
                });
                self.ctx
                    .send_viewport_cmd(egui::ViewportCommand::RequestUserAttention(
                        egui::UserAttentionType::Informational,
                    ));
                if join {
                    self.join();
                }
            }
            Err(crate::waiting::WaitError::GaveUp { last, .. }) => {
                room.ended = Some(last);
            }
            Err(
                crate::waiting::WaitError::Stopped { error, .. }
                | crate::waiting::WaitError::NotWaitable(error),
            ) => {
                self.state.waiting = None;
                self.checked(Checked {
                    meeting_id: waited.meeting_id,
                    result: Err(error),
                });
            }
        }
        self.ctx.request_repaint();
    }

    /// Puts a meeting of the Today list in the form, with the password the service gave this
    /// user for it (hidden), and checks it.
    fn check_listed(&mut self, meeting_id: &MeetingId) -> bool {
        let Some(meeting) = self
            .state
            .today
            .meetings
            .iter()
            .find(|m| &m.id == meeting_id)
            .cloned()
        else {
            return false;
        };
        self.fill_meeting(meeting.id.grouped());
        let form = &mut self.state.form;
        form.password = meeting
            .join_password()
            .map(|p| p.expose_secret().to_owned())
            .unwrap_or_default();
        form.password_for = Some(meeting.id.clone());
        form.password_from_invitation = None;
        form.password_cleared = None;
        form.show_password = false;
        self.state.reveal_form = true;
        self.start_check()
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
            form.meeting_id() == Some(&asked.meeting_id)
                && form.password == asked.password.expose_secret()
                && self.state.settings.guest_waiting == asked.guest_waiting
                && status.server == asked.server
                && status.signed_in.map(|s| s.account) == asked.account
        });
        if !current {
            self.state.check = CheckStatus::Idle;
            self.state.checked_with = None;
            self.state.join_failure = None;
            self.worker.join.cancel();
        }
        !current
    }

    /// Does what a launch asked for: fill in and check its meeting, or check the clipboard's.
    pub(crate) fn start_with(&mut self, startup: super::Startup) {
        if let Some(meeting) = startup.meeting.filter(|m| !m.trim().is_empty()) {
            self.fill_meeting(meeting);
            self.state.form.focus_input = true;
            self.state.pending = Some(PendingCheck::WhenReady);
        } else if startup.check_clipboard {
            self.state.pending = Some(PendingCheck::ClipboardMeeting);
            self.worker.read_clipboard();
        }
    }

    /// Reads the clipboard when the window gains the focus (never polled), if offers are on.
    pub(crate) fn follow_focus(&mut self, focused: bool) {
        let gained = focused && !self.state.had_focus;
        self.state.had_focus = focused;
        if gained && self.state.settings.offer_clipboard {
            self.worker.read_clipboard();
        }
        // Back at the window: today's meetings as they are now (not more than once a minute).
        let stale = self.state.today.updated.is_none_or(|at| {
            jiff::Timestamp::now().duration_since(at) > jiff::SignedDuration::from_secs(60)
        });
        if gained
            && stale
            && !self.state.today.loading
            && self.state.today.account.is_some()
            && self.state.settings.show_today
        {
            self.read_meetings();
        }
    }

    /// The clipboard's text arrived: checked at once (`--check-clipboard`), or a meeting
    /// found in it offered once in a banner.
    fn clipboard_read(&mut self, text: Option<SecretString>) {
        let check_now = self.state.pending == Some(PendingCheck::ClipboardMeeting);
        if check_now {
            self.state.pending = None;
        }
        let Some(text) = text else {
            return;
        };
        // Our own copied random looks like a meeting ID (15 digits): it is not one.
        if self.worker.is_own_copy(&text) {
            return;
        }
        let Ok(meeting_id) = MeetingId::parse(text.expose_secret()) else {
            return;
        };
        if check_now {
            self.fill_from(&text);
            self.state.pending = Some(PendingCheck::WhenReady);
            return;
        }
        let in_form = self.state.form.meeting_id() == Some(&meeting_id);
        if in_form || self.state.clipboard_offered.contains(&meeting_id) {
            return;
        }
        self.state.clipboard_offered.push(meeting_id.clone());
        self.state.clipboard_offer = Some(ClipboardOffer { meeting_id, text });
        self.ctx.request_repaint();
    }

    /// Fills the form with `text` as a paste would (a password in it fills the password), the
    /// cursor at its end, and judges it at once (the user did not type it).
    fn fill_from(&mut self, text: &SecretString) {
        self.fill_meeting(text.expose_secret().trim().to_owned());
        self.state.form.focus_input = true;
    }

    /// Puts `text` in the meeting field as if pasted: the password typed for another meeting
    /// goes, an invitation's password comes, the cursor goes to the end.
    pub(crate) fn fill_meeting(&mut self, text: String) {
        let form = &mut self.state.form;
        form.input = text;
        form.cursor_to_end = true;
        self.follow_input();
        self.judge_meeting();
    }

    /// Follows what was typed or pasted in the meeting field: a password found in a pasted
    /// invitation fills the password field, unless the user typed one there for this same
    /// meeting (or before any meeting ID).
    pub(crate) fn follow_input(&mut self) {
        let form = &mut self.state.form;
        form.sync();
        if form.input == form.seen_input {
            return;
        }
        form.seen_input.clone_from(&form.input);
        let meeting = form.meeting_id().cloned();
        let found = form.read().ok().and_then(|i| i.password.clone());
        let from_invitation = form.password_from_invitation.as_ref() == Some(&form.password);
        // A password typed for another meeting is not the user's choice for this one.
        let for_another = form
            .password_for
            .as_ref()
            .is_some_and(|owner| meeting.as_ref().is_some_and(|id| id != owner));
        if !(form.password.is_empty() || from_invitation || for_another) {
            return;
        }
        match found.map(|p| p.expose_secret().to_owned()) {
            Some(password) => {
                if form.password != password {
                    form.show_password = false;
                }
                form.password.clone_from(&password);
                form.password_from_invitation = Some(password);
                form.password_for = meeting;
                form.password_cleared = None;
            }
            // The invitation that filled the field is gone: so is its password.
            None if from_invitation && form.password_from_invitation.take().is_some() => {
                form.password.clear();
                form.password_for = None;
            }
            None => {}
        }
    }

    /// The user stopped typing in the meeting field (Enter or Check, leaving the field, a
    /// paste): from now on a problem with the text shows as an error, and a password that
    /// belongs to another meeting is emptied, so it is never sent there (where it would count
    /// towards that meeting's lockout). Typing key by key passes through shorter valid IDs, so
    /// nothing is judged while typing.
    pub(crate) fn judge_meeting(&mut self) {
        let form = &mut self.state.form;
        form.sync();
        form.judged_input = Some(form.input.clone());
        let Some(meeting) = form.meeting_id().cloned() else {
            return;
        };
        if form.judged_meeting.as_ref() != Some(&meeting) {
            form.show_password = false;
            form.judged_meeting = Some(meeting.clone());
        }
        if form.password.is_empty() {
            form.password_for = None;
            return;
        }
        match form.password_for.take() {
            Some(owner) if owner != meeting => {
                form.password.clear();
                form.password_from_invitation = None;
                form.password_cleared = Some(owner);
            }
            // Typed before any meeting ID: it belongs to this one.
            Some(_) | None => form.password_for = Some(meeting),
        }
    }

    /// The user typed in the password field: the password belongs to the meeting in the field
    /// now (or, with none there yet, to the next one judged).
    pub(crate) fn password_typed(&mut self) {
        let form = &mut self.state.form;
        form.password_for = form.meeting_id().cloned();
        form.password_cleared = None;
        if form.password_from_invitation.as_ref() != Some(&form.password) {
            form.password_from_invitation = None;
        }
    }

    /// The time the meeting in the form still refuses new tries, if it is locked.
    pub(crate) fn lockout_left(&self) -> Option<std::time::Duration> {
        let lockout = self.state.lockout.as_ref()?;
        let id = self.state.form.meeting_id()?;
        (*id == lockout.meeting_id).then(|| lockout.remaining(std::time::Instant::now()))
    }

    /// Shows a finished check.
    fn checked(&mut self, checked: Checked) {
        let Checked { meeting_id, result } = checked;
        self.state.reveal_outcome = true;
        if self
            .state
            .lockout
            .as_ref()
            .is_some_and(|l| l.meeting_id == meeting_id)
        {
            self.state.lockout = None;
        }
        match result {
            Ok(reply) => {
                self.state.remember(HistoryEntry {
                    meeting_id: meeting_id.clone(),
                    subject: reply.value.subject.clone(),
                    checked_at: now_unix(),
                });
                let join =
                    self.state.pending == Some(PendingCheck::JoinAfterCheck(meeting_id.clone()));
                if join {
                    self.state.pending = None;
                }
                self.state.check = CheckStatus::Done(MeetingFacts {
                    meeting_id,
                    reply: reply.value,
                });
                if join {
                    self.join();
                }
            }
            Err(error) => {
                if matches!(self.state.pending, Some(PendingCheck::JoinAfterCheck(_))) {
                    self.state.pending = None;
                }
                let form = &mut self.state.form;
                match error.kind {
                    // The password is what to fix: the field gets the focus, a wrong password
                    // selected so that typing replaces it, and Enter checks again.
                    ErrorKind::PasswordRequired | ErrorKind::WrongIdOrPassword => {
                        form.focus_password = true;
                        form.select_password = !form.password.is_empty();
                        if error.kind == ErrorKind::PasswordRequired {
                            form.password_required_for = Some(meeting_id.clone());
                        }
                    }
                    ErrorKind::Locked => {
                        if let Some(wait) = error.retry_after {
                            self.state.lockout = Some(Lockout {
                                meeting_id: meeting_id.clone(),
                                until: std::time::Instant::now() + wait,
                            });
                        }
                    }
                    _ => {}
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
                // The check asked for before signing in runs now.
                if self.state.pending == Some(PendingCheck::AfterSignIn) {
                    self.state.pending = None;
                    self.start_check();
                }
            }
            Err(error) => {
                if let Some(form) = self.state.sign_in.as_mut() {
                    // Wrong credentials: the secret is what to fix, selected so that typing
                    // replaces it.
                    form.focus_secret = matches!(
                        error.kind,
                        ErrorKind::AccountOrPasswordWrong
                            | ErrorKind::AppIdRejected
                            | ErrorKind::TokenRejected
                    );
                    form.error = Some(error);
                }
            }
        }
        self.ctx.request_repaint();
    }

    /// Applies one user action.
    pub(crate) fn apply(&mut self, action: Action) {
        match action {
            Action::Check => {
                self.start_check();
            }
            Action::JudgeMeeting => self.judge_meeting(),
            Action::PasswordTyped => self.password_typed(),
            Action::CheckWithWaitingPage => {
                self.state.settings.guest_waiting = true;
                self.start_check();
            }
            Action::CancelCheck => {
                self.worker.check.cancel();
                if matches!(self.state.pending, Some(PendingCheck::JoinAfterCheck(_))) {
                    self.state.pending = None;
                }
                self.state.form.focus_input = true;
            }
            Action::CopyRandom => self.copy_random(),
            Action::Join => self.join(),
            Action::OpenUrl(url) => self.ctx.open_url(egui::OpenUrl::new_tab(url)),
            Action::SetJoin(join) => self.state.settings.join = join,
            Action::CheckClipboardOffer => {
                if let Some(offer) = self.state.clipboard_offer.take() {
                    self.fill_from(&offer.text);
                    self.start_check();
                }
            }
            Action::DismissClipboardOffer => self.state.clipboard_offer = None,
            Action::SetOfferClipboard(on) => {
                self.state.settings.offer_clipboard = on;
                if !on {
                    self.state.clipboard_offer = None;
                }
            }
            Action::CopyDetails(details) => {
                self.ctx.copy_text(details);
                self.show_toast(self.lang().tr("gui.toast.details_copied"));
            }
            Action::OpenSignIn => self.open_sign_in(),
            Action::SubmitSignIn => self.submit_sign_in(),
            Action::CloseSignIn => {
                self.worker.sign_in.cancel();
                self.state.sign_in = None;
                if self.state.pending == Some(PendingCheck::AfterSignIn) {
                    self.state.pending = None;
                }
                self.state.form.focus_input = true;
            }
            Action::SignOut => {
                self.state.confirm_sign_out = false;
                self.state.form.focus_input = true;
                self.worker.sign_out();
            }
            Action::OpenSettings => {
                let status = self.worker.status();
                self.state.settings_dialog = Some(SettingsDialog {
                    display_name: self.state.settings.join.display_name.clone(),
                    // A custom server in use (from the command line too) shows its address.
                    custom_server: match &status.server {
                        crate::server::Server::Custom(_) => status.server.base(),
                        _ => self.state.settings.custom_server.clone(),
                    },
                    ca_file: status
                        .ca_file
                        .as_ref()
                        .map(|path| path.display().to_string())
                        .unwrap_or_default(),
                });
            }
            Action::CloseSettings => {
                self.state.settings_dialog = None;
                // Back where the work is: the meeting field.
                self.state.form.focus_input = true;
            }
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
                if next != self.server() {
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
                let grouped = meeting_id.grouped();
                self.fill_meeting(grouped.clone());
                self.state.form.focus_input = true;
                self.state.reveal_form = true;
                let text = t!(
                    "gui.toast.recalled",
                    locale = self.lang().code(),
                    id = grouped
                )
                .into_owned();
                self.show_toast(text);
            }
            Action::ClearHistory => {
                let cleared = std::mem::take(&mut self.state.history);
                if !cleared.is_empty() {
                    let text = self.lang().tr("gui.history.cleared");
                    self.show_toast_with(text, Some(Undo::History(cleared)), UNDO_SECS);
                }
            }
            Action::Undo => match self.state.toast.take().and_then(|toast| toast.undo) {
                Some(Undo::History(entries)) => {
                    // Meetings checked since the clearing stay first, then these in order.
                    for entry in entries {
                        if !self
                            .state
                            .history
                            .iter()
                            .any(|e| e.meeting_id == entry.meeting_id)
                        {
                            self.state.history.push(entry);
                        }
                    }
                    self.state.history.truncate(super::state::HISTORY_LIMIT);
                }
                None => {}
            },
            Action::JoinListed(meeting_id) => {
                // The intention first: on a fast server the check may be over before the
                // next line runs.
                self.state.pending = Some(PendingCheck::JoinAfterCheck(meeting_id.clone()));
                let started = self.check_listed(&meeting_id);
                if !started && matches!(self.state.pending, Some(PendingCheck::JoinAfterCheck(_))) {
                    self.state.pending = None;
                }
            }
            Action::CheckListed(meeting_id) => {
                self.state.pending = None;
                self.check_listed(&meeting_id);
            }
            Action::RefreshMeetings => self.read_meetings(),
            Action::ShowWeek(week) => {
                self.state.today.week = week;
            }
            Action::SetShowToday(show) => {
                self.state.settings.show_today = show;
                if show && self.state.today.account.is_some() {
                    self.read_meetings();
                }
            }
            Action::SetReminders(lead) => {
                self.state.settings.reminders = lead;
                self.plan_reminders();
            }
            Action::WaitHere => self.wait_here(),
            Action::StopWaiting => {
                self.worker.wait.cancel();
                self.state.waiting = None;
            }
            Action::SetJoinOnArrival(join) => {
                if let Some(room) = self.state.waiting.as_mut() {
                    room.join_on_arrival = join;
                }
            }
            Action::RefreshRandom => {
                self.start_check();
            }
            Action::JoinInBrowser => self.join_with(true),
            Action::CopyInvitation => self.copy_invitation(),
            Action::AskSignOut => {
                self.state.confirm_sign_out = true;
            }
            Action::CancelSignOut => {
                self.state.confirm_sign_out = false;
                self.state.form.focus_input = true;
            }
            Action::DismissBanner => {
                self.state.dismissed_store_error = self.worker.status().store_error;
            }
            Action::CheckOnSite(site) => self.check_on_site(site),
        }
    }

    /// Starts a check of the meeting in the form (a check in flight is abandoned); false when
    /// none started (no meeting ID, a lockout, sign-in first).
    fn start_check(&mut self) -> bool {
        self.judge_meeting();
        let Some(meeting_id) = self.state.form.meeting_id().cloned() else {
            return false;
        };
        if self.lockout_left().is_some_and(|left| !left.is_zero()) {
            return false;
        }
        // Before sign-in, Check opens sign-in and runs once it succeeds (unless there is no
        // session at all: the session's card says why, and the check says it again).
        let status = self.worker.status();
        if status.signed_in.is_none() && !status.restoring && status.session_error.is_none() {
            self.state.pending = Some(PendingCheck::AfterSignIn);
            if self.state.sign_in.is_none() {
                self.open_sign_in();
            }
            return false;
        }
        let request = RandomRequest {
            meeting_id: meeting_id.clone(),
            password: SecretString::from(self.state.form.password.clone()),
            guest_waiting: self.state.settings.guest_waiting,
        };
        self.state.checked_with = Some(CheckedWith {
            meeting_id: meeting_id.clone(),
            password: SecretString::from(self.state.form.password.clone()),
            guest_waiting: self.state.settings.guest_waiting,
            server: self.server(),
            account: self.worker.status().signed_in.map(|s| s.account),
        });
        self.state.copied_until = None;
        self.state.join_failure = None;
        // The outcome on screen belongs to the check before: it goes; the worker's slot is
        // what says a check runs.
        self.state.check = CheckStatus::Idle;
        self.worker.check(request);
        true
    }

    /// Waits here for the host of the meeting whose check said the host has not arrived: the
    /// worker checks again at a polite interval (never for a wrong password or a lock).
    fn wait_here(&mut self) {
        let (CheckStatus::Failed(error), Some(asked)) =
            (&self.state.check, &self.state.checked_with)
        else {
            return;
        };
        if !crate::waiting::is_waiting_for_host(error.kind) {
            return;
        }
        let request = RandomRequest {
            meeting_id: asked.meeting_id.clone(),
            password: asked.password.clone(),
            guest_waiting: asked.guest_waiting,
        };
        self.state.waiting = Some(super::state::WaitingRoom {
            meeting_id: asked.meeting_id.clone(),
            last: None,
            join_on_arrival: false,
            ended: None,
        });
        self.worker
            .wait_for_host(request, error.clone(), self.wait_policy.clone());
    }

    /// Opens the checked meeting as the library's join plan says (see `invitation.rs`): the
    /// client's link, or the invitation's own link when only that carries the password.
    fn join(&mut self) {
        self.join_with(false);
    }

    /// Joins as [`Self::join`] does, in the browser when `browser` (the meeting's web page).
    fn join_with(&mut self, browser: bool) {
        let plan = match self.join_plan_with(browser) {
            Ok(plan) => plan,
            Err(crate::join::PlanError::NotChecked) => return,
            // Nobody to name: only without a sign-in, which signing in mends.
            Err(crate::join::PlanError::MissingName) => {
                let error = crate::api::ApiError::new(ErrorKind::NotSignedIn);
                self.state.join_failure = Some(super::worker::JoinFailure::Api(error));
                return;
            }
        };
        self.state.join_failure = None;
        self.state.joining_in_browser = browser;
        self.worker.join(JoinJob { plan });
    }

    /// Copies an invitation to the checked meeting (ID, password, web link) for another device
    /// or person, and clears it from the clipboard like a copied random.
    fn copy_invitation(&mut self) {
        let (CheckStatus::Done(facts), Some(asked)) = (&self.state.check, &self.state.checked_with)
        else {
            return;
        };
        let Ok(JoinPlan::Browser(link)) = self.join_plan_with(true) else {
            return;
        };
        let lang = self.lang();
        let password = Some(&asked.password).filter(|_| facts.reply.need_password != Some(false));
        let text = crate::join::invitation_text(lang, &facts.meeting_id, password, &link);
        self.ctx.copy_text(text.expose_secret().to_owned());
        let note = self.own_copy(
            text,
            "gui.join.invitation_copied",
            "gui.join.invitation_copied_clears",
        );
        self.show_toast(note);
    }

    /// Something of this window's reached the clipboard (`text`): the worker remembers it
    /// (never offered back as a meeting) and clears it after the settings' delay where it can.
    /// Returns the line that says so: `kept_key` without a delay, `clears_key` (with its
    /// `time`) with one.
    fn own_copy(&mut self, text: SecretString, kept_key: &str, clears_key: &str) -> String {
        let lang = self.lang();
        let delay = self.state.settings.clipboard_clear.delay();
        let clears = delay.filter(|_| self.clipboard_clears_later);
        self.worker.own_copy(text, clears);
        match clears {
            Some(delay) => {
                let secs = i64::try_from(delay.as_secs()).unwrap_or(i64::MAX);
                t!(
                    clears_key,
                    locale = lang.code(),
                    time = super::views::duration_text(lang, secs)
                )
                .into_owned()
            }
            None if delay.is_some() => lang.tr("gui.result.copied_not_cleared"),
            None => lang.tr(kept_key),
        }
    }

    /// Copies the auth random, says so, and arranges for the clipboard to be cleared.
    fn copy_random(&mut self) {
        let CheckStatus::Done(facts) = &self.state.check else {
            return;
        };
        let random = facts.random().clone();
        self.ctx.copy_text(random.expose_secret().to_owned());
        let now = self.ctx.input(|i| i.time);
        self.state.copied_until = Some(now + COPIED_SECS);
        self.ctx
            .request_repaint_after(std::time::Duration::from_secs_f64(COPIED_SECS));
        self.random_copied(random);
    }

    /// The auth random reached the clipboard (Copy, Ctrl+Shift+C, or selected and copied
    /// with the mouse): it is never offered back as a meeting, it is cleared from the
    /// clipboard like any copy of it, and a line by the Copy button says when.
    pub(crate) fn random_copied(&mut self, random: SecretString) {
        let text = self.own_copy(random, "gui.result.copied_kept", "gui.result.copied_clears");
        let now = self.ctx.input(|i| i.time);
        self.state.copy_note = Some(Toast {
            text,
            until: now + TOAST_SECS,
            undo: None,
        });
        self.ctx
            .request_repaint_after(std::time::Duration::from_secs_f64(TOAST_SECS));
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

    /// Shows a short message in the status bar for a few seconds.
    pub(crate) fn show_toast(&mut self, text: String) {
        self.show_toast_with(text, None, TOAST_SECS);
    }

    /// Shows a message in the status bar for `secs` seconds, with Undo bringing back `undo`.
    fn show_toast_with(&mut self, text: String, undo: Option<Undo>, secs: f64) {
        let now = self.ctx.input(|i| i.time);
        self.state.toast = Some(Toast {
            text,
            until: now + secs,
            undo,
        });
        self.ctx
            .request_repaint_after(std::time::Duration::from_secs_f64(secs));
    }
}
