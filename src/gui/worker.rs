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
use crate::join::{JoinPlan, OpenError, open_link};
use crate::meeting_id::MeetingId;
use crate::secrets::{StoreError, TokenStore};
use crate::server::Server;
use crate::session::{
    Credentials, Session, SessionStatus, SignInOutcome, SignOutOutcome, SignedIn,
};
use crate::waiting::{WaitAttempt, WaitError, WaitPolicy};

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

/// One kind of background job where the latest request wins: starting a new one aborts the
/// one in flight, and only the latest one's result is ever kept. A running job may report
/// progress of type `P` (the check: a retry about to happen).
pub struct JobSlot<T, P = ()> {
    inner: Arc<Mutex<SlotInner<T, P>>>,
    ctx: egui::Context,
}

struct SlotInner<T, P> {
    /// The latest ticket handed out; a result with another ticket is dropped.
    latest: u64,
    /// The latest job has not finished yet.
    pending: bool,
    /// The running task, to abort it.
    task: Option<AbortHandle>,
    /// The latest job's result, until taken.
    result: Option<T>,
    /// The latest job's last progress report, while it runs.
    progress: Option<P>,
}

impl<T, P> Clone for JobSlot<T, P> {
    fn clone(&self) -> Self {
        JobSlot {
            inner: Arc::clone(&self.inner),
            ctx: self.ctx.clone(),
        }
    }
}

/// Names one request in a [`JobSlot`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ticket(u64);

