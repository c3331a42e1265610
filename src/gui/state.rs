//! What the window remembers: saved settings and history, and the state of the current run.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::api::{ApiError, AuthRandom, ConfMode};
use crate::i18n::Lang;
use crate::meeting_id::MeetingId;
use crate::secrets::StoreError;
use crate::server::Server;
use crate::session::SignedIn;

/// How many recent meetings the history keeps.
pub const HISTORY_LIMIT: usize = 10;

/// Everything the window keeps between runs (nothing secret), plus the run's own state.
///
/// Saved with eframe's storage under [`AppState::STORAGE_KEY`]; the `#[serde(skip)]` fields
/// live for one run only.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AppState {
    /// Preferences.
    pub settings: Settings,
    /// Recently checked meetings, newest first (an entry that no longer reads as a meeting ID
    /// is left out when loading).
    #[serde(deserialize_with = "lenient_history")]
    pub history: Vec<HistoryEntry>,
    /// The "check a meeting" form.
    #[serde(skip)]
    pub form: CheckForm,
    /// The check in flight, or its outcome.
    #[serde(skip)]
    pub check: CheckStatus,
    /// The sign-in dialog, while it is open.
    #[serde(skip)]
    pub sign_in: Option<SignInForm>,
    /// The settings dialog, while it is open.
    #[serde(skip)]
    pub settings_dialog: Option<SettingsDialog>,
    /// The keyring failure the user dismissed: the banner stays hidden until another one.
    #[serde(skip)]
    pub dismissed_store_error: Option<StoreError>,
    /// A short message under the header, gone after a few seconds.
    #[serde(skip)]
    pub toast: Option<Toast>,
    /// Scroll the new result or error into view on the next frame.
    #[serde(skip)]
    pub reveal_outcome: bool,
    /// What the last check asked about: its outcome is shown only while this still holds.
    #[serde(skip)]
    pub checked_with: Option<CheckedWith>,
    /// What the window means to do once something it waits for happens (sign-in, the saved
    /// sign-in's lookup, the clipboard's text, another server's session, a check): one
    /// intention at a time.
    #[serde(skip)]
    pub pending: Option<PendingCheck>,
    /// Copy shows "Copied ✓" until then (egui time, seconds).
    #[serde(skip)]
    pub copied_until: Option<f64>,
    /// The meeting refuses new tries until then: a live countdown, Check disabled.
    #[serde(skip)]
    pub lockout: Option<Lockout>,
    /// Scroll the form into view on the next frame (a recent meeting was picked).
    #[serde(skip)]
    pub reveal_form: bool,
    /// Why the last Join did not open the meeting, shown under the result.
    #[serde(skip)]
    pub join_failure: Option<crate::gui::worker::JoinFailure>,
    /// The meeting found in the clipboard, offered in a banner.
    #[serde(skip)]
    pub clipboard_offer: Option<ClipboardOffer>,
    /// The meetings already offered from the clipboard this run: each is offered once.
    #[serde(skip)]
    pub clipboard_offered: Vec<MeetingId>,
    /// The window had the focus on the last frame (a gain of focus reads the clipboard).
    #[serde(skip)]
    pub had_focus: bool,
    /// The line by the Copy button after a copy: when the clipboard is cleared.
    #[serde(skip)]
    pub copy_note: Option<Toast>,
    /// Sign out was asked for: a dialog asks first (it ends the token on the server).
    #[serde(skip)]
    pub confirm_sign_out: bool,
    /// Scroll the message under the result card (why Join did not open the meeting) into view.
    #[serde(skip)]
    pub reveal_join_failure: bool,
    /// The signed-in user's meetings, for the Today list: in memory only, never saved.
    #[serde(skip)]
    pub today: TodayList,
    /// The waiting room: a meeting whose host has not arrived, checked again now and then.
    #[serde(skip)]
    pub waiting: Option<WaitingRoom>,
    /// The Join running opens the meeting's web page in the browser.
    #[serde(skip)]
    pub joining_in_browser: bool,
}

/// The Today list: the user's meetings as last read. Passwords and links inside are secrets,
/// kept in memory only.
#[derive(Debug, Default)]
pub struct TodayList {
    /// The meetings read (of the week: the list shows today's, or the week's on demand).
    pub meetings: Vec<crate::api::meetings::Meeting>,
    /// When they were read.
    pub updated: Option<jiff::Timestamp>,
    /// Why the last read failed, if it did.
    pub error: Option<ApiError>,
    /// A read is running.
    pub loading: bool,
    /// Show the whole week, not only today.
    pub week: bool,
    /// The account the list belongs to.
    pub account: Option<String>,
}

