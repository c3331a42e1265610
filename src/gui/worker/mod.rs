//! Background work, with one owner: the [`Worker`] holds the tokio runtime, the HTTP client and
//! the [`Session`], and nothing else in the window does.
//!
//! The window asks through small calls that never block (`set_server`, `sign_in`, `sign_out`,
//! `check`, `cancel_check`, `warm_up`) and reads back through [`JobSlot`]s ("the latest request wins", as
//! gitui's `AsyncSingleJob`) and a [`watch`] channel of the account's [`AccountStatus`]. A reply
//! to a request that was replaced or cancelled is dropped inside its slot, so a stale reply can
//! never reach the window. Everything that may block (building the HTTP client reads the
//! system's CA store; the keyring; the clipboard) runs on the runtime, never on the UI thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use eframe::egui;
use secrecy::{ExposeSecret, SecretString};
use tokio::runtime::{Handle, Runtime};
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;

use std::path::PathBuf;

use crate::api::meetings::{MeetingList, MeetingQuery, MeetingRange};
use crate::api::{
    ApiError, AuthRandom, Client, ClientOptions, LanguageSetting, RandomRequest, Reply, RetryNotice,
};
use crate::i18n::Lang;
use crate::join::JoinPlan;
use crate::meeting_id::MeetingId;
use crate::secrets::{StoreError, TokenStore};
use crate::server::Server;
use crate::session::{
    Credentials, Session, SessionStatus, SignInOutcome, SignOutOutcome, SignedIn,
};
use crate::waiting::{WaitAttempt, WaitError, WaitPolicy};

mod clipboard;
mod owner;
mod slot;

use clipboard::ClipboardGuard;
pub use clipboard::{clear_clipboard_if, clipboard_clears_here};
use owner::Owner;
pub use slot::JobSlot;
use slot::Ticket;

/// The tokio runtime the worker runs on: its own, or one the caller keeps (tests).
pub enum WorkerRuntime {
    /// A runtime the worker owns; dropped without waiting when the worker goes.
    Owned(Runtime),
    /// A handle to a runtime someone else keeps alive.
    Shared(Handle),
}

impl WorkerRuntime {
    /// A handle for spawning.
    pub fn handle(&self) -> Handle {
        match self {
            WorkerRuntime::Owned(runtime) => runtime.handle().clone(),
            WorkerRuntime::Shared(handle) => handle.clone(),
        }
    }
}

impl From<Runtime> for WorkerRuntime {
    fn from(runtime: Runtime) -> Self {
        WorkerRuntime::Owned(runtime)
    }
}

impl From<Handle> for WorkerRuntime {
    fn from(handle: Handle) -> Self {
        WorkerRuntime::Shared(handle)
    }
}

/// Who is signed in on which server, as the worker last saw it. No secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountStatus {
    /// The server in use.
    pub server: Server,
    /// The saved sign-in is being looked up.
    pub restoring: bool,
    /// The signed-in user, if any.
    pub signed_in: Option<SignedIn>,
    /// The last keyring failure, if any (the session is memory-only).
    pub store_error: Option<StoreError>,
    /// Why there is no session at all on this server (its HTTP client could not be built).
    pub session_error: Option<ApiError>,
    /// The CA certificate file the server's client trusts besides the system's (or failed to).
    pub ca_file: Option<PathBuf>,
}

impl AccountStatus {
    fn starting(server: Server, ca_file: Option<PathBuf>) -> AccountStatus {
        AccountStatus {
            server,
            restoring: true,
            signed_in: None,
            store_error: None,
            session_error: None,
            ca_file,
        }
    }
}

/// A finished check: the meeting asked about and the service's answer.
#[derive(Debug)]
pub struct Checked {
    /// The meeting that was checked.
    pub meeting_id: MeetingId,
    /// The auth random and the meeting's facts, or why not.
    pub result: Result<Reply<AuthRandom>, ApiError>,
}

/// The user's meetings as last read for the Today list, and when.
#[derive(Debug)]
pub struct MeetingsRead {
    /// The range asked for.
    pub range: MeetingRange,
    /// The meetings, or why not.
    pub result: Result<MeetingList, ApiError>,
    /// When they were read (wall clock: "updated 12:03").
    pub at: jiff::Timestamp,
}

