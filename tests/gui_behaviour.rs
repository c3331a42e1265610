//! What a user of the window notices beyond the main flow (tests/gui.rs): the history's limit
//! and de-duplication, nothing secret in the saved state, the keyring banner, a sign-in restored
//! at start, the sandbox's demo account offered only on the sandbox, the settings dialog
//! refusing a server address it cannot use, and the CA certificate file of a private
//! deployment (set in the dialog or on the command line, saved, and its failures shown).
//!
//! Driven headless with egui_kittest against an in-process sandbox: the real app, the real
//! worker and the real library calls. Every English text is read from the locale files, never
//! through rust-i18n (which falls back quietly when a key is missing).
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/window.rs"]
mod window;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::Storage as _;
use eframe::egui;
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use secrecy::{ExposeSecret, SecretString};
use tokio::runtime::Runtime;

use meetjoin::api::{ApiError, Client, ClientOptions, ErrorKind};
use meetjoin::gui::state::{
    AppState, CheckStatus, DemoAccount, HISTORY_LIMIT, HistoryEntry, LanguageChoice, ServerChoice,
};
use meetjoin::gui::{AppDeps, MeetjoinApp};
use meetjoin::sandbox::{DEMO_ACCOUNT, DEMO_PASSWORD, Sandbox, SandboxConfig, SandboxTls};
use meetjoin::secrets::{KeyringStore, MemoryStore, StoreError, StoredSession, TokenStore};
use meetjoin::server::Server;
use meetjoin::session::{Credentials, Session};

use window::{
    Window, button, demo_account, has_label, has_label_containing, runtime, test_settings,
    wait_until,
};

// --- Scaffolding ------------------------------------------------------------------------------

fn start_sandbox(runtime: &Runtime) -> (Sandbox, Server) {
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig {
            port: 0,
            ..SandboxConfig::default()
        }))
        .expect("sandbox starts");
    let server = Server::parse(&sandbox.url()).expect("sandbox URL");
    (sandbox, server)
}

/// How a window is opened: the fields of [`AppDeps`] that the tests vary.
struct Open {
    /// The server given "on the command line"; `None`: the saved setting's.
    server: Option<Server>,
    /// The CA certificate file given "on the command line"; `None`: the saved setting's.
    ca_file: Option<PathBuf>,
    store: Arc<dyn TokenStore>,
    sandbox: bool,
    demo: Option<DemoAccount>,
    saved: AppState,
}

impl Open {
    /// A sandbox-mode window on `server`, with the demo account, as `meetjoin gui --sandbox`.
    fn sandbox(server: &Server, store: Arc<dyn TokenStore>) -> Open {
        Open {
            server: Some(server.clone()),
            ca_file: None,
            store,
            sandbox: true,
            demo: Some(demo_account()),
            saved: test_settings(),
        }
    }

    fn window(self, runtime: &Runtime) -> Window {
        let handle = runtime.handle().clone();
        Harness::builder()
            .with_max_steps(8)
            .with_size(egui::vec2(640.0, 1500.0))
            .build_eframe(move |cc| {
                let store = self.store;
                let mut deps = match self.server {
                    Some(server) => AppDeps::new(server, store, handle),
                    None => AppDeps {
                        server: None,
                        ..AppDeps::new(Server::Cn, store, handle)
                    },
                };
                deps.ca_file = self.ca_file;
                deps.sandbox = self.sandbox;
                deps.demo = self.demo;
                deps.saved = Some(self.saved);
                MeetjoinApp::with_deps(&cc.egui_ctx, deps)
            })
    }
}

fn wait_for_restore(window: &mut Window) {
    wait_until(window, "the saved sign-in lookup", |w| {
        !w.state().account().restoring
    });
    window.run();
}

/// The English text of a key, straight from `assets/locales/*.yml`, with `%{name}` filled in.
/// Fails when the key has no English text.
fn en(key: &str, args: &[(&str, &str)]) -> String {
    locale_text("en", key, args)
}

/// The Chinese text of a key, as [`en`] reads the English one.
fn zh(key: &str, args: &[(&str, &str)]) -> String {
    locale_text("zh-CN", key, args)
}

/// The text of `key` in `locale`, straight from `assets/locales/*.yml`, with `%{name}` filled
/// in. Fails when the key has no text in that language.
fn locale_text(locale: &str, key: &str, args: &[(&str, &str)]) -> String {
    static LOCALES: std::sync::OnceLock<HashMap<String, serde_yaml::Value>> =
        std::sync::OnceLock::new();
    let locales = LOCALES.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/locales");
        let mut all = HashMap::new();
        for entry in std::fs::read_dir(&dir).expect("assets/locales") {
            let path = entry.expect("locale file").path();
            if path.extension().is_some_and(|e| e == "yml") {
                let text = std::fs::read_to_string(&path).expect("locale file reads");
                let map: HashMap<String, serde_yaml::Value> =
                    serde_yaml::from_str(&text).expect("locale file parses");
                all.extend(map);
            }
        }
        all
    });
    let mut text = locales
        .get(key)
        .and_then(|v| v.get(locale))
        .and_then(serde_yaml::Value::as_str)
        .unwrap_or_else(|| panic!("no {locale} text for {key} in assets/locales"))
        .to_owned();
    for (name, value) in args {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    assert!(
        !text.contains("%{"),
        "{key}: an argument is missing: {text}"
    );
    text
}