/// The waiting room: the meeting waited for, the last re-check, and whether to join as soon
/// as the host arrives.
#[derive(Debug)]
pub struct WaitingRoom {
    /// The meeting waited for.
    pub meeting_id: MeetingId,
    /// The last re-check, once there was one.
    pub last: Option<crate::waiting::WaitAttempt>,
    /// Open the meeting when the host arrives.
    pub join_on_arrival: bool,
    /// Why the wait ended without the host (gave up after 30 minutes, or another answer).
    pub ended: Option<ApiError>,
}

/// A check the window means to make (or a Join after one) once what it waits for happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingCheck {
    /// Check the form once the saved sign-in has been looked up (a meeting given on the
    /// command line, handed over by a second launch, or taken from the clipboard).
    WhenReady,
    /// Check the form once sign-in succeeds (Check was pressed signed out).
    AfterSignIn,
    /// Check the clipboard's meeting as soon as it is read (`--check-clipboard`).
    ClipboardMeeting,
    /// Check the form on this server once its saved sign-in is known (the invitation's site).
    OnServer(Server),
    /// Open this meeting once its check, running now, succeeds (Join in the Today list or a
    /// reminder).
    JoinAfterCheck(MeetingId),
}

/// Reads the saved history, leaving out entries that no longer read (a saved state of an
/// older or a broken version must not cost the user their settings).
fn lenient_history<'de, D>(deserializer: D) -> Result<Vec<HistoryEntry>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let entries: Vec<serde_json::Value> = match Vec::deserialize(deserializer) {
        Ok(entries) => entries,
        Err(_) => return Ok(Vec::new()),
    };
    Ok(entries
        .into_iter()
        .filter_map(|entry| serde_json::from_value(entry).ok())
        .collect())
}

/// A meeting found in the clipboard, offered in a banner.
pub struct ClipboardOffer {
    /// The meeting.
    pub meeting_id: MeetingId,
    /// The clipboard's text (an invitation may hold its password): filled in on Check.
    pub text: SecretString,
}

impl std::fmt::Debug for ClipboardOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipboardOffer")
            .field("meeting_id", &self.meeting_id)
            .finish_non_exhaustive()
    }
}

/// A meeting that refuses new tries for a while (too many wrong passwords).
#[derive(Clone, Debug)]
pub struct Lockout {
    /// The meeting locked.
    pub meeting_id: MeetingId,
    /// When it takes tries again.
    pub until: std::time::Instant,
}

impl Lockout {
    /// The time left at `now`, zero once it is over.
    pub fn remaining(&self, now: std::time::Instant) -> std::time::Duration {
        self.until.saturating_duration_since(now)
    }
}

/// What the form, the server and the account were when a check started. A result or error is
/// shown only while they are unchanged, so that Copy never copies a random for something else.
#[derive(Debug)]
pub struct CheckedWith {
    /// The meeting ID the form held.
    pub meeting_id: MeetingId,
    /// The password the form held (redacted in debug output).
    pub password: SecretString,
    /// The guest-waiting choice.
    pub guest_waiting: bool,
    /// The server asked.
    pub server: Server,
    /// Who was signed in, if anyone.
    pub account: Option<String>,
}

impl AppState {
    /// The key under which eframe's storage keeps this struct.
    pub const STORAGE_KEY: &'static str = "meetjoin.gui";

    /// Remembers a checked meeting (if history is on): newest first, no duplicates, at most ten.
    pub fn remember(&mut self, entry: HistoryEntry) {
        if !self.settings.keep_history {
            return;
        }
        self.history.retain(|e| e.meeting_id != entry.meeting_id);
        self.history.insert(0, entry);
        self.history.truncate(HISTORY_LIMIT);
    }
}

