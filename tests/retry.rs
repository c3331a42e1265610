//! Retries with judgement: a scripted loopback server answers each request as its script says
//! and counts the requests, and the tables below are the contract. Only a connection that
//! failed before any reply and HTTP 502, 503 and 504 on the auth random GET are tried again, at
//! most twice; a `Retry-After` of up to 5 s is honoured and a longer one reported; timeouts,
//! 429s, other 4xx, wrong passwords and sign-ins are never retried; a whole check ends within
//! its budget; the command line retries too; and Cancel in the window stops a retry's wait.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

#[cfg(feature = "gui")]
#[path = "common/window.rs"]
mod window;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use meetjoin::api::{
    ApiError, Client, ClientOptions, ErrorKind, RandomRequest, RetryNotice, RetryPolicy,
};
use meetjoin::session::{Credentials, Session};
use meetjoin::{Lang, MeetingId, Server};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MEETING: &str = "914047175";
const RANDOM_PATH: &str = "/v2/mms/ncms/conferences/auth/random";
const SUCCESS: &str =
    r#"{"random":"123456789012345","subject":"Retried meeting","conf_mode":"RTC"}"#;

/// The longest anything here may take: only a hang runs into it.
const HANG: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// The scripted server
// ---------------------------------------------------------------------------------------------

/// What the server does with one request.
#[derive(Clone, Debug)]
enum Step {
    /// Answers with this status line, these extra headers and this body.
    Reply {
        status: &'static str,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Reads the request, then closes the connection without a word.
    Close,
    /// Reads the request and never answers.
    Stall,
}

/// A reply with a JSON body.
fn json(status: &'static str, body: &str) -> Step {
    Step::Reply {
        status,
        headers: vec![("Content-Type", "application/json".to_owned())],
        body: body.to_owned(),
    }
}

/// A service error: `status` with `error_code`.
fn service_error(status: &'static str, code: &str) -> Step {
    json(
        status,
        &format!(r#"{{"error_code":"{code}","error_msg":"scripted","request_id":"req-1"}}"#),
    )
}

/// A gateway's own page: not JSON.
fn gateway_page(status: &'static str) -> Step {
    Step::Reply {
        status,
        headers: vec![("Content-Type", "text/html".to_owned())],
        body: format!("<html><h1>{status}</h1></html>"),
    }
}

/// `step` with a `Retry-After` of `seconds`.
fn with_retry_after(step: Step, seconds: u64) -> Step {
    match step {
        Step::Reply {
            status,
            mut headers,
            body,
        } => {
            headers.push(("Retry-After", seconds.to_string()));
            Step::Reply {
                status,
                headers,
                body,
            }
        }
        other => other,
    }
}

/// What the gateway answers to a path it does not have (the warm-up's `HEAD /`).
const WARM_UP_REPLY: &str = r#"{"error_code":"APIG.0101","error_msg":"The API does not exist"}"#;

fn ok() -> Step {
    json("200 OK", SUCCESS)
}

/// A loopback server answering the n-th request with the n-th step of its script (the last
/// step repeats), one request per connection; it counts the requests it read.
struct ScriptedServer {
    addr: SocketAddr,
    /// Every request line read so far ("GET /v2/...?conf_id=...").
    requests: Arc<Mutex<Vec<String>>>,
}

impl ScriptedServer {
    async fn start(script: Vec<Step>) -> ScriptedServer {
        assert!(!script.is_empty(), "a script has at least one step");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let script = Arc::new(script);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let seen = Arc::clone(&seen);
                let script = Arc::clone(&script);
                tokio::spawn(async move {
                    let Some(line) = read_request(&mut stream).await else {
                        return;
                    };
                    // The window's warm-up (`HEAD /`, when a meeting ID appears) is not part of
                    // the script: answered as the gateway answers an unknown path, not counted.
                    if line.starts_with("HEAD ") {
                        answer(stream, json("404 Not Found", WARM_UP_REPLY)).await;
                        return;
                    }
                    let step = {
                        let mut seen = seen.lock().expect("lock");
                        seen.push(line);
                        script[(seen.len() - 1).min(script.len() - 1)].clone()
                    };
                    answer(stream, step).await;
                });
            }
        });
        ScriptedServer { addr, requests }
    }

    fn server(&self) -> Server {
        Server::parse(&format!("http://{}", self.addr)).expect("loopback server")
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn count(&self) -> usize {
        self.requests.lock().expect("lock").len()
    }

    fn request_lines(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

/// Reads one request's head and body; returns its request line, or `None` if the client left.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buffer[..n]);
    }
    head.lines().next().map(str::to_owned)
}