/// Signs in with the demo account through the dialog, which comes filled in on the sandbox.
fn sign_in_through_the_dialog(window: &mut Window) {
    wait_for_restore(window);
    button(window, &en("gui.header.sign_in", &[])).click();
    window.run();
    button(window, &en("gui.sign_in.submit", &[])).click();
    wait_until(window, "sign-in", |w| {
        w.state().account().signed_in.is_some()
    });
    window.run();
    assert!(
        window.state().state().sign_in.is_none(),
        "the dialog closes"
    );
}

/// Signs in with the demo account through the library, as `meetjoin login` does, keeping the
/// session in `store`.
fn sign_in_through_the_library(runtime: &Runtime, server: &Server, store: Arc<dyn TokenStore>) {
    let server = server.clone();
    runtime.block_on(async move {
        let client = Client::new(server).expect("client");
        let session = Session::new(client, store);
        session
            .sign_in(Credentials::Account {
                account: DEMO_ACCOUNT.to_owned(),
                password: SecretString::from(DEMO_PASSWORD.to_owned()),
            })
            .await
            .expect("library sign-in");
    });
}

/// Replaces the meeting field's text as a paste would.
fn paste_meeting(window: &mut Window, text: &str) {
    window.state_mut().state_mut().form.input.clear();
    window
        .get_by_role_and_label(Role::MultilineTextInput, &en("gui.check.input_label", &[]))
        .focus();
    window.run();
    window.event(egui::Event::Paste(text.to_owned()));
    window.run();
}

/// Types `password` into the (emptied) meeting password field.
fn type_password(window: &mut Window, password: &str) {
    window.state_mut().state_mut().form.password.clear();
    let label = en("gui.check.password_label", &[]);
    window
        .get_by_role_and_label(Role::PasswordInput, &label)
        .focus();
    window.run();
    window
        .get_by_role_and_label(Role::PasswordInput, &label)
        .type_text(password);
    window.run();
}

/// Checks `meeting` (with `password`, possibly empty) and returns the auth random shown.
fn check(window: &mut Window, meeting: &str, password: &str) -> String {
    check_outcome(window, meeting, password)
        .unwrap_or_else(|error| panic!("checking {meeting}: expected a result, got {error:?}"))
}

/// Checks `meeting` (with `password`, possibly empty): the auth random shown, or the error.
fn check_outcome(window: &mut Window, meeting: &str, password: &str) -> Result<String, ApiError> {
    paste_meeting(window, meeting);
    type_password(window, password);
    button(window, &en("gui.check.button", &[])).click();
    window.step();
    wait_until(window, "the check", |w| !w.state().check_pending());
    window.run();
    match &window.state().state().check {
        CheckStatus::Done(facts) => Ok(facts.random().expose_secret().to_owned()),
        CheckStatus::Failed(error) => Err(error.clone()),
        other => panic!("checking {meeting}: expected an outcome, got {other:?}"),
    }
}

fn history_ids(window: &Window) -> Vec<String> {
    let history = &window.state().state().history;
    history.iter().map(|e| e.meeting_id.to_string()).collect()
}

/// eframe's storage, in memory: what `App::save` writes is what would reach the disk.
#[derive(Default)]
struct RecordingStorage(HashMap<String, String>);

impl eframe::Storage for RecordingStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}

/// A keyring that is never there, as on a desktop with no Secret Service.
struct BrokenStore;

impl BrokenStore {
    fn error() -> StoreError {
        StoreError::Unavailable("no Secret Service on the bus".to_owned())
    }
}

impl TokenStore for BrokenStore {
    fn load(&self, _server: &Server) -> Result<Option<StoredSession>, StoreError> {
        Err(BrokenStore::error())
    }

    fn save(&self, _server: &Server, _session: &StoredSession) -> Result<(), StoreError> {
        Err(BrokenStore::error())
    }

    fn delete(&self, _server: &Server) -> Result<(), StoreError> {
        Err(BrokenStore::error())
    }

    fn is_memory_only(&self) -> bool {
        false
    }
}

// --- History and saved state ------------------------------------------------------------------

