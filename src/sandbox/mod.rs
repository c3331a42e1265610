//! The local emulator of HUAWEI CLOUD Meeting: real HTTP on 127.0.0.1, seeded meetings,
//! account and App ID sign-in, token refresh, validation and sign-out.
//!
//! Used by every test and by `meetjoin sandbox` / `meetjoin gui --sandbox`. It prints
//! nothing; the caller shows [`Sandbox::url`]. With [`SandboxConfig::tls`] it serves HTTPS
//! ([`Sandbox::ca_pem_path`] is the certificate to trust), and it records the shape of every
//! request ([`Sandbox::recorded`]), never a secret value.

mod meetings;
mod record;
mod routes;
mod signature;
mod state;
mod tls;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rust_i18n::t;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::i18n::Lang;
use record::Recorder;
use state::State;

pub use meetings::{HOST_ARRIVES_AFTER, ScheduledMeeting, scheduled_meetings};
pub use record::{BodyShape, JsonType, RawBody, RecordedRequest};
pub use tls::SandboxTls;

/// The account that signs in with [`DEMO_PASSWORD`].
pub const DEMO_ACCOUNT: &str = "demo@meetjoin.test";
/// The password of [`DEMO_ACCOUNT`].
pub const DEMO_PASSWORD: &str = "Sandbox-2026";
/// The only App ID the sandbox accepts.
pub const DEMO_APP_ID: &str = "sandbox-app";
/// The App Key that signs App ID sign-ins for [`DEMO_APP_ID`].
pub const DEMO_APP_KEY: &str = "sandbox-app-key-0123456789abcdef";
/// The SP (multi-tenant) App ID the sandbox accepts.
pub const DEMO_SP_APP_ID: &str = "sandbox-sp-app";
/// The App Key of [`DEMO_SP_APP_ID`].
pub const DEMO_SP_APP_KEY: &str = "sandbox-sp-app-key-0123456789abcdef";
/// The one enterprise [`DEMO_SP_APP_ID`] serves.
pub const DEMO_SP_CORP_ID: &str = "sandbox-corp";

/// How long [`Sandbox::shutdown`] waits for open connections before it gives up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How the sandbox behaves.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// TCP port on 127.0.0.1; 0 picks any free port.
    pub port: u16,
    /// Lifetime of an access token (`validPeriod`).
    pub token_ttl: Duration,
    /// Auth-random calls allowed per access token per minute; 0 turns the limit off.
    pub rate_limit_per_minute: u32,
    /// How long a meeting stays locked after too many wrong passwords.
    pub lockout: Duration,
    /// Serve HTTPS with this certificate; `None` serves plain HTTP.
    pub tls: Option<SandboxTls>,
    /// Also append every [`RecordedRequest`] to this file as one JSON line (emptied at start).
    pub record: Option<PathBuf>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            port: 0,
            token_ttl: Duration::from_secs(3600),
            rate_limit_per_minute: 100,
            lockout: Duration::from_secs(60),
            tls: None,
            record: None,
        }
    }
}

/// One seeded meeting, for docs and the window's sandbox hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedMeeting {
    /// Meeting ID (digits).
    pub id: &'static str,
    /// Meeting password, if the meeting has one.
    pub password: Option<&'static str>,
    /// Meeting subject as the service returns it.
    pub subject: &'static str,
    /// `COMMON` (MCU) or `RTC` (MMR).
    pub conf_mode: &'static str,
    /// The meeting is a webinar.
    pub webinar: bool,
    /// The meeting requires a password.
    pub need_password: bool,
    /// The enterprise allows joining from the mini-program.
    pub support_applets: bool,
    /// What the sandbox does with this meeting, in English (README only).
    pub behaviour: &'static str,
}

/// Meeting with no password: always answers.
pub(crate) const OPEN_MEETING: &str = "914047175";
/// Meeting with a password that locks after too many wrong attempts.
pub(crate) const LOCKING_MEETING: &str = "987654321";
/// Webinar with a password.
pub(crate) const WEBINAR_MEETING: &str = "900000001";
/// Meeting whose host has not arrived: needs `guest_waiting=1`.
pub(crate) const WAITING_MEETING: &str = "900000002";
/// Meeting that has ended.
pub(crate) const ENDED_MEETING: &str = "900000003";
/// Meeting whose subject has rarer characters of Chinese names.
pub(crate) const NAMES_MEETING: &str = "900000004";

