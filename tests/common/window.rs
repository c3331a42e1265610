//! What the window tests share: a runtime, the sandbox's demo account, English test settings,
//! and small kittest queries. Included with `#[path]` by tests/gui.rs and tests/gui_behaviour.rs.
#![allow(dead_code, reason = "each test file uses part of it")]

use std::time::{Duration, Instant};

use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tokio::runtime::Runtime;

use meetjoin::gui::MeetjoinApp;
use meetjoin::gui::state::{AppState, ClipboardClear, DemoAccount, LanguageChoice, Settings};
use meetjoin::sandbox::{DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD};

/// How long a test waits for a background result before failing.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// The window under test.
pub type Window = Harness<'static, MeetjoinApp>;

/// A two-thread runtime for the worker and the sandbox.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The sandbox's demo account, as `meetjoin gui --sandbox` hands it to the window.
pub fn demo_account() -> DemoAccount {
    DemoAccount {
        account: DEMO_ACCOUNT.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
        app_id: DEMO_APP_ID.to_owned(),
        app_key: DEMO_APP_KEY.to_owned(),
    }
}

/// English, clipboard clearing off (no OS clipboard here), no clipboard offers (whatever
/// another test left in the display's clipboard), history on.
pub fn test_settings() -> AppState {
    AppState {
        settings: Settings {
            language: LanguageChoice::En,
            clipboard_clear: ClipboardClear::Off,
            offer_clipboard: false,
            ..Settings::default()
        },
        ..AppState::default()
    }
}

/// Steps (with short sleeps) until `done` holds; fails after [`DEADLINE`].
pub fn wait_until(window: &mut Window, what: &str, done: impl Fn(&Window) -> bool) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        window.step();
        if done(window) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// True when some node is labelled exactly `text`.
pub fn has_label(window: &Window, text: &str) -> bool {
    window.query_all_by_label(text).next().is_some()
}

/// True when some node's label contains `text`.
pub fn has_label_containing(window: &Window, text: &str) -> bool {
    window.query_all_by_label_contains(text).next().is_some()
}

/// The button labelled `label`.
pub fn button<'w>(window: &'w Window, label: &'w str) -> egui_kittest::Node<'w> {
    window.get_by_role_and_label(Role::Button, label)
}

/// A 640×1500 window on `server` with a memory store and English test settings, spawning on
/// `runtime`; `setup` adjusts its dependencies (sandbox mode, a startup meeting ...).
pub fn window_on(
    runtime: &Runtime,
    server: meetjoin::server::Server,
    setup: impl FnOnce(&mut meetjoin::gui::AppDeps) + 'static,
) -> Window {
    let handle = runtime.handle().clone();
    Harness::builder()
        .with_size(eframe::egui::vec2(640.0, 1500.0))
        .build_eframe(move |cc| {
            let store = std::sync::Arc::new(meetjoin::secrets::MemoryStore::new());
            let mut deps = meetjoin::gui::AppDeps::new(server, store, handle);
            deps.saved = Some(test_settings());
            setup(&mut deps);
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        })
}

/// [`window_on`] the in-process sandbox at `url`, in sandbox mode with its demo account.
pub fn sandbox_window(runtime: &Runtime, url: &str) -> Window {
    let server = meetjoin::server::Server::parse(url).expect("the sandbox's URL");
    window_on(runtime, server, |deps| {
        deps.sandbox = true;
        deps.demo = Some(demo_account());
    })
}