#[test]
fn history_keeps_the_latest_ten_once_each_and_nothing_secret_is_saved() {
    let runtime = runtime();
    let (_sandbox, server) = start_sandbox(&runtime);
    let store = Arc::new(MemoryStore::new());
    let mut window = Open::sandbox(&server, store.clone()).window(&runtime);
    sign_in_through_the_dialog(&mut window);

    // Nine meetings checked on earlier days; the oldest is remembered first.
    let earlier: Vec<String> = (1..HISTORY_LIMIT).map(|n| format!("80000000{n}")).collect();
    for (n, id) in earlier.iter().enumerate() {
        window.state_mut().state_mut().remember(HistoryEntry {
            meeting_id: meetjoin::MeetingId::parse(id).expect("an ID"),
            subject: Some(format!("Earlier meeting {n}")),
            checked_at: 1_700_000_000 + i64::try_from(n).expect("small"),
        });
    }
    assert_eq!(window.state().state().history.len(), HISTORY_LIMIT - 1);

    // Real checks against the sandbox: the tenth entry fills the list, each one after it
    // pushes out the oldest, and checking a meeting again moves it to the top.
    let mut randoms = vec![check(&mut window, "914047175", "")];
    assert_eq!(window.state().state().history.len(), HISTORY_LIMIT);
    randoms.push(check(&mut window, "987654321", "123456"));
    randoms.push(check(&mut window, "900000001", "246810"));
    randoms.push(check(&mut window, "987 654 321", "123456"));
    let mut expected = vec![
        "987654321".to_owned(),
        "900000001".to_owned(),
        "914047175".to_owned(),
    ];
    expected.extend(earlier.iter().rev().take(HISTORY_LIMIT - 3).cloned());
    assert_eq!(
        history_ids(&window),
        expected,
        "newest first, at most {HISTORY_LIMIT}, each meeting once"
    );
    assert_eq!(
        window.state().state().history[0].subject.as_deref(),
        Some("季度评审会"),
        "the repeated check keeps the service's subject"
    );

    // The window lists exactly those ten, each once.
    let listed: Vec<String> = window
        .query_all_by_role(Role::Button)
        .filter_map(|n| n.accesskit_node().label())
        .filter(|l| {
            l.contains("Earlier meeting")
                || l.contains("季度评审会")
                || l.contains("zhang的会议")
                || l.contains("Product Launch")
        })
        .collect();
    assert_eq!(
        listed.len(),
        HISTORY_LIMIT,
        "ten entries listed: {listed:?}"
    );
    let times_listed = |grouped: &str| listed.iter().filter(|l| l.contains(grouped)).count();
    assert_eq!(times_listed("987 654 321"), 1, "checked twice, listed once");
    assert_eq!(times_listed("800 000 001"), 0, "the oldest is gone");

    // Save exactly as eframe does, through the App trait into a storage.
    assert_eq!(
        window.state().state().form.password,
        "123456",
        "the typed password is still in the form while the window runs"
    );
    let mut storage = RecordingStorage::default();
    eframe::App::save(window.state_mut(), &mut storage);
    let saved = storage
        .get_string(AppState::STORAGE_KEY)
        .expect("the state is saved under its key");
    assert!(saved.contains("987654321"), "the history is saved: {saved}");

    let access = store
        .load(&server)
        .expect("memory store")
        .expect("signed in")
        .tokens
        .access
        .expose_secret()
        .to_owned();
    let mut secrets = vec![
        ("the meeting password", "123456".to_owned()),
        ("the webinar password", "246810".to_owned()),
        ("the sign-in password", DEMO_PASSWORD.to_owned()),
        ("the access token", access),
    ];
    secrets.extend(randoms.into_iter().map(|random| ("an auth random", random)));
    for (what, secret) in &secrets {
        assert!(!secret.is_empty());
        assert!(
            !saved.contains(secret.as_str()),
            "{what} reached the saved state: {saved}"
        );
    }

    // What was saved comes back as the same history.
    let restored: AppState =
        eframe::get_value(&storage, AppState::STORAGE_KEY).expect("the saved state reads back");
    assert_eq!(restored.history, window.state().state().history);
}

// --- The keyring banner -----------------------------------------------------------------------

#[test]
fn a_keyring_that_fails_shows_the_banner_and_sign_in_still_works() {
    let runtime = runtime();
    let (_sandbox, server) = start_sandbox(&runtime);
    let mut window = Open::sandbox(&server, Arc::new(BrokenStore)).window(&runtime);
    let title = format!("⚠ {}", en("gui.banner.title", &[]));
    let message = en("store.unavailable", &[]);

    wait_for_restore(&mut window);
    assert!(has_label(&window, &title), "the banner's title: {title}");
    assert!(
        has_label(&window, &message),
        "the banner says why: {message}"
    );

    // Signing in works all the same, in memory, and the banner stays until dismissed.
    sign_in_through_the_dialog(&mut window);
    let signed_in = window.state().account().signed_in.expect("signed in");
    assert_eq!(signed_in.account, DEMO_ACCOUNT);
    assert!(has_label_containing(
        &window,
        &en("gui.header.signed_in_as", &[("name", DEMO_ACCOUNT)])
    ));
    assert!(has_label(&window, &message), "the banner is still there");
    let random = check(&mut window, "914047175", "");
    assert_eq!(random.len(), 15, "a check works on the memory-only session");

    button(&window, &en("gui.banner.dismiss", &[])).click();
    window.run();
    assert!(!has_label(&window, &title), "dismissed: the banner is gone");
    assert!(!has_label(&window, &message));
    // The same failure again (signing out deletes from the keyring) keeps it hidden.
    window::confirm_sign_out(&mut window);
    let signed_out = en("gui.toast.signed_out", &[]);
    wait_until(&mut window, "sign-out", |w| {
        w.state().account().signed_in.is_none()
            && w.state()
                .state()
                .toast
                .as_ref()
                .is_some_and(|t| t.text == signed_out)
    });
    window.run();
    assert_eq!(
        window.state().account().store_error,
        Some(BrokenStore::error()),
        "the keyring still fails"
    );
    assert!(
        !has_label(&window, &message),
        "and the banner stays dismissed"
    );
}

// --- A sign-in restored at start --------------------------------------------------------------