/// Preferences, saved between runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Which service to talk to.
    pub server: ServerChoice,
    /// The custom server address, as typed.
    pub custom_server: String,
    /// The language of the window.
    pub language: LanguageChoice,
    /// Light, dark or the system's.
    pub theme: ThemeChoice,
    /// When to clear a copied auth random from the clipboard.
    pub clipboard_clear: ClipboardClear,
    /// Whether to keep the list of recent meetings.
    pub keep_history: bool,
    /// Whether this client supports the guest waiting page (`guest_waiting=1`).
    pub guest_waiting: bool,
    /// A PEM file of CA certificates to trust besides the system's (a private deployment).
    pub ca_file: Option<PathBuf>,
    /// How Join joins: the name shown, microphone and camera.
    pub join: JoinSettings,
    /// Offer to check a meeting found in the clipboard when the window gains the focus.
    pub offer_clipboard: bool,
    /// Show the signed-in user's meetings of today (the Today list).
    pub show_today: bool,
    /// A desktop notification this long before each of today's meetings (off by default).
    pub reminders: ReminderLead,
}

/// How long before a meeting its reminder comes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReminderLead {
    /// No reminders.
    #[default]
    Off,
    /// One minute before.
    Min1,
    /// Five minutes before.
    Min5,
    /// Ten minutes before.
    Min10,
    /// Fifteen minutes before.
    Min15,
}

impl ReminderLead {
    /// Every choice, in menu order.
    pub const ALL: [ReminderLead; 5] = [
        ReminderLead::Off,
        ReminderLead::Min1,
        ReminderLead::Min5,
        ReminderLead::Min10,
        ReminderLead::Min15,
    ];

    /// How long before the start, or `None` for no reminders.
    pub fn lead(self) -> Option<std::time::Duration> {
        let minutes = match self {
            ReminderLead::Off => return None,
            ReminderLead::Min1 => 1,
            ReminderLead::Min5 => 5,
            ReminderLead::Min10 => 10,
            ReminderLead::Min15 => 15,
        };
        Some(std::time::Duration::from_secs(minutes * 60))
    }

    /// The translation key of this choice's label.
    pub fn label_key(self) -> &'static str {
        match self {
            ReminderLead::Off => "gui.settings.reminders_off",
            ReminderLead::Min1 => "gui.settings.reminders_1",
            ReminderLead::Min5 => "gui.settings.reminders_5",
            ReminderLead::Min10 => "gui.settings.reminders_10",
            ReminderLead::Min15 => "gui.settings.reminders_15",
        }
    }
}

/// How Join joins a meeting, saved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JoinSettings {
    /// The name shown in meetings; empty: the signed-in user's name.
    pub display_name: String,
    /// Join with the microphone on (off by default).
    pub mic: bool,
    /// Join with the camera on (off by default).
    pub camera: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server: ServerChoice::Cn,
            custom_server: String::new(),
            language: LanguageChoice::System,
            theme: ThemeChoice::System,
            clipboard_clear: ClipboardClear::Secs60,
            keep_history: true,
            guest_waiting: false,
            ca_file: None,
            join: JoinSettings::default(),
            offer_clipboard: true,
            show_today: true,
            reminders: ReminderLead::Off,
        }
    }
}

impl Settings {
    /// The server these settings pick; a custom address that no longer parses falls back to China.
    pub fn server(&self) -> Server {
        match self.server {
            ServerChoice::Cn => Server::Cn,
            ServerChoice::Intl => Server::Intl,
            ServerChoice::Custom => Server::parse(&self.custom_server).unwrap_or_default(),
        }
    }

    /// The language to show, with `system` the language of the environment.
    pub fn lang(&self, system: Lang) -> Lang {
        match self.language {
            LanguageChoice::System => system,
            LanguageChoice::En => Lang::En,
            LanguageChoice::ZhCn => Lang::ZhCn,
        }
    }
}

/// Which service the settings pick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerChoice {
    /// The Chinese mainland service.
    #[default]
    Cn,
    /// The International service.
    Intl,
    /// The address in [`Settings::custom_server`].
    Custom,
}

/// The language setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LanguageChoice {
    /// The language of the environment ([`Lang::from_system`]).
    #[default]
    System,
    /// English.
    En,
    /// Simplified Chinese.
    ZhCn,
}

/// The theme setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Follow the system.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ThemeChoice {
    /// The egui theme preference for this choice.
    pub fn preference(self) -> eframe::egui::ThemePreference {
        match self {
            ThemeChoice::System => eframe::egui::ThemePreference::System,
            ThemeChoice::Light => eframe::egui::ThemePreference::Light,
            ThemeChoice::Dark => eframe::egui::ThemePreference::Dark,
        }
    }
}

