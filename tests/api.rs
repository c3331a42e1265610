//! `meetjoin::api::Client` over real loopback TCP: against the sandbox, and against tiny
//! hand-written servers that answer with broken, hostile or surprising HTTP.

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
    DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD, Sandbox, SandboxConfig, seed_meetings,
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

fn demo_app(user_id: Option<&str>, corp_id: Option<&str>) -> AppIdCredentials {
    AppIdCredentials {
        app_id: DEMO_APP_ID.to_owned(),
        app_key: secret(DEMO_APP_KEY),
        user_id: user_id.map(str::to_owned),
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
    /// Accepts connections forever; reads each request head (and body), records it, then
    /// hands the stream to `handler`.
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

/// One auth-random call against a server answering `bytes`.
async fn random_against(bytes: Vec<u8>) -> Result<AuthRandom, ApiError> {
    let server = RawServer::canned(bytes).await;
    server
        .client()
        .auth_random(&secret("token"), &request(OPEN_MEETING, "", false))
        .await
        .map(|reply| reply.value)
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
    assert_eq!(sandbox.stats().random_calls, 7);
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
async fn request_id_is_the_reply_header_when_the_server_sends_one() {
    let body = http_reply(
        "200 OK",
        &[
            ("Content-Type", "application/json"),
            ("X-Request-Id", "srv-req-0001"),
        ],
        GOOD_BODY.as_bytes(),
    );
    let server = RawServer::canned(body).await;
    let reply = server
        .client()
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .expect("ok");
    assert_eq!(reply.request_id.as_deref(), Some("srv-req-0001"));
    let sent = header_of(&server.requests()[0], "x-request-id").expect("sent an id");
    assert!(is_uuid(&sent), "{sent}");
    assert_ne!(sent, "srv-req-0001");
}

#[tokio::test]
async fn request_id_falls_back_to_the_one_sent() {
    let server = RawServer::canned(json_reply("200 OK", GOOD_BODY)).await;
    let reply = server
        .client()
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .expect("ok");
    let sent = header_of(&server.requests()[0], "x-request-id").expect("sent an id");
    assert_eq!(reply.request_id.as_deref(), Some(sent.as_str()));
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

    let app = demo_app(Some("alice"), Some("corp-1"));
    let debug = format!("{app:?} {app:#?}");
    assert!(!debug.contains(DEMO_APP_KEY), "{debug}");
    assert!(
        debug.contains(DEMO_APP_ID) && debug.contains("alice"),
        "{debug}"
    );
}

// ---------------------------------------------------------------------------------------------
// Against the sandbox: meeting refusals
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn wrong_password_is_wrong_id_or_password() {
    let (_sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    let err = random_error(&client, &tokens.access, LOCKING_MEETING, "000000", false).await;
    assert_eq!(err.kind, ErrorKind::WrongIdOrPassword);
    assert_eq!(err.http_status, Some(400));
    assert_eq!(err.code.as_deref(), Some("MMC.111072065"));
    assert_eq!(
        err.service_message.as_deref(),
        Some("CONF_NOT_FOUND_OR_AUTH_FAILED")
    );
    assert!(err.request_id.as_deref().is_some_and(is_uuid), "{err:?}");
    assert_eq!(err.retry_after, None);
    assert!(err.kind.is_meeting_refusal());
}

#[tokio::test]
async fn empty_password_is_password_required() {
    let (_sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    let err = random_error(&client, &tokens.access, LOCKING_MEETING, "", false).await;
    assert_eq!(err.kind, ErrorKind::PasswordRequired);
    assert_eq!(err.http_status, Some(400));
    assert_eq!(err.code.as_deref(), Some("MMC.111070009"));
}

#[tokio::test]
async fn unknown_meeting_is_wrong_id_or_password() {
    let (_sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    let err = random_error(&client, &tokens.access, "111222333", "", false).await;
    assert_eq!(err.kind, ErrorKind::WrongIdOrPassword);
    assert_eq!(err.code.as_deref(), Some("MMC.111072065"));
}

#[tokio::test]
async fn ended_meeting_is_ended() {
    let (_sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    for guest_waiting in [false, true] {
        let err = random_error(&client, &tokens.access, ENDED_MEETING, "", guest_waiting).await;
        assert_eq!(err.kind, ErrorKind::Ended);
        assert_eq!(err.code.as_deref(), Some("MMC.111072006"));
    }
}

#[tokio::test]
async fn waiting_room_needs_guest_waiting() {
    let (_sandbox, client) = sandbox().await;
    let tokens = demo_tokens(&client).await;
    let err = random_error(&client, &tokens.access, WAITING_MEETING, "", false).await;
    assert_eq!(err.kind, ErrorKind::NotStarted);
    assert_eq!(err.code.as_deref(), Some("MMC.111071058"));
    let reply = client
        .auth_random(&tokens.access, &request(WAITING_MEETING, "", true))
        .await
        .expect("guest_waiting=1 succeeds");
    assert_eq!(reply.value.subject.as_deref(), Some("等待主持人"));
    assert_fifteen_digits(&reply.value.random);
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
    assert_eq!(err.code.as_deref(), Some("MMC.111071052"));
    let wait = err.retry_after.expect("Retry-After is kept");
    assert!(
        wait >= Duration::from_secs(1) && wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    // The person sees when to come back.
    let text = err.message(Lang::En);
    assert!(text.contains(&wait.as_secs().to_string()), "{text}");
    assert!(
        text.starts_with(&ErrorKind::Locked.message(Lang::En)),
        "{text}"
    );
}

#[tokio::test]
async fn bad_token_is_not_signed_in() {
    let (_sandbox, client) = sandbox().await;
    let err = random_error(&client, &secret("not-a-token"), OPEN_MEETING, "", false).await;
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(err.http_status, Some(401));
    assert_eq!(err.code.as_deref(), Some("USG.000000004"));
    assert!(err.kind.is_sign_in_problem());
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
    assert!(err.kind.is_transport_problem());
    assert_eq!(sandbox.stats().random_calls, 3);
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

#[tokio::test]
async fn account_sign_in_with_wrong_password_is_refused() {
    let (_sandbox, client) = sandbox().await;
    let err = client
        .sign_in_account(DEMO_ACCOUNT, &secret("wrong-password"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::AccountOrPasswordWrong);
    assert_eq!(err.http_status, Some(401));
    assert_eq!(err.code.as_deref(), Some("USG.206010000"));
    let err = client
        .sign_in_account("nobody@meetjoin.test", &secret(DEMO_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::AccountOrPasswordWrong);
}

#[tokio::test]
async fn app_id_with_wrong_key_or_id_is_rejected() {
    let (_sandbox, client) = sandbox().await;
    let mut app = demo_app(None, None);
    app.app_key = secret("not-the-key");
    let err = client.sign_in_app_id(&app).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::AppIdRejected);
    assert_eq!(err.code.as_deref(), Some("USG.206010025"));
    let mut app = demo_app(None, None);
    app.app_id = "someone-else".to_owned();
    let err = client.sign_in_app_id(&app).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::AppIdRejected);
}

#[tokio::test]
async fn app_id_sign_in_works_as_admin_user_and_with_corp() {
    let (sandbox, client) = sandbox().await;
    let cases = [
        (None, None, "admin"),
        (Some(""), Some(""), "admin"),
        (Some("alice"), None, "alice"),
        (Some("bob"), Some("corp-42"), "bob"),
        (None, Some("corp-42"), "admin"),
    ];
    for (user, corp, expected_name) in cases {
        let tokens = client
            .sign_in_app_id(&demo_app(user, corp))
            .await
            .unwrap_or_else(|e| panic!("{user:?}/{corp:?}: {e}"))
            .value;
        assert_eq!(tokens.user_name.as_deref(), Some(expected_name));
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
// Hostile and broken servers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn html_200_is_unreadable() {
    let html = b"<!DOCTYPE html><html><body>Welcome to the captive portal</body></html>";
    let err = random_against(http_reply("200 OK", &[("Content-Type", "text/html")], html))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply);
    let detail = err.detail.clone().unwrap_or_default();
    assert!(
        !detail.contains("captive"),
        "detail must not echo the body: {detail}"
    );
    assert!(err.request_id.is_some());
}

#[tokio::test]

async fn unreadable_200_reply_keeps_its_status() {
    let html = b"<html>portal</html>";
    let err = random_against(http_reply("200 OK", &[("Content-Type", "text/html")], html))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply);
    assert_eq!(err.http_status, Some(200), "a reply arrived: {err:?}");
    let err = random_against(json_reply("200 OK", r#"{"subject":"x"}"#))
        .await
        .unwrap_err();
    assert_eq!(err.http_status, Some(200), "a reply arrived: {err:?}");
}

#[tokio::test]
async fn html_502_is_server_error() {
    let err = random_against(http_reply(
        "502 Bad Gateway",
        &[("Content-Type", "text/html")],
        b"<html><h1>502 Bad Gateway</h1></html>",
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::ServerError);
    assert_eq!(err.http_status, Some(502));
    assert_eq!(err.code, None);
}

#[tokio::test]
async fn non_json_error_statuses_are_classified_by_status() {
    let cases = [
        ("401 Unauthorized", ErrorKind::NotSignedIn),
        ("429 Too Many Requests", ErrorKind::RateLimited),
        ("500 Internal Server Error", ErrorKind::ServerError),
        ("404 Not Found", ErrorKind::UnreadableReply),
    ];
    for (status, kind) in cases {
        let err = random_against(http_reply(status, &[], b"nope"))
            .await
            .unwrap_err();
        assert_eq!(err.kind, kind, "{status}");
    }
}

#[tokio::test]
async fn json_without_random_is_unreadable() {
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
        let err = random_against(json_reply("200 OK", body))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnreadableReply, "{body}");
    }
    let long = format!(r#"{{"random":"{}"}}"#, "1".repeat(65));
    let err = random_against(json_reply("200 OK", &long))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply);
}

#[tokio::test]
async fn random_as_a_number_is_accepted_as_text() {
    let value = random_against(json_reply("200 OK", r#"{"random":397381479198454}"#))
        .await
        .expect("a number is fine");
    assert_eq!(value.random.expose_secret(), "397381479198454");
}

#[tokio::test]
async fn missing_optional_fields_are_none_not_false() {
    for body in [
        r#"{"random":"123456789012345"}"#,
        r#"{"random":"123456789012345","subject":null,"conf_mode":null,"webinar":null,"need_password":null,"support_applets":null}"#,
    ] {
        let value = random_against(json_reply("200 OK", body))
            .await
            .expect(body);
        assert_eq!(value.random.expose_secret(), "123456789012345");
        assert_eq!(value.subject, None, "{body}");
        assert_eq!(value.conf_mode, None, "{body}");
        assert_eq!(value.webinar, None, "{body}");
        assert_eq!(value.need_password, None, "{body}");
        assert_eq!(value.support_applets, None, "{body}");
    }
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let body = r#"{"random":"123456789012345","siteUrl":"x","extra":{"a":[1,2]}}"#;
    random_against(json_reply("200 OK", body))
        .await
        .expect("extra fields are fine");
}

#[tokio::test]
async fn unknown_conf_mode_is_kept_as_unknown() {
    let value = random_against(json_reply(
        "200 OK",
        r#"{"random":"123456789012345","conf_mode":"FOO"}"#,
    ))
    .await
    .expect("unknown mode is not an error");
    let mode = value.conf_mode.expect("mode sent");
    assert_eq!(mode, ConfMode::Unknown("FOO".to_owned()));
    assert_eq!(mode.label(), "unknown");
    assert_eq!(mode.as_sent(), "FOO");
    let value = random_against(json_reply(
        "200 OK",
        r#"{"random":"123456789012345","conf_mode":"COMMON"}"#,
    ))
    .await
    .expect("ok");
    assert_eq!(value.conf_mode, Some(ConfMode::Mcu));
}

#[tokio::test]
async fn subject_is_cleaned_of_control_and_bidi_characters() {
    let body = serde_json::json!({
        "random": "123456789012345",
        "subject": "\u{202E}Team\u{0007} sync\u{2066}\n会议\u{2069}\u{202A}\r\t\u{1b}[31m",
    })
    .to_string();
    let value = random_against(json_reply("200 OK", &body))
        .await
        .expect("ok");
    let subject = value.subject.expect("subject");
    assert_eq!(subject, "Team sync会议[31m");
    assert!(
        !subject
            .chars()
            .any(|c| c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c))
    );
    let long = serde_json::json!({"random": "123456789012345", "subject": "长".repeat(5000)});
    let value = random_against(json_reply("200 OK", &long.to_string()))
        .await
        .expect("ok");
    let len = value.subject.expect("subject").chars().count();
    assert!(len <= 512, "subject capped, got {len} chars");
}

#[tokio::test]
async fn reply_of_exactly_the_limit_is_read() {
    let mut body = GOOD_BODY.as_bytes().to_vec();
    body.resize(MAX_REPLY_BYTES, b' ');
    let value = random_against(http_reply(
        "200 OK",
        &[("Content-Type", "application/json")],
        &body,
    ))
    .await
    .expect("1 MiB exactly is allowed");
    assert_eq!(value.random.expose_secret(), "397381479198454");
}

#[tokio::test]
async fn reply_over_the_limit_with_content_length_is_unreadable() {
    let mut body = GOOD_BODY.as_bytes().to_vec();
    body.resize(MAX_REPLY_BYTES + 1, b' ');
    let err = random_against(http_reply(
        "200 OK",
        &[("Content-Type", "application/json")],
        &body,
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply);
    assert!(
        err.detail
            .as_deref()
            .is_some_and(|d| d.contains("too large")),
        "{err:?}"
    );
}

#[tokio::test]
async fn chunked_reply_over_the_limit_is_unreadable() {
    let server = RawServer::start(|mut stream| async move {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                    Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let piece = vec![b' '; 64 * 1024];
        // 2 MiB in 64 KiB chunks, then the end; stop when the client hangs up.
        for _ in 0..32 {
            let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
            chunk.extend_from_slice(&piece);
            chunk.extend_from_slice(b"\r\n");
            if stream.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n").await;
        let _ = stream.shutdown().await;
    })
    .await;
    let err = server
        .client()
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply);
    assert!(
        err.detail
            .as_deref()
            .is_some_and(|d| d.contains("too large")),
        "{err:?}"
    );
}

#[tokio::test]
async fn reply_until_close_over_the_limit_is_unreadable() {
    // No Content-Length, no chunking: the body runs until the server closes.
    let server = RawServer::start(|mut stream| async move {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let piece = vec![b' '; 64 * 1024];
        for _ in 0..32 {
            if stream.write_all(&piece).await.is_err() {
                return;
            }
        }
        let _ = stream.shutdown().await;
    })
    .await;
    let err = server
        .client()
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply);
    assert!(
        err.detail
            .as_deref()
            .is_some_and(|d| d.contains("too large")),
        "{err:?}"
    );
}

#[tokio::test]
async fn truncated_body_is_unreadable() {
    let server = RawServer::start(|mut stream| async move {
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(b"{\"random\":").await;
        let _ = stream.shutdown().await;
    })
    .await;
    let err = server
        .client()
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply, "{err:?}");
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
        let err = server
            .client()
            .auth_random(
                &secret("tok-secret"),
                &request(OPEN_MEETING, "pw-secret", false),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnreadableReply, "{status}");
        let code: u16 = status[..3].parse().expect("status code");
        assert_eq!(err.http_status, Some(code));
        // The redirecting server did get the secrets (it is the configured one) ...
        assert_eq!(server.requests().len(), 1);
        // ... the second one never saw a connection, let alone our headers.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(elsewhere.connections(), 0, "{status}: redirect followed");
        assert!(elsewhere.requests().is_empty());
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
    let err = server
        .client()
        .sign_in_account(DEMO_ACCOUNT, &secret(DEMO_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(elsewhere.connections(), 0);
}

#[tokio::test]
async fn silent_server_times_out() {
    let server = RawServer::start(|stream| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(stream);
    })
    .await;
    let client = server.client_with(ClientOptions {
        timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(1),
    });
    let started = Instant::now();
    let err = client
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err:?}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert!(err.request_id.is_some());
}

#[tokio::test]
async fn body_that_stalls_times_out() {
    let server = RawServer::start(|mut stream| async move {
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
        let _ = stream.write_all(head.as_bytes()).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let client = server.client_with(ClientOptions {
        timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(1),
    });
    let started = Instant::now();
    let err = client
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(2500));
}

#[tokio::test]
async fn closed_port_is_network() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let server = Server::parse(&format!("http://127.0.0.1:{port}")).expect("loopback");
    let client = Client::with_options(
        server,
        ClientOptions {
            timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(1),
        },
    )
    .expect("client");
    let started = Instant::now();
    let err = client
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Network, "{err:?}");
    assert_eq!(err.http_status, None);
    assert!(started.elapsed() < Duration::from_secs(2));
    let detail = err.detail.unwrap_or_default();
    assert!(
        !detail.contains(RANDOM_PATH),
        "no URL in the detail: {detail}"
    );
}

#[tokio::test]
async fn token_error_code_is_not_signed_in() {
    let err = random_against(json_reply(
        "401 Unauthorized",
        r#"{"error_code":"USG.000000004","error_msg":"TOKEN_INVALID"}"#,
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(err.http_status, Some(401));
    assert_eq!(err.code.as_deref(), Some("USG.000000004"));
    assert_eq!(err.service_message.as_deref(), Some("TOKEN_INVALID"));
}

#[tokio::test]
async fn code_wins_over_status() {
    // "Meeting not found" as HTTP 500 is still a meeting refusal: branch on error_code.
    let err = random_against(json_reply(
        "500 Internal Server Error",
        r#"{"error_code":"MMC.111070005","error_msg":"CONF_NOT_EXIST"}"#,
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::MeetingNotFound);
    assert_eq!(err.http_status, Some(500));
}

#[tokio::test]
async fn unknown_code_is_other_and_kept() {
    let err = random_against(json_reply(
        "400 Bad Request",
        r#"{"error_code":"MMC.123456789","error_msg":"SOMETHING_NEW"}"#,
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Other);
    assert_eq!(err.http_status, Some(400));
    assert_eq!(err.code.as_deref(), Some("MMC.123456789"));
    assert_eq!(err.service_message.as_deref(), Some("SOMETHING_NEW"));
    let details = err.details(Lang::En);
    assert!(details.contains("MMC.123456789"), "{details}");
    assert!(details.contains("SOMETHING_NEW"), "{details}");
}

#[tokio::test]
async fn gateway_throttling_is_rate_limited() {
    let body = r#"{"error_code":"APIG.0308","error_msg":"The request is throttled"}"#;
    let err = random_against(http_reply(
        "429 Too Many Requests",
        &[("Content-Type", "application/json"), ("Retry-After", "7")],
        body.as_bytes(),
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert_eq!(err.code.as_deref(), Some("APIG.0308"));
    assert_eq!(err.retry_after, Some(Duration::from_secs(7)));
    // The same code behind another status is still throttling.
    let err = random_against(json_reply("403 Forbidden", body))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert_eq!(err.retry_after, None);
}

#[tokio::test]
async fn absurd_retry_after_is_capped_at_a_day() {
    let err = random_against(http_reply(
        "429 Too Many Requests",
        &[("Retry-After", "999999999")],
        br#"{"error_code":"MMC.100000429"}"#,
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_secs(24 * 3600)));
}

#[tokio::test]
async fn hostile_error_text_is_cleaned() {
    let body = serde_json::json!({
        "error_code": "MMC.1\u{202E}11072065\n",
        "error_msg": format!("\u{1b}[2Jbad\u{2066}\r\n{}", "x".repeat(1000)),
    })
    .to_string();
    let err = random_against(json_reply("400 Bad Request", &body))
        .await
        .unwrap_err();
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

    // guest_waiting=0 and an empty password header for a meeting without one.
    let server = RawServer::canned(json_reply("200 OK", GOOD_BODY)).await;
    server
        .client()
        .auth_random(&secret("t"), &request(OPEN_MEETING, "", false))
        .await
        .expect("ok");
    let raw = &server.requests()[0];
    assert!(
        raw.starts_with(&format!(
            "GET {RANDOM_PATH}?conf_id={OPEN_MEETING}&guest_waiting=0 HTTP/1.1\r\n"
        )),
        "{raw}"
    );
    assert_eq!(header_of(raw, "x-password").as_deref(), Some(""));
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
async fn token_reply_without_access_token_is_unreadable() {
    let server = RawServer::canned(json_reply("200 OK", r#"{"refreshToken":"r"}"#)).await;
    let err = server
        .client()
        .sign_in_account("a", &secret("b"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnreadableReply);
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
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.connections(), 0);
}

#[tokio::test]

async fn error_request_id_comes_from_the_body_when_no_header() {
    let err = random_against(json_reply(
        "400 Bad Request",
        r#"{"error_code":"MMC.111072065","error_msg":"X","request_id":"body-rid-42"}"#,
    ))
    .await
    .unwrap_err();
    assert_eq!(err.request_id.as_deref(), Some("body-rid-42"));
}

// ---------------------------------------------------------------------------------------------
// Messages and details
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
// Server settings
// ---------------------------------------------------------------------------------------------

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

#[tokio::test]
async fn connection_closed_without_a_reply_is_network() {
    let err = random_against(Vec::new()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Network, "{err:?}");
    assert_eq!(err.http_status, None);
}

#[tokio::test]

async fn reply_that_is_not_http_is_unreadable() {
    for bytes in [
        b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(),
        b"HTTP/1.1 abc\r\n\r\n".to_vec(),
        b"220 mail.example.com ESMTP\r\n".to_vec(),
    ] {
        let err = random_against(bytes.clone()).await.unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::UnreadableReply,
            "{}: {err:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
}