async fn answer(mut stream: TcpStream, step: Step) {
    match step {
        Step::Reply {
            status,
            headers,
            body,
        } => {
            let mut reply = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                reply.push_str(&format!("{name}: {value}\r\n"));
            }
            reply.push_str("\r\n");
            reply.push_str(&body);
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Step::Close => drop(stream),
        Step::Stall => {
            // Holds the connection until the client hangs up.
            let mut buffer = [0u8; 256];
            while let Ok(n) = stream.read(&mut buffer).await {
                if n == 0 {
                    break;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The shipped policy with short waits, so that the tables run quickly.
fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(50),
        ..RetryPolicy::default()
    }
}

fn options(policy: RetryPolicy) -> ClientOptions {
    ClientOptions {
        retry: policy,
        ..ClientOptions::default()
    }
}

/// A session on `server` with a given token: checks go straight to the network.
fn session_on(server: Server, options: ClientOptions) -> Session {
    let client = Client::with_options(server, options).expect("client");
    Session::with_access_token(client, SecretString::from("test-token".to_owned()))
}

fn request() -> RandomRequest {
    RandomRequest {
        meeting_id: MeetingId::parse(MEETING).expect("meeting id"),
        password: SecretString::from("123456".to_owned()),
        guest_waiting: false,
    }
}

/// What one check did: its result, the retries it announced, and how long it took.
struct Outcome {
    result: Result<(), ApiError>,
    notices: Vec<RetryNotice>,
    elapsed: Duration,
}

impl Outcome {
    fn error(&self) -> &ApiError {
        self.result.as_ref().expect_err("the check fails")
    }
}

/// Checks the meeting once through `session`, recording the retry notices.
async fn check(session: &Session) -> Outcome {
    let notices = Mutex::new(Vec::new());
    let on_retry = |notice: &RetryNotice| notices.lock().expect("lock").push(notice.clone());
    let started = Instant::now();
    let result = tokio::time::timeout(HANG, session.auth_random_reporting(&request(), &on_retry))
        .await
        .expect("no check may hang");
    let elapsed = started.elapsed();
    if let Ok(reply) = &result {
        assert_eq!(reply.value.subject.as_deref(), Some("Retried meeting"));
    }
    Outcome {
        result: result.map(|_| ()),
        notices: notices.into_inner().expect("lock"),
        elapsed,
    }
}

/// Runs `script` against a fresh server with the fast policy: the outcome and the request count
/// (every request the auth random GET).
async fn scripted(script: Vec<Step>) -> (Outcome, usize) {
    let server = ScriptedServer::start(script).await;
    let session = session_on(server.server(), options(fast_policy()));
    let outcome = check(&session).await;
    // Nothing more may arrive after the check ended.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lines = server.request_lines();
    let get = format!("GET {RANDOM_PATH}?conf_id={MEETING} ");
    assert!(lines.iter().all(|l| l.starts_with(&get)), "{lines:?}");
    (outcome, lines.len())
}

// ---------------------------------------------------------------------------------------------
// The policy as shipped
// ---------------------------------------------------------------------------------------------

#[test]
fn the_shipped_policy_is_two_retries_about_a_second_apart_within_twenty_seconds() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.max_retries, 2);
    assert_eq!(policy.base_delay, Duration::from_secs(1));
    assert_eq!(policy.max_retry_after, Duration::from_secs(5));
    assert_eq!(policy.budget, Duration::from_secs(20));
    assert_eq!(
        ClientOptions::default().retry,
        policy,
        "every client gets it unless told otherwise"
    );
}

// ---------------------------------------------------------------------------------------------
// Retried
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn gateway_errors_and_dropped_connections_are_retried_until_an_answer() {
    let table: Vec<(&str, Vec<Step>, usize)> = vec![
        (
            "503, 503, 200",
            vec![
                gateway_page("503 Service Unavailable"),
                gateway_page("503 Service Unavailable"),
                ok(),
            ],
            3,
        ),
        (
            "502 (HTML), 200",
            vec![gateway_page("502 Bad Gateway"), ok()],
            2,
        ),
        (
            "504 (gateway code), 200",
            vec![service_error("504 Gateway Timeout", "APIG.0201"), ok()],
            2,
        ),
        ("closed before any reply, 200", vec![Step::Close, ok()], 2),
        (
            "503 with Retry-After: 0, 200",
            vec![
                with_retry_after(gateway_page("503 Service Unavailable"), 0),
                ok(),
            ],
            2,
        ),
    ];
    for (what, script, requests) in table {
        let (outcome, count) = scripted(script).await;
        assert!(outcome.result.is_ok(), "{what}: {:?}", outcome.result);
        assert_eq!(count, requests, "{what}: requests");
        assert_eq!(
            outcome.notices.len(),
            requests - 1,
            "{what}: retries announced"
        );
        for (i, notice) in outcome.notices.iter().enumerate() {
            assert_eq!(notice.attempt as usize, i + 2, "{what}");
            assert_eq!(notice.max_attempts, 3, "{what}");
        }
    }
}

#[tokio::test]
async fn a_failure_that_persists_is_reported_after_exactly_three_requests() {
    let table: Vec<(&str, Step, ErrorKind, Option<u16>)> = vec![
        (
            "502",
            gateway_page("502 Bad Gateway"),
            ErrorKind::ServerError,
            Some(502),
        ),
        (
            "503",
            gateway_page("503 Service Unavailable"),
            ErrorKind::ServerError,
            Some(503),
        ),
        (
            "504",
            service_error("504 Gateway Timeout", "APIG.0201"),
            ErrorKind::ServerError,
            Some(504),
        ),
        (
            "closed before any reply",
            Step::Close,
            ErrorKind::Network,
            None,
        ),
    ];
    for (what, step, kind, status) in table {
        let (outcome, count) = scripted(vec![step]).await;
        let error = outcome.error();
        assert_eq!(error.kind, kind, "{what}: {error}");
        assert_eq!(error.http_status, status, "{what}");
        assert_eq!(count, 3, "{what}: one request and two retries, no more");
        let attempts: Vec<u32> = outcome.notices.iter().map(|n| n.attempt).collect();
        assert_eq!(attempts, [2, 3], "{what}");
        // About a second apart when shipped: here the base is 50 ms, doubled, jittered ±25 %.
        let waits: Vec<Duration> = outcome.notices.iter().map(|n| n.wait).collect();
        assert!(
            waits[0] >= Duration::from_millis(37) && waits[0] <= Duration::from_millis(63),
            "{what}: first wait {waits:?}"
        );
        assert!(
            waits[1] >= Duration::from_millis(75) && waits[1] <= Duration::from_millis(125),
            "{what}: second wait {waits:?}"
        );
        assert!(
            outcome.elapsed >= waits[0] + waits[1],
            "{what}: the waits happened"
        );
    }
}

#[tokio::test]
async fn a_refused_connection_is_tried_three_times() {
    // A port nobody listens on: bound, then closed.
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("address")
    };
    let server = Server::parse(&format!("http://{addr}")).expect("server");
    let session = session_on(server, options(fast_policy()));
    let outcome = check(&session).await;
    let error = outcome.error();
    assert_eq!(error.kind, ErrorKind::Network, "{error}");
    assert!(
        error.connection_failed,
        "a refusal is a connection failure: {error}"
    );
    assert_eq!(outcome.notices.len(), 2, "three attempts in all");
    assert!(
        outcome
            .notices
            .iter()
            .all(|n| n.error.kind == ErrorKind::Network && n.error.connection_failed)
    );
}

