//! The sandbox, spoken to over raw HTTP the way the real service would be.
//!
//! The tables below are the contract: a request, and the status, `error_code` and `error_msg`
//! the service answers it with.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use meetjoin::sandbox::{
    DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD, DEMO_SP_APP_ID, DEMO_SP_APP_KEY,
    DEMO_SP_CORP_ID, Sandbox, SandboxConfig, SandboxStats, seed_meetings,
};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

const RANDOM_PATH: &str = "/v2/mms/ncms/conferences/auth/random";
const ACCOUNT_PATH: &str = "/v1/usg/acs/auth/account";
const APP_AUTH_PATH: &str = "/v2/usg/acs/auth/appauth";
const TOKEN_PATH: &str = "/v1/usg/acs/token";
const VALIDATE_PATH: &str = "/v1/usg/acs/token/validate";
const JSON_UTF8: &str = "application/json;charset=UTF-8";
const NONCE: &str = "0123456789abcdef0123456789abcdef";
/// The open meeting, as a query.
const OPEN: &str = "conf_id=914047175";

/// The longest a waited-for change may take: only a hang runs into it.
const DEADLINE: Duration = Duration::from_secs(30);

// ---- The service's refusals: (HTTP status, error_code, error_msg) --------------------------

type Refusal = (StatusCode, &'static str, &'static str);

const TOKEN_INVALID: Refusal = (StatusCode::UNAUTHORIZED, "USG.000000004", "TOKEN_INVALID");
const BODY_INVALID: Refusal = (StatusCode::BAD_REQUEST, "USG.000000001", "PARAM_INVALID");
const USG_AUTH_FAILED: Refusal = (StatusCode::UNAUTHORIZED, "USG.206010000", "USG_AUTH_FAILED");
const APP_AUTH_FAILED: Refusal = (StatusCode::UNAUTHORIZED, "USG.206010025", "APP_AUTH_FAILED");
const APP_AUTH_EXPIRED: Refusal = (
    StatusCode::UNAUTHORIZED,
    "USG.206010057",
    "APP_AUTH_EXPIRED",
);
const QUERY_INVALID: Refusal = (StatusCode::BAD_REQUEST, "MMC.111070001", "PARAM_INVALID");
const TOO_MANY_REQUESTS: Refusal = (
    StatusCode::TOO_MANY_REQUESTS,
    "MMC.100000429",
    "TOO_MANY_REQUESTS",
);
const NOT_FOUND_OR_AUTH_FAILED: Refusal = (
    StatusCode::BAD_REQUEST,
    "MMC.111072065",
    "CONF_NOT_FOUND_OR_AUTH_FAILED",
);
const PASSWORD_EMPTY: Refusal = (StatusCode::BAD_REQUEST, "MMC.111070009", "PASSWORD_EMPTY");
const LOCKED: Refusal = (
    StatusCode::BAD_REQUEST,
    "MMC.111071052",
    "TOO_MANY_ATTEMPTS_LOCKED",
);
const WAITING_FOR_HOST: Refusal = (StatusCode::BAD_REQUEST, "MMC.111071058", "WAITING_FOR_HOST");
const CONF_ENDED: Refusal = (StatusCode::BAD_REQUEST, "MMC.111072006", "CONF_ENDED");
const NOT_FOUND: Refusal = (
    StatusCode::NOT_FOUND,
    "APIG.0101",
    "The API does not exist or has not been published in the environment",
);

// ---- Helpers ------------------------------------------------------------------------------

/// A sandbox on a free port and a plain HTTP client for it.
struct Api {
    sandbox: Sandbox,
    http: Client,
}

impl Api {
    async fn start(config: SandboxConfig) -> Api {
        let sandbox = Sandbox::start(SandboxConfig { port: 0, ..config })
            .await
            .expect("sandbox starts");
        Api {
            sandbox,
            http: http(),
        }
    }

    async fn default() -> Api {
        Api::start(SandboxConfig::default()).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.url())
    }

    fn stats(&self) -> SandboxStats {
        self.sandbox.stats()
    }

    /// Signs in with the demo account and returns the token object.
    async fn sign_in(&self) -> Value {
        let response = send(
            self.http
                .post(self.url(ACCOUNT_PATH))
                .basic_auth(DEMO_ACCOUNT, Some(DEMO_PASSWORD))
                .json(&json!({"account": DEMO_ACCOUNT, "clientType": 72})),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }

    async fn access_token(&self) -> String {
        text(&self.sign_in().await, "accessToken")
    }

    /// The auth-random call; `query` is the raw query string.
    async fn random(&self, token: Option<&str>, query: &str, password: Option<&str>) -> Response {
        let mut request = self.http.get(self.url(&format!("{RANDOM_PATH}?{query}")));
        if let Some(token) = token {
            request = request.header("X-Access-Token", token);
        }
        if let Some(password) = password {
            request = request.header("X-Password", password);
        }
        send(request).await
    }

    async fn refresh(&self, refresh: &str) -> Response {
        send(
            self.http
                .put(self.url(TOKEN_PATH))
                .header("X-Access-Token", refresh),
        )
        .await
    }

    async fn validate(&self, token: &str) -> Response {
        send(
            self.http
                .post(self.url(VALIDATE_PATH))
                .json(&json!({"token": token, "needGenNewToken": false})),
        )
        .await
    }

    async fn sign_out(&self, token: &str) -> Response {
        send(
            self.http
                .delete(self.url(TOKEN_PATH))
                .header("X-Access-Token", token),
        )
        .await
    }

    /// An App ID sign-in signed with `signature`, naming `access_app_id` in the header.
    async fn app_sign_in(&self, access_app_id: &str, signature: &str, body: &Value) -> Response {
        let request = AppAuth {
            authorization: Some(app_authorization(access_app_id, signature)),
            long_ticket: true,
            token_type: None,
            body: Body::Json(body.clone()),
        };
        send(request.build(&self.http, &self.url(APP_AUTH_PATH))).await
    }
}

