//! The OS keyring store against a real Secret Service (gnome-keyring, set up by scripts/test.sh),
//! and the command line keeping its sign-in there across processes.
//!
//! Then a broken keyring, each way it breaks: no D-Bus session bus, no Secret Service on the bus,
//! a locked collection, a keyring that stops answering, one that dies during a call, an entry
//! that is not JSON, one for another server, one written by an older meetjoin. Each gives its own
//! message in both languages, a session that still checks meetings in memory, no crash and no
//! file. Bad entries are written with `secret-tool` (libsecret) into scripts/test.sh's keyring;
//! the tests that lock or stop a keyring start one of their own, on a bus of their own, and run
//! their body again in a child process on that bus (an environment variable is the only way to
//! point a process at a bus, and tests may not change their own environment).
//!
//! Kept apart from every mock: a mock store may be process-global.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TestSandbox, meetjoin, stderr, stdout, unique_service};
use meetjoin::Lang;
use meetjoin::MeetingId;
use meetjoin::api::{AppIdCredentials, Client, RandomRequest, Tokens};
use meetjoin::sandbox::{
    DEMO_APP_ID, DEMO_APP_KEY, DEMO_SP_APP_ID, DEMO_SP_APP_KEY, DEMO_SP_CORP_ID, SandboxStats,
};
use meetjoin::secrets::{
    CALL_TIMEOUT, KeyringStore, SignInMethod, StoreError, StoredSession, TokenStore,
};
use meetjoin::server::Server;
use meetjoin::session::{Credentials, Session};
use secrecy::{ExposeSecret, SecretString};

fn session_for(account: &str, access: &str) -> StoredSession {
    StoredSession {
        account: account.to_owned(),
        method: SignInMethod::AppId {
            app_id: "app".to_owned(),
            user_id: Some("u1".to_owned()),
            multi_tenant: false,
            corp_id: None,
        },
        tokens: Tokens {
            access: SecretString::from(access.to_owned()),
            refresh: Some(SecretString::from(format!("{access}-refresh"))),
            expires_at: Some(1_900_000_000),
            refresh_expires_at: Some(1_902_000_000),
            user_name: Some("测试用户".to_owned()),
        },
        app_key: Some(SecretString::from("the-app-key".to_owned())),
    }
}