#[tokio::test]
async fn a_retry_after_of_up_to_five_seconds_is_honoured() {
    let (outcome, count) = scripted(vec![
        with_retry_after(gateway_page("503 Service Unavailable"), 2),
        ok(),
    ])
    .await;
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert_eq!(count, 2);
    assert_eq!(outcome.notices.len(), 1);
    assert!(outcome.notices[0].wait >= Duration::from_secs(2));
    assert!(
        outcome.elapsed >= Duration::from_secs(2),
        "waited as asked: {:?}",
        outcome.elapsed
    );
}

// ---------------------------------------------------------------------------------------------
// Never retried
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_longer_retry_after_is_reported_not_waited_for() {
    let (outcome, count) = scripted(vec![
        with_retry_after(gateway_page("503 Service Unavailable"), 30),
        ok(),
    ])
    .await;
    let error = outcome.error();
    assert_eq!(count, 1, "not waited for");
    assert!(outcome.notices.is_empty());
    assert!(
        outcome.elapsed < Duration::from_secs(2),
        "{:?}",
        outcome.elapsed
    );
    assert_eq!(error.kind, ErrorKind::ServerError);
    assert_eq!(error.retry_after, Some(Duration::from_secs(30)));
    assert!(
        error.message(Lang::En).ends_with("Try again in 30 s."),
        "says when: {}",
        error.message(Lang::En)
    );
    assert!(
        error.message(Lang::ZhCn).ends_with("请在 30 秒后重试。"),
        "says when: {}",
        error.message(Lang::ZhCn)
    );
}

