//! The local emulator of HUAWEI CLOUD Meeting: real HTTP on 127.0.0.1, seeded meetings,
//! account and App ID sign-in, token refresh, validation and sign-out.
//!
//! Used by every test and by `meetjoin sandbox` / `meetjoin gui --sandbox`. It prints
//! nothing; the caller shows [`Sandbox::url`].

mod routes;
mod signature;
mod state;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use state::State;

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
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            port: 0,
            token_ttl: Duration::from_secs(3600),
            rate_limit_per_minute: 100,
            lockout: Duration::from_secs(60),
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

static SEED_MEETINGS: [SeedMeeting; 5] = [
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
}

/// The sandbox's shared state, as the handlers see it.
pub(crate) type Shared = Arc<Mutex<State>>;

/// Locks the shared state, carrying on after a panic elsewhere (the state stays usable).
pub(crate) fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, State> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running sandbox; dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    state: Shared,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds 127.0.0.1:`config.port` and serves on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let state: Shared = Arc::new(Mutex::new(State::new(config)));
        let app = routes::router(Arc::clone(&state));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                // A dropped sender also means "stop".
                let _ = stopped.await;
            });
            // Errors from an accepted connection are handled inside `serve`; there is
            // nobody to report a failure of the whole server to, and nothing is printed.
            let _ = serve.await;
        });
        Ok(Sandbox {
            addr,
            state,
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
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