/// Opens a window whose store already holds a session for `server` and checks that it shows
/// the user signed in, and can check a meeting, without signing in again.
fn assert_restored_in_the_window(
    runtime: &Runtime,
    sandbox: &Sandbox,
    server: &Server,
    store: Arc<dyn TokenStore>,
) {
    let sign_ins = sandbox.stats().account_sign_ins;
    let mut open = Open::sandbox(server, store);
    open.demo = None;
    let mut window = open.window(runtime);
    wait_for_restore(&mut window);
    let account = window.state().account();
    let signed_in = account.signed_in.expect("the saved sign-in is restored");
    assert_eq!(signed_in.account, DEMO_ACCOUNT);
    let name = signed_in.user_name.unwrap_or(signed_in.account);
    assert!(
        has_label(&window, &en("gui.header.signed_in_as", &[("name", &name)])),
        "the header says who is signed in"
    );
    assert!(!has_label(&window, &en("gui.header.not_signed_in", &[])));
    assert!(
        window
            .query_by_role_and_label(Role::Button, &en("gui.header.sign_in", &[]))
            .is_none(),
        "no Sign in button"
    );
    let random = check(&mut window, "914047175", "");
    assert_eq!(random.len(), 15, "the restored tokens work");
    assert_eq!(
        sandbox.stats().account_sign_ins,
        sign_ins,
        "the window never signed in"
    );
}

#[test]
fn a_saved_sign_in_is_restored_in_the_window() {
    let runtime = runtime();
    let (sandbox, server) = start_sandbox(&runtime);
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    sign_in_through_the_library(&runtime, &server, Arc::clone(&store));
    assert_eq!(sandbox.stats().account_sign_ins, 1);
    assert_restored_in_the_window(&runtime, &sandbox, &server, store);
}

/// Deletes the test's keyring entry when the test ends, passed or failed.
struct KeyringEntry {
    store: KeyringStore,
    server: Server,
}

impl Drop for KeyringEntry {
    fn drop(&mut self) {
        let (store, server) = (self.store.clone(), self.server.clone());
        // Keyring calls block: on a plain thread, never an async one.
        let _ = std::thread::spawn(move || store.delete(&server)).join();
    }
}

#[test]
#[ignore = "needs a Secret Service (scripts/test.sh runs it)"]
fn a_sign_in_saved_in_the_real_keyring_is_restored_in_the_window() {
    let runtime = runtime();
    let (sandbox, server) = start_sandbox(&runtime);
    let service = format!("meetjoin-test-gui-{}", std::process::id());
    let entry = KeyringEntry {
        store: KeyringStore::with_service(&service),
        server: server.clone(),
    };
    sign_in_through_the_library(&runtime, &server, Arc::new(entry.store.clone()));
    // A new store on the same service: only the keyring carries the session across.
    let store = KeyringStore::with_service(&service);
    let (probe, probe_server) = (store.clone(), server.clone());
    let saved = std::thread::spawn(move || probe.load(&probe_server))
        .join()
        .expect("join")
        .expect("the keyring reads");
    assert!(
        saved.is_some(),
        "the library kept the sign-in in the keyring"
    );
    assert_restored_in_the_window(&runtime, &sandbox, &server, Arc::new(store));
    drop(entry);
    let (probe, probe_server) = (KeyringStore::with_service(&service), server.clone());
    let left = std::thread::spawn(move || probe.load(&probe_server))
        .join()
        .expect("join")
        .expect("the keyring reads");
    assert!(left.is_none(), "the test's keyring entry is removed");
}

// --- The demo account -------------------------------------------------------------------------

#[test]
fn the_demo_account_is_offered_only_on_the_sandbox() {
    let runtime = runtime();
    let (_sandbox, server) = start_sandbox(&runtime);
    let hint = en(
        "gui.sign_in.sandbox_demo",
        &[("account", DEMO_ACCOUNT), ("password", DEMO_PASSWORD)],
    );
    // (sandbox mode, what the Account field holds when the dialog opens)
    for (sandbox, account) in [(true, Some(DEMO_ACCOUNT)), (false, None)] {
        let mut open = Open::sandbox(&server, Arc::new(MemoryStore::new()));
        open.sandbox = sandbox;
        // Whoever builds the window may hand over the demo account; only sandbox mode uses it.
        open.demo = Some(demo_account());
        let mut window = open.window(&runtime);
        wait_for_restore(&mut window);
        button(&window, &en("gui.header.sign_in", &[])).click();
        window.run();
        let field = window
            .get_by_role_and_label(Role::TextInput, &en("gui.sign_in.account", &[]))
            .value();
        assert_eq!(
            field.as_deref().filter(|v| !v.is_empty()),
            account,
            "sandbox mode {sandbox}: the Account field"
        );
        assert_eq!(
            has_label(&window, &hint),
            sandbox,
            "sandbox mode {sandbox}: the demo hint"
        );
        let form = window.state().state().sign_in.as_ref().expect("the dialog");
        assert_eq!(
            form.password.is_empty(),
            !sandbox,
            "sandbox mode {sandbox}: the demo password"
        );
        assert_eq!(form.app_id.is_empty(), !sandbox, "the demo App ID");
        assert_eq!(form.app_key.is_empty(), !sandbox, "the demo App Key");
        assert_eq!(
            has_label(&window, &en("gui.sandbox_badge", &[])),
            sandbox,
            "sandbox mode {sandbox}: the badge"
        );
    }
}