/// How often the Today list is read again while the window is open and signed in.
pub const MEETINGS_REFRESH: Duration = Duration::from_secs(5 * 60);

/// The waiting room's outcome: the host arrived (the check's reply), or why the wait ended.
#[derive(Debug)]
pub struct Waited {
    /// The meeting waited for.
    pub meeting_id: MeetingId,
    /// The reply once the host arrived, or why the wait ended.
    pub result: Result<Reply<AuthRandom>, WaitError>,
}

/// What the window asks of the owner task, in order.
enum Command {
    /// Use another server: a new client and session, and look up its saved sign-in.
    SetServer(Server),
    /// Trust the CA certificates of this PEM file too (or no extra ones): a new client and
    /// session on the same server.
    SetCaFile(Option<PathBuf>),
    /// Check a meeting (the slot's ticket says which request this is).
    Check(Ticket, RandomRequest),
    /// Sign in.
    SignIn(Ticket, Credentials),
    /// Sign out.
    SignOut(Ticket),
    /// Open the connection to the server ahead of a check (see [`Client::warm_up`]).
    WarmUp,
    /// Open a checked meeting in the official client.
    Join(Ticket, JoinJob),
    /// Read the user's meetings of `range` (and read them again every few minutes).
    Meetings(Ticket, MeetingRange),
    /// Wait for the host of a meeting whose check said the host has not arrived.
    WaitForHost(Ticket, RandomRequest, ApiError, WaitPolicy),
}

/// What Join opens, as the library's [`crate::join::plan`] decided.
pub struct JoinJob {
    /// The client's link (a portal nonce first, if it needs one) or the invitation's own link.
    pub plan: JoinPlan,
}

/// Why Join did not open the meeting (the library's [`crate::join::JoinError`]).
pub use crate::join::JoinError as JoinFailure;

/// The handle the window uses for all background work.
pub struct Worker {
    runtime: Option<WorkerRuntime>,
    commands: mpsc::UnboundedSender<Command>,
    status: watch::Receiver<AccountStatus>,
    /// Publishes a server or CA file change at once, before the owner task takes it up: the
    /// status is the one record of what is in effect, and it says the new one from now on.
    publisher: watch::Sender<AccountStatus>,
    /// The meeting check; its progress is the retry it is waiting for, if any.
    pub check: JobSlot<Checked, RetryNotice>,
    /// The sign-in dialog's request.
    pub sign_in: JobSlot<Result<SignInOutcome, ApiError>>,
    /// The sign-out.
    pub sign_out: JobSlot<SignOutOutcome>,
    /// Join: the link handed to the official client, or why not.
    pub join: JobSlot<Result<(), JoinFailure>>,
    /// The clipboard's text, read when the window gains the focus (`None`: no text).
    pub clipboard_text: JobSlot<Option<SecretString>>,
    /// The user's meetings (the Today list).
    pub meetings: JobSlot<MeetingsRead>,
    /// The waiting room; its progress is the last re-check.
    pub wait: JobSlot<Waited, WaitAttempt>,
    /// Reminders: what they are to remind of, and the meetings whose Join was pressed.
    pub reminders: super::reminders::Reminders,
    /// Warm-ups asked for and not yet over.
    warming: Arc<AtomicUsize>,
    clipboard: ClipboardGuard,
    /// The language every call asks the server to answer in (`Accept-Language`).
    language: LanguageSetting,
}

impl Worker {
    /// A worker on `server`, keeping tokens in `store`, spawning on `runtime` and waking `ctx`
    /// whenever something changes. It starts looking up the saved sign-in at once.
    pub fn new(
        ctx: &egui::Context,
        runtime: WorkerRuntime,
        server: Server,
        store: Arc<dyn TokenStore>,
    ) -> Worker {
        Worker::with_ca_file(ctx, runtime, server, store, None)
    }