/// A plain HTTP client. reqwest is built without a default crypto provider: install the one
/// meetjoin uses (a no-op once installed).
fn http() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::new()
}

async fn send(request: RequestBuilder) -> Response {
    request.send().await.expect("request")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// A string field of a JSON object.
fn text(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {value}"))
        .to_owned()
}

/// Asserts a successful auth-random reply and returns its body.
async fn expect_random(response: Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], JSON_UTF8);
    let body: Value = response.json().await.expect("json");
    let random = body["random"].as_str().expect("random is a string");
    assert_eq!(random.len(), 15, "{random}");
    assert!(random.bytes().all(|b| b.is_ascii_digit()), "{random}");
    assert!(!random.starts_with('0'), "{random}");
    body
}

/// Asserts an error reply: status, code, message, content type, and the request id in body and
/// header alike.
async fn expect_error(response: Response, (status, code, message): Refusal) -> Value {
    let url = response.url().clone();
    assert_eq!(response.status(), status, "{url}: {code}");
    assert_eq!(response.headers()["content-type"], JSON_UTF8, "{url}");
    let header_id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error_code"], code, "{url}: {body}");
    assert_eq!(body["error_msg"], message, "{url}: {body}");
    assert_eq!(body["request_id"], header_id.as_str(), "{url}");
    body
}

fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds")
}