// --- Custom-server validation -----------------------------------------------------------------

/// Replaces the settings dialog's server address by typing `text` into it.
fn type_server_address(window: &mut Window, text: &str) {
    if let Some(dialog) = window.state_mut().state_mut().settings_dialog.as_mut() {
        dialog.custom_server.clear();
    }
    let label = en("gui.settings.custom_url", &[]);
    window
        .get_by_role_and_label(Role::TextInput, &label)
        .focus();
    window.run();
    window
        .get_by_role_and_label(Role::TextInput, &label)
        .type_text(text);
    window.run();
}

#[test]
fn the_settings_refuse_a_server_they_cannot_use_and_switch_to_one_they_can() {
    let runtime = runtime();
    let (_sandbox, sandbox_server) = start_sandbox(&runtime);
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    sign_in_through_the_library(&runtime, &sandbox_server, Arc::clone(&store));
    // Not sandbox mode: the saved settings pick the sandbox as a custom server.
    let mut saved = test_settings();
    saved.settings.server = ServerChoice::Custom;
    saved.settings.custom_server = sandbox_server.base();
    let mut window = Open {
        server: None,
        ca_file: None,
        store,
        sandbox: false,
        demo: None,
        saved,
    }
    .window(&runtime);
    wait_for_restore(&mut window);
    assert_eq!(window.state().server(), sandbox_server);
    check(&mut window, "914047175", "");

    button(&window, &en("gui.header.settings", &[])).click();
    window.run();
    let apply = en("gui.settings.apply", &[]);
    let refused = [
        ("http://example.com", en("server.insecure_http", &[])),
        ("ftp://x", en("server.scheme", &[("scheme", "ftp")])),
        ("garbage", en("server.not_a_url", &[("text", "garbage")])),
    ];
    for (address, message) in &refused {
        type_server_address(&mut window, address);
        assert!(has_label(&window, message), "{address}: says {message}");
        assert!(
            button(&window, &apply).accesskit_node().is_disabled(),
            "{address}: {apply} is disabled"
        );
        // Neither the button, nor Enter, nor the Custom radio switches to it.
        button(&window, &apply).click();
        window.run();
        window
            .get_by_role_and_label(Role::TextInput, &en("gui.settings.custom_url", &[]))
            .focus();
        window.run();
        window.key_press(egui::Key::Enter);
        window.run();
        assert_eq!(
            window.state().server(),
            sandbox_server,
            "{address}: not used"
        );
        let settings = &window.state().state().settings;
        assert_eq!(settings.server, ServerChoice::Custom);
        assert_eq!(
            settings.custom_server,
            sandbox_server.base(),
            "{address}: not saved"
        );
        assert!(
            matches!(window.state().state().check, CheckStatus::Done(_)),
            "{address}: the result stays"
        );
    }

    let address = "https://meeting.example.com";
    let server = Server::parse(address).expect("a valid address");
    type_server_address(&mut window, address);
    assert!(has_label(
        &window,
        &en("gui.settings.server_ok", &[("server", address)])
    ));
    for (_, message) in &refused {
        assert!(!has_label(&window, message), "no error for a valid address");
    }
    button(&window, &apply).click();
    wait_until(&mut window, "the new server's sign-in lookup", |w| {
        w.state().account().server == server && !w.state().account().restoring
    });
    window.run();
    assert_eq!(window.state().server(), server, "the window uses it");
    let settings = &window.state().state().settings;
    assert_eq!(settings.server, ServerChoice::Custom);
    assert_eq!(settings.custom_server, address, "and saves it");
    assert!(has_label(
        &window,
        &en("gui.settings.server_in_use", &[("server", address)])
    ));
    // The header names a custom server by its host and port (the address on hover).
    let named = address.trim_start_matches("https://");
    assert!(has_label(
        &window,
        &en("gui.header.server", &[("server", named)])
    ));
    assert!(
        matches!(window.state().state().check, CheckStatus::Idle),
        "the sandbox's result is gone with the server"
    );
    assert!(
        window.state().account().signed_in.is_none(),
        "no sign-in on the new server"
    );
    assert!(has_label(&window, &en("gui.header.not_signed_in", &[])));
}

// --- The CA certificate file ------------------------------------------------------------------

/// A self-signed CA certificate (P-256, valid until 2126) that signed nothing the tests reach.
const UNRELATED_CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBjDCCATOgAwIBAgIUWZvLfO9VxcXkuVL1g+nGwZPJ6IgwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQbWVldGpvaW4gdGVzdCBDQTAgFw0yNjExMjUyMzAyMDVaGA8y
MTI2MTEwMTIzMDIwNVowGzEZMBcGA1UEAwwQbWVldGpvaW4gdGVzdCBDQTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABMIzBAim+dbRvRjcOa+WMGhBIoah40/6uAPr
kZhbKC2RtyVssKuaXXMJdF9+NTdTI19WHmwM9Z3M3tbVOKA36CijUzBRMB0GA1Ud
DgQWBBQtYo92m7/akVMfBgNFYqRSPbjpyDAfBgNVHSMEGDAWgBQtYo92m7/akVMf
BgNFYqRSPbjpyDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIDqM
/HWW7yKjDy5O/eymoBTRFdIe9aMya72jzvSyTHAqAiBcUiph8tKh85bow5TNaqIW
s8d3GsDpWPs3NQDv8qktfQ==
-----END CERTIFICATE-----
";

