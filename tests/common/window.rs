//! What the window tests share: a runtime, the sandbox's demo account, English test settings,
//! and small kittest queries. Included with `#[path]` by tests/gui.rs and tests/gui_behaviour.rs.
#![allow(dead_code, reason = "each test file uses part of it")]

use std::time::{Duration, Instant};

use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tokio::runtime::Runtime;

use std::sync::Arc;

use eframe::egui::{self, Event, OutputCommand};
use secrecy::ExposeSecret;

use meetjoin::api::ApiError;
use meetjoin::gui::state::{
    AppState, CheckStatus, ClipboardClear, DemoAccount, LanguageChoice, Settings,
};
use meetjoin::gui::{AppDeps, MeetjoinApp};
use meetjoin::sandbox::{DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD};
use meetjoin::sandbox::{Sandbox, SandboxConfig};
use meetjoin::secrets::MemoryStore;
use meetjoin::server::Server;

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
/// another test left in the display's clipboard), no Today list (its reads would mix with the
/// requests a test counts; tests/gui_today.rs turns it on), history on.
pub fn test_settings() -> AppState {
    AppState {
        settings: Settings {
            language: LanguageChoice::En,
            clipboard_clear: ClipboardClear::Off,
            offer_clipboard: false,
            show_today: false,
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

/// Signs out as a user does: Sign out in the header, then Sign out again in the dialog that
/// asks first (the dialog's button comes after the header's in the tree).
pub fn confirm_sign_out(window: &mut Window) {
    button(window, "Sign out").click();
    window.run();
    assert!(has_label(window, "Sign out?"), "Sign out asks first");
    let confirm = window
        .query_all_by_role_and_label(Role::Button, "Sign out")
        .last()
        .expect("the dialog's Sign out");
    confirm.click();
    window.step();
}

pub fn start_sandbox(runtime: &Runtime, lockout: Duration) -> Sandbox {
    runtime
        .block_on(Sandbox::start(SandboxConfig {
            port: 0,
            lockout,
            ..SandboxConfig::default()
        }))
        .expect("sandbox starts")
}

/// The window at `size` on `sandbox`, with `saved` state (English test settings by default).
pub fn window_sized(
    runtime: &Runtime,
    sandbox: &Sandbox,
    size: egui::Vec2,
    saved: AppState,
) -> Window {
    let server = Server::parse(&sandbox.url()).expect("sandbox URL");
    let handle = runtime.handle().clone();
    let mut window = Harness::builder()
        .with_max_steps(8)
        .with_size(size)
        .build_eframe(move |cc| {
            let mut deps = AppDeps::new(server, Arc::new(MemoryStore::new()), handle);
            deps.sandbox = true;
            deps.demo = Some(demo_account());
            deps.saved = Some(saved);
            // A desktop where the clipboard can be cleared later (tests/clipboard.rs clears it
            // for real; tests/desktop.rs shows a Wayland desktop that cannot).
            deps.clipboard_clears_later = true;
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        });
    settle_after_start(&mut window);
    window
}

/// Waits until the window has looked up the saved sign-in (the header's spinner turns until
/// then, so a test's first `run()` could exceed its steps while it turns).
fn settle_after_start(window: &mut Window) {
    wait_until(window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
}

pub fn window(runtime: &Runtime, sandbox: &Sandbox) -> Window {
    window_sized(runtime, sandbox, egui::vec2(640.0, 1500.0), test_settings())
}

/// Signs in with the demo account through the dialog.
pub fn sign_in(window: &mut Window) {
    wait_until(window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    button(window, "Sign in…").click();
    window.run();
    button(window, "Sign in").click();
    wait_until(window, "sign-in", |w| {
        // Both the account and the dialog's answer (they arrive in either order).
        w.state().account().signed_in.is_some() && w.state().state().sign_in.is_none()
    });
    window.run();
}

/// Pastes `text` into the emptied meeting field.
pub fn paste_meeting(window: &mut Window, text: &str) {
    window.state_mut().state_mut().form.input.clear();
    window
        .get_by_role_and_label(Role::MultilineTextInput, "Meeting ID or invitation")
        .focus();
    window.run();
    window.event(Event::Paste(text.to_owned()));
    window.run();
}

/// Types `text` into the password field (emptied first).
pub fn type_password(window: &mut Window, text: &str) {
    window.state_mut().state_mut().form.password.clear();
    let field = window.get_by_role_and_label(Role::PasswordInput, "Meeting password");
    field.focus();
    window.run();
    window
        .get_by_role_and_label(Role::PasswordInput, "Meeting password")
        .type_text(text);
    window.run();
}

pub fn password_field(window: &Window) -> String {
    window.state().state().form.password.clone()
}

/// Clicks Check and waits for the outcome.
pub fn check(window: &mut Window) -> Result<String, ApiError> {
    button(window, "Check").click();
    window.step();
    wait_until_checked(window);
    outcome(window)
}

pub fn wait_until_checked(window: &mut Window) {
    wait_until(window, "the check", |w| !w.state().check_pending());
    window.run();
}

pub fn outcome(window: &Window) -> Result<String, ApiError> {
    match &window.state().state().check {
        CheckStatus::Done(facts) => Ok(facts.random().expose_secret().to_owned()),
        CheckStatus::Failed(error) => Err(error.clone()),
        other => panic!("expected an outcome, got {other:?}"),
    }
}

pub fn copied_texts(window: &Window) -> Vec<String> {
    window
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

pub fn check_enabled(window: &Window) -> bool {
    !button(window, "Check").accesskit_node().is_disabled()
}

/// A 640×1500 window on `server` with a memory store and English test settings, spawning on
/// `runtime`; `setup` adjusts its dependencies (sandbox mode, a startup meeting ...).
pub fn window_on(
    runtime: &Runtime,
    server: Server,
    setup: impl FnOnce(&mut AppDeps) + 'static,
) -> Window {
    let handle = runtime.handle().clone();
    let mut window = Harness::builder()
        .with_size(egui::vec2(640.0, 1500.0))
        .build_eframe(move |cc| {
            let store = Arc::new(MemoryStore::new());
            let mut deps = AppDeps::new(server, store, handle);
            deps.saved = Some(test_settings());
            deps.clipboard_clears_later = true;
            setup(&mut deps);
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        });
    settle_after_start(&mut window);
    window
}

/// [`window_on`] the in-process sandbox at `url`, in sandbox mode with its demo account.
pub fn sandbox_window(runtime: &Runtime, url: &str) -> Window {
    let server = Server::parse(url).expect("the sandbox's URL");
    window_on(runtime, server, |deps| {
        deps.sandbox = true;
        deps.demo = Some(demo_account());
    })
}