/// Polls `$until` (which may `.await`) every 20 ms; fails the test if it is still false after
/// [`DEADLINE`].
macro_rules! wait_for {
    ($what:expr, $until:expr) => {{
        let started = Instant::now();
        while !$until {
            assert!(
                started.elapsed() < DEADLINE,
                "{}: not within {DEADLINE:?}",
                $what
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }};
}

// ---- The auth-random call -----------------------------------------------------------------

#[tokio::test]
async fn url_is_loopback_http_without_trailing_slash() {
    let api = Api::default().await;
    let addr = api.sandbox.addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert_eq!(
        api.sandbox.url(),
        format!("http://127.0.0.1:{}", addr.port())
    );
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn meetings_answer_with_their_details() {
    let api = Api::default().await;
    let token = api.access_token().await;
    #[rustfmt::skip]
    let cases = [
        // query, X-Password          subject, conf_mode, webinar, need_password, support_applets
        ("conf_id=914047175&guest_waiting=0", None,  ("zhang的会议", "RTC", false, false, true)),
        // An open meeting ignores a password.
        (OPEN,                        Some("999"),    ("zhang的会议", "RTC", false, false, true)),
        ("conf_id=987654321&guest_waiting=0", Some("123456"), ("季度评审会", "COMMON", false, true, false)),
        ("conf_id=900000001",         Some("246810"), ("Product Launch Webinar", "RTC", true, true, true)),
        ("conf_id=900000002&guest_waiting=1", None,  ("等待主持人", "RTC", false, false, true)),
    ];
    for (query, password, (subject, mode, webinar, need_password, applets)) in cases {
        let body = expect_random(api.random(Some(&token), query, password).await).await;
        let what = format!("{query} with {password:?}");
        assert_eq!(body["subject"], subject, "{what}");
        assert_eq!(body["conf_mode"], mode, "{what}");
        assert_eq!(body["webinar"], webinar, "{what}");
        assert_eq!(body["need_password"], need_password, "{what}");
        assert_eq!(body["support_applets"], applets, "{what}");
    }
}

#[tokio::test]
async fn every_call_gets_a_fresh_random() {
    let api = Api::default().await;
    let token = api.access_token().await;
    let mut randoms = Vec::new();
    for _ in 0..5 {
        let body = expect_random(api.random(Some(&token), OPEN, None).await).await;
        randoms.push(text(&body, "random"));
    }
    randoms.sort();
    randoms.dedup();
    assert_eq!(randoms.len(), 5, "every random differs");
}

#[tokio::test]
async fn auth_random_refusals() {
    let api = Api::default().await;
    let token = api.access_token().await;
    let t = Some(token.as_str());
    #[rustfmt::skip]
    let cases = [
        // The token is checked before anything else.
        (None,                "conf_id=914047175",                  None,           TOKEN_INVALID),
        (Some(""),            "conf_id=914047175",                  None,           TOKEN_INVALID),
        (Some("not-a-token"), "conf_id=914047175",                  None,           TOKEN_INVALID),
        (None,                "conf_id=abc",                        None,           TOKEN_INVALID),
        (None,                "conf_id=900000003",                  None,           TOKEN_INVALID),
        // Then the query.
        (t,                   "",                                   None,           QUERY_INVALID),
        (t,                   "guest_waiting=0",                    None,           QUERY_INVALID),
        (t,                   "conf_id=",                           None,           QUERY_INVALID),
        (t,                   "conf_id=914-047-175",                None,           QUERY_INVALID),
        (t,                   "conf_id=91404717a",                  None,           QUERY_INVALID),
        (t,                   "conf_id=914047175&guest_waiting=2",  None,           QUERY_INVALID),
        (t,                   "conf_id=914047175&guest_waiting=",   None,           QUERY_INVALID),
        // Then the meeting: unknown ones look like a wrong password.
        (t,                   "conf_id=123456789",                  Some("123456"), NOT_FOUND_OR_AUTH_FAILED),
        (t,                   "conf_id=0",                          Some("123456"), NOT_FOUND_OR_AUTH_FAILED),
        (t,                   "conf_id=9140471750",                 Some("123456"), NOT_FOUND_OR_AUTH_FAILED),
        (t,                   "conf_id=900000003&guest_waiting=0",  None,           CONF_ENDED),
        (t,                   "conf_id=900000003&guest_waiting=1",  None,           CONF_ENDED),
        // Then its password: missing or empty, or wrong.
        (t,                   "conf_id=987654321&guest_waiting=0",  None,           PASSWORD_EMPTY),
        (t,                   "conf_id=987654321&guest_waiting=0",  Some(""),       PASSWORD_EMPTY),
        (t,                   "conf_id=987654321&guest_waiting=0",  Some("654321"), NOT_FOUND_OR_AUTH_FAILED),
        (t,                   "conf_id=900000001",                  None,           PASSWORD_EMPTY),
        (t,                   "conf_id=900000001",                  Some("123456"), NOT_FOUND_OR_AUTH_FAILED),
        // Then the host: a waiting room answers only clients with a waiting page.
        (t,                   "conf_id=900000002&guest_waiting=0",  None,           WAITING_FOR_HOST),
        (t,                   "conf_id=900000002",                  None,           WAITING_FOR_HOST),
    ];
    for (token, query, password, refusal) in cases {
        expect_error(api.random(token, query, password).await, refusal).await;
    }
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_meeting_until_the_lockout_ends() {
    let api = Api::start(SandboxConfig {
        lockout: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await;
    let token = api.access_token().await;
    let t = Some(token.as_str());
    let q = "conf_id=987654321";
    for _ in 0..5 {
        expect_error(
            api.random(t, q, Some("000000")).await,
            NOT_FOUND_OR_AUTH_FAILED,
        )
        .await;
    }
    // Locked: even the right password is refused, with a Retry-After.
    let response = api.random(t, q, Some("123456")).await;
    assert_eq!(retry_after(&response), 1);
    expect_error(response, LOCKED).await;
    expect_error(api.random(t, q, Some("000000")).await, LOCKED).await;

    // Attempts while locked do not count. Once the lock lifts, the counter has restarted:
    // one wrong password is just wrong.
    let started = Instant::now();
    let after = loop {
        let response = api.random(t, q, Some("000000")).await;
        let body: Value = response.json().await.expect("json");
        if body["error_code"] != LOCKED.1 {
            break body;
        }
        assert!(started.elapsed() < DEADLINE, "the lock never lifts");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(after["error_code"], NOT_FOUND_OR_AUTH_FAILED.1, "{after}");
    expect_random(api.random(t, q, Some("123456")).await).await;
}

#[tokio::test]
async fn lockout_default_is_sixty_seconds() {
    assert_eq!(SandboxConfig::default().lockout, Duration::from_secs(60));
    let api = Api::default().await;
    let token = api.access_token().await;
    let t = Some(token.as_str());
    for _ in 0..5 {
        api.random(t, "conf_id=987654321", Some("1")).await;
    }
    let response = api.random(t, "conf_id=987654321", Some("123456")).await;
    let wait = retry_after(&response);
    assert!((59..=60).contains(&wait), "{wait}");
    expect_error(response, LOCKED).await;
}

#[tokio::test]
async fn a_right_password_resets_the_wrong_password_count() {
    let api = Api::default().await;
    let token = api.access_token().await;
    let t = Some(token.as_str());
    let q = "conf_id=987654321";
    for round in 0..3 {
        for _ in 0..4 {
            expect_error(
                api.random(t, q, Some("000000")).await,
                NOT_FOUND_OR_AUTH_FAILED,
            )
            .await;
        }
        let response = api.random(t, q, Some("123456")).await;
        assert_eq!(response.status(), StatusCode::OK, "round {round}");
    }
}

#[tokio::test]
async fn other_meetings_do_not_lock() {
    let api = Api::default().await;
    let token = api.access_token().await;
    let t = Some(token.as_str());
    for _ in 0..8 {
        expect_error(
            api.random(t, "conf_id=900000001", Some("1")).await,
            NOT_FOUND_OR_AUTH_FAILED,
        )
        .await;
    }
    expect_random(api.random(t, "conf_id=900000001", Some("246810")).await).await;
}

#[tokio::test]
async fn rate_limit_counts_per_token() {
    let api = Api::start(SandboxConfig {
        rate_limit_per_minute: 3,
        ..SandboxConfig::default()
    })
    .await;
    let token = api.access_token().await;
    for _ in 0..3 {
        expect_random(api.random(Some(&token), OPEN, None).await).await;
    }
    let response = api.random(Some(&token), OPEN, None).await;
    let wait = retry_after(&response);
    assert!((1..=60).contains(&wait), "{wait}");
    expect_error(response, TOO_MANY_REQUESTS).await;

    // Another token has its own allowance.
    let other = api.access_token().await;
    expect_random(api.random(Some(&other), OPEN, None).await).await;
    // A bad token is still told so first.
    expect_error(api.random(Some("nope"), OPEN, None).await, TOKEN_INVALID).await;
}

#[tokio::test]
async fn rate_limit_zero_means_off() {
    let api = Api::start(SandboxConfig {
        rate_limit_per_minute: 0,
        ..SandboxConfig::default()
    })
    .await;
    assert_eq!(SandboxConfig::default().rate_limit_per_minute, 100);
    let token = api.access_token().await;
    for _ in 0..120 {
        let response = api.random(Some(&token), OPEN, None).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}

// ---- Account sign-in and tokens -----------------------------------------------------------

#[tokio::test]
async fn account_sign_in_returns_the_documented_token_object() {
    let api = Api::default().await;
    let before_ms = u128::from(unix_now()) * 1000;
    let token = api.sign_in().await;
    let now = unix_now();
    let access = text(&token, "accessToken");
    let refresh = text(&token, "refreshToken");
    for t in [&access, &refresh] {
        assert!(
            t.len() >= 32 && t.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{t}"
        );
    }
    assert_ne!(access, refresh);
    assert_eq!(token["validPeriod"], 3600);
    let expire = token["expireTime"].as_u64().expect("expireTime");
    assert!(
        (now + 3599..=now + 3600).contains(&expire),
        "seconds: {expire}"
    );
    let created = u128::from(token["createTime"].as_u64().expect("createTime"));
    assert!(
        created >= before_ms && created <= before_ms + 5000,
        "milliseconds"
    );
    assert_eq!(token["refreshValidPeriod"], 2_592_000);
    let refresh_expire = token["refreshExpireTime"]
        .as_u64()
        .expect("refreshExpireTime");
    assert!((now + 2_591_999..=now + 2_592_000).contains(&refresh_expire));
    assert_eq!(token["tokenType"], 0);
    assert_eq!(token["clientType"], 72);
    assert_eq!(token["user"]["name"], DEMO_ACCOUNT);
    assert!(
        token["user"]["userId"]
            .as_str()
            .is_some_and(|u| !u.is_empty())
    );
    assert!(
        token["user"]["companyId"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );

    let second = api.sign_in().await;
    assert_ne!(second["accessToken"], token["accessToken"]);
    assert_ne!(second["refreshToken"], token["refreshToken"]);
}

/// How a request proves who is calling.
enum Auth {
    Basic(&'static str, &'static str),
    Bearer(&'static str),
    None,
}

/// A request body.
enum Body {
    Json(Value),
    /// Not JSON, though labelled as JSON.
    Malformed(&'static str),
    /// Not JSON, with no content type.
    Untyped(&'static str),
}

impl Body {
    fn attach(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Body::Json(value) => request.json(value),
            Body::Malformed(text) => request.header("content-type", JSON_UTF8).body(*text),
            Body::Untyped(text) => request.body(*text),
        }
    }
}

fn account_body(account: &str, client_type: u32) -> Body {
    Body::Json(json!({"account": account, "clientType": client_type}))
}

#[tokio::test]
async fn account_sign_in_refusals() {
    #[rustfmt::skip]
    let cases = [
        (Auth::Basic(DEMO_ACCOUNT, "wrong"),               account_body(DEMO_ACCOUNT, 72),        USG_AUTH_FAILED),
        (Auth::Basic("someone@else.test", DEMO_PASSWORD),  account_body("someone@else.test", 72), USG_AUTH_FAILED),
        (Auth::Basic(DEMO_ACCOUNT, ""),                    account_body(DEMO_ACCOUNT, 72),        USG_AUTH_FAILED),
        (Auth::None,                                       account_body(DEMO_ACCOUNT, 72),        USG_AUTH_FAILED),
        (Auth::Bearer("x"),                                account_body(DEMO_ACCOUNT, 72),        USG_AUTH_FAILED),
        (Auth::Basic(DEMO_ACCOUNT, DEMO_PASSWORD),         account_body(DEMO_ACCOUNT, 71),        BODY_INVALID),
        (Auth::Basic(DEMO_ACCOUNT, DEMO_PASSWORD),         Body::Malformed("{\"account\": "),     BODY_INVALID),
    ];
    let api = Api::default().await;
    let count = cases.len() as u64;
    for (auth, body, refusal) in cases {
        let request = api.http.post(api.url(ACCOUNT_PATH));
        let request = match auth {
            Auth::Basic(account, password) => request.basic_auth(account, Some(password)),
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::None => request,
        };
        expect_error(send(body.attach(request)).await, refusal).await;
    }
    assert_eq!(api.stats().account_sign_ins, count);
}

#[tokio::test]
async fn access_token_expires_after_its_ttl() {
    let api = Api::start(SandboxConfig {
        token_ttl: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await;
    let token = api.sign_in().await;
    assert_eq!(token["validPeriod"], 1);
    let access = text(&token, "accessToken");
    let refresh = text(&token, "refreshToken");
    expect_random(api.random(Some(&access), OPEN, None).await).await;

    wait_for!(
        "the access token expires",
        api.validate(&access).await.status() == StatusCode::UNAUTHORIZED
    );
    expect_error(api.random(Some(&access), OPEN, None).await, TOKEN_INVALID).await;
    expect_error(api.validate(&access).await, TOKEN_INVALID).await;

    // The refresh token outlives the access token.
    let renewed = api.refresh(&refresh).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await.expect("json");
    let new_access = text(&renewed, "accessToken");
    expect_random(api.random(Some(&new_access), OPEN, None).await).await;
}

#[tokio::test]
async fn refresh_with_the_access_token_issues_a_new_pair_and_ends_the_old_one() {
    let api = Api::default().await;
    let first = api.sign_in().await;
    let old_access = text(&first, "accessToken");
    let old_refresh = text(&first, "refreshToken");

    // As the reference documents it and the official SDKs send it: the access token.
    let response = api.refresh(&old_access).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], JSON_UTF8);
    let second: Value = response.json().await.expect("json");
    assert_ne!(second["accessToken"], first["accessToken"]);
    assert_ne!(second["refreshToken"], first["refreshToken"]);
    assert_eq!(second["validPeriod"], 3600);
    assert_eq!(second["refreshValidPeriod"], 2_592_000);
    assert_eq!(second["clientType"], 72);
    assert_eq!(second["user"], first["user"]);
    let new_access = text(&second, "accessToken");
    expect_random(api.random(Some(&new_access), OPEN, None).await).await;

    // The old pair ended with the refresh; a made-up token or none at all is refused.
    expect_error(
        api.random(Some(&old_access), OPEN, None).await,
        TOKEN_INVALID,
    )
    .await;
    expect_error(api.refresh(&old_access).await, TOKEN_INVALID).await;
    expect_error(api.refresh(&old_refresh).await, TOKEN_INVALID).await;
    expect_error(api.refresh("not-a-token").await, TOKEN_INVALID).await;
    let missing = send(api.http.put(api.url(TOKEN_PATH))).await;
    expect_error(missing, TOKEN_INVALID).await;
    assert_eq!(api.stats().refreshes, 5);
}

#[tokio::test]
async fn refresh_takes_the_refresh_token_as_a_fallback_once() {
    let api = Api::default().await;
    let first = api.sign_in().await;
    let old_refresh = text(&first, "refreshToken");
    let second: Value = api.refresh(&old_refresh).await.json().await.expect("json");
    let new_access = text(&second, "accessToken");
    expect_random(api.random(Some(&new_access), OPEN, None).await).await;
    // Spent.
    expect_error(api.refresh(&old_refresh).await, TOKEN_INVALID).await;
}

#[tokio::test]
async fn expired_access_tokens_can_be_refreshed_exactly_once() {
    let api = Api::default().await;
    let first = api.sign_in().await;
    let access = text(&first, "accessToken");
    let refresh = text(&first, "refreshToken");

    api.sandbox.expire_access_tokens();
    expect_error(api.random(Some(&access), OPEN, None).await, TOKEN_INVALID).await;

    let renewed: Value = api.refresh(&refresh).await.json().await.expect("json");
    let new_access = text(&renewed, "accessToken");
    expect_random(api.random(Some(&new_access), OPEN, None).await).await;
    assert_eq!(
        api.stats(),
        SandboxStats {
            random_calls: 2,
            account_sign_ins: 1,
            refreshes: 1,
            ..SandboxStats::default()
        }
    );
}

#[tokio::test]
async fn validate_describes_a_live_token_and_refuses_others() {
    let api = Api::default().await;
    let token = api.sign_in().await;
    let access = text(&token, "accessToken");
    let response = api.validate(&access).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["accessToken"], token["accessToken"]);
    assert_eq!(body["expireTime"], token["expireTime"]);
    assert_eq!(body["user"], token["user"]);
    let period = body["validPeriod"].as_u64().expect("validPeriod");
    assert!((3599..=3600).contains(&period));

    expect_error(api.validate("unknown").await, TOKEN_INVALID).await;
    let refresh = text(&token, "refreshToken");
    expect_error(api.validate(&refresh).await, TOKEN_INVALID).await;
    let malformed = Body::Untyped("not json").attach(api.http.post(api.url(VALIDATE_PATH)));
    expect_error(send(malformed).await, BODY_INVALID).await;
    assert_eq!(api.stats().validates, 4);
}

#[tokio::test]
async fn sign_out_revokes_the_token_and_its_refresh_token() {
    let api = Api::default().await;
    let token = api.sign_in().await;
    let access = text(&token, "accessToken");
    let refresh = text(&token, "refreshToken");
    let other = api.access_token().await;

    let response = api.sign_out(&access).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("x-request-id"));
    assert!(response.bytes().await.expect("body").is_empty());

    expect_error(api.random(Some(&access), OPEN, None).await, TOKEN_INVALID).await;
    expect_error(api.sign_out(&access).await, TOKEN_INVALID).await;
    expect_error(api.refresh(&refresh).await, TOKEN_INVALID).await;
    // Other sessions are untouched.
    expect_random(api.random(Some(&other), OPEN, None).await).await;
    assert_eq!(api.stats().sign_outs, 2);
}

// ---- App ID sign-in -----------------------------------------------------------------------

fn hmac_hex(message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(DEMO_APP_KEY.as_bytes()).expect("any key length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header of an App ID sign-in.
fn app_authorization(access_app_id: &str, signature: &str) -> String {
    format!(
        "HMAC-SHA256 signature={signature},access={}",
        STANDARD.encode(access_app_id)
    )
}

/// HMAC-SHA256 of `message` under the SP application's key, in upper-case hex (as the SDKs).
fn sp_hmac_hex(message: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(DEMO_SP_APP_KEY.as_bytes()).expect("any key length");
    mac.update(message.as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// An App ID sign-in request.
struct AppAuth {
    authorization: Option<String>,
    /// Sends `X-Token-Type: LongTicket`.
    long_ticket: bool,
    /// Sends this `X-Token-Type` instead.
    token_type: Option<&'static str>,
    body: Body,
}

impl AppAuth {
    /// A request for `body` signed with `signature`, for the demo App ID.
    fn signed(signature: &str, body: Value) -> AppAuth {
        AppAuth {
            authorization: Some(app_authorization(DEMO_APP_ID, signature)),
            long_ticket: true,
            token_type: None,
            body: Body::Json(body),
        }
    }

    /// A request for `body` over the SP App ID, signed with `signature`, as the official SDKs
    /// send it: no `X-Token-Type`.
    fn sp(signature: &str, fields: Value) -> AppAuth {
        let mut body = app_body(fields);
        body["appId"] = json!(DEMO_SP_APP_ID);
        AppAuth {
            authorization: Some(app_authorization(DEMO_SP_APP_ID, signature)),
            long_ticket: false,
            token_type: None,
            body: Body::Json(body),
        }
    }

    fn build(&self, http: &Client, url: &str) -> RequestBuilder {
        let mut request = http.post(url);
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        if self.long_ticket {
            request = request.header("X-Token-Type", "LongTicket");
        }
        if let Some(token_type) = self.token_type {
            request = request.header("X-Token-Type", token_type);
        }
        self.body.attach(request)
    }
}

/// The body of an App ID sign-in: `fields` over the demo App ID, client type 72, no expiry
/// and [`NONCE`].
fn app_body(fields: Value) -> Value {
    let mut body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": 0, "nonce": NONCE});
    for (key, value) in fields.as_object().expect("an object") {
        body[key] = value.clone();
    }
    body
}

#[tokio::test]
async fn app_sign_in_accepts_fixed_python_test_vectors() {
    // Computed independently with Python's standard library:
    //   hmac.new(b"sandbox-app-key-0123456789abcdef",
    //            b"sandbox-app:alice:0:0123456789abcdef0123456789abcdef",
    //            hashlib.sha256).hexdigest()
    const ALICE: &str = "fd5bdfba08767da73340a5de794729751de6d3a0f5423289aea19333410a87db";
    // Same, over b"sandbox-app::0:0123456789abcdef0123456789abcdef" (no userId).
    const ADMIN: &str = "5f6550367c506219aac604a3c13dd1def1271aebad1ae756795d75650be0ad21";
    assert_eq!(hmac_hex(&format!("{DEMO_APP_ID}:alice:0:{NONCE}")), ALICE);

    // A single-tenant application ignores a corp ID; an absent or empty user ID keeps its
    // colons.
    let no_user = hmac_hex(&format!("{DEMO_APP_ID}::0:{NONCE}"));
    #[rustfmt::skip]
    let cases = [
        // body fields, signature                              user fields in the token object
        (json!({"userId": "alice"}),                  ALICE,       json!({"userId": "alice", "name": "alice"})),
        (json!({}),                                   ADMIN,       json!({"name": "admin"})),
        (json!({"userId": "", "corpId": null}),       no_user.as_str(), json!({"name": "admin"})),
        (json!({"userId": "alice", "corpId": "corp42"}), ALICE,    json!({"companyId": "100000001"})),
        (json!({"corpId": ""}),                       no_user.as_str(), json!({"name": "admin"})),
    ];
    let api = Api::default().await;
    for (fields, signature, user) in cases {
        let response = api
            .app_sign_in(DEMO_APP_ID, signature, &app_body(fields.clone()))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{fields}");
        let token: Value = response.json().await.expect("json");
        for (key, value) in user.as_object().expect("an object") {
            assert_eq!(&token["user"][key], value, "{fields}: {key}");
        }
    }
    // Upper-case hex and no X-Token-Type, as the official SDKs send it.
    let upper = AppAuth {
        long_ticket: false,
        ..AppAuth::signed(
            &ALICE.to_ascii_uppercase(),
            app_body(json!({"userId": "alice", "corpId": null})),
        )
    };
    let response = send(upper.build(&api.http, &api.url(APP_AUTH_PATH))).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn sp_app_sign_in_signs_the_corp_id_place() {
    // Computed independently with Python's standard library, upper-cased:
    //   hmac.new(b"sandbox-sp-app-key-0123456789abcdef",
    //            b"sandbox-sp-app:sandbox-corp:alice:0:0123456789abcdef0123456789abcdef",
    //            hashlib.sha256).hexdigest().upper()
    const ALICE: &str = "83CC8337A78306D995F4637BA2028714B5C60B7F727A19DA5C3C54F84C053494";
    // Same, over b"sandbox-sp-app:::0:0123...cdef": the SP administrator.
    const SP_ADMIN: &str = "04D8CDA2EFC74E73B41AB2642E4C14728127A10E54223713514594662010372E";
    // Same, over b"sandbox-sp-app:sandbox-corp::0:0123...cdef": the enterprise's admin.
    const CORP_ADMIN: &str = "7BC6350B193DBE7BB055E5E410B56AF2BE3231AE9579590643D42683280CF592";
    assert_eq!(
        sp_hmac_hex(&format!(
            "{DEMO_SP_APP_ID}:{DEMO_SP_CORP_ID}:alice:0:{NONCE}"
        )),
        ALICE
    );
    #[rustfmt::skip]
    let cases = [
        (json!({"userId": "alice", "corpId": DEMO_SP_CORP_ID}), ALICE,      json!({"name": "alice", "companyId": DEMO_SP_CORP_ID})),
        (json!({"userId": "", "corpId": ""}),                   SP_ADMIN,   json!({"name": "admin"})),
        (json!({"userId": "", "corpId": null}),                 SP_ADMIN,   json!({"name": "admin"})),
        (json!({"corpId": DEMO_SP_CORP_ID}),                    CORP_ADMIN, json!({"name": "admin", "companyId": DEMO_SP_CORP_ID})),
    ];
    let api = Api::default().await;
    for (fields, signature, user) in cases {
        let response =
            send(AppAuth::sp(signature, fields.clone()).build(&api.http, &api.url(APP_AUTH_PATH)))
                .await;
        assert_eq!(response.status(), StatusCode::OK, "{fields}");
        let token: Value = response.json().await.expect("json");
        for (key, value) in user.as_object().expect("an object") {
            assert_eq!(&token["user"][key], value, "{fields}: {key}");
        }
    }
    // Signed the single-tenant way, for another enterprise, or a user with no enterprise.
    let four_part = sp_hmac_hex(&format!("{DEMO_SP_APP_ID}:alice:0:{NONCE}"));
    let acme = sp_hmac_hex(&format!("{DEMO_SP_APP_ID}:acme:alice:0:{NONCE}"));
    let no_corp = sp_hmac_hex(&format!("{DEMO_SP_APP_ID}::alice:0:{NONCE}"));
    let refusals = [
        (
            json!({"userId": "alice", "corpId": DEMO_SP_CORP_ID}),
            four_part,
            APP_AUTH_FAILED,
        ),
        (
            json!({"userId": "alice", "corpId": "acme"}),
            acme,
            APP_AUTH_FAILED,
        ),
        (json!({"userId": "alice"}), no_corp, BODY_INVALID),
    ];
    for (fields, signature, refusal) in refusals {
        let response =
            send(AppAuth::sp(&signature, fields.clone()).build(&api.http, &api.url(APP_AUTH_PATH)))
                .await;
        expect_error(response, refusal).await;
    }
}

#[tokio::test]
async fn app_sign_in_gives_a_working_token_object() {
    let api = Api::default().await;
    let expire = unix_now() + 600;
    let nonce = "n".repeat(64);
    let signature = hmac_hex(&format!("{DEMO_APP_ID}:bob:{expire}:{nonce}"));
    let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": expire, "nonce": nonce, "userId": "bob"});
    // Upper-case hex is the same signature.
    let response = api
        .app_sign_in(DEMO_APP_ID, &signature.to_uppercase(), &body)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], JSON_UTF8);
    let token: Value = response.json().await.expect("json");
    assert_eq!(token["validPeriod"], 3600);
    assert_eq!(token["refreshValidPeriod"], 2_592_000);
    assert_eq!(token["tokenType"], 0);
    assert_eq!(token["clientType"], 72);
    assert_eq!(token["user"]["name"], "bob");
    let access = text(&token, "accessToken");
    expect_random(api.random(Some(&access), OPEN, None).await).await;
    assert_eq!(api.stats().app_sign_ins, 1);
}

#[tokio::test]
async fn app_sign_in_refusals() {
    let alice = app_body(json!({"userId": "alice"}));
    let good = hmac_hex(&format!("{DEMO_APP_ID}:alice:0:{NONCE}"));
    let mut wrong = good.clone();
    wrong.replace_range(0..1, if good.starts_with('0') { "1" } else { "0" });
    let past = unix_now() - 10;
    let admin = app_body(json!({}));
    let admin_signature = hmac_hex(&format!("{DEMO_APP_ID}::0:{NONCE}"));

    let mut cases = Vec::new();
    // Wrong signatures.
    for signature in [wrong.as_str(), "", "zz", &hmac_hex("something else")] {
        cases.push((
            "a wrong signature",
            AppAuth::signed(signature, alice.clone()),
            APP_AUTH_FAILED,
        ));
    }
    // `access` must name the body's App ID, and that must be the sandbox's.
    cases.push((
        "access names another app",
        AppAuth {
            authorization: Some(app_authorization("other-app", &good)),
            ..AppAuth::signed(&good, alice.clone())
        },
        APP_AUTH_FAILED,
    ));
    cases.push((
        "another app altogether",
        AppAuth {
            authorization: Some(app_authorization(
                "other-app",
                &hmac_hex(&format!("other-app:alice:0:{NONCE}")),
            )),
            ..AppAuth::signed(
                &good,
                app_body(json!({"appId": "other-app", "userId": "alice"})),
            )
        },
        APP_AUTH_FAILED,
    ));
    cases.push((
        "no Authorization header",
        AppAuth {
            authorization: None,
            ..AppAuth::signed(&good, alice.clone())
        },
        APP_AUTH_FAILED,
    ));
    cases.push((
        "expired",
        AppAuth::signed(
            &hmac_hex(&format!("{DEMO_APP_ID}:alice:{past}:{NONCE}")),
            app_body(json!({"userId": "alice", "expireTime": past})),
        ),
        APP_AUTH_EXPIRED,
    ));
    // A nonce of 32 to 64 characters.
    for nonce in ["short".to_owned(), "x".repeat(31), "x".repeat(65)] {
        cases.push((
            "a nonce of the wrong length",
            AppAuth::signed(
                &hmac_hex(&format!("{DEMO_APP_ID}:alice:0:{nonce}")),
                app_body(json!({"userId": "alice", "nonce": nonce})),
            ),
            BODY_INVALID,
        ));
    }
    cases.push((
        "client type 71",
        AppAuth::signed(
            &good,
            app_body(json!({"userId": "alice", "clientType": 71})),
        ),
        BODY_INVALID,
    ));
    cases.push((
        "an X-Token-Type other than LongTicket",
        AppAuth {
            long_ticket: false,
            token_type: Some("ShortTicket"),
            ..AppAuth::signed(&admin_signature, admin.clone())
        },
        BODY_INVALID,
    ));
    cases.push((
        "a body that is not JSON",
        AppAuth {
            body: Body::Untyped("{"),
            ..AppAuth::signed(&admin_signature, admin)
        },
        BODY_INVALID,
    ));

    let api = Api::default().await;
    let count = cases.len() as u64;
    for (what, request, refusal) in cases {
        let response = send(request.build(&api.http, &api.url(APP_AUTH_PATH))).await;
        assert_eq!(response.status(), refusal.0, "{what}");
        expect_error(response, refusal).await;
    }
    assert_eq!(api.stats().app_sign_ins, count);
}

// ---- Cross-cutting ------------------------------------------------------------------------

#[tokio::test]
async fn every_reply_carries_the_request_id() {
    let api = Api::default().await;
    let token = api.access_token().await;

    let response = send(
        api.http
            .get(api.url(&format!("{RANDOM_PATH}?{OPEN}")))
            .header("X-Access-Token", &token)
            .header("X-Request-ID", "trace-42"),
    )
    .await;
    assert_eq!(response.headers()["x-request-id"], "trace-42");
    expect_random(response).await;

    let response = send(
        api.http
            .get(api.url(&format!("{RANDOM_PATH}?conf_id=123")))
            .header("X-Access-Token", &token)
            .header("X-Request-ID", "trace-43"),
    )
    .await;
    let body = expect_error(response, NOT_FOUND_OR_AUTH_FAILED).await;
    assert_eq!(body["request_id"], "trace-43");

    // Without one, each reply gets a fresh UUID.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = api.random(None, OPEN, None).await;
        let id = response.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        uuid::Uuid::parse_str(&id).expect("a UUID");
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
    let response = api.random(Some(&token), OPEN, None).await;
    assert!(response.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn anything_else_is_a_json_404() {
    let api = Api::default().await;
    let http = &api.http;
    let requests = [
        http.get(api.url("/")),
        http.get(api.url("/v1/mmc/management/conferences/anonymous/auth")),
        http.post(api.url(RANDOM_PATH)),
        http.get(api.url(ACCOUNT_PATH)),
        http.post(api.url(TOKEN_PATH)),
        http.get(api.url(&format!("{RANDOM_PATH}/"))),
    ];
    for request in requests {
        let response = send(request.header("X-Request-ID", "r404")).await;
        assert_eq!(response.headers()["x-request-id"], "r404");
        expect_error(response, NOT_FOUND).await;
    }
}

#[tokio::test]
async fn seed_table_matches_what_the_server_says() {
    let seeds = seed_meetings();
    let ids: Vec<_> = seeds.iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        [
            "914047175",
            "987654321",
            "900000001",
            "900000002",
            "900000003",
            "900000004"
        ]
    );
    let api = Api::default().await;
    let token = api.access_token().await;
    for seed in seeds.iter().filter(|m| m.id != "900000003") {
        assert_eq!(seed.need_password, seed.password.is_some());
        assert!(!seed.behaviour.is_empty());
        let q = format!("conf_id={}&guest_waiting=1", seed.id);
        let body = expect_random(api.random(Some(&token), &q, seed.password).await).await;
        assert_eq!(body["subject"], seed.subject);
        assert_eq!(body["conf_mode"], seed.conf_mode);
        assert_eq!(body["webinar"], seed.webinar);
        assert_eq!(body["need_password"], seed.need_password);
        assert_eq!(body["support_applets"], seed.support_applets);
    }
}

#[tokio::test]
async fn stats_count_every_request_per_endpoint() {
    let api = Api::default().await;
    assert_eq!(api.stats(), SandboxStats::default());
    let token = api.sign_in().await;
    let access = text(&token, "accessToken");
    api.random(Some(&access), OPEN, None).await;
    api.random(None, OPEN, None).await;
    api.validate(&access).await;
    api.app_sign_in(DEMO_APP_ID, "00", &app_body(json!({})))
        .await;
    let renewed: Value = api
        .refresh(&text(&token, "refreshToken"))
        .await
        .json()
        .await
        .expect("json");
    api.sign_out(&text(&renewed, "accessToken")).await;
    assert_eq!(
        api.stats(),
        SandboxStats {
            random_calls: 2,
            account_sign_ins: 1,
            app_sign_ins: 1,
            refreshes: 1,
            validates: 1,
            sign_outs: 1,
            portal_nonces: 0,
            meeting_searches: 0,
        }
    );
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let api = Api::default().await;
    let addr = api.sandbox.addr();
    api.sandbox.shutdown().await;
    // A fresh client, so no pooled connection hides the result.
    let result = http().get(format!("http://{addr}/")).send().await;
    assert!(result.is_err(), "server still answers after shutdown");

    let api = Api::default().await;
    let addr = api.sandbox.addr();
    drop(api);
    wait_for!(
        "the server stops answering after drop",
        http().get(format!("http://{addr}/")).send().await.is_err()
    );
}