/// Writes [`UNRELATED_CA_PEM`] into `dir` and returns the file's path.
fn unrelated_ca_file(dir: &Path) -> PathBuf {
    let path = dir.join("enterprise-ca.pem");
    std::fs::write(&path, UNRELATED_CA_PEM).expect("the CA file is written");
    path
}

/// Opens the settings dialog from the header.
fn open_settings(window: &mut Window) {
    button(window, &en("gui.header.settings", &[])).click();
    window.run();
}

/// Closes the settings dialog.
fn close_settings(window: &mut Window) {
    button(window, &en("gui.settings.close", &[])).click();
    window.run();
    assert!(window.state().state().settings_dialog.is_none());
}

/// Types `path` into the dialog's CA certificate field and clicks "Use this file".
fn use_ca_file(window: &mut Window, path: &Path) {
    if let Some(dialog) = window.state_mut().state_mut().settings_dialog.as_mut() {
        dialog.ca_file.clear();
    }
    let label = en("gui.settings.ca_file", &[]);
    window
        .get_by_role_and_label(Role::TextInput, &label)
        .focus();
    window.run();
    window
        .get_by_role_and_label(Role::TextInput, &label)
        .type_text(&path.display().to_string());
    window.run();
    button(window, &en("gui.settings.ca_apply", &[])).click();
    window.step();
}

/// What the dialog's CA certificate field holds.
fn ca_field(window: &Window) -> Option<String> {
    window
        .get_by_role_and_label(Role::TextInput, &en("gui.settings.ca_file", &[]))
        .value()
}

/// The worker's "no session" error, when it is the CA file's.
fn ca_error(window: &Window) -> Option<ApiError> {
    window
        .state()
        .account()
        .session_error
        .filter(|e| e.kind == ErrorKind::CaCertificate)
}

/// A window on `server` as `meetjoin gui --server URL [--ca-file FILE]` opens it (not sandbox
/// mode), with English test settings plus `saved_ca_file`.
fn window_on(
    runtime: &Runtime,
    server: &Server,
    store: Arc<dyn TokenStore>,
    ca_file: Option<PathBuf>,
    saved_ca_file: Option<PathBuf>,
) -> Window {
    let mut saved = test_settings();
    saved.settings.ca_file = saved_ca_file;
    Open {
        server: Some(server.clone()),
        ca_file,
        store,
        sandbox: false,
        demo: None,
        saved,
    }
    .window(runtime)
}