/// Keyring calls run on a blocking thread inside a runtime, as the session runs them.
fn blocking<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async { tokio::task::spawn_blocking(job).await.expect("join") })
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn store_round_trip_in_the_real_keyring() {
    let service = unique_service("round-trip");
    let store = KeyringStore::with_service(&service);
    let server = Server::parse("https://meet.example.com").expect("server");
    let other = Server::Intl;
    blocking(move || {
        assert!(store.load(&server).expect("empty keyring reads").is_none());
        store
            .save(&server, &session_for("alice", "token-a"))
            .expect("save");
        let loaded = store.load(&server).expect("load").expect("saved session");
        assert_eq!(loaded.account, "alice");
        assert_eq!(loaded.tokens.access.expose_secret(), "token-a");
        assert_eq!(
            loaded
                .tokens
                .refresh
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            Some("token-a-refresh".to_owned())
        );
        assert_eq!(loaded.tokens.expires_at, Some(1_900_000_000));
        assert_eq!(loaded.tokens.user_name.as_deref(), Some("测试用户"));
        assert_eq!(
            loaded
                .app_key
                .as_ref()
                .map(|k| k.expose_secret().to_owned()),
            Some("the-app-key".to_owned())
        );
        assert!(
            store.load(&other).expect("other server").is_none(),
            "one entry per server"
        );

        // Another account on the same server replaces the first, leaving no stale entry.
        store
            .save(&server, &session_for("bob", "token-b"))
            .expect("save bob");
        let loaded = store.load(&server).expect("load").expect("bob");
        assert_eq!(loaded.account, "bob");
        #[cfg(all(unix, not(target_vendor = "apple")))]
        assert_eq!(
            raw::users(&service),
            ["https://meet.example.com"],
            "one entry, bob's"
        );

        store.delete(&server).expect("delete");
        assert!(store.load(&server).expect("load after delete").is_none());
        store.delete(&server).expect("deleting nothing is fine");
    });
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn session_survives_a_restart_through_the_keyring() {
    let sandbox = TestSandbox::default_config();
    let server = Server::parse(&sandbox.url()).expect("server");
    let service = unique_service("restart");
    sandbox.runtime.block_on(async {
        let store: Arc<dyn TokenStore> = Arc::new(KeyringStore::with_service(&service));
        let session = Session::new(Client::new(server.clone()).expect("client"), store.clone());
        let outcome = session
            .sign_in(Credentials::AppId(meetjoin::api::AppIdCredentials {
                app_id: DEMO_APP_ID.to_owned(),
                app_key: SecretString::from(DEMO_APP_KEY.to_owned()),
                user_id: None,
                multi_tenant: false,
                corp_id: None,
            }))
            .await
            .expect("sign in");
        assert!(outcome.store_error.is_none(), "{:?}", outcome.store_error);
        assert!(!outcome.signed_in.memory_only);

        let again = Session::new(Client::new(server.clone()).expect("client"), store.clone());
        let restored = again
            .restore()
            .await
            .expect("keyring reads")
            .expect("still signed in");
        assert_eq!(restored.account, DEMO_APP_ID);
        assert!(!restored.memory_only);
        again.sign_out().await;
        let third = Session::new(Client::new(server).expect("client"), store);
        assert!(
            third.restore().await.expect("reads").is_none(),
            "sign-out removed the entry"
        );
    });
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn cli_login_check_refresh_logout() {
    // The CLI's own sandbox, with tokens that live three seconds.
    // Three seconds: a refreshed token must outlive the one call after its refresh, even on a
    // loaded machine (with one second, a CLI process stalled for a second failed this test).
    let sandbox = common::CliSandbox::start(&["--token-ttl", "3"]);
    let url = sandbox.url.clone();
    let service = unique_service("cli");
    let env = [
        ("MEETJOIN_SERVER", url.as_str()),
        ("MEETJOIN_KEYRING_SERVICE", service.as_str()),
    ];

    let out = meetjoin(&["check", "914047175"], &env, None);
    assert_eq!(
        out.status.code(),
        Some(3),
        "not signed in yet: {}",
        stderr(&out)
    );

    let out = meetjoin(
        &[
            "login",
            "--account",
            "demo@meetjoin.test",
            "--password-stdin",
        ],
        &env,
        Some("Sandbox-2026\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("OS keyring"), "{}", stderr(&out));

    // The token expires after three seconds; the next check refreshes it with the keyring's
    // refresh token (an expired access token is not offered).
    std::thread::sleep(Duration::from_millis(3500));
    let out = meetjoin(&["check", "914047175", "--json"], &env, None);
    assert_eq!(out.status.code(), Some(0), "refreshed: {}", stderr(&out));
    assert!(stdout(&out).contains("zhang的会议"));
    std::thread::sleep(Duration::from_millis(3500));
    let out = meetjoin(&["check", "914047175", "--json"], &env, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "refreshed twice, the new refresh token was kept: {}",
        stderr(&out)
    );

    let out = meetjoin(&["logout"], &env, None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = meetjoin(&["check", "914047175", "--json"], &env, None);
    assert_eq!(out.status.code(), Some(3), "signed out: {}", stderr(&out));

    // App ID sign-in, App Key on stdin.
    let out = meetjoin(
        &["login", "--app-id", DEMO_APP_ID],
        &env,
        Some(&format!("{DEMO_APP_KEY}\n")),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = meetjoin(
        &["check", "900000002", "--guest-waiting", "--json"],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = meetjoin(&["logout"], &env, None);
    assert_eq!(out.status.code(), Some(0));
}

/// What meetjoin leaves in the Secret Service, seen and written as any other client would.
#[cfg(all(unix, not(target_vendor = "apple")))]
mod raw {
    use std::collections::HashMap;

    use secret_service::EncryptionType;
    use secret_service::blocking::SecretService;

    fn connect() -> SecretService<'static> {
        SecretService::connect(EncryptionType::Dh).expect("the test Secret Service")
    }

    /// The `username` attribute of every item under `service`, sorted.
    pub fn users(service: &str) -> Vec<String> {
        let ss = connect();
        let found = ss
            .search_items(HashMap::from([("service", service)]))
            .expect("search");
        let mut users: Vec<String> = found
            .unlocked
            .iter()
            .chain(&found.locked)
            .map(|item| {
                item.get_attributes()
                    .expect("attributes")
                    .remove("username")
                    .unwrap_or_default()
            })
            .collect();
        users.sort();
        users
    }

    /// The secret of `user`'s only item under `service`.
    pub fn secret(service: &str, user: &str) -> Vec<u8> {
        let ss = connect();
        let found = ss
            .search_items(HashMap::from([("service", service), ("username", user)]))
            .expect("search");
        assert_eq!(found.unlocked.len(), 1, "one unlocked item for {user}");
        found.unlocked[0].get_secret().expect("secret")
    }

    /// Writes an item with `attributes` and `secret` into the default collection.
    fn write(label: &str, attributes: HashMap<&str, &str>, secret: &[u8]) {
        let ss = connect();
        let collection = ss.get_default_collection().expect("default collection");
        collection
            .create_item(label, attributes, secret, true, "text/plain")
            .expect("item created");
    }

    /// Writes an item as the current layout does, with any bytes as its secret.
    pub fn write_entry(service: &str, user: &str, secret: &[u8]) {
        let attributes = HashMap::from([("service", service), ("username", user)]);
        write(&format!("{service}: {user}"), attributes, secret);
    }

    /// Writes an item as the keyring crate 3.x wrote meetjoin's previous two-entry layout.
    pub fn write_legacy(service: &str, user: &str, secret: &[u8]) {
        let attributes = HashMap::from([
            ("service", service),
            ("username", user),
            ("target", "default"),
            ("application", "rust-keyring"),
        ]);
        write(
            &format!("{user}@{service}:default (keyring v3.6.3)"),
            attributes,
            secret,
        );
    }
}

/// A session as the previous layout kept it: the index entry names the account, the token entry
/// holds the same JSON record the current layout keeps.
#[cfg(all(unix, not(target_vendor = "apple")))]
fn write_legacy_layout(service: &str, base: &str, account: &str, access: &str) {
    let record = serde_json::json!({
        "account": account,
        "method": {"type": "account"},
        "access_token": access,
        "refresh_token": format!("{access}-refresh"),
        "expires_at": 1_900_000_000,
        "refresh_expires_at": null,
        "user_name": "Old Layout",
        "app_key": null,
    });
    raw::write_legacy(service, &format!("server:{base}"), account.as_bytes());
    raw::write_legacy(
        service,
        &format!("{account}@{base}"),
        record.to_string().as_bytes(),
    );
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn one_entry_per_server_holds_the_whole_session() {
    let service = unique_service("one-entry");
    let store = Arc::new(KeyringStore::with_service(&service));
    let server = Server::parse("https://meet.example.com").expect("server");
    let base = server.base();

    // Saved from a blocking task inside a runtime, as the session does ...
    let (saver, saved_to) = (store.clone(), server.clone());
    blocking(move || {
        saver
            .save(&saved_to, &session_for("alice", "token-a"))
            .expect("save");
        saver
            .save(&Server::Intl, &session_for("carol", "token-c"))
            .expect("save another server");
    });
    let mut expected = vec![base.clone(), Server::Intl.base()];
    expected.sort();
    assert_eq!(raw::users(&service), expected, "one entry per server");

    // ... whose secret is the whole session, account included.
    let record: serde_json::Value =
        serde_json::from_slice(&raw::secret(&service, &base)).expect("JSON secret");
    assert_eq!(record["account"], "alice");
    assert_eq!(record["access_token"], "token-a");
    assert_eq!(record["method"]["type"], "app_id");
    assert_eq!(record["app_key"], "the-app-key");

    // Read back from a plain thread with no runtime at all.
    let loaded = std::thread::spawn(move || store.load(&server))
        .join()
        .expect("thread")
        .expect("load")
        .expect("alice");
    assert_eq!(loaded.account, "alice");
    assert_eq!(loaded.tokens.access.expose_secret(), "token-a");

    let store = KeyringStore::with_service(&service);
    store.delete(&Server::Intl).expect("delete");
    store
        .delete(&Server::parse(&base).expect("server"))
        .expect("delete");
    assert!(raw::users(&service).is_empty(), "nothing left");
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn previous_two_entry_layout_is_migrated_once() {
    let service = unique_service("migrate");
    let server = Server::parse("https://meet.example.com").expect("server");
    let base = server.base();
    write_legacy_layout(&service, &base, "alice", "old-token");

    let store = KeyringStore::with_service(&service);
    let (first, second) = blocking(move || {
        let first = store.load(&server).expect("old layout reads");
        let second = store.load(&server).expect("new layout reads");
        (first, second)
    });
    for loaded in [first, second] {
        let loaded = loaded.expect("still signed in after the upgrade");
        assert_eq!(loaded.account, "alice");
        assert_eq!(loaded.method, SignInMethod::Account);
        assert_eq!(loaded.tokens.access.expose_secret(), "old-token");
        assert_eq!(
            loaded
                .tokens
                .refresh
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            Some("old-token-refresh".to_owned())
        );
        assert_eq!(loaded.tokens.user_name.as_deref(), Some("Old Layout"));
    }
    assert_eq!(
        raw::users(&service),
        [base.as_str()],
        "the two old entries became one"
    );
    let record: serde_json::Value =
        serde_json::from_slice(&raw::secret(&service, &base)).expect("JSON secret");
    assert_eq!(
        record["server"],
        base.as_str(),
        "the new entry names its server"
    );
    assert_eq!(record["access_token"], "old-token");

    KeyringStore::with_service(&service)
        .delete(&Server::parse(&base).expect("server"))
        .expect("delete");
    assert!(raw::users(&service).is_empty());
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn sign_out_removes_entries_of_both_layouts() {
    // Old entries left behind next to a new one must not come back after signing out.
    let service = unique_service("sign-out");
    let server = Server::parse("https://meet.example.com").expect("server");
    let base = server.base();
    write_legacy_layout(&service, &base, "alice", "old-token");
    let store = KeyringStore::with_service(&service);
    let after = blocking(move || {
        store
            .save(&server, &session_for("bob", "token-b"))
            .expect("save");
        assert_eq!(
            store.load(&server).expect("load").expect("bob").account,
            "bob",
            "the new entry wins over old ones"
        );
        store.delete(&server).expect("delete");
        store.load(&server).expect("load after delete")
    });
    assert!(after.is_none(), "signed out");
    assert!(raw::users(&service).is_empty(), "no entry of either layout");
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn unreadable_entry_is_corrupt_and_can_be_replaced() {
    let service = unique_service("corrupt");
    let server = Server::parse("https://meet.example.com").expect("server");
    let base = server.base();
    let other = Server::parse("https://other.example.com").expect("server");

    raw::write_entry(&service, &base, b"{\"account\": \"alice\", \"access");
    // Not UTF-8.
    raw::write_entry(&service, &other.base(), &[0xff, 0xfe, 0x00, 0x7b]);
    let store = KeyringStore::with_service(&service);
    let (cut, binary) = blocking({
        let (store, server, other) = (store.clone(), server.clone(), other.clone());
        move || (store.load(&server), store.load(&other))
    });
    assert_eq!(cut.map(|s| s.is_some()), Err(StoreError::Corrupt));
    assert_eq!(binary.map(|s| s.is_some()), Err(StoreError::Corrupt));

    // A damaged entry of the previous layout is reported the same way.
    let legacy = Server::parse("https://legacy.example.com").expect("server");
    raw::write_legacy(&service, &format!("server:{}", legacy.base()), b"alice");
    raw::write_legacy(&service, &format!("alice@{}", legacy.base()), b"not json");
    let legacy_load = blocking({
        let (store, legacy) = (store.clone(), legacy.clone());
        move || store.load(&legacy)
    });
    assert_eq!(legacy_load.map(|s| s.is_some()), Err(StoreError::Corrupt));

    // Signing in again replaces the damaged entry; signing out removes everything.
    blocking(move || {
        store
            .save(&server, &session_for("alice", "token-a"))
            .expect("save over a damaged entry");
        let loaded = store.load(&server).expect("load").expect("alice");
        assert_eq!(loaded.tokens.access.expose_secret(), "token-a");
        for server in [server, other, legacy] {
            store.delete(&server).expect("delete");
        }
    });
    assert!(raw::users(&service).is_empty(), "nothing left");
}

// ---------------------------------------------------------------------------------------------
// A broken keyring: each failure has its own message, and the session goes on in memory.

const OPEN_MEETING: &str = "914047175";

fn open_meeting() -> RandomRequest {
    RandomRequest {
        meeting_id: MeetingId::parse(OPEN_MEETING).expect("id"),
        password: SecretString::from(String::new()),
        guest_waiting: false,
    }
}

fn app_id() -> Credentials {
    Credentials::AppId(AppIdCredentials {
        app_id: DEMO_APP_ID.to_owned(),
        app_key: SecretString::from(DEMO_APP_KEY.to_owned()),
        user_id: None,
        multi_tenant: false,
        corp_id: None,
    })
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// The text of `key` in `lang` in assets/locales/store.yml, read as YAML: rust-i18n would serve
/// the English text for a missing Chinese one.
fn store_text(key: &str, lang: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/locales/store.yml");
    let texts: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).expect("store.yml")).expect("YAML");
    texts[key][lang]
        .as_str()
        .unwrap_or_else(|| panic!("store.yml has no {lang} text for {key}"))
        .to_owned()
}

/// Asserts that `error` is shown as the text of `key`, in English and in Chinese.
fn assert_message(error: &StoreError, key: &str) {
    assert_eq!(error.message_key(), key, "{error:?}");
    let (en, zh) = (store_text(key, "en"), store_text(key, "zh-CN"));
    assert_ne!(en, zh, "{key}: the Chinese text is the English one");
    assert!(
        zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{key}: {zh:?} is not Chinese"
    );
    assert_eq!(error.message(Lang::En), en, "{key} in English");
    assert_eq!(error.message(Lang::ZhCn), zh, "{key} in Chinese");
}

/// What a user of `sandbox` gets when its keyring fails: restoring says why, in the words of
/// `key`; signing in works in memory only; and that session checks a meeting. Returns the error
/// the save gave.
fn keyring_fails_but_session_works(
    sandbox: &TestSandbox,
    store: Arc<dyn TokenStore>,
    key: &str,
) -> StoreError {
    let server = Server::parse(&sandbox.url()).expect("server");
    sandbox.runtime.block_on(async {
        let session = Session::new(Client::new(server).expect("client"), store);
        let error = session.restore().await.expect_err("the keyring fails");
        assert_message(&error, key);
        assert_eq!(session.store_error(), Some(error));
        assert_eq!(session.status(), None, "nobody is signed in");

        let outcome = session
            .sign_in(app_id())
            .await
            .expect("signing in needs no keyring");
        assert!(outcome.signed_in.memory_only);
        let saved = outcome.store_error.expect("the keyring kept nothing");
        assert_eq!(session.store_error(), Some(saved.clone()));
        let reply = session
            .auth_random(&open_meeting())
            .await
            .expect("a memory-only session checks a meeting");
        assert!(!reply.value.random.expose_secret().is_empty());
        assert!(session.status().expect("still signed in").memory_only);
        saved
    })
}

/// Writes `secret` as `user`'s entry under `service` with libsecret's `secret-tool`, as any
/// other program of the user could.
#[cfg(all(unix, not(target_vendor = "apple")))]
fn secret_tool_store(service: &str, user: &str, secret: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("secret-tool")
        .args(["store", &format!("--label={service}: {user}")])
        .args(["service", service, "username", user])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("secret-tool runs (apt libsecret-tools)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(secret.as_bytes())
        .expect("the secret is written");
    let out = child.wait_with_output().expect("secret-tool ends");
    assert!(
        out.status.success(),
        "secret-tool store: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A keyring and a bus of a test's own, and the test's body run again in a child process there.
#[cfg(all(unix, not(target_vendor = "apple")))]
mod private {
    use std::io::{BufRead, BufReader, Write};
    use std::os::unix::fs::DirBuilderExt;
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use zbus::blocking::Connection;
    use zbus::names::BusName;

    /// Set in the child process: the pid of its keyring daemon, or 0 without one.
    const CHILD: &str = "MEETJOIN_TEST_PRIVATE_KEYRING_PID";
    const SECRETS: &str = "org.freedesktop.secrets";

    /// Where the child process runs.
    pub enum Setup {
        /// No D-Bus session bus: no address, and no bus in the runtime directory.
        NoBus,
        /// An address where no bus listens.
        DeadBus,
        /// A bus of its own on which no Secret Service runs, nor can be started.
        EmptyBus,
        /// A bus of its own with an unlocked gnome-keyring of its own.
        Keyring,
    }

    /// In the test process: runs the test `name` again in a child process in each of `setups`,
    /// checks that it passed there, and returns `None`. In that child: returns the pid of its
    /// keyring daemon (0 without one), for the test's body to run.
    pub fn in_child(name: &str, setups: &[Setup]) -> Option<u32> {
        if let Ok(pid) = std::env::var(CHILD) {
            return Some(pid.parse().expect("a pid"));
        }
        for setup in setups {
            let dir = tempfile::tempdir().expect("temporary directory");
            let runtime = private_dir(dir.path(), "run");
            let runtime = runtime.to_str().expect("UTF-8 path");
            let dead = format!("unix:path={}/no-bus-here", dir.path().display());
            let (_bus, _keyring, address, pid);
            match setup {
                Setup::NoBus => (address, pid) = (None, 0),
                Setup::DeadBus => (address, pid) = (Some(dead), 0),
                Setup::EmptyBus => {
                    let bus = Bus::start();
                    (address, pid) = (Some(bus.address.clone()), 0);
                    _bus = bus;
                }
                Setup::Keyring => {
                    let keyring = Keyring::start();
                    (address, pid) = (Some(keyring.bus.address.clone()), keyring.pid());
                    _keyring = keyring;
                }
            }
            let mut command = Command::new(std::env::current_exe().expect("the test binary"));
            command
                .args([name, "--exact", "--include-ignored", "--nocapture"])
                .env(CHILD, pid.to_string())
                .env("XDG_RUNTIME_DIR", runtime)
                .env_remove("DBUS_SESSION_BUS_ADDRESS");
            if let Some(address) = &address {
                command.env("DBUS_SESSION_BUS_ADDRESS", address);
            }
            let out = command.output().expect("the child test runs");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.status.success() && text.contains("1 passed"),
                "{name} on {address:?} failed in its child process:\n{text}"
            );
        }
        None
    }

    /// A directory only this user may enter, as a runtime directory must be.
    fn private_dir(parent: &Path, name: &str) -> std::path::PathBuf {
        let dir = parent.join(name);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .expect("directory");
        dir
    }

    /// Sends `signal` (`STOP`, `KILL`) to the process `pid`.
    pub fn signal(pid: u32, signal: &str) {
        let status = Command::new("sh")
            .args(["-c", "kill -s \"$0\" \"$1\"", signal, &pid.to_string()])
            .status()
            .expect("sh runs");
        assert!(status.success(), "kill -s {signal} {pid}");
    }

    /// The connections on this process's session bus.
    pub fn clients() -> Vec<String> {
        let bus = Connection::session().expect("the session bus");
        zbus::blocking::fdo::DBusProxy::new(&bus)
            .expect("the bus itself")
            .list_names()
            .expect("the bus lists its names")
            .into_iter()
            .map(|name| name.to_string())
            .filter(|name| name.starts_with(':'))
            .collect()
    }

    /// Waits until a connection that is not in `before` is on this process's session bus.
    pub fn wait_for_a_new_client(before: &[String]) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while clients().iter().all(|name| before.contains(name)) {
            assert!(Instant::now() < deadline, "nobody connected within 10 s");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Locks the default collection of the Secret Service on this process's session bus, as
    /// "Lock" in a keyring manager does.
    pub fn lock_default_collection() {
        lock_on(&Connection::session().expect("the session bus"));
    }

    fn lock_on(bus: &Connection) {
        let default =
            zbus::zvariant::ObjectPath::try_from("/org/freedesktop/secrets/aliases/default")
                .expect("object path");
        bus.call_method(
            Some(SECRETS),
            "/org/freedesktop/secrets",
            Some("org.freedesktop.Secret.Service"),
            "Lock",
            &(vec![default],),
        )
        .expect("the default collection locks");
    }

    /// A D-Bus session bus of its own, with no service activation: a name nobody owns stays
    /// unowned, and no keyring prompt can be started on it.
    pub struct Bus {
        pub address: String,
        daemon: Child,
        _dir: tempfile::TempDir,
    }

    impl Bus {
        pub fn start() -> Bus {
            let dir = tempfile::tempdir().expect("temporary directory");
            let config = dir.path().join("bus.conf");
            std::fs::write(
                &config,
                format!(
                    r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                    dir.path().display()
                ),
            )
            .expect("bus configuration");
            let mut daemon = Command::new("dbus-daemon")
                .arg(format!("--config-file={}", config.display()))
                .args(["--nofork", "--print-address"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("dbus-daemon runs");
            let mut address = String::new();
            BufReader::new(daemon.stdout.take().expect("stdout"))
                .read_line(&mut address)
                .expect("the bus address");
            Bus {
                address: address.trim().to_owned(),
                daemon,
                _dir: dir,
            }
        }

        pub fn connect(&self) -> Connection {
            zbus::blocking::connection::Builder::address(self.address.as_str())
                .and_then(|builder| builder.build())
                .expect("the private bus")
        }

        /// Locks the default collection of the keyring on this bus.
        pub fn lock_default_collection(&self) {
            lock_on(&self.connect());
        }
    }

    impl Drop for Bus {
        fn drop(&mut self) {
            let _ = self.daemon.kill();
            let _ = self.daemon.wait();
        }
    }

    /// An unlocked gnome-keyring of its own (own data, runtime and home directories, no
    /// display), on a [`Bus`] of its own.
    pub struct Keyring {
        daemon: Child,
        pub bus: Bus,
        _home: tempfile::TempDir,
    }

    impl Keyring {
        pub fn start() -> Keyring {
            let bus = Bus::start();
            let home = tempfile::tempdir().expect("temporary directory");
            let mut daemon = Command::new("gnome-keyring-daemon")
                .args(["--foreground", "--unlock", "--components=secrets"])
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("HOME", home.path())
                .env("XDG_DATA_HOME", private_dir(home.path(), "data"))
                .env("XDG_RUNTIME_DIR", private_dir(home.path(), "run"))
                .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("gnome-keyring-daemon runs");
            // `--unlock` reads the new login keyring's password up to the end of its input.
            daemon
                .stdin
                .take()
                .expect("stdin")
                .write_all(b"meetjoin-test")
                .expect("password");
            let keyring = Keyring {
                daemon,
                bus,
                _home: home,
            };
            keyring.wait_until_it_serves();
            keyring
        }

        pub fn pid(&self) -> u32 {
            self.daemon.id()
        }

        /// Waits until this daemon owns org.freedesktop.secrets (it answers `--unlock` first).
        fn wait_until_it_serves(&self) {
            let bus = self.bus.connect();
            let dbus = zbus::blocking::fdo::DBusProxy::new(&bus).expect("the bus itself");
            let name = BusName::try_from(SECRETS).expect("a bus name");
            let deadline = Instant::now() + Duration::from_secs(10);
            while !dbus.name_has_owner(name.clone()).unwrap_or(false) {
                assert!(
                    Instant::now() < deadline,
                    "gnome-keyring-daemon did not take {SECRETS} within 10 s"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            let owner = dbus
                .get_connection_unix_process_id(name)
                .expect("the owner's pid");
            assert_eq!(owner, self.pid(), "{SECRETS} is served by our daemon");
        }
    }

    impl Drop for Keyring {
        fn drop(&mut self) {
            let _ = self.daemon.kill();
            let _ = self.daemon.wait();
        }
    }
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn no_session_bus_says_so_and_the_session_works_in_memory() {
    use private::Setup;
    let test = "no_session_bus_says_so_and_the_session_works_in_memory";
    if private::in_child(test, &[Setup::NoBus, Setup::DeadBus]).is_none() {
        return;
    }
    let store = Arc::new(KeyringStore::with_service(&unique_service("no-bus")));
    let started = Instant::now();
    let error = store.load(&Server::Intl).expect_err("no bus, no keyring");
    assert!(matches!(error, StoreError::NoSessionBus(_)), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "said so at once"
    );
    let saved = keyring_fails_but_session_works(
        &TestSandbox::default_config(),
        store,
        "store.no_session_bus",
    );
    assert_message(&saved, "store.no_session_bus");
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn no_secret_service_on_the_bus_says_so_and_the_session_works_in_memory() {
    let test = "no_secret_service_on_the_bus_says_so_and_the_session_works_in_memory";
    if private::in_child(test, &[private::Setup::EmptyBus]).is_none() {
        return;
    }
    let store = Arc::new(KeyringStore::with_service(&unique_service("no-service")));
    let started = Instant::now();
    let error = store.load(&Server::Intl).expect_err("no Secret Service");
    assert!(matches!(error, StoreError::NoSecretService(_)), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "said so at once"
    );
    let saved = keyring_fails_but_session_works(
        &TestSandbox::default_config(),
        store,
        "store.no_secret_service",
    );
    assert_message(&saved, "store.no_secret_service");
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn locked_collection_says_so_and_the_session_works_in_memory() {
    let test = "locked_collection_says_so_and_the_session_works_in_memory";
    if private::in_child(test, &[private::Setup::Keyring]).is_none() {
        return;
    }
    let sandbox = TestSandbox::default_config();
    let server = Server::parse(&sandbox.url()).expect("server");
    let store = Arc::new(KeyringStore::with_service(&unique_service("locked")));
    store
        .save(&server, &session_for("alice", "token-a"))
        .expect("saved while unlocked");
    private::lock_default_collection();

    // The unlock prompt cannot be shown on this bus: the keyring stays locked.
    let read = store.load(&server).expect_err("a locked entry");
    assert!(matches!(read, StoreError::Locked(_)), "{read:?}");
    let written = store
        .save(&Server::Intl, &session_for("bob", "token-b"))
        .expect_err("a locked collection");
    assert!(matches!(written, StoreError::Locked(_)), "{written:?}");
    let saved = keyring_fails_but_session_works(&sandbox, store, "store.locked");
    assert_message(&saved, "store.locked");
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn keyring_that_hangs_or_dies_mid_call_leaves_a_working_session() {
    let test = "keyring_that_hangs_or_dies_mid_call_leaves_a_working_session";
    let Some(daemon) = private::in_child(test, &[private::Setup::Keyring]) else {
        return;
    };
    let sandbox = TestSandbox::default_config();
    let server = Server::parse(&sandbox.url()).expect("server");
    let store: Arc<dyn TokenStore> = Arc::new(KeyringStore::with_service(&unique_service("dies")));
    let session = Session::new(Client::new(server.clone()).expect("client"), store.clone());
    sandbox.runtime.block_on(async {
        let outcome = session.sign_in(app_id()).await.expect("sign in");
        assert_eq!(outcome.store_error, None, "the keyring works at first");
        assert!(!outcome.signed_in.memory_only);
    });

    // A keyring that stops answering: every call gives up after CALL_TIMEOUT.
    private::signal(daemon, "STOP");
    let started = Instant::now();
    let error = {
        let (store, server) = (store.clone(), server.clone());
        blocking(move || store.load(&server)).expect_err("no answer")
    };
    let waited = started.elapsed();
    assert!(matches!(error, StoreError::NotResponding(_)), "{error:?}");
    assert!(
        waited >= CALL_TIMEOUT - Duration::from_millis(500)
            && waited < CALL_TIMEOUT + Duration::from_secs(5),
        "gave up after {waited:?}"
    );
    assert_message(&error, "store.not_responding");
    sandbox.runtime.block_on(async {
        session
            .auth_random(&open_meeting())
            .await
            .expect("the session's tokens are in memory");
    });

    // The keyring dies while the sign-in's save waits for its answer: once the save is on the
    // bus, its first call to the (stopped) keyring follows at once.
    let before = private::clients();
    let signing_in = {
        let session = session.clone();
        sandbox
            .runtime
            .spawn(async move { session.sign_in(app_id()).await })
    };
    private::wait_for_a_new_client(&before);
    std::thread::sleep(Duration::from_millis(500));
    private::signal(daemon, "KILL");
    let started = Instant::now();
    let outcome = sandbox
        .runtime
        .block_on(signing_in)
        .expect("no panic")
        .expect("signed in");
    assert!(
        started.elapsed() < CALL_TIMEOUT / 2,
        "the death was noticed, not timed out"
    );
    let died = outcome.store_error.expect("not saved");
    assert!(matches!(died, StoreError::Disconnected(_)), "{died:?}");
    assert_message(&died, "store.disconnected");
    assert!(outcome.signed_in.memory_only);
    sandbox.runtime.block_on(async {
        session
            .auth_random(&open_meeting())
            .await
            .expect("a memory-only session checks a meeting");
        assert_eq!(session.store_error(), Some(died));
    });

    // Afterwards there is no Secret Service at all.
    let saved = keyring_fails_but_session_works(&sandbox, store, "store.no_secret_service");
    assert_message(&saved, "store.no_secret_service");
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn entry_that_is_not_meetjoin_json_is_ignored_and_replaced() {
    let service = unique_service("not-json");
    let store = KeyringStore::with_service(&service);
    let server = Server::parse("https://meet.example.com").expect("server");
    for bad in [
        "not json",
        " ",
        "{\"account\": \"alice\", \"access",
        "[]",
        "null",
        "{\"account\": 1}",
        // A sign-in method from the future.
        "{\"account\": \"a\", \"method\": {\"type\": \"carrier_pigeon\"}, \"access_token\": \"t\"}",
    ] {
        secret_tool_store(&service, &server.base(), bad);
        let loaded = blocking({
            let (store, server) = (store.clone(), server.clone());
            move || store.load(&server)
        });
        assert_eq!(
            loaded.map(|s| s.is_some()),
            Err(StoreError::Corrupt),
            "{bad:?}"
        );
    }

    // Through a session: said once, nothing sent, and the next sign-in replaces the entry.
    let sandbox = TestSandbox::default_config();
    let base = Server::parse(&sandbox.url()).expect("server").base();
    secret_tool_store(&service, &base, "{\"access_token\": ");
    let session = Session::new(
        Client::new(Server::parse(&base).expect("server")).expect("client"),
        Arc::new(store.clone()),
    );
    sandbox.runtime.block_on(async {
        let error = session.restore().await.expect_err("not JSON");
        assert_eq!(error, StoreError::Corrupt);
        assert_message(&error, "store.corrupt");
        assert_eq!(sandbox.sandbox.stats(), SandboxStats::default(), "no call");
        let outcome = session.sign_in(app_id()).await.expect("sign in");
        assert_eq!(outcome.store_error, None, "the entry was replaced");
        assert!(!outcome.signed_in.memory_only);
        session
            .auth_random(&open_meeting())
            .await
            .expect("checks a meeting");
    });
    let record: serde_json::Value =
        serde_json::from_slice(&raw::secret(&service, &base)).expect("JSON now");
    assert_eq!(record["server"], base.as_str());
    for server in [server, Server::parse(&base).expect("server")] {
        store.delete(&server).expect("delete");
    }
    assert!(raw::users(&service).is_empty(), "nothing left");
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn entry_for_another_server_is_never_used() {
    let sandbox = TestSandbox::default_config();
    let server = Server::parse(&sandbox.url()).expect("server");
    let base = server.base();
    // A token the sandbox would accept, kept for another server under this server's name.
    let token = sandbox.demo_token();
    let before = sandbox.sandbox.stats();
    let service = unique_service("other-server");
    let record = serde_json::json!({
        "server": "https://meet.example.com",
        "account": "alice",
        "method": {"type": "account"},
        "access_token": token,
        "refresh_token": null,
        "expires_at": now_unix() + 3600,
        "refresh_expires_at": null,
        "user_name": "Alice",
        "app_key": null,
    });
    secret_tool_store(&service, &base, &record.to_string());

    let store = Arc::new(KeyringStore::with_service(&service));
    let session = Session::new(Client::new(server.clone()).expect("client"), store.clone());
    sandbox.runtime.block_on(async {
        let error = session.restore().await.expect_err("for another server");
        assert_eq!(
            error,
            StoreError::ForAnotherServer("https://meet.example.com".to_owned())
        );
        assert_message(&error, "store.for_another_server");
        assert_eq!(session.status(), None);
        session
            .auth_random(&open_meeting())
            .await
            .expect_err("not signed in here");
        assert_eq!(sandbox.sandbox.stats(), before, "the token was never sent");

        let outcome = session.sign_in(app_id()).await.expect("sign in");
        assert_eq!(outcome.store_error, None, "the entry was replaced");
        session
            .auth_random(&open_meeting())
            .await
            .expect("checks a meeting");
    });
    let record: serde_json::Value =
        serde_json::from_slice(&raw::secret(&service, &base)).expect("JSON");
    assert_eq!(record["server"], base.as_str(), "now this server's");
    store.delete(&server).expect("delete");
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn entries_written_by_older_meetjoin_versions_still_work() {
    let sandbox = TestSandbox::default_config();
    let server = Server::parse(&sandbox.url()).expect("server");
    let base = server.base();
    let service = unique_service("older");
    let store: Arc<dyn TokenStore> = Arc::new(KeyringStore::with_service(&service));
    let restored = |expect_account: &str| {
        let session = Session::new(Client::new(server.clone()).expect("client"), store.clone());
        sandbox.runtime.block_on(async {
            let signed_in = session
                .restore()
                .await
                .expect("reads")
                .expect("still signed in");
            assert_eq!(signed_in.account, expect_account);
            assert!(!signed_in.memory_only);
            session
                .auth_random(&open_meeting())
                .await
                .expect("checks a meeting");
            assert_eq!(session.store_error(), None);
        });
    };

    // An account sign-in with only the first fields: no server, no refresh expiry, no name,
    // no App Key; and a field of some newer version.
    let token = sandbox.demo_token();
    let record = serde_json::json!({
        "account": "demo",
        "method": {"type": "account"},
        "access_token": token,
        "refresh_token": null,
        "expires_at": now_unix() + 3600,
        "from_a_newer_version": true,
    });
    secret_tool_store(&service, &base, &record.to_string());
    restored("demo");

    // An SP App ID sign-in from before `multi_tenant` (a corp ID implied it), whose token has
    // expired: it signs in again with the kept App Key, and the entry is rewritten.
    let record = serde_json::json!({
        "account": DEMO_SP_APP_ID,
        "method": {"type": "app_id", "app_id": DEMO_SP_APP_ID, "user_id": null,
                   "corp_id": DEMO_SP_CORP_ID},
        "access_token": "expired-long-ago",
        "refresh_token": null,
        "expires_at": 1_600_000_000,
        "refresh_expires_at": null,
        "user_name": null,
        "app_key": DEMO_SP_APP_KEY,
    });
    secret_tool_store(&service, &base, &record.to_string());
    let before = sandbox.sandbox.stats();
    restored(DEMO_SP_APP_ID);
    assert_eq!(
        sandbox.sandbox.stats().app_sign_ins,
        before.app_sign_ins + 1,
        "signed in again with the kept App Key"
    );
    let record: serde_json::Value =
        serde_json::from_slice(&raw::secret(&service, &base)).expect("JSON");
    assert_eq!(record["server"], base.as_str());
    assert_eq!(record["method"]["corp_id"], DEMO_SP_CORP_ID);
    assert_ne!(record["access_token"], "expired-long-ago");
    store.delete(&server).expect("delete");
    assert!(raw::users(&service).is_empty());
}

/// Every file under `dir` that holds `needle`.
fn files_holding(dir: &std::path::Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(needle))
            {
                found.push(path);
            }
        }
    }
    found
}

/// Asserts that a command line run ended by itself, with no panic.
fn no_crash(out: &std::process::Output) {
    assert!(
        out.status.code().is_some_and(|code| code != 101),
        "{:?}: {}",
        out.status,
        stderr(out)
    );
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
}

#[cfg(all(unix, not(target_vendor = "apple")))]
#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn cli_with_a_broken_keyring_says_why_in_both_languages_and_writes_no_file() {
    let sandbox = common::CliSandbox::start(&[]);
    let bus = private::Bus::start();
    let keyring = private::Keyring::start();
    let home = tempfile::tempdir().expect("home");
    let path = |name: &str| home.path().join(name).display().to_string();
    let service = unique_service("cli-broken");
    let (config, data, state, cache) = (path("config"), path("data"), path("state"), path("cache"));
    let env = |address: &str, lang: &str| {
        vec![
            ("MEETJOIN_SERVER".to_owned(), sandbox.url.clone()),
            ("MEETJOIN_KEYRING_SERVICE".to_owned(), service.clone()),
            ("DBUS_SESSION_BUS_ADDRESS".to_owned(), address.to_owned()),
            ("HOME".to_owned(), home.path().display().to_string()),
            ("XDG_CONFIG_HOME".to_owned(), config.clone()),
            ("XDG_DATA_HOME".to_owned(), data.clone()),
            ("XDG_STATE_HOME".to_owned(), state.clone()),
            ("XDG_CACHE_HOME".to_owned(), cache.clone()),
            ("LANG".to_owned(), lang.to_owned()),
        ]
    };
    let run = |args: &[&str], address: &str, lang: &str, stdin: Option<&str>| {
        let env = env(address, lang);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let out = meetjoin(args, &env, stdin);
        no_crash(&out);
        out
    };
    let login = ["login", "--app-id", DEMO_APP_ID];
    let key = format!("{DEMO_APP_KEY}\n");
    let check = ["check", OPEN_MEETING];

    // No Secret Service: signed in for this run only, and `check` says why it is not signed in.
    for (lang, code) in [("en_US.UTF-8", "en"), ("zh_CN.UTF-8", "zh-CN")] {
        let text = store_text("store.no_secret_service", code);
        let out = run(&login, &bus.address, lang, Some(&key));
        assert_eq!(out.status.code(), Some(1), "not kept: {}", stderr(&out));
        assert!(stderr(&out).contains(&text), "{lang}: {}", stderr(&out));
        let out = run(&check, &bus.address, lang, None);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(stderr(&out).contains(&text), "{lang}: {}", stderr(&out));
    }

    // A locked keyring: the sign-in saved before it was locked cannot be read, nor a new one kept.
    let out = run(&login, &keyring.bus.address, "en_US.UTF-8", Some(&key));
    assert_eq!(out.status.code(), Some(0), "kept: {}", stderr(&out));
    keyring.bus.lock_default_collection();
    for (lang, code) in [("en_US.UTF-8", "en"), ("zh_CN.UTF-8", "zh-CN")] {
        let text = store_text("store.locked", code);
        let out = run(&check, &keyring.bus.address, lang, None);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(stderr(&out).contains(&text), "{lang}: {}", stderr(&out));
        let out = run(&login, &keyring.bus.address, lang, Some(&key));
        assert_eq!(out.status.code(), Some(1), "not kept: {}", stderr(&out));
        assert!(stderr(&out).contains(&text), "{lang}: {}", stderr(&out));
    }

    // An entry that is not JSON, in the shared keyring: said, and replaced by the next sign-in.
    let shared = std::env::var("DBUS_SESSION_BUS_ADDRESS").expect("scripts/test.sh's bus");
    let base = Server::parse(&sandbox.url).expect("server").base();
    secret_tool_store(&service, &base, "{ not json");
    for (lang, code) in [("en_US.UTF-8", "en"), ("zh_CN.UTF-8", "zh-CN")] {
        let out = run(&check, &shared, lang, None);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&store_text("store.corrupt", code)),
            "{lang}: {}",
            stderr(&out)
        );
    }
    let out = run(&login, &shared, "en_US.UTF-8", Some(&key));
    assert_eq!(out.status.code(), Some(0), "replaced: {}", stderr(&out));
    let out = run(&check, &shared, "en_US.UTF-8", None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["logout"], &shared, "en_US.UTF-8", None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Never a file instead.
    assert_eq!(
        files_holding(home.path(), DEMO_APP_KEY),
        Vec::<std::path::PathBuf>::new(),
        "no file holds the App Key"
    );
}
