//! Warming the connection before a check ("one round trip", issue 8): a loopback relay in
//! front of the TLS sandbox counts the TCP connections clients open. After a warm-up the check
//! rides the warmed connection, through the library, the window's worker and the window itself;
//! without one it opens its own; the warm-up never carries a credential.
#![cfg(all(feature = "gui", feature = "sandbox"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

#[path = "common/window.rs"]
mod window;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use eframe::egui;
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use secrecy::SecretString;
use tokio::runtime::Runtime;

use meetjoin::MeetingId;
use meetjoin::api::{Client, ClientOptions, RandomRequest};
use meetjoin::gui::state::CheckStatus;
use meetjoin::gui::worker::{Worker, WorkerRuntime};
use meetjoin::gui::{AppDeps, MeetjoinApp};
use meetjoin::sandbox::{
    DEMO_ACCOUNT, DEMO_PASSWORD, RecordedRequest, Sandbox, SandboxConfig, SandboxTls,
};
use meetjoin::secrets::{MemoryStore, SignInMethod, StoredSession, TokenStore};
use meetjoin::server::Server;
use meetjoin::session::{Credentials, Session};

use window::{DEADLINE, button, runtime, test_settings, wait_until};

/// The seeded meeting without a password.
const OPEN_MEETING: &str = "914047175";
/// Headers that carry a credential or a secret in some call; a warm-up sends none of them.
const SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "x-access-token",
    "x-password",
    "x-refresh-token",
];

/// The TLS sandbox and the CA file that makes it trusted.
/// Time for hyper to put a finished connection back in the pool (done on its own task just
/// after the reply is read); far less than any click follows typing.
const POOL_SETTLE: Duration = Duration::from_millis(200);

fn start_tls_sandbox(runtime: &Runtime) -> (Sandbox, PathBuf) {
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig {
            port: 0,
            tls: Some(SandboxTls::SelfSigned),
            ..SandboxConfig::default()
        }))
        .expect("TLS sandbox starts");
    let ca = sandbox.ca_pem_path().expect("self-signed CA").to_owned();
    (sandbox, ca)
}

/// A loopback TCP relay to the sandbox: forwards bytes both ways, counts the connections.
struct Relay {
    /// `https://127.0.0.1:<relay port>` (the sandbox's certificate names 127.0.0.1).
    server: Server,
    accepted: Arc<AtomicUsize>,
}

impl Relay {
    fn start(runtime: &Runtime, upstream: SocketAddr) -> Relay {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        runtime.spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        });
        Relay {
            server: Server::parse(&format!("https://{addr}")).expect("relay URL"),
            accepted,
        }
    }

    /// TCP connections opened through the relay so far.
    fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// A client for `server` trusting the sandbox's CA.
fn client(server: &Server, ca: &Path) -> Client {
    Client::with_options(
        server.clone(),
        ClientOptions {
            ca_file: Some(ca.to_owned()),
            ..ClientOptions::default()
        },
    )
    .expect("client")
}

/// Signs the demo account in directly at the sandbox (not through the relay): its session.
fn demo_session(runtime: &Runtime, sandbox: &Sandbox, ca: &Path) -> StoredSession {
    let direct = Server::parse(&sandbox.url()).expect("sandbox URL");
    let reply = runtime
        .block_on(
            client(&direct, ca)
                .sign_in_account(DEMO_ACCOUNT, &SecretString::from(DEMO_PASSWORD.to_owned())),
        )
        .expect("sign-in");
    StoredSession {
        account: DEMO_ACCOUNT.to_owned(),
        method: SignInMethod::Account,
        tokens: reply.value,
        app_key: None,
    }
}

/// A store holding the demo account's session for `server`.
fn signed_in_store(server: &Server, session: &StoredSession) -> Arc<dyn TokenStore> {
    let store = MemoryStore::new();
    store.save(server, session).expect("memory store");
    Arc::new(store)
}