static SEED_MEETINGS: [SeedMeeting; 6] = [
    SeedMeeting {
        id: OPEN_MEETING,
        password: None,
        subject: "zhang的会议",
        conf_mode: "RTC",
        webinar: false,
        need_password: false,
        support_applets: true,
        behaviour: "No password: always returns a fresh auth random.",
    },
    SeedMeeting {
        id: LOCKING_MEETING,
        password: Some("123456"),
        subject: "季度评审会",
        conf_mode: "COMMON",
        webinar: false,
        need_password: true,
        support_applets: false,
        behaviour: "Password 123456. After 5 wrong passwords the meeting is locked \
                    (MMC.111071052) for the lockout period, even for the right password.",
    },
    SeedMeeting {
        id: WEBINAR_MEETING,
        password: Some("246810"),
        subject: "Product Launch Webinar",
        conf_mode: "RTC",
        webinar: true,
        need_password: true,
        support_applets: true,
        behaviour: "Webinar with password 246810.",
    },
    SeedMeeting {
        id: WAITING_MEETING,
        password: None,
        subject: "等待主持人",
        conf_mode: "RTC",
        webinar: false,
        need_password: false,
        support_applets: true,
        behaviour: "Host not there yet: guest_waiting=0 fails with MMC.111071058 \
                    (waiting for host); guest_waiting=1 succeeds.",
    },
    SeedMeeting {
        id: ENDED_MEETING,
        password: None,
        subject: "Ended meeting",
        conf_mode: "COMMON",
        webinar: false,
        need_password: false,
        support_applets: false,
        behaviour: "Always fails with MMC.111072006 (meeting ended).",
    },
    SeedMeeting {
        id: NAMES_MEETING,
        password: None,
        subject: "张喆与王璐的设计周会",
        conf_mode: "RTC",
        webinar: false,
        need_password: false,
        support_applets: true,
        behaviour: "No password: a subject with rarer Chinese names (喆, 璐), for the window's fonts.",
    },
];

/// The meetings the sandbox knows; every other ID is "not found or wrong password".
pub fn seed_meetings() -> &'static [SeedMeeting] {
    &SEED_MEETINGS
}

/// How many requests each endpoint received, for tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SandboxStats {
    /// `GET /v2/mms/ncms/conferences/auth/random`.
    pub random_calls: u64,
    /// `POST /v1/usg/acs/auth/account`.
    pub account_sign_ins: u64,
    /// `POST /v2/usg/acs/auth/appauth`.
    pub app_sign_ins: u64,
    /// `PUT /v1/usg/acs/token`.
    pub refreshes: u64,
    /// `POST /v1/usg/acs/token/validate`.
    pub validates: u64,
    /// `DELETE /v1/usg/acs/token`.
    pub sign_outs: u64,
    /// `POST /v1/usg/acs/auth/portal-ref-nonce`.
    pub portal_nonces: u64,
    /// `GET /v1/mmc/management/conferences` (SearchMeetings), one per page.
    pub meeting_searches: u64,
}

/// The sandbox's shared state, as the handlers see it.
pub(crate) type Shared = Arc<Mutex<State>>;