impl<T: Send + 'static, P: Send + 'static> JobSlot<T, P> {
    fn new(ctx: &egui::Context) -> JobSlot<T, P> {
        JobSlot {
            inner: Arc::new(Mutex::new(SlotInner {
                latest: 0,
                pending: false,
                task: None,
                result: None,
                progress: None,
            })),
            ctx: ctx.clone(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SlotInner<T, P>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a new request: aborts the one in flight and drops any result not yet taken.
    fn start(&self) -> Ticket {
        let mut inner = self.lock();
        if let Some(task) = inner.task.take() {
            task.abort();
        }
        inner.latest += 1;
        inner.pending = true;
        inner.result = None;
        inner.progress = None;
        Ticket(inner.latest)
    }

    /// Runs `job` on `handle` for `ticket`, unless a newer request came first.
    fn run(&self, handle: &Handle, ticket: Ticket, job: impl Future<Output = T> + Send + 'static) {
        let mut inner = self.lock();
        if inner.latest != ticket.0 {
            return;
        }
        let slot = self.clone();
        let task = handle.spawn(async move {
            let value = job.await;
            slot.finish(ticket, value);
        });
        inner.task = Some(task.abort_handle());
    }

    /// Keeps `value` if `ticket` is still the latest request, and wakes the window.
    fn finish(&self, ticket: Ticket, value: T) {
        {
            let mut inner = self.lock();
            if inner.latest != ticket.0 {
                return;
            }
            inner.pending = false;
            inner.task = None;
            inner.result = Some(value);
            inner.progress = None;
        }
        self.ctx.request_repaint();
    }

    /// Keeps `progress` if `ticket` is still the latest request and still running, and wakes
    /// the window once (a report is a change of state, never a timer).
    fn report(&self, ticket: Ticket, progress: P) {
        {
            let mut inner = self.lock();
            if inner.latest != ticket.0 || !inner.pending {
                return;
            }
            inner.progress = Some(progress);
        }
        self.ctx.request_repaint();
    }

    /// Abandons the request in flight, if any: its result will never be seen.
    pub fn cancel(&self) {
        let mut inner = self.lock();
        if let Some(task) = inner.task.take() {
            task.abort();
        }
        inner.latest += 1;
        inner.pending = false;
        inner.result = None;
        inner.progress = None;
    }

    /// True while the latest request is running.
    pub fn is_pending(&self) -> bool {
        self.lock().pending
    }

    /// The latest request's result, once; `None` while it runs or when already taken.
    pub fn take_result(&self) -> Option<T> {
        self.lock().result.take()
    }

    /// The running request's last progress report, if it made one.
    pub fn progress(&self) -> Option<P>
    where
        P: Clone,
    {
        self.lock().progress.clone()
    }
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

/// Why Join did not open the meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinFailure {
    /// The portal nonce could not be had.
    Api(ApiError),
    /// The link could not be opened (no client installed, no opener).
    Open(OpenError),
}

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

/// Join's work: a portal nonce if the plan needs one, the link, and the opener off the async
/// threads. The link (it holds the password) lives only here.
async fn join_meeting(
    session: Option<Session>,
    job: JoinJob,
    no_session: ApiError,
) -> Result<(), JoinFailure> {
    let link = match job.plan {
        JoinPlan::Client(client) => {
            let nonce = if client.needs_nonce {
                let session = session.ok_or(JoinFailure::Api(no_session))?;
                Some(session.portal_nonce().await.map_err(JoinFailure::Api)?)
            } else {
                None
            };
            client.link(nonce.as_ref())
        }
        JoinPlan::InvitationLink(link) | JoinPlan::Browser(link) => link,
    };
    tokio::task::spawn_blocking(move || open_link(&link))
        .await
        .unwrap_or_else(|e| Err(OpenError::Failed(e.to_string())))
        .map_err(JoinFailure::Open)
}

/// The task that owns the session. Commands arrive in order, so a check asked for after a
/// server change runs on the new server's session.
struct Owner {
    handle: Handle,
    store: Arc<dyn TokenStore>,
    language: LanguageSetting,
    ca_file: Option<PathBuf>,
    server: Server,
    session: Option<Session>,
    status: watch::Sender<AccountStatus>,
    ctx: egui::Context,
    check: JobSlot<Checked, RetryNotice>,
    sign_in: JobSlot<Result<SignInOutcome, ApiError>>,
    sign_out: JobSlot<SignOutOutcome>,
    join: JobSlot<Result<(), JoinFailure>>,
    meetings: JobSlot<MeetingsRead>,
    /// The range the window shows, once it asked: read again every few minutes.
    meetings_range: Option<MeetingRange>,
    wait: JobSlot<Waited, WaitAttempt>,
    /// Warm-ups asked for and not yet over (shared with the [`Worker`]).
    warming: Arc<AtomicUsize>,
    /// The warm-up running on the current session's client, if any.
    warm_up_task: Option<AbortHandle>,
}

impl Owner {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut session_status: Option<watch::Receiver<SessionStatus>> = None;
        // The Today list is read again on this timer (in the worker, never in repaints).
        let mut refresh = tokio::time::interval_at(
            tokio::time::Instant::now() + MEETINGS_REFRESH,
            MEETINGS_REFRESH,
        );
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let command = match session_status.as_mut() {
                Some(receiver) => tokio::select! {
                    command = commands.recv() => command,
                    changed = receiver.changed() => {
                        if changed.is_ok() {
                            let status = receiver.borrow_and_update().clone();
                            let signed_in_now = status.signed_in.is_some()
                                && self.status.borrow().signed_in.is_none();
                            self.publish_session(&status);
                            // Signed in: the list of this account.
                            if signed_in_now && let Some(range) = self.meetings_range {
                                let ticket = self.meetings.start();
                                self.read_meetings(ticket, range);
                            }
                        } else {
                            session_status = None;
                        }
                        continue;
                    }
                    _ = refresh.tick() => {
                        let signed_in = self.status.borrow().signed_in.is_some();
                        if signed_in && let Some(range) = self.meetings_range {
                            let ticket = self.meetings.start();
                            self.read_meetings(ticket, range);
                        }
                        continue;
                    }
                },
                None => commands.recv().await,
            };
            let Some(command) = command else {
                return;
            };
            match command {
                Command::SetServer(server) => {
                    session_status = self.set_server(server).await;
                }
                Command::SetCaFile(ca_file) => {
                    self.ca_file = ca_file;
                    session_status = self.set_server(self.server.clone()).await;
                }
                Command::Check(ticket, request) => match &self.session {
                    Some(session) => {
                        let session = session.clone();
                        let slot = self.check.clone();
                        self.check.run(&self.handle, ticket, async move {
                            let meeting_id = request.meeting_id.clone();
                            // "Retrying…" in the window; Cancel aborts this task, its wait too.
                            let on_retry =
                                move |notice: &RetryNotice| slot.report(ticket, notice.clone());
                            let result = session.auth_random_reporting(&request, &on_retry).await;
                            Checked { meeting_id, result }
                        });
                    }
                    None => {
                        let error = self.session_error();
                        let meeting_id = request.meeting_id;
                        self.check.finish(
                            ticket,
                            Checked {
                                meeting_id,
                                result: Err(error),
                            },
                        );
                    }
                },
                Command::SignIn(ticket, credentials) => match &self.session {
                    Some(session) => {
                        let session = session.clone();
                        self.sign_in.run(&self.handle, ticket, async move {
                            session.sign_in(credentials).await
                        });
                    }
                    None => {
                        let error = self.session_error();
                        self.sign_in.finish(ticket, Err(error));
                    }
                },
                Command::SignOut(ticket) => {
                    match &self.session {
                        Some(session) => {
                            let session = session.clone();
                            self.sign_out.run(&self.handle, ticket, async move {
                                session.sign_out().await
                            });
                        }
                        None => self.sign_out.finish(ticket, SignOutOutcome::default()),
                    }
                }
                Command::WarmUp => self.warm_up(),
                Command::Meetings(ticket, range) => {
                    self.meetings_range = Some(range);
                    refresh.reset();
                    self.read_meetings(ticket, range);
                }
                Command::WaitForHost(ticket, request, first, policy) => match &self.session {
                    Some(session) => {
                        let session = session.clone();
                        let slot = self.wait.clone();
                        self.wait.run(&self.handle, ticket, async move {
                            let meeting_id = request.meeting_id.clone();
                            let mut on_attempt =
                                move |attempt: &WaitAttempt| slot.report(ticket, attempt.clone());
                            let result = session
                                .wait_for_host(&request, first, &policy, &mut on_attempt)
                                .await;
                            Waited { meeting_id, result }
                        });
                    }
                    None => {
                        let error = self.session_error();
                        self.wait.finish(
                            ticket,
                            Waited {
                                meeting_id: request.meeting_id,
                                result: Err(WaitError::NotWaitable(error)),
                            },
                        );
                    }
                },
                Command::Join(ticket, job) => {
                    let session = self.session.clone();
                    let no_session = self.session_error();
                    self.join.run(&self.handle, ticket, async move {
                        join_meeting(session, job, no_session).await
                    });
                }
            }
        }
    }

    /// Reads the meetings of `range` on the current session in a task of its own.
    fn read_meetings(&self, ticket: Ticket, range: MeetingRange) {
        let Some(session) = self.session.clone() else {
            let result = Err(self.session_error());
            let at = jiff::Timestamp::now();
            self.meetings
                .finish(ticket, MeetingsRead { range, result, at });
            return;
        };
        self.meetings.run(&self.handle, ticket, async move {
            let result = session
                .meetings(&MeetingQuery::of(range))
                .await
                .map(|reply| reply.value);
            MeetingsRead {
                range,
                result,
                at: jiff::Timestamp::now(),
            }
        });
    }

    /// Warms the session's client in its own task, unless a warm-up is running already (or
    /// there is no session): the owner loop never waits for the network.
    fn warm_up(&mut self) {
        let done = WarmUpDone(Arc::clone(&self.warming));
        let running = self
            .warm_up_task
            .as_ref()
            .is_some_and(|task| !task.is_finished());
        let Some(session) = self.session.as_ref().filter(|_| !running) else {
            return;
        };
        let client = session.client().clone();
        let task = self.handle.spawn(async move {
            // The outcome is the pooled connection; a failure is logged inside.
            let _warmed = client.warm_up().await;
            drop(done);
        });
        self.warm_up_task = Some(task.abort_handle());
    }

    /// A new client and session for `server`; looks up the saved sign-in in the background.
    async fn set_server(&mut self, server: Server) -> Option<watch::Receiver<SessionStatus>> {
        // A warm-up of the old client would only keep a connection nobody will use.
        if let Some(task) = self.warm_up_task.take() {
            task.abort();
        }
        self.session = None;
        self.server = server.clone();
        self.publish(AccountStatus::starting(
            server.clone(),
            self.ca_file.clone(),
        ));
        // Building a client reads the system's CA store (and a CA file): keep it off the async
        // threads too.
        let for_client = server.clone();
        let options = ClientOptions {
            language: self.language.clone(),
            ca_file: self.ca_file.clone(),
            ..ClientOptions::default()
        };
        let client = tokio::task::spawn_blocking(move || Client::with_options(for_client, options))
            .await
            .unwrap_or_else(|e| {
                Err(ApiError::new(crate::api::ErrorKind::Other)
                    .with_detail(format!("client task failed: {e}")))
            });
        let client = match client {
            Ok(client) => client,
            Err(error) => {
                self.publish(AccountStatus {
                    restoring: false,
                    session_error: Some(error),
                    ..AccountStatus::starting(server, self.ca_file.clone())
                });
                return None;
            }
        };
        let session = Session::new(client, Arc::clone(&self.store));
        let receiver = session.subscribe();
        let restoring = session.clone();
        self.handle.spawn(async move {
            // The result arrives through the session's status channel.
            let _ = restoring.restore().await;
        });
        self.session = Some(session);
        Some(receiver)
    }

    fn session_error(&self) -> ApiError {
        self.status
            .borrow()
            .session_error
            .clone()
            .unwrap_or_else(|| ApiError::new(crate::api::ErrorKind::NotSignedIn))
    }

    fn publish_session(&self, session: &SessionStatus) {
        let mut status = self.status.borrow().clone();
        status.restoring = !session.loaded;
        status.signed_in = session.signed_in.clone();
        status.store_error = session.store_error.clone();
        self.publish(status);
    }

    fn publish(&self, status: AccountStatus) {
        self.status.send_if_modified(|current| {
            let changed = *current != status;
            *current = status;
            changed
        });
        self.ctx.request_repaint();
    }
}

/// Counts one warm-up as over when dropped: when it ends, is skipped or is aborted.
struct WarmUpDone(Arc<AtomicUsize>);

impl Drop for WarmUpDone {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The one owner of the window's clipboard: what the window itself copied last (never offered
/// back as a meeting), and the copy still waiting to be cleared.
#[derive(Clone, Default)]
struct ClipboardGuard {
    /// The copy waiting for its timer, until it is cleared.
    pending: Arc<Mutex<Option<SecretString>>>,
    /// The window's own last copy.
    last: Arc<Mutex<Option<SecretString>>>,
}

impl ClipboardGuard {
    fn arm(&self, random: SecretString) {
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(random);
    }