#[tokio::test]
async fn refusals_timeouts_and_other_statuses_are_never_retried() {
    let table: Vec<(&str, Step, ErrorKind)> = vec![
        (
            "429 with Retry-After",
            with_retry_after(service_error("429 Too Many Requests", "MMC.100000429"), 3),
            ErrorKind::RateLimited,
        ),
        (
            "429 with a short Retry-After",
            with_retry_after(gateway_page("429 Too Many Requests"), 1),
            ErrorKind::RateLimited,
        ),
        (
            "400",
            service_error("400 Bad Request", "MMC.111070001"),
            ErrorKind::InvalidRequest,
        ),
        (
            "400 wrong password",
            service_error("400 Bad Request", "MMC.111072065"),
            ErrorKind::WrongIdOrPassword,
        ),
        (
            "a wrong password on a 503",
            service_error("503 Service Unavailable", "MMC.111072065"),
            ErrorKind::WrongIdOrPassword,
        ),
        (
            "locked after wrong passwords, on a 503",
            with_retry_after(service_error("503 Service Unavailable", "MMC.111071052"), 1),
            ErrorKind::Locked,
        ),
        (
            "401",
            service_error("401 Unauthorized", "USG.000000004"),
            ErrorKind::NotSignedIn,
        ),
        (
            "403",
            gateway_page("403 Forbidden"),
            ErrorKind::UnreadableReply,
        ),
        (
            "403 JSON",
            json("403 Forbidden", "{}"),
            ErrorKind::NoPermission,
        ),
        (
            "404",
            service_error("404 Not Found", "APIG.0101"),
            ErrorKind::NotAMeetingServer,
        ),
        (
            "500",
            gateway_page("500 Internal Server Error"),
            ErrorKind::ServerError,
        ),
        (
            "501",
            service_error("501 Not Implemented", "APIG.0201"),
            ErrorKind::ServerError,
        ),
    ];
    for (what, step, kind) in table {
        let (outcome, count) = scripted(vec![step, ok()]).await;
        let error = outcome.error();
        assert_eq!(error.kind, kind, "{what}: {error}");
        assert_eq!(count, 1, "{what}: exactly one request");
        assert!(outcome.notices.is_empty(), "{what}: no retry announced");
    }
    // The 429's wait is reported.
    let (outcome, _) = scripted(vec![with_retry_after(
        service_error("429 Too Many Requests", "MMC.100000429"),
        3,
    )])
    .await;
    assert_eq!(outcome.error().retry_after, Some(Duration::from_secs(3)));
    assert!(
        outcome
            .error()
            .message(Lang::En)
            .ends_with("Try again in 3 s."),
        "{}",
        outcome.error().message(Lang::En)
    );
}