fn open_meeting() -> RandomRequest {
    RandomRequest {
        meeting_id: MeetingId::parse(OPEN_MEETING).expect("meeting ID"),
        password: SecretString::from(String::new()),
        guest_waiting: false,
    }
}

/// Waits until `done` holds; fails after [`DEADLINE`].
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The warm-up requests the sandbox recorded.
fn warm_ups(sandbox: &Sandbox) -> Vec<RecordedRequest> {
    sandbox
        .recorded()
        .into_iter()
        .filter(|r| r.method == "HEAD")
        .collect()
}

#[test]
fn a_warmed_check_through_the_library_opens_one_connection() {
    let runtime = runtime();
    let (sandbox, ca) = start_tls_sandbox(&runtime);
    let stored = demo_session(&runtime, &sandbox, &ca);
    let relay = Relay::start(&runtime, sandbox.addr());
    let session = Session::with_access_token(client(&relay.server, &ca), stored.tokens.access);

    assert!(
        runtime.block_on(session.client().warm_up()),
        "the warm-up is answered"
    );
    assert_eq!(relay.connections(), 1, "the warm-up opened the connection");
    // hyper hands a finished connection back to the pool on its own task, a moment after the
    // reply was read; a person's click comes much later than that.
    std::thread::sleep(POOL_SETTLE);
    let reply = runtime
        .block_on(session.auth_random(&open_meeting()))
        .expect("the check succeeds");
    assert_eq!(reply.value.subject.as_deref(), Some("zhang的会议"));
    assert_eq!(
        relay.connections(),
        1,
        "the check reused the warmed connection (the 404 kept it alive)"
    );

    assert!(
        !runtime.block_on(session.client().warm_up()),
        "a second warm-up within the interval is skipped"
    );
    assert_eq!(warm_ups(&sandbox).len(), 1, "and sends nothing");
    assert_eq!(relay.connections(), 1);
}

#[test]
fn without_a_warm_up_the_check_opens_its_own_connection() {
    let runtime = runtime();
    let (sandbox, ca) = start_tls_sandbox(&runtime);
    let stored = demo_session(&runtime, &sandbox, &ca);
    let relay = Relay::start(&runtime, sandbox.addr());
    let session = Session::with_access_token(client(&relay.server, &ca), stored.tokens.access);

    assert_eq!(relay.connections(), 0, "building a client connects nowhere");
    runtime
        .block_on(session.auth_random(&open_meeting()))
        .expect("the check succeeds");
    assert_eq!(
        relay.connections(),
        1,
        "the check opened its own connection"
    );
    assert!(warm_ups(&sandbox).is_empty());
}

#[test]
fn a_warm_up_sends_no_credential() {
    let runtime = runtime();
    let (sandbox, ca) = start_tls_sandbox(&runtime);
    let direct = Server::parse(&sandbox.url()).expect("sandbox URL");
    // Signed in through the same client: it holds a token and a password, and sends neither.
    let session = Session::new(client(&direct, &ca), Arc::new(MemoryStore::new()));
    runtime
        .block_on(session.sign_in(Credentials::Account {
            account: DEMO_ACCOUNT.to_owned(),
            password: SecretString::from(DEMO_PASSWORD.to_owned()),
        }))
        .expect("sign-in");
    sandbox.clear_recorded();

    assert!(runtime.block_on(session.client().warm_up()));
    let recorded = sandbox.recorded();
    assert_eq!(recorded.len(), 1, "one request: {recorded:?}");
    let warm_up = &recorded[0];
    assert_eq!(
        (warm_up.method.as_str(), warm_up.path.as_str()),
        ("HEAD", "/")
    );
    assert!(warm_up.query.is_empty(), "no query: {:?}", warm_up.query);
    for name in SECRET_HEADERS {
        assert!(
            !warm_up.headers.iter().any(|h| h == name),
            "no {name} header: {:?}",
            warm_up.headers
        );
    }
    assert_eq!(
        (warm_up.status, warm_up.error_code.as_deref()),
        (404, Some("APIG.0101")),
        "the sandbox answers an unknown path with its 404"
    );
}

