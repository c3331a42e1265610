//! `meetjoin::api::Client` over real loopback TCP: against the sandbox, and against tiny
//! hand-written servers that answer with broken, hostile or surprising HTTP.
//!
//! The tables below are the contract: what the service (or a broken server) answers, and how
//! the client classifies it.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use meetjoin::api::{
    ApiError, AppIdCredentials, AuthRandom, Client, ClientOptions, ConfMode, ErrorKind,
    MAX_REPLY_BYTES, RandomRequest, Tokens,
};
use meetjoin::sandbox::{
    DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD, DEMO_SP_APP_ID, DEMO_SP_APP_KEY,
    DEMO_SP_CORP_ID, Sandbox, SandboxConfig, seed_meetings,
};
use meetjoin::server::ServerError;
use meetjoin::{Lang, MeetingId, Server};
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const OPEN_MEETING: &str = "914047175";
const LOCKING_MEETING: &str = "987654321";
const LOCKING_PASSWORD: &str = "123456";
const WAITING_MEETING: &str = "900000002";
const ENDED_MEETING: &str = "900000003";
const RANDOM_PATH: &str = "/v2/mms/ncms/conferences/auth/random";

/// The longest anything here may take: only a hang runs into it.
const HANG: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn request(meeting: &str, password: &str, guest_waiting: bool) -> RandomRequest {
    RandomRequest {
        meeting_id: MeetingId::parse(meeting).expect("valid meeting id"),
        password: secret(password),
        guest_waiting,
    }
}

fn is_uuid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok() && text.len() == 36
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// Fails the test if `future` hangs.
async fn no_hang<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG, future)
        .await
        .expect("no call may hang")
}

async fn sandbox_with(config: SandboxConfig) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(SandboxConfig { port: 0, ..config })
        .await
        .expect("sandbox starts");
    let server = Server::parse(&sandbox.url()).expect("sandbox url parses");
    let client = Client::new(server).expect("client builds");
    (sandbox, client)
}

async fn sandbox() -> (Sandbox, Client) {
    sandbox_with(SandboxConfig::default()).await
}

async fn demo_tokens(client: &Client) -> Tokens {
    client
        .sign_in_account(DEMO_ACCOUNT, &secret(DEMO_PASSWORD))
        .await
        .expect("demo sign-in succeeds")
        .value
}

/// The sandbox's single-tenant application, signing in as `user_id` (or the admin).
fn demo_app(user_id: Option<&str>) -> AppIdCredentials {
    AppIdCredentials {
        app_id: DEMO_APP_ID.to_owned(),
        app_key: secret(DEMO_APP_KEY),
        user_id: user_id.map(str::to_owned),
        multi_tenant: false,
        corp_id: None,
    }
}

/// The sandbox's SP (multi-tenant) application, for `corp_id` as `user_id`.
fn sp_app(user_id: Option<&str>, corp_id: Option<&str>) -> AppIdCredentials {
    AppIdCredentials {
        app_id: DEMO_SP_APP_ID.to_owned(),
        app_key: secret(DEMO_SP_APP_KEY),
        user_id: user_id.map(str::to_owned),
        multi_tenant: true,
        corp_id: corp_id.map(str::to_owned),
    }
}

/// Asks for `meeting`'s random and expects a refusal.
async fn random_error(
    client: &Client,
    token: &SecretString,
    meeting: &str,
    password: &str,
    guest_waiting: bool,
) -> ApiError {
    client
        .auth_random(token, &request(meeting, password, guest_waiting))
        .await
        .expect_err("the call must fail")
}

fn assert_fifteen_digits(random: &SecretString) {
    let random = random.expose_secret();
    assert_eq!(random.len(), 15, "{random}");
    assert!(random.bytes().all(|b| b.is_ascii_digit()), "{random}");
}

/// Which of the three families of [`ErrorKind`] a refusal belongs to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Family {
    /// The meeting refused: wrong ID or password, locked, ended, not started.
    Meeting,
    /// The user must sign in (again).
    SignIn,
    /// The network, the server or its reply failed.
    Transport,
}