#[tokio::test]
async fn a_timeout_is_not_retried() {
    let server = ScriptedServer::start(vec![Step::Stall, ok()]).await;
    let session = session_on(
        server.server(),
        ClientOptions {
            timeout: Duration::from_millis(300),
            ..options(fast_policy())
        },
    );
    let outcome = check(&session).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        outcome.error().kind,
        ErrorKind::Timeout,
        "{}",
        outcome.error()
    );
    assert!(!outcome.error().connection_failed);
    assert_eq!(server.count(), 1, "a timeout is never tried again");
    assert!(outcome.notices.is_empty());
}

#[tokio::test]
async fn a_sign_in_is_never_retried() {
    let server = ScriptedServer::start(vec![gateway_page("503 Service Unavailable"), ok()]).await;
    let client = Client::with_options(server.server(), options(fast_policy())).expect("client");
    let session = Session::new(client, Arc::new(meetjoin::secrets::MemoryStore::new()));
    let error = tokio::time::timeout(
        HANG,
        session.sign_in(Credentials::Account {
            account: "someone@example.com".to_owned(),
            password: SecretString::from("not-the-password".to_owned()),
        }),
    )
    .await
    .expect("no hang")
    .expect_err("a 503 fails the sign-in");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(error.kind, ErrorKind::ServerError);
    assert_eq!(
        server.count(),
        1,
        "a sign-in is sent once: {:?}",
        server.request_lines()
    );
    assert!(server.request_lines()[0].starts_with("POST "));
}