#[test]
fn a_ca_file_that_cannot_be_used_says_so_and_clearing_it_brings_the_session_back() {
    let runtime = runtime();
    let (_sandbox, server) = start_sandbox(&runtime);
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    sign_in_through_the_library(&runtime, &server, Arc::clone(&store));
    let mut window = window_on(&runtime, &server, store, None, None);
    wait_for_restore(&mut window);
    assert!(window.state().account().signed_in.is_some());
    check(&mut window, "914047175", "");
    open_settings(&mut window);
    assert!(
        has_label(&window, &en("gui.settings.ca_none", &[])),
        "no CA file yet: only the system's certificates"
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let missing = dir.path().join("no-such-ca.pem");
    use_ca_file(&mut window, &missing);
    wait_until(&mut window, "the CA file's failure", |w| {
        ca_error(w).is_some() && w.state().account().ca_file.as_deref() == Some(missing.as_path())
    });
    window.run();
    assert_eq!(window.state().ca_file().as_deref(), Some(missing.as_path()));
    assert_eq!(
        window.state().state().settings.ca_file.as_deref(),
        Some(missing.as_path())
    );
    let error = ca_error(&window).expect("the CA file's failure");
    let detail = error.detail.clone().expect("the failure's detail");
    assert!(
        detail.contains(&missing.display().to_string()),
        "the detail names the file: {detail}"
    );
    let message = en("error.ca_certificate", &[]);
    assert!(has_label(&window, &message), "the dialog says: {message}");
    assert!(has_label(&window, &detail), "and why: {detail}");
    let missing_text = missing.display().to_string();
    assert!(
        !has_label(
            &window,
            &en("gui.settings.ca_in_use", &[("file", &missing_text)])
        ),
        "a file that could not be used is not said to be in use"
    );
    assert!(window.state().account().signed_in.is_none(), "no session");
    assert!(
        matches!(window.state().state().check, CheckStatus::Idle),
        "the result from before the change is gone"
    );

    // The main window says so too, once, and a check cannot run.
    close_settings(&mut window);
    let card = format!("⚠ {message}");
    assert!(has_label(&window, &card), "the main window says: {card}");
    assert!(has_label(&window, &en("gui.header.not_signed_in", &[])));
    let refused = check_outcome(&mut window, "914047175", "").expect_err("no session, no check");
    assert_eq!(refused.kind, ErrorKind::CaCertificate);
    assert_eq!(
        window.query_all_by_label(&card).count(),
        1,
        "the check's failure is the session's: one card, not two"
    );

    // In Chinese as well, in the main window and in the dialog.
    window.state_mut().state_mut().settings.language = LanguageChoice::ZhCn;
    window.run();
    let zh_message = zh("error.ca_certificate", &[]);
    assert!(
        has_label(&window, &format!("⚠ {zh_message}")),
        "the main window says: {zh_message}"
    );
    button(&window, &zh("gui.header.settings", &[])).click();
    window.run();
    assert!(has_label(&window, &zh_message), "the dialog says it too");
    assert!(has_label(&window, &zh("gui.settings.ca_file", &[])));
    window.state_mut().state_mut().settings.language = LanguageChoice::En;
    window.run();

    // Clearing it: the session, and the saved sign-in, come back.
    button(&window, &en("gui.settings.ca_clear", &[])).click();
    window.step();
    wait_until(&mut window, "the session without the CA file", |w| {
        let account = w.state().account();
        account.ca_file.is_none() && account.session_error.is_none() && account.signed_in.is_some()
    });
    window.run();
    assert_eq!(window.state().ca_file(), None);
    assert_eq!(window.state().state().settings.ca_file, None);
    assert_eq!(ca_field(&window).filter(|v| !v.is_empty()), None);
    assert!(has_label(&window, &en("gui.settings.ca_none", &[])));
    assert!(!has_label(&window, &message));
    close_settings(&mut window);
    assert!(!has_label(&window, &card));
    assert_eq!(check(&mut window, "914047175", "").len(), 15);
}

#[test]
fn the_ca_file_setting_is_saved_and_used_at_the_next_start() {
    let runtime = runtime();
    let (_sandbox, server) = start_sandbox(&runtime);
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    sign_in_through_the_library(&runtime, &server, Arc::clone(&store));
    let mut window = window_on(&runtime, &server, Arc::clone(&store), None, None);
    wait_for_restore(&mut window);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = unrelated_ca_file(dir.path());
    let ca_text = ca.display().to_string();
    let in_use = en("gui.settings.ca_in_use", &[("file", &ca_text)]);

    open_settings(&mut window);
    use_ca_file(&mut window, &ca);
    wait_until(&mut window, "the session with the CA file", |w| {
        let account = w.state().account();
        account.ca_file.as_deref() == Some(ca.as_path())
            && !account.restoring
            && account.session_error.is_none()
            && account.signed_in.is_some()
    });
    window.run();
    assert!(has_label(&window, &in_use), "the dialog says: {in_use}");
    assert_eq!(
        window.state().state().settings.ca_file.as_deref(),
        Some(ca.as_path())
    );
    close_settings(&mut window);
    assert_eq!(
        check(&mut window, "914047175", "").len(),
        15,
        "an extra CA leaves the system's trusted"
    );

    // Saved exactly as eframe does, and read back.
    let mut storage = RecordingStorage::default();
    eframe::App::save(window.state_mut(), &mut storage);
    let restored: AppState =
        eframe::get_value(&storage, AppState::STORAGE_KEY).expect("the saved state reads back");
    assert_eq!(restored.settings.ca_file.as_deref(), Some(ca.as_path()));
    drop(window);

    // A state saved before the setting existed still loads, with no CA file.
    let mut older = RecordingStorage::default();
    older.set_string(
        AppState::STORAGE_KEY,
        "(settings:(keep_history:false,guest_waiting:true),history:[])".to_owned(),
    );
    let older: AppState =
        eframe::get_value(&older, AppState::STORAGE_KEY).expect("an older saved state loads");
    assert!(older.settings.guest_waiting && !older.settings.keep_history);
    assert_eq!(older.settings.ca_file, None);

    // The next start uses the saved file; nothing says it came from the command line.
    let mut next = Open {
        server: Some(server.clone()),
        ca_file: None,
        store,
        sandbox: false,
        demo: None,
        saved: restored,
    }
    .window(&runtime);
    wait_for_restore(&mut next);
    assert_eq!(next.state().ca_file().as_deref(), Some(ca.as_path()));
    assert!(next.state().account().session_error.is_none());
    open_settings(&mut next);
    assert_eq!(ca_field(&next).as_deref(), Some(ca_text.as_str()));
    assert!(has_label(&next, &in_use));
    assert!(!has_label(
        &next,
        &en("gui.settings.ca_cli_override", &[("file", &ca_text)])
    ));
}

#[test]
fn a_ca_file_from_the_command_line_overrides_the_saved_one_for_this_run() {
    let runtime = runtime();
    let (_sandbox, server) = start_sandbox(&runtime);
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    sign_in_through_the_library(&runtime, &server, Arc::clone(&store));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let saved_ca = unrelated_ca_file(dir.path());
    // A file that is not there: the worker's failure shows which file it was given.
    let command_line_ca = dir.path().join("from-the-command-line.pem");
    let command_line_text = command_line_ca.display().to_string();
    let mut window = window_on(
        &runtime,
        &server,
        store,
        Some(command_line_ca.clone()),
        Some(saved_ca.clone()),
    );
    wait_until(&mut window, "the command line's CA file", |w| {
        ca_error(w).is_some()
    });
    window.run();
    let detail = ca_error(&window)
        .and_then(|e| e.detail)
        .expect("the failure's detail");
    assert!(
        detail.contains(&command_line_text),
        "the worker used the command line's file: {detail}"
    );
    assert_eq!(
        window.state().ca_file().as_deref(),
        Some(command_line_ca.as_path())
    );

    open_settings(&mut window);
    let overrides = en(
        "gui.settings.ca_cli_override",
        &[("file", &command_line_text)],
    );
    assert!(
        has_label(&window, &overrides),
        "the dialog says: {overrides}"
    );
    assert_eq!(
        ca_field(&window).as_deref(),
        Some(command_line_text.as_str())
    );
    assert!(has_label(&window, &en("error.ca_certificate", &[])));
    assert_eq!(
        window.state().state().settings.ca_file.as_deref(),
        Some(saved_ca.as_path()),
        "the saved setting is untouched"
    );

    // Using a file here replaces the command line's, for this run and the next.
    use_ca_file(&mut window, &saved_ca);
    wait_until(&mut window, "the session with the saved CA file", |w| {
        let account = w.state().account();
        account.ca_file.as_deref() == Some(saved_ca.as_path())
            && account.session_error.is_none()
            && account.signed_in.is_some()
    });
    window.run();
    assert_eq!(
        window.state().ca_file().as_deref(),
        Some(saved_ca.as_path())
    );
    assert!(!has_label(&window, &overrides), "no longer overridden");
    assert!(has_label(
        &window,
        &en(
            "gui.settings.ca_in_use",
            &[("file", &saved_ca.display().to_string())]
        )
    ));
    assert_eq!(
        window.state().state().settings.ca_file.as_deref(),
        Some(saved_ca.as_path())
    );
}

#[test]
fn in_sandbox_mode_a_ca_file_is_for_this_run_only() {
    let runtime = runtime();
    let (_sandbox, server) = start_sandbox(&runtime);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let saved_ca = dir.path().join("the-real-servers-ca.pem");
    let mut open = Open::sandbox(&server, Arc::new(MemoryStore::new()));
    open.saved.settings.ca_file = Some(saved_ca.clone());
    let mut window = open.window(&runtime);
    wait_for_restore(&mut window);
    assert_eq!(
        window.state().ca_file(),
        None,
        "the saved file belongs to the real server, not the sandbox"
    );
    assert_eq!(window.state().account().session_error, None);

    open_settings(&mut window);
    assert!(has_label(&window, &en("gui.settings.ca_sandbox_note", &[])));
    let ca = unrelated_ca_file(dir.path());
    use_ca_file(&mut window, &ca);
    wait_until(&mut window, "the sandbox's session with the CA file", |w| {
        let account = w.state().account();
        account.ca_file.as_deref() == Some(ca.as_path()) && !account.restoring
    });
    window.run();
    assert!(has_label(
        &window,
        &en(
            "gui.settings.ca_in_use",
            &[("file", &ca.display().to_string())]
        )
    ));
    assert_eq!(
        window.state().state().settings.ca_file.as_deref(),
        Some(saved_ca.as_path()),
        "not saved over the real server's"
    );
}

#[test]
fn a_check_against_a_tls_sandbox_needs_its_ca_file() {
    let runtime = runtime();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig {
            port: 0,
            tls: Some(SandboxTls::SelfSigned),
            ..SandboxConfig::default()
        }))
        .expect("the TLS sandbox starts");
    let server = Server::parse(&sandbox.url()).expect("sandbox URL");
    assert!(server.base().starts_with("https://"), "{}", server.base());
    let ca = sandbox
        .ca_pem_path()
        .expect("the self-signed sandbox's certificate")
        .to_owned();

    // Signed in beforehand through the library, trusting the sandbox's certificate.
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let (for_session, for_client, ca_for_client) = (Arc::clone(&store), server.clone(), ca.clone());
    runtime.block_on(async move {
        let options = ClientOptions {
            ca_file: Some(ca_for_client),
            ..ClientOptions::default()
        };
        let client = Client::with_options(for_client, options).expect("client");
        Session::new(client, for_session)
            .sign_in(Credentials::Account {
                account: DEMO_ACCOUNT.to_owned(),
                password: SecretString::from(DEMO_PASSWORD.to_owned()),
            })
            .await
            .expect("sign-in over TLS with the CA file");
    });

    // Without the CA file the window cannot reach the sandbox.
    let mut window = window_on(&runtime, &server, store, None, None);
    wait_for_restore(&mut window);
    let refused = check_outcome(&mut window, "914047175", "").expect_err("an unknown certificate");
    assert_eq!(refused.kind, ErrorKind::UntrustedCertificate, "{refused:?}");
    assert!(
        refused
            .detail
            .as_deref()
            .is_some_and(|d| d.to_lowercase().contains("certificate")),
        "the detail says why: {refused:?}"
    );
    assert!(has_label(
        &window,
        &format!("⚠ {}", en("error.untrusted_certificate", &[]))
    ));

    // With it, the same check succeeds.
    open_settings(&mut window);
    use_ca_file(&mut window, &ca);
    wait_until(&mut window, "the session with the sandbox's CA file", |w| {
        let account = w.state().account();
        account.ca_file.as_deref() == Some(ca.as_path())
            && !account.restoring
            && account.signed_in.is_some()
    });
    window.run();
    close_settings(&mut window);
    assert_eq!(check(&mut window, "914047175", "").len(), 15);
}