    /// As [`Worker::new`], trusting the CA certificates in `ca_file` too from the start (see
    /// [`Worker::set_ca_file`]).
    pub fn with_ca_file(
        ctx: &egui::Context,
        runtime: WorkerRuntime,
        server: Server,
        store: Arc<dyn TokenStore>,
        ca_file: Option<PathBuf>,
    ) -> Worker {
        let (commands, receiver) = mpsc::unbounded_channel();
        let (status_tx, status) =
            watch::channel(AccountStatus::starting(server.clone(), ca_file.clone()));
        let (check, sign_in, sign_out) = (JobSlot::new(ctx), JobSlot::new(ctx), JobSlot::new(ctx));
        let join = JobSlot::new(ctx);
        let clipboard_text = JobSlot::new(ctx);
        let (meetings, wait) = (JobSlot::new(ctx), JobSlot::new(ctx));
        let language = LanguageSetting::default();
        let reminders =
            super::reminders::Reminders::start(ctx, &runtime.handle(), language.clone());
        let warming = Arc::new(AtomicUsize::new(0));
        let owner = Owner {
            handle: runtime.handle(),
            store,
            language: language.clone(),
            ca_file,
            server: server.clone(),
            session: None,
            status: status_tx.clone(),
            ctx: ctx.clone(),
            check: check.clone(),
            sign_in: sign_in.clone(),
            sign_out: sign_out.clone(),
            join: join.clone(),
            meetings: meetings.clone(),
            meetings_range: None,
            wait: wait.clone(),
            warming: Arc::clone(&warming),
            warm_up_task: None,
        };
        runtime.handle().spawn(owner.run(receiver));
        let worker = Worker {
            runtime: Some(runtime),
            commands,
            status,
            publisher: status_tx,
            check,
            sign_in,
            sign_out,
            join,
            clipboard_text,
            meetings,
            wait,
            reminders,
            warming,
            clipboard: ClipboardGuard::default(),
            language,
        };
        worker.send(Command::SetServer(server));
        worker
    }

    /// Asks the server to answer in `lang` from the next call on (its own messages then match
    /// the window).
    pub fn set_language(&self, lang: Lang) {
        self.language.set(lang);
    }

    /// Trusts the CA certificates in `ca_file` too (a private deployment's own CA), or only the
    /// system's with `None`: abandons the work in flight, like a server change.
    pub fn set_ca_file(&self, ca_file: Option<PathBuf>) {
        self.abandon_work();
        let server = self.status.borrow().server.clone();
        self.publisher
            .send_replace(AccountStatus::starting(server, ca_file.clone()));
        self.send(Command::SetCaFile(ca_file));
    }

    /// Abandons the work in flight that belongs to the server and its session.
    fn abandon_work(&self) {
        self.check.cancel();
        self.sign_in.cancel();
        self.sign_out.cancel();
        self.meetings.cancel();
        self.wait.cancel();
    }

    fn send(&self, command: Command) {
        // The owner task lives as long as the runtime: a closed channel means shutdown.
        let _ = self.commands.send(command);
    }

    /// The server in use (without copying the rest of the status).
    pub fn server(&self) -> Server {
        self.status.borrow().server.clone()
    }

    /// Who is signed in on which server, as of now.
    pub fn status(&self) -> AccountStatus {
        self.status.borrow().clone()
    }

    /// True once per change of [`Worker::status`] (marks it seen).
    pub fn status_changed(&mut self) -> bool {
        let changed = self.status.has_changed().unwrap_or(false);
        if changed {
            self.status.mark_unchanged();
        }
        changed
    }

    /// Switches to `server`: abandons the check, sign-in and sign-out in flight.
    pub fn set_server(&self, server: Server) {
        self.abandon_work();
        let ca_file = self.status.borrow().ca_file.clone();
        self.publisher
            .send_replace(AccountStatus::starting(server.clone(), ca_file));
        self.send(Command::SetServer(server));
    }

    /// Checks a meeting; abandons the check in flight, if any.
    pub fn check(&self, request: RandomRequest) {
        let ticket = self.check.start();
        self.send(Command::Check(ticket, request));
    }

