//! The desktop window (eframe/egui): a second face over the library's calls.
//!
//! [`app`] holds the eframe app and its saved state, [`logic`] turns background results and
//! user actions into state changes, [`worker`] runs the library's calls on tokio, and
//! [`views`] draws one panel or dialog per file.

pub mod app;
pub mod fonts;
#[cfg(unix)]
pub mod instance;
pub mod invitation;
pub mod logic;
pub mod reminders;
pub mod state;
pub mod theme;
pub mod views;
pub mod warm;
pub mod worker;
#[cfg(all(unix, not(target_vendor = "apple")))]
pub mod x11_identity;

use std::sync::Arc;

use eframe::egui;

pub use app::{AppDeps, MeetjoinApp};
pub use worker::{AccountStatus, WorkerRuntime};

use crate::secrets::{KeyringStore, TokenStore};
use crate::server::Server;

/// What the window does when it opens, or when a second launch hands it over.
#[cfg(unix)]
pub use instance::Handoff as Startup;

/// What the window does when it opens (no second-launch handoff off Unix).
#[cfg(not(unix))]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Startup {
    /// The meeting text to fill in and check, if any.
    pub meeting: Option<String>,
    /// Check the meeting in the clipboard.
    pub check_clipboard: bool,
}

/// The window's size when nothing is remembered yet, in points.
pub const DEFAULT_SIZE: [f32; 2] = [620.0, 780.0];
/// The smallest size the window can be made, in points.
pub const MIN_SIZE: [f32; 2] = [480.0, 640.0];
/// The app id: names the window for the desktop (`meetjoin.desktop`) and eframe's storage.
pub const APP_ID: &str = "meetjoin";

/// The window icon, 256×256.
static ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// How the window starts.
#[derive(Clone, Debug, Default)]
pub struct GuiOptions {
    /// Start the sandbox in this process and point the window at it.
    pub sandbox: bool,
    /// The server to use instead of the saved setting.
    pub server: Option<Server>,
    /// The CA certificate file to trust instead of the saved setting.
    pub ca_file: Option<std::path::PathBuf>,
    /// Check the meeting in the clipboard when the window opens (`--check-clipboard`).
    pub check_clipboard: bool,
    /// A meeting ID, or text holding one, to fill in and check when the window opens.
    pub meeting: Option<String>,
}

