//! The OS keyring store against a real Secret Service (gnome-keyring, set up by scripts/test.sh),
//! and the command line keeping its sign-in there across processes.
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
use std::time::Duration;

use common::{TestSandbox, meetjoin, stderr, stdout, unique_service};
use meetjoin::api::{Client, Tokens};
use meetjoin::sandbox::{DEMO_APP_ID, DEMO_APP_KEY};
use meetjoin::secrets::{KeyringStore, SignInMethod, StoreError, StoredSession, TokenStore};
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
    // The CLI's own sandbox, with tokens that live one second.
    let sandbox = common::CliSandbox::start(&["--token-ttl", "1"]);
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

    // The token expires after a second; the next check refreshes it from the keyring's refresh token.
    std::thread::sleep(Duration::from_millis(1500));
    let out = meetjoin(&["check", "914047175", "--json"], &env, None);
    assert_eq!(out.status.code(), Some(0), "refreshed: {}", stderr(&out));
    assert!(stdout(&out).contains("zhang的会议"));
    std::thread::sleep(Duration::from_millis(1500));
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