/// When a copied auth random is cleared from the clipboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClipboardClear {
    /// Never.
    Off,
    /// After 30 seconds.
    Secs30,
    /// After 60 seconds (the default).
    #[default]
    Secs60,
    /// After 5 minutes.
    Mins5,
}

impl ClipboardClear {
    /// Every choice, in menu order.
    pub const ALL: [ClipboardClear; 4] = [
        ClipboardClear::Off,
        ClipboardClear::Secs30,
        ClipboardClear::Secs60,
        ClipboardClear::Mins5,
    ];

    /// The delay, or `None` for never.
    pub fn delay(self) -> Option<std::time::Duration> {
        let secs = match self {
            ClipboardClear::Off => return None,
            ClipboardClear::Secs30 => 30,
            ClipboardClear::Secs60 => 60,
            ClipboardClear::Mins5 => 300,
        };
        Some(std::time::Duration::from_secs(secs))
    }

    /// The translation key of this choice's label.
    pub fn label_key(self) -> &'static str {
        match self {
            ClipboardClear::Off => "gui.settings.clipboard_off",
            ClipboardClear::Secs30 => "gui.settings.clipboard_30s",
            ClipboardClear::Secs60 => "gui.settings.clipboard_60s",
            ClipboardClear::Mins5 => "gui.settings.clipboard_5min",
        }
    }
}

/// One recently checked meeting: no password, no auth random.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The meeting (saved as its digits).
    pub meeting_id: MeetingId,
    /// The subject the service returned, if any.
    pub subject: Option<String>,
    /// When it was checked (Unix seconds).
    pub checked_at: i64,
}

/// The "check a meeting" form. The password is typed here and never saved.
#[derive(Default)]
pub struct CheckForm {
    /// Whatever was pasted: an ID, a link or a whole invitation.
    pub input: String,
    /// The meeting password, if any.
    pub password: String,
    /// Show the password in clear.
    pub show_password: bool,
    /// Move the keyboard focus to the meeting field on the next frame.
    pub focus_input: bool,
    /// Move the keyboard focus to the password field on the next frame.
    pub focus_password: bool,
    /// With the focus, select the whole password (after a wrong one), so typing replaces it.
    pub select_password: bool,
    /// The password last filled in from a pasted invitation (redacted in debug output):
    /// replaced by the next invitation's, never a password the user typed.
    pub password_from_invitation: Option<String>,
    /// The meeting text as last seen, to notice a change.
    pub seen_input: String,
    /// What the meeting text reads as (the meeting ID, an invitation's password and link, or
    /// why there is none), read once per change of the text, never per frame.
    pub reading: Option<Result<crate::invitation::Invitation, crate::meeting_id::MeetingIdError>>,
    /// The text [`CheckForm::reading`] was read from.
    pub read_from: String,
    /// The meeting the password was typed or filled in for (`None`: typed before any meeting
    /// ID was in the field; it then belongs to the next meeting judged). A password never
    /// follows the user to another meeting: sent there, it would count towards that
    /// meeting's lockout.
    pub password_for: Option<MeetingId>,
    /// The meeting whose password was just emptied because another meeting is in the field:
    /// one line under the password says so, until the password is typed or filled in again.
    pub password_cleared: Option<MeetingId>,
    /// The meeting text when the user last stopped typing (Enter, leaving the field, a
    /// paste): a problem with it is shown as an error only then, as a hint while typing.
    pub judged_input: Option<String>,
    /// The last meeting judged: "Show" returns to hidden for every new one.
    pub judged_meeting: Option<MeetingId>,
    /// The service said this meeting needs a password: the empty field's placeholder says so.
    pub password_required_for: Option<MeetingId>,
    /// Put the text cursor at the end of the meeting field on the next frame (text filled in
    /// from history, a second launch or the clipboard).
    pub cursor_to_end: bool,
}

impl CheckForm {
    /// Reads the meeting text again if it changed since it was last read; true if it did.
    pub fn sync(&mut self) -> bool {
        if self.reading.is_some() && self.input == self.read_from {
            return false;
        }
        self.read_from.clone_from(&self.input);
        self.reading = Some(crate::invitation::Invitation::read(&self.input));
        true
    }

    /// The meeting the text names, if it names one.
    pub fn meeting_id(&self) -> Option<&MeetingId> {
        match &self.reading {
            Some(Ok(invitation)) => Some(&invitation.meeting_id),
            _ => None,
        }
    }

