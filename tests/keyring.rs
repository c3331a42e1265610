//! The OS keyring store against a real Secret Service (gnome-keyring, set up by scripts/test.sh),
//! and the command line keeping its sign-in there across processes.
//!
//! Kept apart from every mock: the keyring crate's mock store is process-global.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{TestSandbox, meetjoin, stderr, stdout, unique_service};
use meetjoin::api::{Client, Tokens};
use meetjoin::sandbox::{DEMO_APP_ID, DEMO_APP_KEY};
use meetjoin::secrets::{KeyringStore, SignInMethod, StoredSession, TokenStore};
use meetjoin::server::Server;
use meetjoin::session::{Credentials, Session};
use secrecy::{ExposeSecret, SecretString};

fn session_for(account: &str, access: &str) -> StoredSession {
    StoredSession {
        account: account.to_owned(),
        method: SignInMethod::AppId {
            app_id: "app".to_owned(),
            user_id: Some("u1".to_owned()),
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
        let stale = keyring::Entry::new(&service, "alice@https://meet.example.com")
            .expect("entry")
            .get_password();
        assert!(
            matches!(stale, Err(keyring::Error::NoEntry)),
            "alice's entry removed: {stale:?}"
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