#[test]
fn a_failed_warm_up_is_silent() {
    let runtime = runtime();
    // A port nobody listens on any more.
    let addr = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .and_then(|listener| listener.local_addr())
        .expect("free port");
    let server = Server::parse(&format!("http://{addr}")).expect("server URL");
    let client = Client::new(server).expect("client");
    assert!(
        !runtime.block_on(client.warm_up()),
        "refused: no warm connection, and no error to anyone"
    );
}

#[test]
fn the_worker_warms_then_checks_on_one_connection() {
    let runtime = runtime();
    let (sandbox, ca) = start_tls_sandbox(&runtime);
    let stored = demo_session(&runtime, &sandbox, &ca);
    let relay = Relay::start(&runtime, sandbox.addr());
    let worker = Worker::with_ca_file(
        &egui::Context::default(),
        WorkerRuntime::Shared(runtime.handle().clone()),
        relay.server.clone(),
        signed_in_store(&relay.server, &stored),
        Some(ca.clone()),
    );
    wait_for("the saved sign-in", || worker.status().signed_in.is_some());
    assert_eq!(relay.connections(), 0);

    worker.warm_up();
    assert!(
        worker.is_warming(),
        "pending from the moment it is asked for"
    );
    wait_for("the warm-up", || !worker.is_warming());
    assert_eq!(relay.connections(), 1, "the warm-up opened the connection");
    std::thread::sleep(POOL_SETTLE);

    worker.check(open_meeting());
    let deadline = Instant::now() + DEADLINE;
    let checked = loop {
        if let Some(checked) = worker.check.take_result() {
            break checked;
        }
        assert!(Instant::now() < deadline, "timed out waiting for the check");
        std::thread::sleep(Duration::from_millis(5));
    };
    checked.result.expect("the check succeeds");
    assert_eq!(relay.connections(), 1, "the check reused it");
    assert_eq!(warm_ups(&sandbox).len(), 1);
}

#[test]
fn typing_a_meeting_id_opens_the_connection_before_check() {
    let runtime = runtime();
    let (sandbox, ca) = start_tls_sandbox(&runtime);
    let stored = demo_session(&runtime, &sandbox, &ca);
    let relay = Relay::start(&runtime, sandbox.addr());
    let (server, handle) = (relay.server.clone(), runtime.handle().clone());
    let store = signed_in_store(&relay.server, &stored);
    let mut harness: Harness<'static, MeetjoinApp> = Harness::builder()
        .with_max_steps(8)
        .with_size(egui::vec2(640.0, 1500.0))
        .build_eframe(move |cc| {
            let mut deps = AppDeps::new(server, store, handle);
            deps.ca_file = Some(ca);
            deps.saved = Some(test_settings());
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        });
    wait_until(&mut harness, "the saved sign-in", |h| {
        h.state().account().signed_in.is_some()
    });
    assert_eq!(relay.connections(), 0, "an empty form warms nothing");

    let field = harness.get_by_role_and_label(Role::MultilineTextInput, "Meeting ID or invitation");
    field.focus();
    harness.run();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Meeting ID or invitation")
        .type_text(OPEN_MEETING);
    harness.run();
    wait_until(&mut harness, "the warm-up", |h| {
        !h.state().warm_up_pending() && relay.connections() == 1
    });
    assert_eq!(warm_ups(&sandbox).len(), 1, "one warm-up before Check");

    std::thread::sleep(POOL_SETTLE);
    button(&harness, "Check").click();
    harness.step();
    wait_until(&mut harness, "the check", |h| !h.state().check_pending());
    harness.run();
    assert!(
        matches!(harness.state().state().check, CheckStatus::Done(_)),
        "the check succeeded: {:?}",
        harness.state().state().check
    );
    assert_eq!(relay.connections(), 1, "Check rode the warmed connection");
    assert_eq!(
        warm_ups(&sandbox).len(),
        1,
        "the same ID, checked, warms nothing more"
    );
}
