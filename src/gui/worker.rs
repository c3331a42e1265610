//! Background work: one handle owning the tokio runtime. It runs the library's calls off the UI
//! thread; each result comes back on a channel and wakes the window with `request_repaint`.

use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use eframe::egui;
use secrecy::{ExposeSecret, SecretString};
use tokio::runtime::{Handle, Runtime};
use tokio::task::AbortHandle;

use crate::api::{ApiError, AuthRandom, RandomRequest, Reply};
use crate::secrets::StoreError;
use crate::session::{Credentials, Session, SignInOutcome, SignOutOutcome, SignedIn};

/// How long the window waits for background tasks when it closes.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(1);

/// The tokio runtime the worker runs on: its own, or one the caller keeps (tests).
pub enum WorkerRuntime {
    /// A runtime the worker owns and shuts down when dropped.
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

/// A result coming back from the background. Each names the request it answers.
#[derive(Debug)]
pub enum WorkerEvent {
    /// The saved sign-in was looked up for the session of generation `session`.
    Restored {
        /// The session generation the lookup ran on.
        session: u64,
        /// Who is signed in, or why the keyring could not be read.
        result: Result<Option<SignedIn>, StoreError>,
    },
    /// A meeting check finished.
    Checked {
        /// The check's generation; a reply for an older one is ignored.
        generation: u64,
        /// The service's answer.
        result: Result<Reply<AuthRandom>, ApiError>,
        /// Who is signed in after the call (it may have renewed or dropped the token);
        /// `None` when not known.
        status: Option<Option<SignedIn>>,
    },
    /// A sign-in finished.
    SignedIn {
        /// The session generation it ran on.
        session: u64,
        /// The sign-in's generation (the dialog's request).
        generation: u64,
        /// Who signed in (and whether the keyring kept it), or why not.
        result: Result<SignInOutcome, ApiError>,
    },
    /// A sign-out finished (it always forgets the token here).
    SignedOut {
        /// The session generation it ran on.
        session: u64,
        /// What else failed, if anything.
        outcome: SignOutOutcome,
    },
}

/// Sends events to the window and wakes it. Cheap to clone.
#[derive(Clone)]
pub struct WorkerSender {
    tx: Sender<WorkerEvent>,
    ctx: egui::Context,
}

impl WorkerSender {
    /// Delivers `event` to the window and asks for a repaint so it is handled now.
    pub fn send(&self, event: WorkerEvent) {
        // A closed channel means the window is gone: nobody is left to tell.
        let _ = self.tx.send(event);
        self.ctx.request_repaint();
    }
}

/// The handle the window uses for all background work.
pub struct Worker {
    runtime: Option<WorkerRuntime>,
    sender: WorkerSender,
    rx: Receiver<WorkerEvent>,
    check_task: Option<AbortHandle>,
    clipboard: ClipboardGuard,
}

impl Worker {
    /// A worker spawning on `runtime` and waking `ctx` when results arrive.
    pub fn new(ctx: &egui::Context, runtime: WorkerRuntime) -> Worker {
        let (tx, rx) = channel();
        Worker {
            runtime: Some(runtime),
            sender: WorkerSender {
                tx,
                ctx: ctx.clone(),
            },
            rx,
            check_task: None,
            clipboard: ClipboardGuard::default(),
        }
    }

    fn handle(&self) -> Option<Handle> {
        self.runtime.as_ref().map(WorkerRuntime::handle)
    }

    /// A sender that delivers events exactly as background tasks do.
    pub fn sender(&self) -> WorkerSender {
        self.sender.clone()
    }

    /// Takes every event that has arrived, oldest first, without waiting.
    pub fn poll(&mut self) -> Vec<WorkerEvent> {
        let mut events = Vec::new();
        loop {
            match self.rx.try_recv() {
                Ok(event) => events.push(event),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return events,
            }
        }
    }

    /// Looks up the saved sign-in of `session`.
    pub fn restore(&self, session: Arc<Session>, session_generation: u64) {
        let sender = self.sender();
        self.spawn(async move {
            let result = session.restore().await;
            sender.send(WorkerEvent::Restored {
                session: session_generation,
                result,
            });
        });
    }

    /// Checks a meeting; aborts the check in flight, if any.
    pub fn check(&mut self, session: Arc<Session>, generation: u64, request: RandomRequest) {
        self.cancel_check();
        let sender = self.sender();
        let Some(handle) = self.handle() else {
            return;
        };
        let task = handle.spawn(async move {
            let result = session.auth_random(&request).await;
            let status = Some(session.status().await);
            sender.send(WorkerEvent::Checked {
                generation,
                result,
                status,
            });
        });
        self.check_task = Some(task.abort_handle());
    }

    /// Aborts the check in flight, if any; its reply will never arrive.
    pub fn cancel_check(&mut self) {
        if let Some(task) = self.check_task.take() {
            task.abort();
        }
    }

    /// Signs in on `session`.
    pub fn sign_in(
        &self,
        session: Arc<Session>,
        session_generation: u64,
        generation: u64,
        credentials: Credentials,
    ) {
        let sender = self.sender();
        self.spawn(async move {
            let result = session.sign_in(credentials).await;
            sender.send(WorkerEvent::SignedIn {
                session: session_generation,
                generation,
                result,
            });
        });
    }

    /// Signs out of `session`: ends the token on the server and forgets it here.
    pub fn sign_out(&self, session: Arc<Session>, session_generation: u64) {
        let sender = self.sender();
        self.spawn(async move {
            let outcome = session.sign_out().await;
            sender.send(WorkerEvent::SignedOut {
                session: session_generation,
                outcome,
            });
        });
    }

    /// After `delay`, clears the clipboard if it still holds `random`.
    pub fn clear_clipboard_later(&self, random: SecretString, delay: Duration) {
        self.clipboard.arm(random.clone());
        let guard = self.clipboard.clone();
        self.spawn(async move {
            tokio::time::sleep(delay).await;
            // arboard blocks (it talks to the display server): keep it off the async threads.
            let _ = tokio::task::spawn_blocking(move || guard.clear_if_holds(&random)).await;
        });
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        if let Some(handle) = self.handle() {
            handle.spawn(task);
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.cancel_check();
        // Leave nothing secret behind: a random still waiting to be cleared is cleared now.
        self.clipboard.clear_pending();
        if let Some(WorkerRuntime::Owned(runtime)) = self.runtime.take() {
            runtime.shutdown_timeout(SHUTDOWN_WAIT);
        }
    }
}

/// The auth random last copied, until it is cleared from the clipboard.
#[derive(Clone, Default)]
struct ClipboardGuard {
    pending: Arc<Mutex<Option<SecretString>>>,
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

/// Reads the OS clipboard and empties it if it holds exactly `random`. Failures (no display,
/// no clipboard) leave nothing to clear and are ignored.
fn clear_clipboard_if(random: &SecretString) {
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