// ---------------------------------------------------------------------------------------------
// The whole check's budget
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_whole_check_ends_within_its_budget_even_when_the_server_stalls() {
    // A 503, then a retry that is never answered: the retry's timeout is what the budget left.
    let budget = Duration::from_millis(1500);
    let server =
        ScriptedServer::start(vec![gateway_page("503 Service Unavailable"), Step::Stall]).await;
    let session = session_on(
        server.server(),
        options(RetryPolicy {
            budget,
            ..fast_policy()
        }),
    );
    let outcome = check(&session).await;
    assert_eq!(
        outcome.error().kind,
        ErrorKind::Timeout,
        "{}",
        outcome.error()
    );
    assert!(
        outcome.elapsed < budget + Duration::from_millis(500),
        "ended within its budget: {:?}",
        outcome.elapsed
    );
    assert!(outcome.elapsed >= budget - Duration::from_millis(100));
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_is_reported_at_once() {
    // 4 s is within the 5 s honoured, but the check has only 3 s in all.
    let server = ScriptedServer::start(vec![
        with_retry_after(gateway_page("503 Service Unavailable"), 4),
        ok(),
    ])
    .await;
    let session = session_on(
        server.server(),
        options(RetryPolicy {
            budget: Duration::from_secs(3),
            ..fast_policy()
        }),
    );
    let outcome = check(&session).await;
    assert_eq!(server.count(), 1);
    assert!(
        outcome.elapsed < Duration::from_secs(1),
        "{:?}",
        outcome.elapsed
    );
    assert_eq!(outcome.error().retry_after, Some(Duration::from_secs(4)));
}

#[tokio::test]
async fn the_shipped_waits_are_about_a_second() {
    let server = ScriptedServer::start(vec![gateway_page("502 Bad Gateway"), ok()]).await;
    let session = session_on(server.server(), ClientOptions::default());
    let outcome = check(&session).await;
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert_eq!(server.count(), 2);
    let wait = outcome.notices[0].wait;
    assert!(
        wait >= Duration::from_millis(750) && wait <= Duration::from_millis(1250),
        "{wait:?}"
    );
    assert!(outcome.elapsed >= wait);
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

#[test]
fn the_command_line_retries_and_logs_each_retry() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime.block_on(ScriptedServer::start(vec![
        gateway_page("503 Service Unavailable"),
        ok(),
    ]));
    let url = server.url();
    let out = common::meetjoin(
        &["check", MEETING, "--json", "--verbose"],
        &[("MEETJOIN_SERVER", &url), ("MEETJOIN_TOKEN", "test-token")],
        None,
    );
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(server.count(), 2);
    let stdout: serde_json::Value =
        serde_json::from_str(common::stdout(&out).trim()).expect("one JSON object");
    assert_eq!(stdout["subject"], "Retried meeting");
    let retry_lines: Vec<&str> = stderr.lines().filter(|l| l.contains("retrying")).collect();
    assert_eq!(retry_lines.len(), 1, "{stderr}");
    assert!(retry_lines[0].contains("attempt=2"), "{stderr}");
    assert!(retry_lines[0].contains("status=503"), "{stderr}");
    assert!(!stderr.contains("test-token"), "no secret in the log");

    // And a 429 exits at once with its wait (exit 5), after one request.
    let limited = runtime.block_on(ScriptedServer::start(vec![with_retry_after(
        service_error("429 Too Many Requests", "MMC.100000429"),
        30,
    )]));
    let limited_url = limited.url();
    let out = common::meetjoin(
        &["check", MEETING],
        &[
            ("MEETJOIN_SERVER", &limited_url),
            ("MEETJOIN_TOKEN", "test-token"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(5), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains("Try again in 30 s."));
    assert_eq!(limited.count(), 1);
}

// ---------------------------------------------------------------------------------------------
// The window: "Retrying…", and Cancel stops the wait
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "gui")]
#[test]
fn the_window_shows_retrying_and_cancel_stops_the_retry() {
    use eframe::egui;
    use egui_kittest::Harness;
    use meetjoin::api::Tokens;
    use meetjoin::gui::state::CheckStatus;
    use meetjoin::gui::{AppDeps, MeetjoinApp};
    use meetjoin::secrets::{MemoryStore, SignInMethod, StoredSession, TokenStore};
    use window::{button, has_label, runtime, test_settings, wait_until};

    let runtime = runtime();
    // A 503 asking for 3 s: the window waits, saying so, until Cancel.
    let server = runtime.block_on(ScriptedServer::start(vec![
        with_retry_after(gateway_page("503 Service Unavailable"), 3),
        ok(),
    ]));
    let store = MemoryStore::new();
    store
        .save(
            &server.server(),
            &StoredSession {
                account: "tester".to_owned(),
                method: SignInMethod::AccessToken,
                tokens: Tokens::from_access_token(SecretString::from("test-token".to_owned())),
                app_key: None,
            },
        )
        .expect("memory store");
    let store: Arc<dyn TokenStore> = Arc::new(store);
    let handle = runtime.handle().clone();
    let on = server.server();
    let mut window = Harness::builder()
        .with_max_steps(8)
        .with_size(egui::vec2(640.0, 1200.0))
        .build_eframe(move |cc| {
            let mut deps = AppDeps::new(on, store, handle);
            deps.saved = Some(test_settings());
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        });
    wait_until(&mut window, "the saved sign-in", |w| {
        w.state().account().signed_in.is_some()
    });

    window.state_mut().state_mut().form.input = MEETING.to_owned();
    window.run();
    button(&window, "Check").click();
    wait_until(&mut window, "Retrying…", |w| has_label(w, "Retrying…"));
    assert_eq!(server.count(), 1);
    assert!(
        !has_label(&window, "Checking…"),
        "Retrying… replaces Checking…"
    );

    button(&window, "Cancel").click();
    window.run();
    assert!(
        matches!(window.state().state().check, CheckStatus::Idle),
        "Cancel stops the check"
    );
    assert!(!window.state().check_pending());
    assert!(!has_label(&window, "Retrying…"));

    // Past the 3 s the server asked for: no request came, and nothing is shown.
    std::thread::sleep(Duration::from_millis(3500));
    window.run();
    assert_eq!(server.count(), 1, "no request after Cancel");
    assert!(matches!(window.state().state().check, CheckStatus::Idle));
    assert!(!has_label(&window, "Retried meeting"));
}