    /// What the text reads as: the invitation, or why it names no meeting.
    pub fn read(
        &self,
    ) -> Result<&crate::invitation::Invitation, crate::meeting_id::MeetingIdError> {
        match &self.reading {
            Some(Ok(invitation)) => Ok(invitation),
            Some(Err(error)) => Err(error.clone()),
            None => Err(crate::meeting_id::MeetingIdError::Empty),
        }
    }
}

impl std::fmt::Debug for CheckForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckForm")
            .field("input", &self.input)
            .field("password", &"[REDACTED]")
            .field("show_password", &self.show_password)
            .finish_non_exhaustive()
    }
}

/// The check in flight, or the outcome of the last one.
#[derive(Debug, Default)]
pub enum CheckStatus {
    /// Nothing checked yet (or cancelled).
    #[default]
    Idle,
    /// The service answered.
    Done(MeetingFacts),
    /// The check failed.
    Failed(ApiError),
}

/// What the service said about a meeting, for the result card.
#[derive(Debug)]
pub struct MeetingFacts {
    /// The meeting checked.
    pub meeting_id: MeetingId,
    /// The reply: the auth random and the meeting's facts.
    pub reply: AuthRandom,
}

impl MeetingFacts {
    /// The meeting mode, if the service sent one.
    pub fn conf_mode(&self) -> Option<&ConfMode> {
        self.reply.conf_mode.as_ref()
    }

    /// The auth random (a secret).
    pub fn random(&self) -> &SecretString {
        &self.reply.random
    }
}

/// Who is signed in, for the header: drawn from the worker's status each frame, never stored.
#[derive(Debug, Default)]
pub struct AccountState {
    /// The saved sign-in is being looked up.
    pub restoring: bool,
    /// A sign-out is running.
    pub signing_out: bool,
    /// The signed-in user, if any.
    pub signed_in: Option<SignedIn>,
}

/// The sandbox's demo sign-in, handed to the window by whoever started the sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    /// The demo account.
    pub account: String,
    /// Its password.
    pub password: String,
    /// The demo App ID.
    pub app_id: String,
    /// Its App Key.
    pub app_key: String,
}

/// The tabs of the sign-in dialog.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignInMethodTab {
    /// Account and password.
    #[default]
    Account,
    /// App ID and App Key.
    AppId,
    /// A pasted access token.
    AccessToken,
}

/// The sign-in dialog's fields. Secrets are typed here and dropped when the dialog closes.
#[derive(Default)]
pub struct SignInForm {
    /// The selected tab.
    pub tab: SignInMethodTab,
    /// Account (user name, e-mail or phone).
    pub account: String,
    /// Account password.
    pub password: String,
    /// App ID.
    pub app_id: String,
    /// App Key.
    pub app_key: String,
    /// Optional user ID for App ID sign-in.
    pub user_id: String,
    /// The App ID belongs to an SP (multi-tenant) application.
    pub multi_tenant: bool,
    /// Optional corp ID for an SP application's sign-in.
    pub corp_id: String,
    /// A pasted access token.
    pub token: String,
    /// The last failure.
    pub error: Option<ApiError>,
    /// The required fields were left empty.
    pub missing: bool,
    /// Focus the first field on the next frame.
    pub focus_first: bool,
    /// Focus the tab's secret field with its text selected on the next frame (the service
    /// refused it).
    pub focus_secret: bool,
    /// Show the secret fields in clear.
    pub show_secret: bool,
}

impl std::fmt::Debug for SignInForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInForm")
            .field("tab", &self.tab)
            .field("account", &self.account)
            .field("app_id", &self.app_id)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// The settings dialog's drafts: the custom server address and the CA certificate file.
#[derive(Debug, Default)]
pub struct SettingsDialog {
    /// The custom address being typed.
    pub custom_server: String,
    /// The path of the CA certificate file being typed.
    pub ca_file: String,
    /// The display name for Join being typed.
    pub display_name: String,
}

/// A short message in the status bar at the window's bottom, for a few seconds: it covers
/// nothing, and what it says stays where the user can find it.
#[derive(Debug)]
pub struct Toast {
    /// What it says.
    pub text: String,
    /// When it goes away (egui time, seconds).
    pub until: f64,
    /// What Undo brings back, while the message stands.
    pub undo: Option<Undo>,
}

/// Something the user removed that Undo brings back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    /// The recent meetings "Clear all" removed.
    History(Vec<HistoryEntry>),
}