/// Opens the window and runs until it is closed.
pub fn run(options: GuiOptions) -> anyhow::Result<()> {
    #[cfg(feature = "bench")]
    let started = std::time::Instant::now();
    // The command line installed the logger already (then this does nothing); the window adds
    // its log file, which the error Details point to. Without one it runs the same.
    crate::logging::init(false);
    crate::logging::start_window_log();
    let startup = Startup {
        meeting: options.meeting.clone(),
        check_clipboard: options.check_clipboard,
    };
    // One window per user: a second launch hands its meeting to the first and exits.
    let wake: Arc<std::sync::OnceLock<egui::Context>> = Arc::default();
    #[cfg(unix)]
    let listener = {
        let wake = Arc::clone(&wake);
        let claimed = instance::socket_path(options.sandbox).and_then(|path| {
            instance::claim(&path, &startup, move || {
                if let Some(ctx) = wake.get() {
                    ctx.request_repaint();
                }
            })
        });
        match claimed {
            Ok(instance::Claim::Handed) => {
                eprintln!(
                    "meetjoin: {}",
                    crate::i18n::Lang::from_system().tr("gui.instance.handed")
                );
                return Ok(());
            }
            Ok(instance::Claim::First(listener)) => Some(listener),
            Err(e) => {
                // Without the socket the window still works; a second one may open.
                tracing::warn!(target: "meetjoin::gui", error = %e, "no single-window socket");
                None
            }
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("meetjoin-worker")
        .build()?;
    let mut deps = if options.sandbox {
        sandbox_deps(&runtime)?
    } else {
        let store: Arc<dyn TokenStore> = Arc::new(KeyringStore::new());
        let handle = runtime.handle().clone();
        AppDeps {
            server: options.server,
            ..AppDeps::new(Server::default(), store, handle)
        }
    };
    deps.runtime = WorkerRuntime::Owned(runtime);
    deps.ca_file = options.ca_file;
    deps.startup = startup;
    deps.wake = wake;
    #[cfg(unix)]
    {
        deps.instance = listener;
    }
    #[cfg(feature = "bench")]
    if std::env::var("MEETJOIN_BENCH_FIRST_FRAME").is_ok_and(|v| v == "1") {
        deps.first_frame_since = Some(bench_origin(started));
    }
    let native = eframe::NativeOptions {
        viewport: viewport(options.sandbox),
        renderer: eframe::Renderer::Glow,
        persist_window: true,
        centered: true,
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        APP_ID,
        native,
        Box::new(move |cc| {
            // The window exists and is still hidden: name it for X11 desktops before it shows.
            #[cfg(all(unix, not(target_vendor = "apple")))]
            x11_identity::set_window_identity(cc, APP_ID);
            Ok(Box::new(MeetjoinApp::new(cc, deps)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))
}

/// Starts the sandbox on `runtime` and points the window at it, with its demo account and an
/// in-memory store (its port changes every run: its tokens would litter the OS keyring).
#[cfg(feature = "sandbox")]
fn sandbox_deps(runtime: &tokio::runtime::Runtime) -> anyhow::Result<AppDeps> {
    use crate::sandbox::{self, Sandbox, SandboxConfig};
    use crate::secrets::MemoryStore;
    use state::DemoAccount;
    let sandbox = runtime.block_on(Sandbox::start(SandboxConfig {
        port: 0,
        ..SandboxConfig::default()
    }))?;
    let server = Server::parse(&sandbox.url())?;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    Ok(AppDeps {
        sandbox: true,
        demo: Some(DemoAccount {
            account: sandbox::DEMO_ACCOUNT.to_owned(),
            password: sandbox::DEMO_PASSWORD.to_owned(),
            app_id: sandbox::DEMO_APP_ID.to_owned(),
            app_key: sandbox::DEMO_APP_KEY.to_owned(),
        }),
        keep_alive: Some(Box::new(sandbox)),
        ..AppDeps::new(server, store, runtime.handle().clone())
    })
}

/// Without the sandbox feature there is no sandbox to start.
#[cfg(not(feature = "sandbox"))]
fn sandbox_deps(_runtime: &tokio::runtime::Runtime) -> anyhow::Result<AppDeps> {
    anyhow::bail!("this meetjoin was built without the sandbox (cargo feature `sandbox`)")
}

/// Where the startup benchmark counts from: the launch, when the launcher passed
/// `MEETJOIN_BENCH_T0=<Unix time in ns>` (so that exec and dynamic loading count too), else
/// `started`. Feature `bench` only.
#[cfg(feature = "bench")]
pub fn bench_origin(started: std::time::Instant) -> std::time::Instant {
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
    let launched = || {
        let t0: u128 = std::env::var("MEETJOIN_BENCH_T0")
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let (now, wall) = (Instant::now(), SystemTime::now());
        let wall = wall.duration_since(UNIX_EPOCH).ok()?.as_nanos();
        let ago = u64::try_from(wall.checked_sub(t0)?).ok()?;
        now.checked_sub(Duration::from_nanos(ago))
    };
    launched().unwrap_or(started)
}

/// The root window: title, app id, icon, default and minimum size.
fn viewport(sandbox: bool) -> egui::ViewportBuilder {
    let lang = crate::i18n::Lang::from_system();
    let title = if sandbox {
        lang.tr("gui.window_title_sandbox")
    } else {
        lang.tr("gui.window_title")
    };
    let mut builder = egui::ViewportBuilder::default()
        .with_title(title)
        .with_app_id(APP_ID)
        .with_inner_size(DEFAULT_SIZE)
        .with_min_inner_size(MIN_SIZE);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        builder = builder.with_icon(icon);
    }
    builder
}