/// Locks the shared state, carrying on after a panic elsewhere (the state stays usable).
pub(crate) fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, State> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The port could not be bound.
    #[error("could not listen on 127.0.0.1:{port}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A certificate or key file could not be read.
    #[error("could not read {}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The certificate file holds no PEM certificate.
    #[error("{} holds no PEM certificate", path.display())]
    NotACertificate {
        /// The file.
        path: PathBuf,
    },
    /// The key file holds no PEM private key.
    #[error("{} holds no PEM private key", path.display())]
    NotAKey {
        /// The file.
        path: PathBuf,
    },
    /// The private key is not the certificate's.
    #[error("the key in {} does not match the certificate in {}", key.display(), cert.display())]
    KeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// rustls refused the certificate or the key.
    #[error("the certificate or key was refused")]
    Tls(#[source] rustls::Error),
    /// The self-signed certificate could not be made (the generator's reason).
    #[error("could not make a self-signed certificate: {0}")]
    SelfSigned(String),
    /// The self-signed certificate could not be written.
    #[error("could not write {}", path.display())]
    WriteCert {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The `--record` file could not be created.
    #[error("could not create {}", path.display())]
    RecordFile {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
}

impl SandboxError {
    /// The message for a person, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let locale = lang.code();
        match self {
            SandboxError::Bind { port, source } => {
                t!(
                    "sandbox.bind_failed",
                    locale = locale,
                    port = port,
                    reason = source
                )
            }
            SandboxError::ReadFile { path, source } => t!(
                "sandbox.read_failed",
                locale = locale,
                path = path.display(),
                reason = source
            ),
            SandboxError::NotACertificate { path } => {
                t!(
                    "sandbox.not_a_certificate",
                    locale = locale,
                    path = path.display()
                )
            }
            SandboxError::NotAKey { path } => {
                t!("sandbox.not_a_key", locale = locale, path = path.display())
            }
            SandboxError::KeyMismatch { cert, key } => t!(
                "sandbox.key_mismatch",
                locale = locale,
                cert = cert.display(),
                key = key.display()
            ),
            SandboxError::Tls(reason) => {
                t!("sandbox.tls_refused", locale = locale, reason = reason)
            }
            SandboxError::SelfSigned(reason) => {
                t!(
                    "sandbox.self_signed_failed",
                    locale = locale,
                    reason = reason
                )
            }
            SandboxError::WriteCert { path, source } => t!(
                "sandbox.write_failed",
                locale = locale,
                path = path.display(),
                reason = source
            ),
            SandboxError::RecordFile { path, source } => t!(
                "sandbox.record_failed",
                locale = locale,
                path = path.display(),
                reason = source
            ),
        }
        .into_owned()
    }
}

/// A running sandbox; dropping it stops the server (and removes a self-signed certificate).
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    /// The certificate clients trust, in TLS mode.
    ca_pem: Option<tls::CaPem>,
    state: Shared,
    recorder: Arc<Recorder>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds 127.0.0.1:`config.port` and serves on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let port = config.port;
        let bind_failed = |source| SandboxError::Bind { port, source };
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(bind_failed)?;
        let addr = listener.local_addr().map_err(bind_failed)?;
        // The certificate first: a bad one leaves no record file behind.
        let tls = config
            .tls
            .as_ref()
            .map(|tls| tls::prepare(tls, addr.port()))
            .transpose()?;
        let recorder = Arc::new(Recorder::new(config.record.as_deref())?);
        let state: Shared = Arc::new(Mutex::new(State::new(config)));
        let app = routes::router(Arc::clone(&state)).layer(axum::middleware::from_fn_with_state(
            Arc::clone(&recorder),
            record::record,
        ));
        let (stop, stopped) = oneshot::channel::<()>();
        let (server, ca_pem) = match tls {
            Some(tls::Tls { acceptor, ca_pem }) => (
                tokio::spawn(tls::serve(listener, acceptor, app, stopped)),
                Some(ca_pem),
            ),
            None => {
                let server = tokio::spawn(async move {
                    let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                        // A dropped sender also means "stop".
                        let _ = stopped.await;
                    });
                    // Errors from an accepted connection are handled inside `serve`; there is
                    // nobody to report a failure of the whole server to, and nothing is printed.
                    let _ = serve.await;
                });
                (server, None)
            }
        };
        Ok(Sandbox {
            addr,
            ca_pem,
            state,
            recorder,
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// In TLS mode, the PEM certificate a client should trust: the self-signed one (removed
    /// when the sandbox stops) or the `cert` file it was given.
    pub fn ca_pem_path(&self) -> Option<&Path> {
        self.ca_pem.as_ref().map(tls::CaPem::path)
    }

    /// The shapes of the requests received so far, oldest first (the latest 10,000).
    pub fn recorded(&self) -> Vec<RecordedRequest> {
        self.recorder.all()
    }

    /// Forgets the recorded requests (a `record` file keeps its lines).
    pub fn clear_recorded(&self) {
        self.recorder.clear();
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets open requests finish (for a few seconds at most), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
    }

    /// Counters for tests: how many requests each endpoint got.
    pub fn stats(&self) -> SandboxStats {
        lock(&self.state).stats
    }

    /// Uses up a portal nonce as the meeting client would: the user ID it signs in as, or
    /// `None` if it is unknown, already used or older than 60 s.
    pub fn redeem_portal_nonce(&self, nonce: &str) -> Option<String> {
        lock(&self.state).redeem_portal_nonce(nonce, state::Now::get())
    }

    /// Makes every live access token expire now (refresh tokens stay valid).
    pub fn expire_access_tokens(&self) {
        lock(&self.state).expire_access_tokens(state::Now::get());
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
