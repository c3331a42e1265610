//! `meetjoin::session::Session` with a `MemoryStore` (and a broken store) against the sandbox,
//! over real loopback TCP. The sandbox's request counters prove how many calls were made.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]
#![cfg(feature = "sandbox")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use meetjoin::api::{AppIdCredentials, Client, ErrorKind, RandomRequest, Tokens};
use meetjoin::sandbox::{
    DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD, Sandbox, SandboxConfig, SandboxStats,
};
use meetjoin::secrets::{MemoryStore, SignInMethod, StoreError, StoredSession, TokenStore};
use meetjoin::session::{Credentials, Session};
use meetjoin::{MeetingId, Server};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

const OPEN_MEETING: &str = "914047175";
const LOCKING_MEETING: &str = "987654321";

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn open_meeting() -> RandomRequest {
    RandomRequest {
        meeting_id: MeetingId::parse(OPEN_MEETING).expect("id"),
        password: secret(""),
        guest_waiting: false,
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

fn account() -> Credentials {
    Credentials::Account {
        account: DEMO_ACCOUNT.to_owned(),
        password: secret(DEMO_PASSWORD),
    }
}

fn app_credentials(user_id: Option<&str>) -> AppIdCredentials {
    AppIdCredentials {
        app_id: DEMO_APP_ID.to_owned(),
        app_key: secret(DEMO_APP_KEY),
        user_id: user_id.map(str::to_owned),
        multi_tenant: false,
        corp_id: None,
    }
}

struct Fixture {
    sandbox: Sandbox,
    server: Server,
    client: Client,
    store: Arc<MemoryStore>,
}

impl Fixture {
    async fn start(config: SandboxConfig) -> Fixture {
        let sandbox = Sandbox::start(SandboxConfig { port: 0, ..config })
            .await
            .expect("sandbox starts");
        let server = Server::parse(&sandbox.url()).expect("sandbox url");
        let client = Client::new(server.clone()).expect("client");
        Fixture {
            sandbox,
            server,
            client,
            store: Arc::new(MemoryStore::new()),
        }
    }

    async fn default() -> Fixture {
        Fixture::start(SandboxConfig::default()).await
    }

    /// A new session on the shared memory store.
    fn session(&self) -> Session {
        let store: Arc<dyn TokenStore> = self.store.clone();
        Session::new(self.client.clone(), store)
    }

    fn stats(&self) -> SandboxStats {
        self.sandbox.stats()
    }

    /// What the store holds for the sandbox.
    fn stored(&self) -> Option<StoredSession> {
        self.store.load(&self.server).expect("memory store loads")
    }
}

/// A store whose every call fails, like a machine without a Secret Service.
#[derive(Default)]
struct BrokenStore {
    calls: AtomicUsize,
}

impl BrokenStore {
    fn error() -> StoreError {
        StoreError::Unavailable("no Secret Service on the bus".to_owned())
    }
}

impl TokenStore for BrokenStore {
    fn load(&self, _server: &Server) -> Result<Option<StoredSession>, StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(BrokenStore::error())
    }

    fn save(&self, _server: &Server, _session: &StoredSession) -> Result<(), StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(BrokenStore::error())
    }

    fn delete(&self, _server: &Server) -> Result<(), StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(BrokenStore::error())
    }

    fn is_memory_only(&self) -> bool {
        false
    }
}