fn assert_family(kind: ErrorKind, family: Family) {
    let is = [
        (Family::Meeting, kind.is_meeting_refusal()),
        (Family::SignIn, kind.is_sign_in_problem()),
        (Family::Transport, kind.is_transport_problem()),
    ];
    for (candidate, holds) in is {
        assert_eq!(holds, candidate == family, "{kind}: {candidate:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// A raw HTTP/1.1 server for hostile replies
// ---------------------------------------------------------------------------------------------

/// A loopback server that records every request and answers through a handler.
struct RawServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl RawServer {
    /// Accepts connections forever, in order; reads each request head (and body), records
    /// it, then hands the stream to `handler`.
    async fn start<F, Fut>(handler: F) -> RawServer
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let handler = Arc::new(handler);
        let task = {
            let requests = Arc::clone(&requests);
            let connections = Arc::clone(&connections);
            tokio::spawn(async move {
                loop {
                    let Ok((mut stream, _)) = listener.accept().await else {
                        return;
                    };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let requests = Arc::clone(&requests);
                    let handler = Arc::clone(&handler);
                    tokio::spawn(async move {
                        let text = read_request(&mut stream).await;
                        requests.lock().expect("lock").push(text);
                        handler(stream).await;
                    });
                }
            })
        };
        RawServer {
            addr,
            requests,
            connections,
            task,
        }
    }

    /// A server that answers every request as `reply` says.
    async fn answering(reply: &Reply) -> RawServer {
        match reply {
            Reply::Bytes(bytes) => RawServer::canned(bytes.clone()).await,
            Reply::Streamed { chunked } => RawServer::streaming(*chunked).await,
        }
    }

    /// A server that answers every request with `bytes`, then closes.
    async fn canned(bytes: Vec<u8>) -> RawServer {
        let bytes = Arc::new(bytes);
        RawServer::start(move |mut stream| {
            let bytes = Arc::clone(&bytes);
            async move {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
            }
        })
        .await
    }

    /// A server whose 200 body is 2 MiB of spaces in 64 KiB pieces: chunked, or running until
    /// the server closes (no `Content-Length`). It stops when the client hangs up.
    async fn streaming(chunked: bool) -> RawServer {
        RawServer::start(move |mut stream| async move {
            let encoding = if chunked {
                "Transfer-Encoding: chunked\r\n"
            } else {
                ""
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{encoding}\
                 Connection: close\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let piece = vec![b' '; 64 * 1024];
            for _ in 0..32 {
                let mut bytes = Vec::new();
                if chunked {
                    bytes.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                }
                bytes.extend_from_slice(&piece);
                if chunked {
                    bytes.extend_from_slice(b"\r\n");
                }
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            if chunked {
                let _ = stream.write_all(b"0\r\n\r\n").await;
            }
            let _ = stream.shutdown().await;
        })
        .await
    }

    /// A server that reads the request, writes `head` (maybe nothing) and then neither writes
    /// nor closes again.
    async fn stalling(head: &'static str) -> RawServer {
        RawServer::start(move |mut stream| async move {
            let _ = stream.write_all(head.as_bytes()).await;
            std::future::pending::<()>().await;
        })
        .await
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn client(&self) -> Client {
        Client::new(Server::parse(&self.url()).expect("loopback url")).expect("client")
    }

    fn client_with(&self, options: ClientOptions) -> Client {
        Client::with_options(Server::parse(&self.url()).expect("loopback url"), options)
            .expect("client")
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }

    /// The id in the `X-Request-ID` header of the only request so far.
    fn sent_request_id(&self) -> String {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "one request: {requests:?}");
        header_of(&requests[0], "x-request-id").expect("X-Request-ID sent")
    }

    /// Asserts that no one ever connected. It connects a probe and waits until the probe's
    /// request is recorded: connections are accepted in order, so any earlier one is counted
    /// by then. No sleeping, no guessing how long a stray connection might take.
    async fn assert_never_contacted(&self, what: &str) {
        let mut probe = TcpStream::connect(self.addr).await.expect("probe connects");
        probe
            .write_all(b"GET /probe HTTP/1.1\r\nHost: probe\r\n\r\n")
            .await
            .expect("probe writes");
        let started = Instant::now();
        while !self.requests().iter().any(|r| r.starts_with("GET /probe ")) {
            assert!(started.elapsed() < HANG, "{what}: the probe was never seen");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(self.connections(), 1, "{what}: someone connected");
        assert_eq!(self.requests().len(), 1, "{what}: {:?}", self.requests());
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads a request head and a `Content-Length` body; returns it as text.
async fn read_request(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 4096];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&buf).into_owned(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 * 1024 {
            return String::from_utf8_lossy(&buf).into_owned();
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let body_len = header_of(&head, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + body_len {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// The value of header `name` (case-insensitive) in a raw request.
fn header_of(raw: &str, name: &str) -> Option<String> {
    raw.split("\r\n").skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// A whole HTTP/1.1 reply with `Content-Length` and `Connection: close`.
fn http_reply(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn json_reply(status: &str, body: &str) -> Vec<u8> {
    http_reply(
        status,
        &[("Content-Type", "application/json;charset=UTF-8")],
        body.as_bytes(),
    )
}

const GOOD_BODY: &str = r#"{"random":"397381479198454","subject":"zhang的会议","conf_mode":"RTC","webinar":false,"need_password":false,"support_applets":true}"#;

/// What a hand-written server answers.
enum Reply {
    /// These bytes, then the connection closes.
    Bytes(Vec<u8>),
    /// A 200 with a 2 MiB body: chunked, or until the connection closes.
    Streamed { chunked: bool },
}

impl Reply {
    fn json(status: &str, body: &str) -> Reply {
        Reply::Bytes(json_reply(status, body))
    }

    fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        Reply::Bytes(http_reply(status, headers, body))
    }

    fn raw(bytes: &[u8]) -> Reply {
        Reply::Bytes(bytes.to_vec())
    }

    /// [`GOOD_BODY`] padded with spaces to `len` bytes.
    fn good_body_of(len: usize) -> Reply {
        let mut body = GOOD_BODY.as_bytes().to_vec();
        body.resize(len, b' ');
        Reply::http("200 OK", &[("Content-Type", "application/json")], &body)
    }
}

/// The access token sent to hand-written servers: it must never show up in an error.
const RAW_TOKEN: &str = "tok-s3cret-9f2";

/// One auth-random call against a server answering `reply`; the server is returned too, to
/// look at what it was sent.
async fn random_against(reply: &Reply) -> (Result<AuthRandom, ApiError>, RawServer) {
    let server = RawServer::answering(reply).await;
    let result = no_hang(
        server
            .client()
            .auth_random(&secret(RAW_TOKEN), &request(OPEN_MEETING, "", false)),
    )
    .await
    .map(|reply| reply.value);
    (result, server)
}

// ---------------------------------------------------------------------------------------------
// Against the sandbox: successes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_seeded_meeting_answers_with_its_details() {
    let (sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    for seed in seed_meetings() {
        let password = seed.password.unwrap_or("");
        let req = request(seed.id, password, true);
        if seed.id == ENDED_MEETING {
            let err = client.auth_random(&tokens.access, &req).await.unwrap_err();
            assert_eq!(err.kind, ErrorKind::Ended, "{}", seed.id);
            continue;
        }
        let reply = client
            .auth_random(&tokens.access, &req)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", seed.id));
        let value = &reply.value;
        assert_fifteen_digits(&value.random);
        assert_eq!(value.subject.as_deref(), Some(seed.subject), "{}", seed.id);
        let expected_mode = match seed.conf_mode {
            "COMMON" => ConfMode::Mcu,
            "RTC" => ConfMode::Mmr,
            other => panic!("unexpected seed mode {other}"),
        };
        assert_eq!(
            value.conf_mode.as_ref(),
            Some(&expected_mode),
            "{}",
            seed.id
        );
        assert_eq!(value.webinar, Some(seed.webinar), "{}", seed.id);
        assert_eq!(value.need_password, Some(seed.need_password), "{}", seed.id);
        assert_eq!(
            value.support_applets,
            Some(seed.support_applets),
            "{}",
            seed.id
        );
        // The sandbox echoes our X-Request-ID in its X-Request-Id reply header.
        let id = reply.request_id.as_deref().expect("request id present");
        assert!(is_uuid(id), "{id}");
    }
    // Chinese subjects arrive intact.
    let reply = client
        .auth_random(&tokens.access, &request(OPEN_MEETING, "", false))
        .await
        .expect("open meeting");
    assert_eq!(reply.value.subject.as_deref(), Some("zhang的会议"));
    assert_eq!(reply.value.conf_mode, Some(ConfMode::Mmr));
    let reply = client
        .auth_random(
            &tokens.access,
            &request(LOCKING_MEETING, LOCKING_PASSWORD, false),
        )
        .await
        .expect("locking meeting, right password");
    assert_eq!(reply.value.subject.as_deref(), Some("季度评审会"));
    assert_eq!(reply.value.conf_mode, Some(ConfMode::Mcu));
    assert_eq!(
        reply.value.conf_mode.as_ref().map(ConfMode::label),
        Some("MCU")
    );
    // A waiting room answers a client with a waiting page.
    let reply = client
        .auth_random(&tokens.access, &request(WAITING_MEETING, "", true))
        .await
        .expect("guest_waiting=1 succeeds");
    assert_eq!(reply.value.subject.as_deref(), Some("等待主持人"));
    assert_fifteen_digits(&reply.value.random);
    assert_eq!(sandbox.stats().random_calls, 9);
}

#[tokio::test]
async fn each_call_gets_a_fresh_random_and_its_own_request_id() {
    let (_sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    let req = request(OPEN_MEETING, "", false);
    let a = client.auth_random(&tokens.access, &req).await.expect("a");
    let b = client.auth_random(&tokens.access, &req).await.expect("b");
    assert_ne!(
        a.value.random.expose_secret(),
        b.value.random.expose_secret()
    );
    assert_ne!(a.request_id, b.request_id);
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let (_sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    let access = tokens.access.expose_secret().to_owned();
    let refresh = tokens
        .refresh
        .as_ref()
        .expect("refresh token")
        .expose_secret()
        .to_owned();
    let tokens_debug = format!("{tokens:?} {tokens:#?}");
    assert!(!tokens_debug.contains(&access), "{tokens_debug}");
    assert!(!tokens_debug.contains(&refresh), "{tokens_debug}");
    assert!(
        tokens_debug.contains(DEMO_ACCOUNT),
        "user name is not secret: {tokens_debug}"
    );

    let reply = client
        .auth_random(&tokens.access, &request(OPEN_MEETING, "", false))
        .await
        .expect("random");
    let random = reply.value.random.expose_secret().to_owned();
    let debug = format!("{:?} {:#?} {reply:?}", reply.value, reply.value);
    assert!(!debug.contains(&random), "{debug}");
    assert!(debug.contains("zhang的会议"), "{debug}");

    let req = request(LOCKING_MEETING, "Pw-7731-secret", true);
    let debug = format!("{req:?} {req:#?}");
    assert!(!debug.contains("Pw-7731-secret"), "{debug}");
    assert!(debug.contains(LOCKING_MEETING), "{debug}");

    let app = sp_app(Some("alice"), Some("corp-1"));
    let debug = format!("{app:?} {app:#?}");
    assert!(!debug.contains(DEMO_SP_APP_KEY), "{debug}");
    assert!(
        debug.contains(DEMO_SP_APP_ID) && debug.contains("alice"),
        "{debug}"
    );
}

// ---------------------------------------------------------------------------------------------
// Against the sandbox: refusals
// ---------------------------------------------------------------------------------------------

/// An auth-random call the sandbox refuses, and how the client classifies the refusal.
struct SandboxRefusal {
    meeting: &'static str,
    password: &'static str,
    guest_waiting: bool,
    /// False: a token the service never issued.
    signed_in: bool,
    kind: ErrorKind,
    family: Family,
    status: u16,
    code: &'static str,
    message: &'static str,
}

const fn refusal(
    (meeting, password, guest_waiting): (&'static str, &'static str, bool),
    kind: ErrorKind,
    family: Family,
    (status, code, message): (u16, &'static str, &'static str),
) -> SandboxRefusal {
    SandboxRefusal {
        meeting,
        password,
        guest_waiting,
        signed_in: true,
        kind,
        family,
        status,
        code,
        message,
    }
}

const NOT_FOUND_OR_AUTH_FAILED: (u16, &str, &str) =
    (400, "MMC.111072065", "CONF_NOT_FOUND_OR_AUTH_FAILED");
const PASSWORD_EMPTY: (u16, &str, &str) = (400, "MMC.111070009", "PASSWORD_EMPTY");
const CONF_ENDED: (u16, &str, &str) = (400, "MMC.111072006", "CONF_ENDED");
const WAITING_FOR_HOST: (u16, &str, &str) = (400, "MMC.111071058", "WAITING_FOR_HOST");
const TOKEN_INVALID: (u16, &str, &str) = (401, "USG.000000004", "TOKEN_INVALID");

#[tokio::test]
async fn sandbox_refusals_are_classified() {
    use ErrorKind::*;
    use Family::*;
    #[rustfmt::skip]
    let cases = [
        // (meeting, password, guest_waiting)     kind               family   (status, code, message)
        refusal((LOCKING_MEETING, "000000", false), WrongIdOrPassword, Meeting, NOT_FOUND_OR_AUTH_FAILED),
        refusal((LOCKING_MEETING, "", false),       PasswordRequired,  Meeting, PASSWORD_EMPTY),
        refusal(("111222333", "", false),           WrongIdOrPassword, Meeting, NOT_FOUND_OR_AUTH_FAILED),
        refusal((ENDED_MEETING, "", false),         Ended,             Meeting, CONF_ENDED),
        refusal((ENDED_MEETING, "", true),          Ended,             Meeting, CONF_ENDED),
        refusal((WAITING_MEETING, "", false),       WaitingForHost,    Meeting, WAITING_FOR_HOST),
        SandboxRefusal {
            signed_in: false,
            ..refusal((OPEN_MEETING, "", false),    NotSignedIn,       SignIn,  TOKEN_INVALID)
        },
    ];
    let (_sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    for case in cases {
        let what = format!(
            "{} with {:?} (guest_waiting {}, signed in {})",
            case.meeting, case.password, case.guest_waiting, case.signed_in
        );
        let token = if case.signed_in {
            tokens.access.clone()
        } else {
            secret("not-a-token")
        };
        let err = random_error(
            &client,
            &token,
            case.meeting,
            case.password,
            case.guest_waiting,
        )
        .await;
        assert_eq!(err.kind, case.kind, "{what}");
        assert_family(err.kind, case.family);
        assert_eq!(err.http_status, Some(case.status), "{what}");
        assert_eq!(err.code.as_deref(), Some(case.code), "{what}");
        assert_eq!(err.service_message.as_deref(), Some(case.message), "{what}");
        assert!(
            err.request_id.as_deref().is_some_and(is_uuid),
            "{what}: {err:?}"
        );
        assert_eq!(err.retry_after, None, "{what}");
    }
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_meeting() {
    let (_sandbox, client) = sandbox_with(SandboxConfig {
        lockout: Duration::from_secs(60),
        ..SandboxConfig::default()
    })
    .await;
    let tokens = demo_tokens(&client).await;
    for attempt in 1..=5 {
        let err = random_error(&client, &tokens.access, LOCKING_MEETING, "999999", false).await;
        assert_eq!(err.kind, ErrorKind::WrongIdOrPassword, "attempt {attempt}");
        assert_eq!(err.retry_after, None, "attempt {attempt}");
    }
    // Locked now, even with the right password.
    let err = random_error(
        &client,
        &tokens.access,
        LOCKING_MEETING,
        LOCKING_PASSWORD,
        false,
    )
    .await;
    assert_eq!(err.kind, ErrorKind::Locked);
    assert_family(err.kind, Family::Meeting);
    assert_eq!(err.code.as_deref(), Some("MMC.111071052"));
    let wait = err.retry_after.expect("Retry-After is kept");
    assert!(
        wait >= Duration::from_secs(1) && wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    // The person sees when to come back, said once: "for a while" gives way to the figure.
    let text = err.message(Lang::En);
    assert!(
        text.contains(&meetjoin::api::error::wait_text(Lang::En, wait)),
        "{text}"
    );
    assert!(text.starts_with("Too many wrong attempts"), "{text}");
    assert!(!text.contains("for a while"), "{text}");
    assert!(
        !text.contains(&ErrorKind::Locked.message(Lang::En)),
        "{text}"
    );
    assert_eq!(text.matches("again").count(), 1, "{text}");
}

#[tokio::test]
async fn rate_limit_is_rate_limited_with_retry_after() {
    let (sandbox, client) = sandbox_with(SandboxConfig {
        rate_limit_per_minute: 2,
        ..SandboxConfig::default()
    })
    .await;
    let tokens = demo_tokens(&client).await;
    let req = request(OPEN_MEETING, "", false);
    client
        .auth_random(&tokens.access, &req)
        .await
        .expect("call 1");
    client
        .auth_random(&tokens.access, &req)
        .await
        .expect("call 2");
    let err = client.auth_random(&tokens.access, &req).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert_eq!(err.http_status, Some(429));
    assert_eq!(err.code.as_deref(), Some("MMC.100000429"));
    let wait = err.retry_after.expect("Retry-After is kept");
    assert!(
        wait >= Duration::from_secs(1) && wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    assert_family(err.kind, Family::Transport);
    assert_eq!(sandbox.stats().random_calls, 3);
}

#[tokio::test]
async fn details_show_status_code_and_request_id() {
    let (_sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    let err = random_error(&client, &tokens.access, LOCKING_MEETING, "000000", false).await;
    let id = err.request_id.clone().expect("request id");
    for lang in Lang::ALL {
        let details = err.details(lang);
        assert!(details.contains("400"), "{details}");
        assert!(details.contains("MMC.111072065"), "{details}");
        assert!(details.contains(&id), "{details}");
        assert!(
            details.contains("CONF_NOT_FOUND_OR_AUTH_FAILED"),
            "{details}"
        );
    }
    assert_ne!(err.details(Lang::En), err.details(Lang::ZhCn));
    let display = err.to_string();
    assert!(
        display.contains("400") && display.contains("MMC.111072065"),
        "{display}"
    );
}

// ---------------------------------------------------------------------------------------------
// Against the sandbox: sign-in and tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn account_sign_in_returns_tokens() {
    let (sandbox, client) = sandbox().await;
    let before = now_unix();
    let reply = client
        .sign_in_account(DEMO_ACCOUNT, &secret(DEMO_PASSWORD))
        .await
        .expect("sign in");
    let tokens = reply.value;
    assert!(!tokens.access.expose_secret().is_empty());
    assert!(tokens.refresh.is_some());
    assert_eq!(tokens.user_name.as_deref(), Some(DEMO_ACCOUNT));
    let expires = tokens.expires_at.expect("expiry known");
    assert!(
        (before + 3600 - 5..=now_unix() + 3600 + 5).contains(&expires),
        "{expires}"
    );
    let refresh_expires = tokens.refresh_expires_at.expect("refresh expiry known");
    assert!(
        refresh_expires >= before + 2_592_000 - 5,
        "{refresh_expires}"
    );
    assert!(reply.request_id.as_deref().is_some_and(is_uuid));
    assert_eq!(sandbox.stats().account_sign_ins, 1);
}

/// A sign-in the sandbox refuses.
enum BadSignIn {
    Account(&'static str, &'static str),
    App(AppIdCredentials),
}

#[tokio::test]
async fn sign_in_refusals_are_classified() {
    use ErrorKind::*;
    let wrong_key = AppIdCredentials {
        app_key: secret("not-the-key"),
        ..demo_app(None)
    };
    let wrong_app = AppIdCredentials {
        app_id: "someone-else".to_owned(),
        ..demo_app(None)
    };
    let cases = [
        (
            BadSignIn::Account(DEMO_ACCOUNT, "wrong-password"),
            AccountOrPasswordWrong,
            (401, "USG.206010000", "USG_AUTH_FAILED"),
        ),
        (
            BadSignIn::Account("nobody@meetjoin.test", DEMO_PASSWORD),
            AccountOrPasswordWrong,
            (401, "USG.206010000", "USG_AUTH_FAILED"),
        ),
        (
            BadSignIn::App(wrong_key),
            AppIdRejected,
            (401, "USG.206010025", "APP_AUTH_FAILED"),
        ),
        (
            BadSignIn::App(wrong_app),
            AppIdRejected,
            (401, "USG.206010025", "APP_AUTH_FAILED"),
        ),
    ];
    let (sandbox, client) = sandbox().await;
    for (sign_in, kind, (status, code, message)) in cases {
        let (what, result) = match &sign_in {
            BadSignIn::Account(account, password) => (
                format!("account {account}"),
                client.sign_in_account(account, &secret(password)).await,
            ),
            BadSignIn::App(app) => (
                format!("App ID {}", app.app_id),
                client.sign_in_app_id(app).await,
            ),
        };
        let err = result.expect_err(&what);
        assert_eq!(err.kind, kind, "{what}");
        assert_family(err.kind, Family::SignIn);
        assert_eq!(err.http_status, Some(status), "{what}");
        assert_eq!(err.code.as_deref(), Some(code), "{what}");
        assert_eq!(err.service_message.as_deref(), Some(message), "{what}");
        assert!(err.request_id.as_deref().is_some_and(is_uuid), "{what}");
    }
    let stats = sandbox.stats();
    assert_eq!((stats.account_sign_ins, stats.app_sign_ins), (2, 2));
}

#[tokio::test]
async fn app_id_sign_in_works_as_admin_user_and_with_corp() {
    let (sandbox, client) = sandbox().await;
    let cases = [
        // (the application, the user signed in)
        (demo_app(None), "admin"),
        (demo_app(Some("")), "admin"),
        (demo_app(Some("alice")), "alice"),
        (sp_app(Some("bob"), Some(DEMO_SP_CORP_ID)), "bob"),
        (sp_app(None, Some(DEMO_SP_CORP_ID)), "admin"),
        // The SP administrator: `appId:::expireTime:nonce`.
        (sp_app(None, None), "admin"),
    ];
    for (app, expected_name) in &cases {
        let (user, corp) = (&app.user_id, &app.corp_id);
        let tokens = client
            .sign_in_app_id(app)
            .await
            .unwrap_or_else(|e| panic!("{user:?}/{corp:?}: {e}"))
            .value;
        assert_eq!(tokens.user_name.as_deref(), Some(*expected_name));
        assert!(tokens.refresh.is_some());
        client
            .auth_random(&tokens.access, &request(OPEN_MEETING, "", false))
            .await
            .unwrap_or_else(|e| panic!("{user:?}/{corp:?} token works: {e}"));
    }
    assert_eq!(sandbox.stats().app_sign_ins, cases.len() as u64);
}

#[tokio::test]
async fn refresh_gives_new_tokens_and_retires_the_old_ones() {
    let (sandbox, client) = sandbox().await;
    let first = demo_tokens(&client).await;
    let first_refresh = first.refresh.clone().expect("refresh token");
    let second = client.refresh(&first_refresh).await.expect("refresh").value;
    assert_ne!(second.access.expose_secret(), first.access.expose_secret());
    let second_refresh = second.refresh.clone().expect("new refresh token");
    assert_ne!(
        second_refresh.expose_secret(),
        first_refresh.expose_secret()
    );
    assert_eq!(second.user_name.as_deref(), Some(DEMO_ACCOUNT));
    // The old refresh token is spent, the old access token ended with it.
    let err = client.refresh(&first_refresh).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    let err = random_error(&client, &first.access, OPEN_MEETING, "", false).await;
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    client
        .auth_random(&second.access, &request(OPEN_MEETING, "", false))
        .await
        .expect("new access token works");
    assert_eq!(sandbox.stats().refreshes, 2);
}

#[tokio::test]
async fn validate_describes_a_live_token_and_refuses_a_bad_one() {
    let (_sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    let checked = client.validate(&tokens.access).await.expect("valid").value;
    assert_eq!(
        checked.access.expose_secret(),
        tokens.access.expose_secret()
    );
    assert_eq!(checked.user_name.as_deref(), Some(DEMO_ACCOUNT));
    assert_eq!(checked.expires_at, tokens.expires_at);
    let err = client.validate(&secret("garbage")).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(err.code.as_deref(), Some("USG.000000004"));
}

#[tokio::test]
async fn sign_out_ends_the_token() {
    let (sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    let reply = client.sign_out(&tokens.access).await.expect("sign out");
    assert!(reply.request_id.is_some());
    let err = random_error(&client, &tokens.access, OPEN_MEETING, "", false).await;
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    let err = client.validate(&tokens.access).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    let err = client
        .refresh(tokens.refresh.as_ref().expect("refresh"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn, "refresh token ends too");
    let err = client.sign_out(&tokens.access).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(sandbox.stats().sign_outs, 2);
}

// ---------------------------------------------------------------------------------------------
// Hand-written servers: replies that must be refused
// ---------------------------------------------------------------------------------------------

/// A reply the client must turn into an error, and the error it must be.
struct Refused {
    what: &'static str,
    reply: Reply,
    kind: ErrorKind,
    status: Option<u16>,
    code: Option<&'static str>,
    message: Option<&'static str>,
    retry_after: Option<u64>,
    /// The request id reported when it is not the one the client sent.
    request_id: Option<&'static str>,
    /// Text the technical detail must contain.
    detail_has: Option<&'static str>,
    /// Text the technical detail must not contain (such as the body it could not read).
    detail_lacks: Option<&'static str>,
}

fn refused(what: &'static str, reply: Reply, kind: ErrorKind, status: Option<u16>) -> Refused {
    Refused {
        what,
        reply,
        kind,
        status,
        code: None,
        message: None,
        retry_after: None,
        request_id: None,
        detail_has: None,
        detail_lacks: None,
    }
}

impl Refused {
    fn code(self, code: &'static str, message: Option<&'static str>) -> Refused {
        Refused {
            code: Some(code),
            message,
            ..self
        }
    }

    fn retry_after(self, seconds: u64) -> Refused {
        Refused {
            retry_after: Some(seconds),
            ..self
        }
    }

    fn request_id(self, id: &'static str) -> Refused {
        Refused {
            request_id: Some(id),
            ..self
        }
    }

    fn detail_has(self, text: &'static str) -> Refused {
        Refused {
            detail_has: Some(text),
            ..self
        }
    }

    fn detail_lacks(self, text: &'static str) -> Refused {
        Refused {
            detail_lacks: Some(text),
            ..self
        }
    }
}

#[rustfmt::skip]
fn refused_replies() -> Vec<Refused> {
    use ErrorKind::*;
    const HTML: (&str, &str) = ("Content-Type", "text/html");
    const CAPTIVE: &[u8] =
        b"<!DOCTYPE html><html><body>Welcome to the captive portal</body></html>";
    let throttled = r#"{"error_code":"APIG.0308","error_msg":"The request is throttled"}"#;
    let mut cases = vec![
        // Replies that are not what was asked for.
        refused("captive portal page", Reply::http("200 OK", &[HTML], CAPTIVE), UnreadableReply, Some(200))
            .detail_lacks("captive"),
        refused("JSON without a random", Reply::json("200 OK", r#"{"subject":"x"}"#), UnreadableReply, Some(200)),
        refused("HTML 502", Reply::http("502 Bad Gateway", &[HTML], b"<html><h1>502 Bad Gateway</h1></html>"), ServerError, Some(502)),
        refused("text 401", Reply::http("401 Unauthorized", &[], b"nope"), NotSignedIn, Some(401)),
        refused("text 429", Reply::http("429 Too Many Requests", &[], b"nope"), RateLimited, Some(429)),
        refused("text 500", Reply::http("500 Internal Server Error", &[], b"nope"), ServerError, Some(500)),
        refused("text 404", Reply::http("404 Not Found", &[], b"nope"), UnreadableReply, Some(404)),
        refused("connection closed without a reply", Reply::raw(b""), Network, None),
        refused("an SSH server", Reply::raw(b"SSH-2.0-OpenSSH_9.6\r\n"), UnreadableReply, None),
        refused("a broken status line", Reply::raw(b"HTTP/1.1 abc\r\n\r\n"), UnreadableReply, None),
        refused("a mail server", Reply::raw(b"220 mail.example.com ESMTP\r\n"), UnreadableReply, None),
        refused(
            "a body shorter than its Content-Length",
            Reply::raw(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"random\":"),
            UnreadableReply,
            Some(200),
        ),
        // Replies over the 1 MiB limit, however they are framed.
        refused("1 MiB + 1 with Content-Length", Reply::good_body_of(MAX_REPLY_BYTES + 1), UnreadableReply, Some(200))
            .detail_has("too large"),
        refused("2 MiB chunked", Reply::Streamed { chunked: true }, UnreadableReply, Some(200))
            .detail_has("too large"),
        refused("2 MiB until close", Reply::Streamed { chunked: false }, UnreadableReply, Some(200))
            .detail_has("too large"),
        // The service's error object: error_code decides, whatever the status.
        refused("token error", Reply::json("401 Unauthorized", r#"{"error_code":"USG.000000004","error_msg":"TOKEN_INVALID"}"#), NotSignedIn, Some(401))
            .code("USG.000000004", Some("TOKEN_INVALID")),
        refused("meeting not found as a 500", Reply::json("500 Internal Server Error", r#"{"error_code":"MMC.111070005","error_msg":"CONF_NOT_EXIST"}"#), MeetingNotFound, Some(500))
            .code("MMC.111070005", Some("CONF_NOT_EXIST")),
        refused("an unknown code", Reply::json("400 Bad Request", r#"{"error_code":"MMC.123456789","error_msg":"SOMETHING_NEW"}"#), Other, Some(400))
            .code("MMC.123456789", Some("SOMETHING_NEW")),
        refused("gateway throttling", Reply::http("429 Too Many Requests", &[("Content-Type", "application/json"), ("Retry-After", "7")], throttled.as_bytes()), RateLimited, Some(429))
            .code("APIG.0308", Some("The request is throttled"))
            .retry_after(7),
        refused("gateway throttling as a 403", Reply::json("403 Forbidden", throttled), RateLimited, Some(403))
            .code("APIG.0308", Some("The request is throttled")),
        refused("an absurd Retry-After", Reply::http("429 Too Many Requests", &[("Retry-After", "999999999")], br#"{"error_code":"MMC.100000429"}"#), RateLimited, Some(429))
            .code("MMC.100000429", None)
            .retry_after(24 * 3600),
        refused("a request id in the body", Reply::json("400 Bad Request", r#"{"error_code":"MMC.111072065","error_msg":"X","request_id":"body-rid-42"}"#), WrongIdOrPassword, Some(400))
            .code("MMC.111072065", Some("X"))
            .request_id("body-rid-42"),
    ];
    // A 200 whose random is missing, empty or not digits.
    for body in [
        r#"{"subject":"x","conf_mode":"RTC"}"#,
        r#"{"random":""}"#,
        r#"{"random":"   "}"#,
        r#"{"random":null}"#,
        r#"{"random":"12 34"}"#,
        r#"{"random":"<script>alert(1)</script>"}"#,
        r#"{"random":-5}"#,
        r#"[]"#,
        r#""#,
    ] {
        cases.push(refused(
            "a 200 without a usable random",
            Reply::json("200 OK", body),
            UnreadableReply,
            Some(200),
        ));
    }
    let long = format!(r#"{{"random":"{}"}}"#, "1".repeat(65));
    cases.push(refused(
        "a 65-digit random",
        Reply::json("200 OK", &long),
        UnreadableReply,
        Some(200),
    ));
    cases
}

#[tokio::test]
async fn broken_and_hostile_replies_are_classified() {
    for case in refused_replies() {
        let what = case.what;
        let (result, server) = random_against(&case.reply).await;
        let err = result.expect_err(what);
        assert_eq!(err.kind, case.kind, "{what}: {err:?}");
        assert_eq!(
            err.http_status, case.status,
            "{what}: a reply arrived or not"
        );
        assert_eq!(err.code.as_deref(), case.code, "{what}");
        assert_eq!(err.service_message.as_deref(), case.message, "{what}");
        assert_eq!(
            err.retry_after,
            case.retry_after.map(Duration::from_secs),
            "{what}"
        );
        // The request id is never lost: the reply's, else the one sent.
        let sent = server.sent_request_id();
        assert!(is_uuid(&sent), "{what}: {sent}");
        let expected_id = case.request_id.map_or(sent, str::to_owned);
        assert_eq!(
            err.request_id.as_deref(),
            Some(expected_id.as_str()),
            "{what}"
        );
        // Details show what support needs; nothing shows the token.
        let details = err.details(Lang::En);
        for known in [case.code, case.message].into_iter().flatten() {
            assert!(details.contains(known), "{what}: {details}");
        }
        let everything = format!("{err:?} {err} {details}");
        assert!(!everything.contains(RAW_TOKEN), "{what}: {everything}");
        let detail = err.detail.clone().unwrap_or_default();
        if let Some(text) = case.detail_has {
            assert!(detail.contains(text), "{what}: {detail}");
        }
        if let Some(text) = case.detail_lacks {
            assert!(!detail.contains(text), "{what}: {detail}");
        }
    }
}

#[tokio::test]
async fn hostile_error_text_is_cleaned() {
    let body = serde_json::json!({
        "error_code": "MMC.1\u{202E}11072065\n",
        "error_msg": format!("\u{1b}[2Jbad\u{2066}\r\n{}", "x".repeat(1000)),
    })
    .to_string();
    let (result, _server) = random_against(&Reply::json("400 Bad Request", &body)).await;
    let err = result.unwrap_err();
    let code = err.code.expect("code kept");
    let msg = err.service_message.expect("message kept");
    for text in [&code, &msg] {
        assert!(
            !text.chars().any(|c| c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
            "{text:?}"
        );
    }
    assert_eq!(code, "MMC.111072065");
    assert!(msg.chars().count() <= 200, "{}", msg.len());
}

#[tokio::test]
async fn redirects_are_refused_and_never_followed() {
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let elsewhere = RawServer::canned(json_reply("200 OK", GOOD_BODY)).await;
        let location = format!("{}{RANDOM_PATH}?conf_id={OPEN_MEETING}", elsewhere.url());
        let server = RawServer::canned(http_reply(status, &[("Location", &location)], b"")).await;
        let err = no_hang(server.client().auth_random(
            &secret("tok-secret"),
            &request(OPEN_MEETING, "pw-secret", false),
        ))
        .await
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnreadableReply, "{status}");
        let code: u16 = status[..3].parse().expect("status code");
        assert_eq!(err.http_status, Some(code));
        // The redirecting server did get the secrets (it is the configured one) ...
        assert_eq!(server.requests().len(), 1);
        // ... the second one never saw a connection, let alone our headers.
        elsewhere
            .assert_never_contacted(&format!("{status}: redirect followed"))
            .await;
        let detail = err.detail.unwrap_or_default();
        assert!(detail.contains("redirect"), "{detail}");
        assert!(!detail.contains("tok-secret") && !detail.contains("pw-secret"));
    }
}

#[tokio::test]
async fn redirect_of_a_sign_in_is_refused_too() {
    let elsewhere = RawServer::canned(json_reply("200 OK", "{}")).await;
    let location = format!("{}/v1/usg/acs/auth/account", elsewhere.url());
    let server = RawServer::canned(http_reply(
        "307 Temporary Redirect",
        &[("Location", &location)],
        b"",
    ))
    .await;
    let err = no_hang(
        server
            .client()
            .sign_in_account(DEMO_ACCOUNT, &secret(DEMO_PASSWORD)),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply);
    elsewhere.assert_never_contacted("sign-in redirected").await;
}

#[tokio::test]
async fn token_reply_without_access_token_is_unreadable() {
    let server = RawServer::canned(json_reply("200 OK", r#"{"refreshToken":"r"}"#)).await;
    let err = server
        .client()
        .sign_in_account("a", &secret("b"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply);
}

// ---------------------------------------------------------------------------------------------
// Hand-written servers: timeouts and dead ends
// ---------------------------------------------------------------------------------------------

/// Short, so that the tests are quick; the servers below never answer, so a short timeout
/// cannot fire too early.
fn short() -> ClientOptions {
    ClientOptions {
        connect_timeout: SHORT_TIMEOUT,
        timeout: SHORT_TIMEOUT,
        ..ClientOptions::default()
    }
}

const SHORT_TIMEOUT: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let cases = [
        ("silent after the request", ""),
        (
            "a body that stalls",
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        ),
    ];
    for (what, head) in cases {
        let server = RawServer::stalling(head).await;
        let client = server.client_with(short());
        let started = Instant::now();
        let err = no_hang(client.auth_random(&secret("t"), &request(OPEN_MEETING, "", false)))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Timeout, "{what}: {err:?}");
        assert_family(err.kind, Family::Transport);
        assert!(err.request_id.is_some(), "{what}");
        // A timeout never fires before its time.
        assert!(started.elapsed() >= SHORT_TIMEOUT, "{what}");
    }
}

#[tokio::test]
async fn closed_port_is_network_not_a_timeout() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let server = Server::parse(&format!("http://127.0.0.1:{port}")).expect("loopback");
    // Timeouts longer than the test may run: a refused connection must not wait for them.
    let client = Client::with_options(
        server,
        ClientOptions {
            timeout: HANG * 2,
            connect_timeout: HANG * 2,
            ..ClientOptions::default()
        },
    )
    .expect("client");
    let err = no_hang(client.auth_random(&secret("t"), &request(OPEN_MEETING, "", false)))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Network, "{err:?}");
    assert_eq!(err.http_status, None);
    let detail = err.detail.unwrap_or_default();
    assert!(
        !detail.contains(RANDOM_PATH),
        "no URL in the detail: {detail}"
    );
}

// ---------------------------------------------------------------------------------------------
// Hand-written servers: replies that must be read
// ---------------------------------------------------------------------------------------------

/// A reply the client must read, and what it must read from it.
struct Read {
    what: &'static str,
    reply: Reply,
    random: &'static str,
    subject: Option<&'static str>,
    /// The mode, with its label.
    mode: Option<(ConfMode, &'static str)>,
    webinar: Option<bool>,
    need_password: Option<bool>,
    support_applets: Option<bool>,
}

/// A reply that carries only a random.
fn random_only(what: &'static str, body: &str, random: &'static str) -> Read {
    Read {
        what,
        reply: Reply::json("200 OK", body),
        random,
        subject: None,
        mode: None,
        webinar: None,
        need_password: None,
        support_applets: None,
    }
}

#[tokio::test]
async fn replies_are_read_field_by_field() {
    const R: &str = "123456789012345";
    let unknown_mode = ConfMode::Unknown("FOO".to_owned());
    let cases = [
        random_only(
            "a random as a number",
            r#"{"random":397381479198454}"#,
            "397381479198454",
        ),
        random_only("only a random", r#"{"random":"123456789012345"}"#, R),
        random_only(
            "nulls are unknown, not false",
            r#"{"random":"123456789012345","subject":null,"conf_mode":null,"webinar":null,"need_password":null,"support_applets":null}"#,
            R,
        ),
        random_only(
            "unknown fields are ignored",
            r#"{"random":"123456789012345","siteUrl":"x","extra":{"a":[1,2]}}"#,
            R,
        ),
        Read {
            mode: Some((unknown_mode, "unknown")),
            ..random_only(
                "an unknown mode is kept",
                r#"{"random":"123456789012345","conf_mode":"FOO"}"#,
                R,
            )
        },
        Read {
            mode: Some((ConfMode::Mcu, "MCU")),
            ..random_only(
                "COMMON is MCU",
                r#"{"random":"123456789012345","conf_mode":"COMMON"}"#,
                R,
            )
        },
        Read {
            what: "exactly 1 MiB",
            reply: Reply::good_body_of(MAX_REPLY_BYTES),
            random: "397381479198454",
            subject: Some("zhang的会议"),
            mode: Some((ConfMode::Mmr, "MMR")),
            webinar: Some(false),
            need_password: Some(false),
            support_applets: Some(true),
        },
    ];
    for case in cases {
        let what = case.what;
        let (result, _server) = random_against(&case.reply).await;
        let value = result.unwrap_or_else(|e| panic!("{what}: {e:?}"));
        assert_eq!(value.random.expose_secret(), case.random, "{what}");
        assert_eq!(value.subject.as_deref(), case.subject, "{what}");
        let mode = case.mode.as_ref().map(|(mode, _)| mode);
        assert_eq!(value.conf_mode.as_ref(), mode, "{what}");
        if let (Some(mode), Some((_, label))) = (&value.conf_mode, &case.mode) {
            assert_eq!(mode.label(), *label, "{what}");
        }
        assert_eq!(value.webinar, case.webinar, "{what}");
        assert_eq!(value.need_password, case.need_password, "{what}");
        assert_eq!(value.support_applets, case.support_applets, "{what}");
    }
    assert_eq!(ConfMode::Unknown("FOO".to_owned()).as_sent(), "FOO");
}

#[tokio::test]
async fn subject_is_cleaned_of_control_and_bidi_characters() {
    let body = serde_json::json!({
        "random": "123456789012345",
        "subject": "\u{202E}Team\u{0007} sync\u{2066}\n会议\u{2069}\u{202A}\r\t\u{1b}[31m",
    })
    .to_string();
    let (result, _server) = random_against(&Reply::json("200 OK", &body)).await;
    let subject = result.expect("ok").subject.expect("subject");
    assert_eq!(subject, "Team sync会议[31m");
    assert!(
        !subject
            .chars()
            .any(|c| c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c))
    );
    let long = serde_json::json!({"random": "123456789012345", "subject": "长".repeat(5000)});
    let (result, _server) = random_against(&Reply::json("200 OK", &long.to_string())).await;
    let len = result
        .expect("ok")
        .subject
        .expect("subject")
        .chars()
        .count();
    assert!(len <= 512, "subject capped, got {len} chars");
}

// ---------------------------------------------------------------------------------------------
// Hand-written servers: what the client sends
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn request_carries_the_documented_headers_and_query() {
    let server = RawServer::canned(json_reply("200 OK", GOOD_BODY)).await;
    let req = RandomRequest {
        meeting_id: MeetingId::parse("914 047 175").expect("id"),
        password: secret("654321"),
        guest_waiting: true,
    };
    let reply = server
        .client()
        .auth_random(&secret("access-tok-123"), &req)
        .await
        .expect("ok");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let raw = &requests[0];
    let request_line = raw.lines().next().expect("request line");
    assert_eq!(
        request_line,
        format!("GET {RANDOM_PATH}?conf_id=914047175&guest_waiting=1 HTTP/1.1")
    );
    assert_eq!(
        header_of(raw, "user-agent").as_deref(),
        Some(concat!("meetjoin/", env!("CARGO_PKG_VERSION")))
    );
    let sent_id = header_of(raw, "x-request-id").expect("X-Request-ID sent");
    assert!(is_uuid(&sent_id), "{sent_id}");
    assert_eq!(reply.request_id.as_deref(), Some(sent_id.as_str()));
    assert_eq!(header_of(raw, "x-password").as_deref(), Some("654321"));
    assert_eq!(
        header_of(raw, "x-access-token").as_deref(),
        Some("access-tok-123")
    );
    assert!(header_of(raw, "host").is_some_and(|h| h.starts_with("127.0.0.1:")));
    // As the official SDKs send them, on every call.
    assert_eq!(
        header_of(raw, "content-type").as_deref(),
        Some("application/json")
    );
    assert!(
        matches!(
            header_of(raw, "accept-language").as_deref(),
            Some("zh-CN" | "en-US")
        ),
        "{raw}"
    );

    // No guest_waiting when it is 0 (the default), and no password header for a meeting
    // without one: as the official SDKs send it.
    let server = RawServer::canned(json_reply("200 OK", GOOD_BODY)).await;
    server
        .client()
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .expect("ok");
    let raw = &server.requests()[0];
    assert!(
        raw.starts_with(&format!(
            "GET {RANDOM_PATH}?conf_id={OPEN_MEETING} HTTP/1.1\r\n"
        )),
        "{raw}"
    );
    assert_eq!(header_of(raw, "x-password"), None, "{raw}");
}

#[tokio::test]
async fn request_id_is_the_reply_header_when_the_server_sends_one() {
    let server = RawServer::canned(http_reply(
        "200 OK",
        &[
            ("Content-Type", "application/json"),
            ("X-Request-Id", "srv-req-0001"),
        ],
        GOOD_BODY.as_bytes(),
    ))
    .await;
    let reply = server
        .client()
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .expect("ok");
    assert_eq!(reply.request_id.as_deref(), Some("srv-req-0001"));
    let sent = server.sent_request_id();
    assert!(is_uuid(&sent), "{sent}");
    assert_ne!(sent, "srv-req-0001");

    // Without one, it is the id that was sent.
    let server = RawServer::canned(json_reply("200 OK", GOOD_BODY)).await;
    let reply = server
        .client()
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .expect("ok");
    assert_eq!(
        reply.request_id.as_deref(),
        Some(server.sent_request_id().as_str())
    );
}

#[tokio::test]
async fn sign_in_request_is_basic_auth_with_client_type_72() {
    let server = RawServer::canned(json_reply(
        "200 OK",
        r#"{"accessToken":"a1","refreshToken":"r1","validPeriod":100,"user":{"name":"n"}}"#,
    ))
    .await;
    let before = now_unix();
    let tokens = server
        .client()
        .sign_in_account("user@example.com", &secret("p:w"))
        .await
        .expect("ok")
        .value;
    assert_eq!(tokens.access.expose_secret(), "a1");
    let expires = tokens.expires_at.expect("from validPeriod");
    assert!((before + 100..=now_unix() + 100).contains(&expires));
    let raw = &server.requests()[0];
    assert!(
        raw.starts_with("POST /v1/usg/acs/auth/account HTTP/1.1\r\n"),
        "{raw}"
    );
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode("user@example.com:p:w");
    assert_eq!(
        header_of(raw, "authorization"),
        Some(format!("Basic {expected}"))
    );
    let body = raw.split("\r\n\r\n").nth(1).expect("body");
    let json: serde_json::Value = serde_json::from_str(body).expect("json body");
    assert_eq!(
        json,
        serde_json::json!({"account": "user@example.com", "clientType": 72})
    );
}

#[tokio::test]
async fn password_with_a_line_break_is_refused_before_sending() {
    let server = RawServer::canned(json_reply("200 OK", GOOD_BODY)).await;
    let err = server
        .client()
        .auth_random(
            &secret("t"),
            &request(OPEN_MEETING, "12\r\nX-Evil: 1", false),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Other);
    assert!(!format!("{err:?}").contains("X-Evil"), "{err:?}");
    server
        .assert_never_contacted("a header with a line break was sent")
        .await;
}

// ---------------------------------------------------------------------------------------------
// Messages and server settings
// ---------------------------------------------------------------------------------------------

#[test]
fn every_kind_has_a_real_message_in_both_languages() {
    let mut seen_en = std::collections::HashSet::new();
    let mut seen_zh = std::collections::HashSet::new();
    for kind in ErrorKind::ALL {
        let en = kind.message(Lang::En);
        let zh = kind.message(Lang::ZhCn);
        for text in [&en, &zh] {
            assert!(!text.trim().is_empty(), "{kind}");
            assert!(!text.contains("error."), "{kind}: raw key {text}");
            assert_ne!(text, kind.as_str(), "{kind}");
        }
        assert_ne!(en, zh, "{kind}");
        assert!(
            zh.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
            "{kind}: {zh}"
        );
        assert!(seen_en.insert(en.clone()), "{kind}: duplicate message {en}");
        assert!(seen_zh.insert(zh.clone()), "{kind}: duplicate message {zh}");
    }
}

#[test]
fn plain_http_only_for_loopback() {
    assert_eq!(
        Server::parse("http://example.com"),
        Err(ServerError::InsecureHttp)
    );
    assert_eq!(
        Server::parse("http://192.168.1.10:8080"),
        Err(ServerError::InsecureHttp)
    );
    let local = Server::parse("http://127.0.0.1:1").expect("loopback http is fine");
    assert!(local.is_loopback());
    assert_eq!(local.base(), "http://127.0.0.1:1");
    let remote = Server::parse("https://meet.example.com").expect("https is fine");
    assert!(!remote.is_loopback());
    Client::new(remote).expect("a client for an https server builds");
}

// ---------------------------------------------------------------------------------------------
// The code table of docs/API.md, masking and lenient fields
// ---------------------------------------------------------------------------------------------

/// Every code of the table in docs/API.md (a copy of the shared reference), as written there.
fn codes_in_the_reference() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/API.md"))
        .expect("docs/API.md is in the repository");
    let after = text
        .split("Codes that matter here")
        .nth(1)
        .expect("the code table");
    let table = after
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'));
    let mut codes = Vec::new();
    for row in table.skip(2) {
        let first = row.trim_start_matches('|').split('|').next().unwrap_or("");
        let usg = first.contains("(USG)");
        for code in first.replace("(USG)", "").split(',') {
            let code = code.trim();
            if code.starts_with("APIG") {
                codes.push(code.to_owned());
            } else if usg {
                codes.push(format!("USG.{code}"));
            } else {
                codes.push(format!("MMC.{code}"));
            }
        }
    }
    codes
}

/// What each code of the table means to meetjoin: its kind and the CLI's exit code.
fn expected_code(code: &str) -> (ErrorKind, u8) {
    use ErrorKind::*;
    let number = code.split_once('.').map_or(code, |(_, n)| n);
    let kind = match number {
        "111072065" | "111071091" | "111070004" => WrongIdOrPassword,
        "111070005" => MeetingNotFound,
        "111070009" => PasswordRequired,
        "111070010" | "111071073" | "111071074" | "111071075" => NoPermission,
        "111071052" | "111071053" | "111072064" => Locked,
        "111072050" => MeetingLocked,
        "111072005" => NotStarted,
        "111072006" | "111071072" => Ended,
        "111071004" | "111071058" => WaitingForHost,
        "100000429" => RateLimited,
        "111070001" | "111071083" => InvalidRequest,
        "000000004" | "206020000" | "200000004" | "206020002" => NotSignedIn,
        "206010000" => AccountOrPasswordWrong,
        "206030015" => AccountLocked,
        "206010007" => AccountInactive,
        "206010036" => SignInNotAllowed,
        "206010025" | "206010057" | "206010030" | "206010031" | "206010058" => AppIdRejected,
        "0101" => NotAMeetingServer,
        other => panic!("the test does not know {other}: add it"),
    };
    let exit = if kind.is_meeting_refusal() {
        4
    } else if kind.is_sign_in_problem() {
        3
    } else if kind == InvalidRequest {
        1
    } else {
        5
    };
    (kind, exit)
}

#[tokio::test]
async fn every_code_of_the_reference_has_its_kind_message_and_exit_code() {
    let codes = codes_in_the_reference();
    assert_eq!(codes.len(), 35, "{codes:?}");
    let mut messages = std::collections::HashMap::new();
    for code in &codes {
        let (kind, exit) = expected_code(code);
        assert!(
            ErrorKind::code_info(code).is_some(),
            "{code} is not in KNOWN_CODES"
        );
        // Over the wire, as a 400 from the service.
        let body = serde_json::json!({"error_code": code, "error_msg": "SOME_TEXT"}).to_string();
        let (result, _server) = random_against(&Reply::json("400 Bad Request", &body)).await;
        let err = result.unwrap_err();
        assert_eq!(err.kind, kind, "{code}");
        assert_eq!(err.code.as_deref(), Some(code.as_str()));
        assert_eq!(meetjoin::cli::exit_code(err.kind), exit, "{code}");
        // A message in each language, never the key, never English standing in for Chinese.
        let en = err.message(Lang::En);
        let zh = err.message(Lang::ZhCn);
        assert!(!en.contains("error.") && !zh.contains("error."), "{code}");
        assert!(
            zh.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
            "{code}: {zh}"
        );
        assert_ne!(en, zh, "{code}");
        messages.insert(code.clone(), en);
    }
    // `APIG.0101` says what it means.
    assert!(
        messages["APIG.0101"].contains("does not look like a HUAWEI CLOUD Meeting server"),
        "{}",
        messages["APIG.0101"]
    );
    // Codes with their own message say more than their kind.
    assert_ne!(messages["USG.206010057"], messages["USG.206010025"]);
    assert_ne!(messages["MMC.111071074"], messages["MMC.111071075"]);
    // The SDK's local codes are not server codes.
    assert_eq!(ErrorKind::from_code("412100010"), None);
    assert_eq!(ErrorKind::from_code("USG.412100015"), None);
}

#[tokio::test]
async fn a_token_code_is_a_rejected_token_whatever_the_status() {
    for code in [
        "USG.000000004",
        "USG.206020000",
        "USG.200000004",
        "USG.206020002",
    ] {
        for status in [
            "200 OK",
            "400 Bad Request",
            "401 Unauthorized",
            "403 Forbidden",
            "500 Internal Server Error",
        ] {
            let body = serde_json::json!({"error_code": code, "error_msg": "TOKEN"}).to_string();
            let (result, _server) = random_against(&Reply::json(status, &body)).await;
            let err = result.expect_err(status);
            assert_eq!(err.kind, ErrorKind::NotSignedIn, "{code} with {status}");
            assert_eq!(err.code.as_deref(), Some(code));
        }
    }
}

#[tokio::test]
async fn an_address_that_is_not_the_service_says_so() {
    // What the service's gateway answers for a path it does not have, as the sandbox does.
    let (sandbox, _client) = sandbox().await;
    let wrong_base = Server::parse(&format!("{}/not-the-api", sandbox.url())).expect("url");
    let client = Client::new(wrong_base).expect("client");
    let err = client
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotAMeetingServer, "{err:?}");
    assert_eq!(err.code.as_deref(), Some("APIG.0101"));
    assert_eq!(meetjoin::cli::exit_code(err.kind), 5);
}

/// Secrets of the hostile-echo tests.
const ECHO_PASSWORD: &str = "Mtg-pw-4711";
const HELD_REFRESH: &str = "held-refresh-tok-55";
const HELD_APP_KEY: &str = "held-app-key-66";

/// A client that holds a refresh token and an App Key, as a signed-in session's does.
fn client_holding_secrets(server: &RawServer) -> Client {
    let client = server.client();
    let mut held = meetjoin::redact::Redactor::new();
    held.add(HELD_REFRESH);
    held.add(HELD_APP_KEY);
    client.hold_secrets(held);
    client
}

fn assert_no_secret(text: &str, secrets: &[&str], what: &str) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what}: {secret} in {text}");
    }
}

#[tokio::test]
async fn a_server_echoing_secrets_in_an_error_gets_them_masked() {
    let echo = format!("{RAW_TOKEN}|{ECHO_PASSWORD}|{HELD_REFRESH}|{HELD_APP_KEY}");
    let body = serde_json::json!({
        "error_code": format!("MMC.{ECHO_PASSWORD}"),
        "error_msg": format!("bad token {echo}"),
        "request_id": echo,
    })
    .to_string();
    let reply = Reply::http(
        "400 Bad Request",
        &[
            ("Content-Type", "application/json"),
            ("X-Request-Id", &format!("rid-{RAW_TOKEN}")),
        ],
        body.as_bytes(),
    );
    let server = RawServer::answering(&reply).await;
    let err = no_hang(client_holding_secrets(&server).auth_random(
        &secret(RAW_TOKEN),
        &request(OPEN_MEETING, ECHO_PASSWORD, false),
    ))
    .await
    .unwrap_err();
    let secrets = [RAW_TOKEN, ECHO_PASSWORD, HELD_REFRESH, HELD_APP_KEY];
    for lang in Lang::ALL {
        let shown = format!(
            "{}\n{}\n{err}\n{err:?}",
            err.message(lang),
            err.details(lang)
        );
        assert_no_secret(&shown, &secrets, "an error");
    }
    assert_eq!(err.request_id.as_deref(), Some("rid-***"));
    assert_eq!(err.code.as_deref(), Some("MMC.***"));
    assert!(
        err.service_message
            .as_deref()
            .is_some_and(|m| m.starts_with("bad token ***|"))
    );
}

#[tokio::test]
async fn a_server_echoing_secrets_in_a_success_gets_them_masked() {
    let random = "397381479198454";
    let body = serde_json::json!({
        "random": random,
        "subject": format!("{random} {RAW_TOKEN} {ECHO_PASSWORD} {HELD_APP_KEY} meeting"),
        "conf_mode": HELD_REFRESH,
    })
    .to_string();
    let reply = Reply::http(
        "200 OK",
        &[
            ("Content-Type", "application/json"),
            ("X-Request-Id", &format!("{HELD_REFRESH}-{random}")),
        ],
        body.as_bytes(),
    );
    let server = RawServer::answering(&reply).await;
    let reply = no_hang(client_holding_secrets(&server).auth_random(
        &secret(RAW_TOKEN),
        &request(OPEN_MEETING, ECHO_PASSWORD, false),
    ))
    .await
    .expect("a random");
    assert_eq!(reply.value.random.expose_secret(), random);
    assert_eq!(
        reply.value.subject.as_deref(),
        Some("*** *** *** *** meeting")
    );
    let shown = format!(
        "{:?} {:?} {:?}",
        reply.request_id,
        reply.value.subject,
        reply.value.conf_mode.as_ref().map(|m| m.as_sent())
    );
    assert_no_secret(
        &shown,
        &[random, RAW_TOKEN, ECHO_PASSWORD, HELD_REFRESH, HELD_APP_KEY],
        "a success",
    );
}

#[tokio::test]
async fn a_sign_in_reply_echoing_the_credentials_gets_them_masked() {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("me:{ECHO_PASSWORD}"));
    let body = serde_json::json!({
        "error_code": "USG.206010000",
        "error_msg": format!("Basic {basic} / {ECHO_PASSWORD}"),
    })
    .to_string();
    let server = RawServer::answering(&Reply::json("401 Unauthorized", &body)).await;
    let err = no_hang(
        server
            .client()
            .sign_in_account("me", &secret(ECHO_PASSWORD)),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::AccountOrPasswordWrong);
    assert_eq!(err.service_message.as_deref(), Some("Basic *** / ***"));

    // A token object whose user name is the new token itself.
    let body = serde_json::json!({
        "accessToken": "fresh-access-tok-77",
        "refreshToken": "fresh-refresh-tok-88",
        "user": {"name": "fresh-access-tok-77 / fresh-refresh-tok-88"},
    })
    .to_string();
    let server = RawServer::answering(&Reply::json("200 OK", &body)).await;
    let tokens = no_hang(
        server
            .client()
            .sign_in_account("me", &secret(ECHO_PASSWORD)),
    )
    .await
    .expect("tokens")
    .value;
    assert_eq!(tokens.user_name.as_deref(), Some("*** / ***"));
}

#[tokio::test]
async fn an_optional_field_of_the_wrong_type_is_unknown_and_the_random_still_shows() {
    let cases = [
        r#"{"random":"123456789012345","webinar":"true","conf_mode":5,"subject":"s"}"#,
        r#"{"random":"123456789012345","need_password":1,"support_applets":"yes","subject":42}"#,
        r#"{"random":"123456789012345","conf_mode":{"a":1},"webinar":[true],"need_password":"false"}"#,
    ];
    for body in cases {
        let (result, _server) = random_against(&Reply::json("200 OK", body)).await;
        let value = result.unwrap_or_else(|e| panic!("{body}: {e:?}"));
        assert_eq!(value.random.expose_secret(), "123456789012345", "{body}");
        let parsed: serde_json::Value = serde_json::from_str(body).expect("json");
        if !parsed["webinar"].is_null() {
            assert_eq!(value.webinar, None, "{body}");
        }
        if !parsed["conf_mode"].is_null() {
            assert_eq!(value.conf_mode, None, "{body}");
        }
        if parsed["subject"].is_number() {
            assert_eq!(value.subject, None, "{body}");
        }
        if !parsed["need_password"].is_null() {
            assert_eq!(value.need_password, None, "{body}");
        }
    }
    // An error body whose fields have the wrong types is still classified by its status.
    let (result, _server) = random_against(&Reply::json(
        "401 Unauthorized",
        r#"{"error_code":4,"error_msg":["x"],"request_id":{"a":1}}"#,
    ))
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(err.code, None);
}

#[tokio::test]
async fn every_call_says_its_language_and_content_type() {
    let language = meetjoin::api::LanguageSetting::new(Lang::ZhCn);
    let server = RawServer::canned(json_reply("200 OK", GOOD_BODY)).await;
    let client = Client::with_options(
        Server::parse(&format!("http://{}", server.addr)).expect("loopback"),
        ClientOptions {
            language: language.clone(),
            ..ClientOptions::default()
        },
    )
    .expect("client");
    client
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .expect("ok");
    language.set(Lang::En);
    let _ = client.sign_out(&secret("t")).await;
    let _ = client.validate(&secret("t")).await;
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let expected = ["zh-CN", "en-US", "en-US"];
    for (raw, language) in requests.iter().zip(expected) {
        assert_eq!(
            header_of(raw, "accept-language").as_deref(),
            Some(language),
            "{raw}"
        );
        assert_eq!(
            header_of(raw, "content-type").as_deref(),
            Some("application/json"),
            "{raw}"
        );
    }
    // Validation asks for the account information.
    let body = requests[2].split("\r\n\r\n").nth(1).expect("a body");
    let body: serde_json::Value = serde_json::from_str(body).expect("json body");
    assert_eq!(body["needAccountInfo"], true);
    assert_eq!(body["needGenNewToken"], false);
}

#[tokio::test]
async fn a_token_or_error_reply_that_is_an_array_is_not_read_by_position() {
    // serde fills a struct from an array by position: `["tok"]` must not pass for a token.
    let server =
        RawServer::answering(&Reply::json("200 OK", r#"["fake-access-token", 3600]"#)).await;
    let err = no_hang(server.client().sign_in_account("me", &secret("pw")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply, "{err:?}");
    // An error body that is an array names no code: the status decides.
    let (result, _server) = random_against(&Reply::json(
        "400 Bad Request",
        r#"["USG.000000004", "TOKEN"]"#,
    ))
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code, None, "{err:?}");
    assert_ne!(err.kind, ErrorKind::NotSignedIn);
}