    /// Clears the clipboard if it still holds `random`; blocking.
    fn clear_if_holds(&self, random: &SecretString) {
        {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if pending
                .as_ref()
                .is_some_and(|p| p.expose_secret() == random.expose_secret())
            {
                *pending = None;
            }
        }
        clear_clipboard_if(random);
    }

    /// Clears a random that is still waiting for its timer; blocking.
    fn clear_pending(&self) {
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(random) = pending {
            clear_clipboard_if(&random);
        }
    }
}

/// True when meetjoin can read and clear the clipboard later, without a window of its own:
/// everywhere but a Linux desktop without X (Wayland without XWayland), where arboard has no
/// way in (it is built for X11 only, and compositors such as weston offer no data-control
/// protocol). The window's own copies work there all the same, through its seat.
pub fn clipboard_clears_here() -> bool {
    !cfg!(target_os = "linux") || std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
}

/// Reads the OS clipboard and empties it if it holds exactly `random`. Failures (no display,
/// no clipboard) leave nothing to clear and are ignored.
pub fn clear_clipboard_if(random: &SecretString) {
    let Ok(mut clipboard) = arboard::Clipboard::new() else {
        return;
    };
    let holds_random = clipboard
        .get_text()
        .is_ok_and(|text| text.trim() == random.expose_secret());
    if holds_random {
        let _ = clipboard.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot() -> JobSlot<&'static str> {
        JobSlot::new(&egui::Context::default())
    }

    #[test]
    fn only_the_latest_request_keeps_its_result() {
        let slot = slot();
        let first = slot.start();
        let second = slot.start();
        assert!(slot.is_pending());
        slot.finish(first, "stale");
        assert!(
            slot.is_pending(),
            "a stale result does not end the latest request"
        );
        assert_eq!(slot.take_result(), None, "a stale result is dropped");
        slot.finish(second, "latest");
        assert!(!slot.is_pending());
        assert_eq!(slot.take_result(), Some("latest"));
        assert_eq!(slot.take_result(), None, "a result is taken once");
    }

    #[test]
    fn a_cancelled_request_never_delivers() {
        let slot = slot();
        let ticket = slot.start();
        slot.cancel();
        assert!(!slot.is_pending());
        slot.finish(ticket, "late");
        assert_eq!(slot.take_result(), None);
    }

    #[test]
    fn a_new_request_drops_a_result_not_yet_taken() {
        let slot = slot();
        let first = slot.start();
        slot.finish(first, "old");
        let _second = slot.start();
        assert_eq!(
            slot.take_result(),
            None,
            "the old result belongs to another request"
        );
    }

    #[test]
    fn progress_belongs_to_the_running_request() {
        let slot: JobSlot<&'static str, u32> = JobSlot::new(&egui::Context::default());
        let first = slot.start();
        slot.report(first, 1);
        assert_eq!(slot.progress(), Some(1));
        let second = slot.start();
        assert_eq!(
            slot.progress(),
            None,
            "a new request starts without progress"
        );
        slot.report(first, 2);
        assert_eq!(slot.progress(), None, "a stale report is dropped");
        slot.report(second, 3);
        assert_eq!(slot.progress(), Some(3));
        slot.cancel();
        assert_eq!(slot.progress(), None, "cancel clears it");
        slot.report(second, 4);
        assert_eq!(slot.progress(), None, "a cancelled request reports nothing");
    }

    #[test]
    fn starting_again_aborts_the_running_task() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let slot = slot();
        let first = slot.start();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        slot.run(runtime.handle(), first, async move {
            // Holds `tx` until aborted: dropping it tells the test the task is gone.
            let _tx = tx;
            std::future::pending::<()>().await;
            "never"
        });
        let _second = slot.start();
        runtime.block_on(async {
            assert!(rx.await.is_err(), "the first task was aborted");
        });
    }
}