/// A stored session whose tokens the server never issued.
fn garbage_session(expires_at: i64) -> StoredSession {
    StoredSession {
        account: DEMO_ACCOUNT.to_owned(),
        method: SignInMethod::Account,
        tokens: Tokens {
            access: secret("garbage-access-token"),
            refresh: Some(secret("garbage-refresh-token")),
            expires_at: Some(expires_at),
            refresh_expires_at: Some(now_unix() + 86_400),
            user_name: Some(DEMO_ACCOUNT.to_owned()),
        },
        app_key: None,
    }
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_tokens_nothing_is_sent() {
    let fx = Fixture::default().await;
    let session = fx.session();
    assert_eq!(session.restore().await, Ok(None));
    assert_eq!(session.status(), None);
    let err = session.auth_random(&open_meeting()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(err.http_status, None);
    assert_eq!(fx.stats(), SandboxStats::default(), "no HTTP call at all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_sign_in_is_kept_and_restored() {
    let fx = Fixture::default().await;
    let session = fx.session();
    let before = now_unix();
    let outcome = session.sign_in(account()).await.expect("sign in");
    assert_eq!(outcome.store_error, None);
    let signed_in = outcome.signed_in;
    assert_eq!(signed_in.account, DEMO_ACCOUNT);
    assert_eq!(signed_in.user_name.as_deref(), Some(DEMO_ACCOUNT));
    assert_eq!(signed_in.method, SignInMethod::Account);
    assert!(signed_in.memory_only, "a MemoryStore keeps nothing on disk");
    let expires = signed_in.expires_at.expect("expiry");
    assert!(
        (before + 3590..=now_unix() + 3610).contains(&expires),
        "{expires}"
    );
    assert_eq!(session.status(), Some(signed_in.clone()));
    assert_eq!(session.store_error(), None);

    let stored = fx.stored().expect("the store holds the session");
    assert_eq!(stored.account, DEMO_ACCOUNT);
    assert!(
        stored.app_key.is_none(),
        "an account password is never kept"
    );
    fx.client
        .validate(&stored.tokens.access)
        .await
        .expect("the stored token is live");

    // A second session on the same store restores it and works without signing in.
    let second = fx.session();
    assert_eq!(second.status(), None, "status does not touch the store");
    let restored = second.restore().await.expect("restore").expect("signed in");
    assert_eq!(restored, signed_in);
    second
        .auth_random(&open_meeting())
        .await
        .expect("restored token works");
    let stats = fx.stats();
    assert_eq!(stats.account_sign_ins, 1);
    assert_eq!(stats.random_calls, 1);
    assert_eq!(stats.refreshes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_token_expired_on_the_server_is_refreshed_once() {
    let fx = Fixture::default().await;
    let session = fx.session();
    session.sign_in(account()).await.expect("sign in");
    let old = fx.stored().expect("stored").tokens;
    fx.sandbox.expire_access_tokens();

    let reply = session
        .auth_random(&open_meeting())
        .await
        .expect("succeeds after a refresh");
    assert_eq!(reply.value.random.expose_secret().len(), 15);
    let stats = fx.stats();
    assert_eq!(stats.refreshes, 1);
    assert_eq!(stats.random_calls, 2);
    assert_eq!(stats.account_sign_ins, 1);

    // The new tokens are kept, and they are the ones the server knows.
    let new = fx.stored().expect("still stored").tokens;
    assert_ne!(new.access.expose_secret(), old.access.expose_secret());
    fx.client
        .validate(&new.access)
        .await
        .expect("new token live");
    session.auth_random(&open_meeting()).await.expect("again");
    assert_eq!(fx.stats().refreshes, 1, "no second refresh");
    assert_eq!(fx.stats().random_calls, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_about_to_expire_is_refreshed_before_the_call() {
    let fx = Fixture::start(SandboxConfig {
        token_ttl: Duration::from_secs(60),
        ..SandboxConfig::default()
    })
    .await;
    let session = fx.session();
    session.sign_in(account()).await.expect("sign in");
    let old = fx.stored().expect("stored").tokens;
    session.auth_random(&open_meeting()).await.expect("ok");
    let stats = fx.stats();
    assert_eq!(stats.refreshes, 1, "refreshed before use");
    assert_eq!(stats.random_calls, 1, "no failed call first");
    let new = fx.stored().expect("stored").tokens;
    assert_ne!(new.access.expose_secret(), old.access.expose_secret());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_early_refresh_sends_the_access_token() {
    let fx = Fixture::start(SandboxConfig {
        token_ttl: Duration::from_secs(60),
        ..SandboxConfig::default()
    })
    .await;
    fx.session().sign_in(account()).await.expect("sign in");
    // A refresh token the server never issued: only the access token can renew this session.
    let mut stored = fx.stored().expect("stored");
    stored.tokens.refresh = Some(secret("never-issued-refresh-token"));
    fx.store.save(&fx.server, &stored).expect("save");
    let session = fx.session();
    session.auth_random(&open_meeting()).await.expect("ok");
    let stats = fx.stats();
    assert_eq!(stats.refreshes, 1, "one refresh, with the access token");
    assert_eq!(stats.random_calls, 1);
    let new = fx.stored().expect("stored").tokens;
    assert_ne!(
        new.access.expose_secret(),
        stored.tokens.access.expose_secret()
    );
    // The old access token ended with the refresh.
    let err = fx.client.validate(&stored.tokens.access).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_falls_back_to_the_refresh_token_once() {
    let fx = Fixture::default().await;
    fx.session().sign_in(account()).await.expect("sign in");
    fx.sandbox.expire_access_tokens();
    let mut stored = fx.stored().expect("stored");
    stored.tokens.expires_at = Some(now_unix() - 10);
    fx.store.save(&fx.server, &stored).expect("save");
    let session = fx.session();
    session.auth_random(&open_meeting()).await.expect("ok");
    let stats = fx.stats();
    // An expired access token is not offered for refresh: the refresh token is, once.
    assert_eq!(stats.refreshes, 1);
    assert_eq!(stats.random_calls, 1, "renewed before the call");
    let new = fx.stored().expect("stored").tokens;
    assert!(new.expires_at.is_some_and(|at| at > now_unix()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_refresh_only_once() {
    let fx = Fixture::default().await;
    let session = Arc::new(fx.session());
    session.sign_in(account()).await.expect("sign in");
    fx.sandbox.expire_access_tokens();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let session = Arc::clone(&session);
        tasks.push(tokio::spawn(async move {
            session.auth_random(&open_meeting()).await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("every call succeeds");
    }
    let stats = fx.stats();
    assert_eq!(stats.refreshes, 1, "the calls share one refresh");
    // The calls run side by side: each may be rejected once with the expired token, and then
    // retries once with the refreshed one. Four good answers, one to four rejections.
    assert!(
        (5..=8).contains(&stats.random_calls),
        "{} random calls",
        stats.random_calls
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_tokens_fail_once_without_looping() {
    let fx = Fixture::default().await;
    // Someone signed in on this sandbox, so the server has live tokens, just not ours.
    fx.client
        .sign_in_account(DEMO_ACCOUNT, &secret(DEMO_PASSWORD))
        .await
        .expect("sign in");
    fx.store
        .save(&fx.server, &garbage_session(now_unix() + 3600))
        .expect("save");
    let session = fx.session();
    assert!(session.restore().await.expect("restore").is_some());
    let err = session.auth_random(&open_meeting()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    let stats = fx.stats();
    assert_eq!(stats.refreshes, 1);
    assert_eq!(stats.random_calls, 1);
    assert_eq!(stats.account_sign_ins, 1, "no sign-in without a password");
    // The dead tokens are forgotten: the next call asks the server nothing.
    assert_eq!(session.status(), None);
    assert!(fx.stored().is_none());
    let err = session.auth_random(&open_meeting()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(fx.stats(), stats);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_garbage_tokens_fail_before_any_random_call() {
    let fx = Fixture::default().await;
    fx.store
        .save(&fx.server, &garbage_session(now_unix() - 10))
        .expect("save");
    let session = fx.session();
    let err = session.auth_random(&open_meeting()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    let stats = fx.stats();
    assert_eq!(stats.refreshes, 1);
    assert_eq!(stats.random_calls, 0, "an expired token is not even tried");
    assert!(fx.stored().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_id_session_signs_in_again_once_with_the_kept_key() {
    let fx = Fixture::default().await;
    let session = fx.session();
    let outcome = session
        .sign_in(Credentials::AppId(app_credentials(Some("alice"))))
        .await
        .expect("app sign in");
    assert_eq!(outcome.store_error, None);
    assert_eq!(outcome.signed_in.account, format!("{DEMO_APP_ID}/alice"));
    assert_eq!(
        outcome.signed_in.method,
        SignInMethod::AppId {
            app_id: DEMO_APP_ID.to_owned(),
            user_id: Some("alice".to_owned()),
            multi_tenant: false,
            corp_id: None,
        }
    );
    let stored = fx.stored().expect("stored");
    assert_eq!(
        stored
            .app_key
            .as_ref()
            .map(|k| k.expose_secret().to_owned()),
        Some(DEMO_APP_KEY.to_owned()),
        "the App Key is kept to sign in again"
    );
    assert_eq!(fx.stats().app_sign_ins, 1);

    // End both tokens on the server: the refresh fails, so only the App Key can help.
    fx.client
        .sign_out(&stored.tokens.access)
        .await
        .expect("server-side sign out");
    let before = fx.stats();
    let reply = session
        .auth_random(&open_meeting())
        .await
        .expect("succeeds");
    assert_eq!(reply.value.random.expose_secret().len(), 15);
    let after = fx.stats();
    assert_eq!(after.app_sign_ins - before.app_sign_ins, 1);
    assert_eq!(after.refreshes - before.refreshes, 1);
    assert_eq!(after.random_calls - before.random_calls, 2);

    let renewed = fx.stored().expect("still stored");
    assert_ne!(
        renewed.tokens.access.expose_secret(),
        stored.tokens.access.expose_secret()
    );
    assert_eq!(renewed.method, stored.method);
    assert!(renewed.app_key.is_some());
    let validated = fx
        .client
        .validate(&renewed.tokens.access)
        .await
        .expect("live");
    assert_eq!(validated.value.user_name.as_deref(), Some("alice"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_id_session_with_a_wrong_kept_key_gives_up_after_one_try() {
    let fx = Fixture::default().await;
    let mut stored = garbage_session(now_unix() + 3600);
    stored.method = SignInMethod::AppId {
        app_id: DEMO_APP_ID.to_owned(),
        user_id: None,
        multi_tenant: false,
        corp_id: None,
    };
    stored.app_key = Some(secret("a-key-that-was-revoked"));
    fx.store.save(&fx.server, &stored).expect("save");
    let session = fx.session();
    let err = session.auth_random(&open_meeting()).await.unwrap_err();
    assert!(err.kind.is_sign_in_problem(), "{err:?}");
    let stats = fx.stats();
    assert_eq!(stats.random_calls, 1);
    assert_eq!(stats.refreshes, 1);
    assert_eq!(stats.app_sign_ins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_meeting_password_is_never_retried() {
    let fx = Fixture::default().await;
    let session = fx.session();
    session.sign_in(account()).await.expect("sign in");
    let request = RandomRequest {
        meeting_id: MeetingId::parse(LOCKING_MEETING).expect("id"),
        password: secret("000000"),
        guest_waiting: false,
    };
    let err = session.auth_random(&request).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::WrongIdOrPassword);
    assert_eq!(err.code.as_deref(), Some("MMC.111072065"));
    let stats = fx.stats();
    assert_eq!(stats.random_calls, 1);
    assert_eq!(stats.refreshes, 0);
    assert!(session.status().is_some(), "still signed in");
    assert!(fx.stored().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_is_not_retried_and_keeps_the_session() {
    let fx = Fixture::start(SandboxConfig {
        rate_limit_per_minute: 1,
        ..SandboxConfig::default()
    })
    .await;
    let session = fx.session();
    session.sign_in(account()).await.expect("sign in");
    session
        .auth_random(&open_meeting())
        .await
        .expect("first call");
    let err = session.auth_random(&open_meeting()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert!(err.retry_after.is_some());
    let stats = fx.stats();
    assert_eq!(stats.random_calls, 2);
    assert_eq!(stats.refreshes, 0);
    assert!(fx.stored().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_access_token_works_and_a_bad_one_is_not_refreshed() {
    let fx = Fixture::default().await;
    let tokens = fx
        .client
        .sign_in_account(DEMO_ACCOUNT, &secret(DEMO_PASSWORD))
        .await
        .expect("sign in")
        .value;
    let session = Session::with_access_token(fx.client.clone(), tokens.access.clone());
    let status = session.status().expect("signed in");
    assert_eq!(status.method, SignInMethod::AccessToken);
    assert!(status.memory_only);
    assert_eq!(
        session.restore().await.expect("no store").as_ref(),
        Some(&status)
    );
    session.auth_random(&open_meeting()).await.expect("works");
    assert_eq!(fx.stats().random_calls, 1);

    let bad = Session::with_access_token(fx.client.clone(), secret("not-a-token"));
    let err = bad.auth_random(&open_meeting()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    let stats = fx.stats();
    assert_eq!(stats.refreshes, 0);
    assert_eq!(stats.random_calls, 2);
    assert_eq!(stats.account_sign_ins, 1);
    assert!(fx.stored().is_none(), "a given token is never stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_token_sign_in_validates_it() {
    let fx = Fixture::default().await;
    let tokens = fx
        .client
        .sign_in_account(DEMO_ACCOUNT, &secret(DEMO_PASSWORD))
        .await
        .expect("sign in")
        .value;
    let session = fx.session();
    let outcome = session
        .sign_in(Credentials::AccessToken(tokens.access.clone()))
        .await
        .expect("a live token signs in");
    assert_eq!(outcome.signed_in.method, SignInMethod::AccessToken);
    assert_eq!(outcome.signed_in.account, DEMO_ACCOUNT);
    assert_eq!(fx.stats().validates, 1);
    let stored = fx.stored().expect("stored");
    assert_eq!(
        stored.tokens.access.expose_secret(),
        tokens.access.expose_secret()
    );
    session.auth_random(&open_meeting()).await.expect("works");

    let err = fx
        .session()
        .sign_in(Credentials::AccessToken(secret("not-a-token")))
        .await
        .unwrap_err();
    // A pasted token the service refuses is "rejected", not "not signed in".
    assert_eq!(err.kind, ErrorKind::TokenRejected);
    assert!(err.kind.is_sign_in_problem());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_account_password_keeps_nothing() {
    let fx = Fixture::default().await;
    let session = fx.session();
    let err = session
        .sign_in(Credentials::Account {
            account: DEMO_ACCOUNT.to_owned(),
            password: secret("wrong"),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::AccountOrPasswordWrong);
    assert_eq!(session.status(), None);
    assert!(fx.stored().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_store_leaves_a_working_memory_session() {
    let fx = Fixture::default().await;
    let store = Arc::new(BrokenStore::default());
    let dyn_store: Arc<dyn TokenStore> = store.clone();
    let session = Session::new(fx.client.clone(), dyn_store);

    assert_eq!(session.restore().await, Err(BrokenStore::error()));
    assert_eq!(session.store_error(), Some(BrokenStore::error()));

    let outcome = session
        .sign_in(account())
        .await
        .expect("sign-in still works");
    assert_eq!(outcome.store_error, Some(BrokenStore::error()));
    assert!(outcome.signed_in.memory_only);
    let status = session.status().expect("signed in");
    assert!(status.memory_only);
    assert_eq!(status.account, DEMO_ACCOUNT);
    assert_eq!(
        session.restore().await.expect("in memory").as_ref(),
        Some(&status)
    );

    let reply = session
        .auth_random(&open_meeting())
        .await
        .expect("works in memory");
    assert_eq!(reply.value.random.expose_secret().len(), 15);
    assert_eq!(fx.stats().random_calls, 1);
    assert!(
        store.calls.load(Ordering::SeqCst) >= 2,
        "the store was tried"
    );

    // Refreshing in memory works too, though it cannot be saved.
    fx.sandbox.expire_access_tokens();
    session
        .auth_random(&open_meeting())
        .await
        .expect("refreshed in memory");
    assert_eq!(fx.stats().refreshes, 1);

    let out = session.sign_out().await;
    assert_eq!(out.server_error, None);
    assert_eq!(out.store_error, Some(BrokenStore::error()));
    assert_eq!(session.status(), None);
    assert_eq!(fx.stats().sign_outs, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_token_and_clears_the_store() {
    let fx = Fixture::default().await;
    let session = fx.session();
    session.sign_in(account()).await.expect("sign in");
    let tokens = fx.stored().expect("stored").tokens;

    let outcome = session.sign_out().await;
    assert_eq!(outcome.server_error, None);
    assert_eq!(outcome.store_error, None);
    assert_eq!(fx.stats().sign_outs, 1);
    assert_eq!(session.status(), None);
    assert!(fx.stored().is_none());

    let err = fx
        .client
        .auth_random(&tokens.access, &open_meeting())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    let err = fx
        .client
        .refresh(tokens.refresh.as_ref().expect("refresh"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);

    let random_calls = fx.stats().random_calls;
    let err = session.auth_random(&open_meeting()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(
        fx.stats().random_calls,
        random_calls,
        "no call after sign-out"
    );

    // Signing out twice is harmless.
    let outcome = session.sign_out().await;
    assert_eq!(outcome.server_error, None);
    assert_eq!(fx.stats().sign_outs, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_of_an_already_dead_token_still_forgets_it() {
    let fx = Fixture::default().await;
    let session = fx.session();
    session.sign_in(account()).await.expect("sign in");
    let tokens = fx.stored().expect("stored").tokens;
    fx.client
        .sign_out(&tokens.access)
        .await
        .expect("ended elsewhere");
    let outcome = session.sign_out().await;
    assert_eq!(
        outcome.server_error, None,
        "an already-ended token is not an error"
    );
    assert!(fx.stored().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_debug_output() {
    let fx = Fixture::default().await;
    let session = fx.session();
    let outcome = session
        .sign_in(Credentials::AppId(app_credentials(Some("bob"))))
        .await
        .expect("sign in");
    let stored = fx.stored().expect("stored");
    let access = stored.tokens.access.expose_secret().to_owned();
    let refresh = stored
        .tokens
        .refresh
        .as_ref()
        .expect("refresh")
        .expose_secret()
        .to_owned();
    let secrets = [
        access.as_str(),
        refresh.as_str(),
        DEMO_APP_KEY,
        DEMO_PASSWORD,
    ];

    let texts = [
        format!("{stored:?}"),
        format!("{stored:#?}"),
        format!("{outcome:?}"),
        format!("{outcome:#?}"),
        format!("{:?}", account()),
        format!("{:#?}", account()),
        format!("{:?}", Credentials::AppId(app_credentials(Some("bob")))),
        format!(
            "{:?}",
            Credentials::AccessToken(stored.tokens.access.clone())
        ),
        format!("{:?}", session.status()),
    ];
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "secret leaked in {text}");
        }
    }
    assert!(
        texts[0].contains("bob"),
        "non-secret facts stay visible: {}",
        texts[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn dead_tokens_near_expiry_are_refreshed_at_most_once() {
    let fx = Fixture::default().await;
    // Expires within the 5-minute margin, but not yet: the early renewal offers the access
    // token, then the refresh token, once each; both fail, the call is rejected, and the
    // session must not try either a second time.
    fx.store
        .save(&fx.server, &garbage_session(now_unix() + 60))
        .expect("save");
    let session = fx.session();
    let err = session.auth_random(&open_meeting()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    let stats = fx.stats();
    assert_eq!(stats.random_calls, 1);
    assert_eq!(
        stats.refreshes, 2,
        "the access token once, the refresh token once, never again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn app_id_session_near_expiry_signs_in_again_at_most_once() {
    let fx = Fixture::default().await;
    let mut stored = garbage_session(now_unix() + 60);
    stored.method = SignInMethod::AppId {
        app_id: DEMO_APP_ID.to_owned(),
        user_id: None,
        multi_tenant: false,
        corp_id: None,
    };
    stored.app_key = Some(secret("a-key-that-was-revoked"));
    fx.store.save(&fx.server, &stored).expect("save");
    let session = fx.session();
    let err = session.auth_random(&open_meeting()).await.unwrap_err();
    assert!(err.kind.is_sign_in_problem(), "{err:?}");
    let stats = fx.stats();
    assert_eq!(stats.random_calls, 1);
    assert_eq!(
        stats.app_sign_ins, 1,
        "a rejected App Key is tried once per call"
    );
    assert_eq!(
        stats.refreshes, 2,
        "the access token, then the refresh token"
    );
}

/// A server whose answers the test releases: the random call answers a "fresh" token at once,
/// holds a "hang" token until `random_gate` gives a permit, and rejects anything else; a refresh
/// waits for `refresh_gate`. Counts refreshes and sign-outs.
struct GatedServer {
    server: Server,
    refresh_gate: Arc<Semaphore>,
    random_gate: Arc<Semaphore>,
    refreshes: Arc<AtomicUsize>,
    sign_outs: Arc<AtomicUsize>,
    randoms_waiting: Arc<AtomicUsize>,
}

async fn gated_server() -> GatedServer {
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::get;
    let refresh_gate = Arc::new(Semaphore::new(0));
    let random_gate = Arc::new(Semaphore::new(0));
    let refreshes = Arc::new(AtomicUsize::new(0));
    let sign_outs = Arc::new(AtomicUsize::new(0));
    let randoms_waiting = Arc::new(AtomicUsize::new(0));
    let (gate, waiting) = (random_gate.clone(), randoms_waiting.clone());
    let random = get(move |headers: HeaderMap| {
        let (gate, waiting) = (gate.clone(), waiting.clone());
        async move {
            let token = headers
                .get("X-Access-Token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if token == "hang" {
                waiting.fetch_add(1, Ordering::SeqCst);
                let _permit = gate.acquire().await;
            }
            if token == "fresh" || token == "hang" {
                (
                    StatusCode::OK,
                    r#"{"random":"123456789012345","subject":"s"}"#,
                )
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    r#"{"error_code":"USG.000000004","error_msg":"TOKEN_INVALID"}"#,
                )
            }
        }
    });
    let (gate, count) = (refresh_gate.clone(), refreshes.clone());
    let (signed_out,) = (sign_outs.clone(),);
    let token = axum::routing::put(move || {
        let (gate, count) = (gate.clone(), count.clone());
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            let _permit = gate.acquire().await;
            r#"{"accessToken":"fresh","refreshToken":"second","validPeriod":3600,"refreshValidPeriod":86400}"#
        }
    })
    .delete(move || {
        let signed_out = signed_out.clone();
        async move {
            signed_out.fetch_add(1, Ordering::SeqCst);
            "{}"
        }
    });
    let app = axum::Router::new()
        .route("/v2/mms/ncms/conferences/auth/random", random)
        .route("/v1/usg/acs/token", token);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    GatedServer {
        server: Server::parse(&url).expect("loopback"),
        refresh_gate,
        random_gate,
        refreshes,
        sign_outs,
        randoms_waiting,
    }
}

/// A memory store holding an account session with access token `access` for `server`.
fn store_with_access(server: &Server, access: &str) -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    store
        .save(
            server,
            &StoredSession {
                account: "someone".to_owned(),
                method: SignInMethod::Account,
                tokens: Tokens {
                    access: SecretString::from(access.to_owned()),
                    refresh: Some(SecretString::from("first".to_owned())),
                    expires_at: None,
                    refresh_expires_at: None,
                    user_name: None,
                },
                app_key: None,
            },
        )
        .expect("save");
    store
}

/// Polls `done` every few milliseconds; fails after 10 s (a hang, not a slow machine).
async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_cancelled_during_a_refresh_keeps_the_refreshed_token() {
    let gated = gated_server().await;
    let store = store_with_access(&gated.server, "stale");
    let session = Session::new(
        Client::new(gated.server.clone()).expect("client"),
        store.clone(),
    );

    // The user cancels while the refresh is on its way back.
    let task = tokio::spawn({
        let session = session.clone();
        async move { session.auth_random(&open_meeting()).await }
    });
    eventually("the refresh to start", || {
        gated.refreshes.load(Ordering::SeqCst) == 1
    })
    .await;
    task.abort();
    assert!(task.await.is_err(), "the check was cancelled");
    gated.refresh_gate.add_permits(1);
    eventually("the refreshed token to be stored", || {
        store
            .load(&gated.server)
            .ok()
            .flatten()
            .is_some_and(|kept| kept.tokens.access.expose_secret() == "fresh")
    })
    .await;

    let kept = store.load(&gated.server).expect("load").expect("signed in");
    assert_eq!(
        kept.tokens
            .refresh
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        Some("second".to_owned())
    );
    let reply = session
        .auth_random(&open_meeting())
        .await
        .expect("the next check works");
    assert_eq!(reply.value.random.expose_secret(), "123456789012345");
    assert_eq!(
        gated.refreshes.load(Ordering::SeqCst),
        1,
        "no second refresh was needed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_does_not_wait_behind_a_running_check() {
    let gated = gated_server().await;
    let store = store_with_access(&gated.server, "hang");
    let session = Session::new(
        Client::new(gated.server.clone()).expect("client"),
        store.clone(),
    );
    let check = tokio::spawn({
        let session = session.clone();
        async move { session.auth_random(&open_meeting()).await }
    });
    eventually("the check to reach the server", || {
        gated.randoms_waiting.load(Ordering::SeqCst) == 1
    })
    .await;

    // The check is still waiting for its answer; sign-out goes through regardless.
    let outcome = tokio::time::timeout(Duration::from_secs(5), session.sign_out())
        .await
        .expect("sign-out does not wait for the check");
    assert!(outcome.server_error.is_none() && outcome.store_error.is_none());
    assert!(!check.is_finished(), "the check was still running");
    assert_eq!(session.status(), None);
    assert!(store.load(&gated.server).expect("load").is_none());
    assert_eq!(gated.sign_outs.load(Ordering::SeqCst), 1);

    gated.random_gate.add_permits(1);
    check
        .await
        .expect("check task")
        .expect("the old check still gets its answer");
    assert_eq!(session.status(), None, "the answer does not sign anyone in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_that_ends_after_sign_out_does_not_sign_in_again() {
    let gated = gated_server().await;
    let store = store_with_access(&gated.server, "stale");
    let session = Session::new(
        Client::new(gated.server.clone()).expect("client"),
        store.clone(),
    );
    let mut status = session.subscribe();
    let check = tokio::spawn({
        let session = session.clone();
        async move { session.auth_random(&open_meeting()).await }
    });
    eventually("the refresh to start", || {
        gated.refreshes.load(Ordering::SeqCst) == 1
    })
    .await;
    tokio::time::timeout(Duration::from_secs(5), session.sign_out())
        .await
        .expect("sign-out does not wait for the refresh");
    assert!(
        status.borrow_and_update().signed_in.is_none(),
        "published at once"
    );

    gated.refresh_gate.add_permits(1);
    let result = check.await.expect("check task");
    assert_eq!(
        result.expect_err("signed out meanwhile").kind,
        ErrorKind::NotSignedIn
    );
    assert_eq!(session.status(), None, "the late refresh was dropped");
    assert!(store.load(&gated.server).expect("load").is_none());
    assert!(status.borrow().signed_in.is_none());
}

// ---- one renewal for every call ---------------------------------------------------------

/// A server that refreshes any token into "fresh" and rejects every other call: counts both.
async fn rejecting_server() -> (Server, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    use axum::http::StatusCode;
    let (refreshes, calls) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let counted = refreshes.clone();
    let refresh = axum::routing::put(move || {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            r#"{"accessToken":"fresh","refreshToken":"second","validPeriod":3600}"#
        }
    });
    let counted = calls.clone();
    let app = axum::Router::new()
        .route("/v1/usg/acs/token", refresh)
        .fallback(move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                (
                    StatusCode::UNAUTHORIZED,
                    r#"{"error_code":"USG.000000004","error_msg":"TOKEN_INVALID"}"#,
                )
            }
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (Server::parse(&url).expect("loopback"), refreshes, calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_nonce_renews_and_forgets_as_every_call_does() {
    // Before the renewal was one function, the nonce call kept a session whose freshly renewed
    // token was rejected too, and asked the server again on every later call.
    let (server, refreshes, calls) = rejecting_server().await;
    let store = store_with_access(&server, "stale");
    let session = Session::new(Client::new(server.clone()).expect("client"), store.clone());
    let err = session.portal_nonce().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "one renewal");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "asked once, then once more"
    );
    assert_eq!(session.status(), None, "the dead session is forgotten");
    assert!(store.load(&server).expect("load").is_none());
    let again = session.portal_nonce().await.unwrap_err();
    assert_eq!(again.kind, ErrorKind::NotSignedIn);
    assert_eq!(
        (
            refreshes.load(Ordering::SeqCst),
            calls.load(Ordering::SeqCst)
        ),
        (1, 2),
        "nothing more is asked of the server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_nonce_survives_an_expired_token_with_one_refresh() {
    let fx = Fixture::default().await;
    let session = fx.session();
    session.sign_in(account()).await.expect("sign in");
    fx.sandbox.expire_access_tokens();
    let nonce = session.portal_nonce().await.expect("nonce after a refresh");
    assert!(
        fx.sandbox
            .redeem_portal_nonce(nonce.expose_secret())
            .is_some()
    );
    let stats = fx.stats();
    assert_eq!((stats.refreshes, stats.portal_nonces), (1, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_runs_at_most_twice_whatever_the_server_says() {
    // (the call's answers in turn, calls made, refreshes, still signed in afterwards)
    let rejected = || Err::<(), _>(meetjoin::api::ApiError::new(ErrorKind::NotSignedIn));
    let wrong = || Err::<(), _>(meetjoin::api::ApiError::new(ErrorKind::WrongIdOrPassword));
    type Answer = fn() -> Result<(), meetjoin::api::ApiError>;
    let cases: [(&str, [Answer; 2], usize, u64, bool); 4] = [
        ("accepted", [|| Ok(()), || Ok(())], 1, 0, true),
        ("rejected, then accepted", [rejected, || Ok(())], 2, 1, true),
        ("rejected twice", [rejected, rejected], 2, 1, false),
        (
            "a refusal is not a rejection",
            [wrong, rejected],
            1,
            0,
            true,
        ),
    ];
    for (what, answers, calls, refreshes, signed_in) in cases {
        let fx = Fixture::default().await;
        let session = fx.session();
        session.sign_in(account()).await.expect("sign in");
        let made = AtomicUsize::new(0);
        let _ = session
            .with_fresh_token(|_access| {
                let n = made.fetch_add(1, Ordering::SeqCst);
                async move { answers[n.min(1)]() }
            })
            .await;
        assert_eq!(made.load(Ordering::SeqCst), calls, "{what}");
        assert_eq!(fx.stats().refreshes, refreshes, "{what}");
        assert_eq!(session.status().is_some(), signed_in, "{what}");
    }
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_given_token_rejected_twice_is_kept_as_given() {
    let fx = Fixture::default().await;
    let session = Session::with_access_token(fx.client.clone(), secret("given-but-dead"));
    let err = session
        .meetings(&meetjoin::api::MeetingQuery::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(
        fx.stats().meeting_searches,
        1,
        "nothing to renew a given token with"
    );
    assert!(
        session.status().is_some(),
        "MEETJOIN_TOKEN stays what it was"
    );
}