    /// Opens the connection to the server in the background (TCP and TLS, no credential sent),
    /// so that the next check costs one round trip; blocks nothing and delays no check. The
    /// client warms at most once per [`crate::api::WARM_UP_INTERVAL`], and a failure is only
    /// logged.
    pub fn warm_up(&self) {
        self.warming.fetch_add(1, Ordering::SeqCst);
        if self.commands.send(Command::WarmUp).is_err() {
            self.warming.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// True while a warm-up asked for with [`Worker::warm_up`] is not over yet.
    pub fn is_warming(&self) -> bool {
        self.warming.load(Ordering::SeqCst) > 0
    }

    /// Opens a checked meeting in the official client (a nonce first, if asked); abandons a
    /// join in flight.
    pub fn join(&self, job: JoinJob) {
        let ticket = self.join.start();
        self.send(Command::Join(ticket, job));
    }

    /// Reads the user's meetings of `range` now, and again every [`MEETINGS_REFRESH`] while
    /// signed in; abandons a read in flight.
    pub fn read_meetings(&self, range: MeetingRange) {
        let ticket = self.meetings.start();
        self.send(Command::Meetings(ticket, range));
    }

    /// Waits for the host of `request`'s meeting, `first` being the answer that said it has
    /// not arrived; abandons a wait in flight. Cancel with `wait.cancel()`.
    pub fn wait_for_host(&self, request: RandomRequest, first: ApiError, policy: WaitPolicy) {
        let ticket = self.wait.start();
        self.send(Command::WaitForHost(ticket, request, first, policy));
    }

    /// Signs in; abandons a sign-in in flight, if any.
    pub fn sign_in(&self, credentials: Credentials) {
        let ticket = self.sign_in.start();
        self.send(Command::SignIn(ticket, credentials));
    }

    /// Signs out: forgets the token here at once and ends it on the server.
    pub fn sign_out(&self) {
        let ticket = self.sign_out.start();
        self.send(Command::SignOut(ticket));
    }

    /// Something of the window's own reached the clipboard (a random, an invitation): it is
    /// remembered, so that it is never offered back as a meeting, and cleared after `clear`
    /// if the clipboard still holds it then.
    pub fn own_copy(&self, text: SecretString, clear: Option<Duration>) {
        *self
            .clipboard
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(text.clone());
        if let Some(delay) = clear {
            self.clear_clipboard_later(text, delay);
        }
    }

    /// True when `text` (read from the clipboard) is the window's own last copy.
    pub fn is_own_copy(&self, text: &SecretString) -> bool {
        self.clipboard
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|own| own.expose_secret().trim() == text.expose_secret().trim())
    }

    /// After `delay`, clears the clipboard if it still holds `random`.
    fn clear_clipboard_later(&self, random: SecretString, delay: Duration) {
        self.clipboard.arm(random.clone());
        let guard = self.clipboard.clone();
        if let Some(runtime) = &self.runtime {
            runtime.handle().spawn(async move {
                tokio::time::sleep(delay).await;
                // arboard blocks (it talks to the display server): keep it off the async threads.
                let _ = tokio::task::spawn_blocking(move || guard.clear_if_holds(&random)).await;
            });
        }
    }

    /// Reads the clipboard's text in the background into [`Worker::clipboard_text`] (the
    /// window asks only when it gains the focus: never polled). Kept as a secret: an
    /// invitation may hold a password.
    pub fn read_clipboard(&self) {
        let ticket = self.clipboard_text.start();
        if let Some(runtime) = &self.runtime {
            self.clipboard_text.run(&runtime.handle(), ticket, async {
                tokio::task::spawn_blocking(|| {
                    arboard::Clipboard::new()
                        .ok()
                        .and_then(|mut clipboard| clipboard.get_text().ok())
                        .filter(|text| !text.trim().is_empty())
                        .map(SecretString::from)
                })
                .await
                .ok()
                .flatten()
            });
        }
    }

    /// True while a copied random waits to be cleared from the clipboard.
    pub fn clipboard_clear_armed(&self) -> bool {
        self.clipboard
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// Clears a copied random still waiting for its timer, now. Blocking: call it when the
    /// window closes, not while drawing.
    pub fn clear_clipboard_now(&self) {
        self.clipboard.clear_pending();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.check.cancel();
        self.sign_in.cancel();
        // An owned runtime goes without waiting for its tasks: nothing the window still needs
        // runs there, and the keyring writes already made are complete.
        if let Some(WorkerRuntime::Owned(runtime)) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
