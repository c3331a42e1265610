//! The sandbox, spoken to over raw HTTP the way the real service would be.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use meetjoin::sandbox::{
    DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD, Sandbox, SandboxConfig, SandboxStats,
    seed_meetings,
};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

const RANDOM_PATH: &str = "/v2/mms/ncms/conferences/auth/random";
const JSON_UTF8: &str = "application/json;charset=UTF-8";
const NONCE: &str = "0123456789abcdef0123456789abcdef";

async fn start(config: SandboxConfig) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(SandboxConfig { port: 0, ..config })
        .await
        .expect("sandbox starts");
    (sandbox, Client::new())
}

async fn start_default() -> (Sandbox, Client) {
    start(SandboxConfig::default()).await
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// Signs in with the demo account and returns the token object.
async fn sign_in(sandbox: &Sandbox, client: &Client) -> Value {
    let response = client
        .post(format!("{}/v1/usg/acs/auth/account", sandbox.url()))
        .basic_auth(DEMO_ACCOUNT, Some(DEMO_PASSWORD))
        .json(&json!({"account": DEMO_ACCOUNT, "clientType": 72}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

async fn access_token(sandbox: &Sandbox, client: &Client) -> String {
    sign_in(sandbox, client).await["accessToken"]
        .as_str()
        .expect("accessToken")
        .to_owned()
}

/// The auth-random call; `query` is the raw query string.
async fn random(
    sandbox: &Sandbox,
    client: &Client,
    token: Option<&str>,
    query: &str,
    password: Option<&str>,
) -> Response {
    let mut request = client.get(format!("{}{RANDOM_PATH}?{query}", sandbox.url()));
    if let Some(token) = token {
        request = request.header("X-Access-Token", token);
    }
    if let Some(password) = password {
        request = request.header("X-Password", password);
    }
    request.send().await.expect("request")
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

/// Asserts an error reply: status, code, content type, and the request id in body and header.
async fn expect_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], JSON_UTF8);
    let header_id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error_code"], code, "{body}");
    assert!(body["error_msg"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(body["request_id"], header_id.as_str());
    body
}

fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds")
}

#[tokio::test]
async fn url_is_loopback_http_without_trailing_slash() {
    let (sandbox, _) = start_default().await;
    let addr = sandbox.addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert_eq!(sandbox.url(), format!("http://127.0.0.1:{}", addr.port()));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn open_meeting_returns_its_details_and_a_fresh_random_each_time() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    let mut randoms = Vec::new();
    for _ in 0..5 {
        let body = expect_random(
            random(
                &sandbox,
                &client,
                Some(&token),
                "conf_id=914047175&guest_waiting=0",
                None,
            )
            .await,
        )
        .await;
        assert_eq!(body["subject"], "zhang的会议");
        assert_eq!(body["conf_mode"], "RTC");
        assert_eq!(body["webinar"], false);
        assert_eq!(body["need_password"], false);
        assert_eq!(body["support_applets"], true);
        randoms.push(body["random"].as_str().expect("random").to_owned());
    }
    randoms.sort();
    randoms.dedup();
    assert_eq!(randoms.len(), 5, "every random differs");
}

#[tokio::test]
async fn open_meeting_ignores_a_password() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    let response = random(
        &sandbox,
        &client,
        Some(&token),
        "conf_id=914047175",
        Some("999"),
    )
    .await;
    expect_random(response).await;
}

#[tokio::test]
async fn password_meeting_needs_its_password() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    let q = "conf_id=987654321&guest_waiting=0";
    let body =
        expect_random(random(&sandbox, &client, Some(&token), q, Some("123456")).await).await;
    assert_eq!(body["subject"], "季度评审会");
    assert_eq!(body["conf_mode"], "COMMON");
    assert_eq!(body["webinar"], false);
    assert_eq!(body["need_password"], true);
    assert_eq!(body["support_applets"], false);

    let missing = random(&sandbox, &client, Some(&token), q, None).await;
    expect_error(missing, StatusCode::BAD_REQUEST, "MMC.111070009").await;
    let empty = random(&sandbox, &client, Some(&token), q, Some("")).await;
    expect_error(empty, StatusCode::BAD_REQUEST, "MMC.111070009").await;
    let wrong = random(&sandbox, &client, Some(&token), q, Some("654321")).await;
    expect_error(wrong, StatusCode::BAD_REQUEST, "MMC.111072065").await;
}

#[tokio::test]
async fn webinar_needs_its_password() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    let q = "conf_id=900000001";
    let body =
        expect_random(random(&sandbox, &client, Some(&token), q, Some("246810")).await).await;
    assert_eq!(body["subject"], "Product Launch Webinar");
    assert_eq!(body["conf_mode"], "RTC");
    assert_eq!(body["webinar"], true);
    assert_eq!(body["need_password"], true);
    assert_eq!(body["support_applets"], true);

    let wrong = random(&sandbox, &client, Some(&token), q, Some("123456")).await;
    expect_error(wrong, StatusCode::BAD_REQUEST, "MMC.111072065").await;
    let missing = random(&sandbox, &client, Some(&token), q, None).await;
    expect_error(missing, StatusCode::BAD_REQUEST, "MMC.111070009").await;
}

#[tokio::test]
async fn waiting_meeting_answers_only_clients_with_a_waiting_page() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    for q in ["conf_id=900000002&guest_waiting=0", "conf_id=900000002"] {
        let response = random(&sandbox, &client, Some(&token), q, None).await;
        let body = expect_error(response, StatusCode::BAD_REQUEST, "MMC.111071058").await;
        assert_eq!(body["error_msg"], "WAITING_FOR_HOST");
    }
    let q = "conf_id=900000002&guest_waiting=1";
    let body = expect_random(random(&sandbox, &client, Some(&token), q, None).await).await;
    assert_eq!(body["subject"], "等待主持人");
    assert_eq!(body["conf_mode"], "RTC");
    assert_eq!(body["webinar"], false);
    assert_eq!(body["need_password"], false);
    assert_eq!(body["support_applets"], true);
}

#[tokio::test]
async fn ended_meeting_is_refused() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    for q in [
        "conf_id=900000003&guest_waiting=0",
        "conf_id=900000003&guest_waiting=1",
    ] {
        let response = random(&sandbox, &client, Some(&token), q, None).await;
        let body = expect_error(response, StatusCode::BAD_REQUEST, "MMC.111072006").await;
        assert_eq!(body["error_msg"], "CONF_ENDED");
    }
}

#[tokio::test]
async fn unknown_meeting_is_not_found_or_auth_failed() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    for q in ["conf_id=123456789", "conf_id=0", "conf_id=9140471750"] {
        let response = random(&sandbox, &client, Some(&token), q, Some("123456")).await;
        let body = expect_error(response, StatusCode::BAD_REQUEST, "MMC.111072065").await;
        assert_eq!(body["error_msg"], "CONF_NOT_FOUND_OR_AUTH_FAILED");
    }
}

#[tokio::test]
async fn bad_query_parameters_are_refused() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    for q in [
        "",
        "guest_waiting=0",
        "conf_id=",
        "conf_id=914-047-175",
        "conf_id=91404717a",
        "conf_id=914047175&guest_waiting=2",
        "conf_id=914047175&guest_waiting=",
    ] {
        let response = random(&sandbox, &client, Some(&token), q, None).await;
        expect_error(response, StatusCode::BAD_REQUEST, "MMC.111070001").await;
    }
}

#[tokio::test]
async fn token_is_checked_before_anything_else() {
    let (sandbox, client) = start_default().await;
    for (token, q) in [
        (None, "conf_id=914047175"),
        (Some(""), "conf_id=914047175"),
        (Some("not-a-token"), "conf_id=914047175"),
        (None, "conf_id=abc"),
        (None, "conf_id=900000003"),
    ] {
        let response = random(&sandbox, &client, token, q, None).await;
        let body = expect_error(response, StatusCode::UNAUTHORIZED, "USG.000000004").await;
        assert_eq!(body["error_msg"], "TOKEN_INVALID");
    }
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_meeting_until_the_lockout_ends() {
    let (sandbox, client) = start(SandboxConfig {
        lockout: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await;
    let token = access_token(&sandbox, &client).await;
    let q = "conf_id=987654321";
    for _ in 0..5 {
        let response = random(&sandbox, &client, Some(&token), q, Some("000000")).await;
        expect_error(response, StatusCode::BAD_REQUEST, "MMC.111072065").await;
    }
    // Locked: even the right password is refused, with a Retry-After.
    let response = random(&sandbox, &client, Some(&token), q, Some("123456")).await;
    assert_eq!(retry_after(&response), 1);
    let body = expect_error(response, StatusCode::BAD_REQUEST, "MMC.111071052").await;
    assert_eq!(body["error_msg"], "TOO_MANY_ATTEMPTS_LOCKED");
    let response = random(&sandbox, &client, Some(&token), q, Some("000000")).await;
    expect_error(response, StatusCode::BAD_REQUEST, "MMC.111071052").await;

    tokio::time::sleep(Duration::from_millis(1100)).await;
    // The lock lifted and the counter restarted: one wrong password is just wrong.
    let response = random(&sandbox, &client, Some(&token), q, Some("000000")).await;
    expect_error(response, StatusCode::BAD_REQUEST, "MMC.111072065").await;
    expect_random(random(&sandbox, &client, Some(&token), q, Some("123456")).await).await;
}

#[tokio::test]
async fn lockout_default_is_sixty_seconds() {
    assert_eq!(SandboxConfig::default().lockout, Duration::from_secs(60));
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    for _ in 0..5 {
        random(
            &sandbox,
            &client,
            Some(&token),
            "conf_id=987654321",
            Some("1"),
        )
        .await;
    }
    let response = random(
        &sandbox,
        &client,
        Some(&token),
        "conf_id=987654321",
        Some("123456"),
    )
    .await;
    let wait = retry_after(&response);
    assert!((59..=60).contains(&wait), "{wait}");
    expect_error(response, StatusCode::BAD_REQUEST, "MMC.111071052").await;
}

#[tokio::test]
async fn a_right_password_resets_the_wrong_password_count() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    let q = "conf_id=987654321";
    for round in 0..3 {
        for _ in 0..4 {
            let response = random(&sandbox, &client, Some(&token), q, Some("000000")).await;
            expect_error(response, StatusCode::BAD_REQUEST, "MMC.111072065").await;
        }
        let response = random(&sandbox, &client, Some(&token), q, Some("123456")).await;
        assert_eq!(response.status(), StatusCode::OK, "round {round}");
    }
}

#[tokio::test]
async fn other_meetings_do_not_lock() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    for _ in 0..8 {
        let response = random(
            &sandbox,
            &client,
            Some(&token),
            "conf_id=900000001",
            Some("1"),
        )
        .await;
        expect_error(response, StatusCode::BAD_REQUEST, "MMC.111072065").await;
    }
    let response = random(
        &sandbox,
        &client,
        Some(&token),
        "conf_id=900000001",
        Some("246810"),
    )
    .await;
    expect_random(response).await;
}

#[tokio::test]
async fn rate_limit_counts_per_token() {
    let (sandbox, client) = start(SandboxConfig {
        rate_limit_per_minute: 3,
        ..SandboxConfig::default()
    })
    .await;
    let token = access_token(&sandbox, &client).await;
    for _ in 0..3 {
        expect_random(random(&sandbox, &client, Some(&token), "conf_id=914047175", None).await)
            .await;
    }
    let response = random(&sandbox, &client, Some(&token), "conf_id=914047175", None).await;
    let wait = retry_after(&response);
    assert!((1..=60).contains(&wait), "{wait}");
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "MMC.100000429").await;

    // Another token has its own allowance.
    let other = access_token(&sandbox, &client).await;
    expect_random(random(&sandbox, &client, Some(&other), "conf_id=914047175", None).await).await;
    // A bad token is still told so first.
    let response = random(&sandbox, &client, Some("nope"), "conf_id=914047175", None).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "USG.000000004").await;
}

#[tokio::test]
async fn rate_limit_zero_means_off() {
    let (sandbox, client) = start(SandboxConfig {
        rate_limit_per_minute: 0,
        ..SandboxConfig::default()
    })
    .await;
    assert_eq!(SandboxConfig::default().rate_limit_per_minute, 100);
    let token = access_token(&sandbox, &client).await;
    for _ in 0..120 {
        let response = random(&sandbox, &client, Some(&token), "conf_id=914047175", None).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn account_sign_in_returns_the_documented_token_object() {
    let (sandbox, client) = start_default().await;
    let before_ms = u128::from(unix_now()) * 1000;
    let token = sign_in(&sandbox, &client).await;
    let now = unix_now();
    let access = token["accessToken"].as_str().expect("accessToken");
    let refresh = token["refreshToken"].as_str().expect("refreshToken");
    for t in [access, refresh] {
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

    let second = sign_in(&sandbox, &client).await;
    assert_ne!(second["accessToken"], token["accessToken"]);
    assert_ne!(second["refreshToken"], token["refreshToken"]);
}

#[tokio::test]
async fn account_sign_in_refuses_bad_credentials_and_bad_bodies() {
    let (sandbox, client) = start_default().await;
    let url = format!("{}/v1/usg/acs/auth/account", sandbox.url());
    let good_body = json!({"account": DEMO_ACCOUNT, "clientType": 72});
    for (account, password) in [
        (DEMO_ACCOUNT, "wrong"),
        ("someone@else.test", DEMO_PASSWORD),
        (DEMO_ACCOUNT, ""),
    ] {
        let response = client
            .post(&url)
            .basic_auth(account, Some(password))
            .json(&json!({"account": account, "clientType": 72}))
            .send()
            .await
            .expect("request");
        let body = expect_error(response, StatusCode::UNAUTHORIZED, "USG.206010000").await;
        assert_eq!(body["error_msg"], "USG_AUTH_FAILED");
    }
    let no_header = client
        .post(&url)
        .json(&good_body)
        .send()
        .await
        .expect("request");
    expect_error(no_header, StatusCode::UNAUTHORIZED, "USG.206010000").await;
    let bearer = client
        .post(&url)
        .bearer_auth("x")
        .json(&good_body)
        .send()
        .await
        .expect("request");
    expect_error(bearer, StatusCode::UNAUTHORIZED, "USG.206010000").await;

    let wrong_client = client
        .post(&url)
        .basic_auth(DEMO_ACCOUNT, Some(DEMO_PASSWORD))
        .json(&json!({"account": DEMO_ACCOUNT, "clientType": 71}))
        .send()
        .await
        .expect("request");
    expect_error(wrong_client, StatusCode::BAD_REQUEST, "USG.000000001").await;
    let malformed = client
        .post(&url)
        .basic_auth(DEMO_ACCOUNT, Some(DEMO_PASSWORD))
        .header("content-type", JSON_UTF8)
        .body("{\"account\": ")
        .send()
        .await
        .expect("request");
    expect_error(malformed, StatusCode::BAD_REQUEST, "USG.000000001").await;
    assert_eq!(sandbox.stats().account_sign_ins, 7);
}

#[tokio::test]
async fn access_token_expires_after_its_ttl() {
    let (sandbox, client) = start(SandboxConfig {
        token_ttl: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await;
    let token = sign_in(&sandbox, &client).await;
    assert_eq!(token["validPeriod"], 1);
    let access = token["accessToken"].as_str().expect("access");
    let refresh = token["refreshToken"].as_str().expect("refresh");
    expect_random(random(&sandbox, &client, Some(access), "conf_id=914047175", None).await).await;

    tokio::time::sleep(Duration::from_millis(1200)).await;
    let response = random(&sandbox, &client, Some(access), "conf_id=914047175", None).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "USG.000000004").await;
    let response = validate(&sandbox, &client, access).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "USG.000000004").await;

    // The refresh token outlives the access token.
    let renewed = refresh_with(&sandbox, &client, refresh).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await.expect("json");
    let new_access = renewed["accessToken"].as_str().expect("access");
    expect_random(
        random(
            &sandbox,
            &client,
            Some(new_access),
            "conf_id=914047175",
            None,
        )
        .await,
    )
    .await;
}

async fn refresh_with(sandbox: &Sandbox, client: &Client, refresh: &str) -> Response {
    client
        .put(format!("{}/v1/usg/acs/token", sandbox.url()))
        .header("X-Access-Token", refresh)
        .send()
        .await
        .expect("request")
}

async fn validate(sandbox: &Sandbox, client: &Client, token: &str) -> Response {
    client
        .post(format!("{}/v1/usg/acs/token/validate", sandbox.url()))
        .json(&json!({"token": token, "needGenNewToken": false}))
        .send()
        .await
        .expect("request")
}

async fn sign_out(sandbox: &Sandbox, client: &Client, token: &str) -> Response {
    client
        .delete(format!("{}/v1/usg/acs/token", sandbox.url()))
        .header("X-Access-Token", token)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn refresh_issues_a_new_pair_and_consumes_the_old_refresh_token() {
    let (sandbox, client) = start_default().await;
    let first = sign_in(&sandbox, &client).await;
    let old_refresh = first["refreshToken"].as_str().expect("refresh");

    let response = refresh_with(&sandbox, &client, old_refresh).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], JSON_UTF8);
    let second: Value = response.json().await.expect("json");
    assert_ne!(second["accessToken"], first["accessToken"]);
    assert_ne!(second["refreshToken"], first["refreshToken"]);
    assert_eq!(second["validPeriod"], 3600);
    assert_eq!(second["refreshValidPeriod"], 2_592_000);
    assert_eq!(second["clientType"], 72);
    assert_eq!(second["user"], first["user"]);
    let new_access = second["accessToken"].as_str().expect("access");
    expect_random(
        random(
            &sandbox,
            &client,
            Some(new_access),
            "conf_id=914047175",
            None,
        )
        .await,
    )
    .await;

    let reused = refresh_with(&sandbox, &client, old_refresh).await;
    expect_error(reused, StatusCode::UNAUTHORIZED, "USG.000000004").await;
    // An access token is not a refresh token.
    let wrong_kind = refresh_with(&sandbox, &client, new_access).await;
    expect_error(wrong_kind, StatusCode::UNAUTHORIZED, "USG.000000004").await;
    let missing = client
        .put(format!("{}/v1/usg/acs/token", sandbox.url()))
        .send()
        .await
        .expect("request");
    expect_error(missing, StatusCode::UNAUTHORIZED, "USG.000000004").await;
    assert_eq!(sandbox.stats().refreshes, 4);
}

#[tokio::test]
async fn expired_access_tokens_can_be_refreshed_exactly_once() {
    let (sandbox, client) = start_default().await;
    let first = sign_in(&sandbox, &client).await;
    let access = first["accessToken"].as_str().expect("access");
    let refresh = first["refreshToken"].as_str().expect("refresh");

    sandbox.expire_access_tokens();
    let response = random(&sandbox, &client, Some(access), "conf_id=914047175", None).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "USG.000000004").await;

    let renewed: Value = refresh_with(&sandbox, &client, refresh)
        .await
        .json()
        .await
        .expect("json");
    let new_access = renewed["accessToken"].as_str().expect("access");
    expect_random(
        random(
            &sandbox,
            &client,
            Some(new_access),
            "conf_id=914047175",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        sandbox.stats(),
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
    let (sandbox, client) = start_default().await;
    let token = sign_in(&sandbox, &client).await;
    let access = token["accessToken"].as_str().expect("access");
    let response = validate(&sandbox, &client, access).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["accessToken"], token["accessToken"]);
    assert_eq!(body["expireTime"], token["expireTime"]);
    assert_eq!(body["user"], token["user"]);
    let period = body["validPeriod"].as_u64().expect("validPeriod");
    assert!((3599..=3600).contains(&period));

    let response = validate(&sandbox, &client, "unknown").await;
    expect_error(response, StatusCode::UNAUTHORIZED, "USG.000000004").await;
    let refresh = token["refreshToken"].as_str().expect("refresh");
    let response = validate(&sandbox, &client, refresh).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "USG.000000004").await;
    let malformed = client
        .post(format!("{}/v1/usg/acs/token/validate", sandbox.url()))
        .body("not json")
        .send()
        .await
        .expect("request");
    expect_error(malformed, StatusCode::BAD_REQUEST, "USG.000000001").await;
    assert_eq!(sandbox.stats().validates, 4);
}

#[tokio::test]
async fn sign_out_revokes_the_token_and_its_refresh_token() {
    let (sandbox, client) = start_default().await;
    let token = sign_in(&sandbox, &client).await;
    let access = token["accessToken"].as_str().expect("access");
    let refresh = token["refreshToken"].as_str().expect("refresh");
    let other = access_token(&sandbox, &client).await;

    let response = sign_out(&sandbox, &client, access).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("x-request-id"));
    assert!(response.bytes().await.expect("body").is_empty());

    let response = random(&sandbox, &client, Some(access), "conf_id=914047175", None).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "USG.000000004").await;
    let again = sign_out(&sandbox, &client, access).await;
    expect_error(again, StatusCode::UNAUTHORIZED, "USG.000000004").await;
    let refreshed = refresh_with(&sandbox, &client, refresh).await;
    expect_error(refreshed, StatusCode::UNAUTHORIZED, "USG.000000004").await;
    // Other sessions are untouched.
    expect_random(random(&sandbox, &client, Some(&other), "conf_id=914047175", None).await).await;
    assert_eq!(sandbox.stats().sign_outs, 2);
}

// ---- App ID sign-in -------------------------------------------------------------------

fn hmac_hex(message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(DEMO_APP_KEY.as_bytes()).expect("any key length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn app_sign_in(
    sandbox: &Sandbox,
    client: &Client,
    access_app_id: &str,
    signature: &str,
    body: &Value,
) -> Response {
    client
        .post(format!("{}/v2/usg/acs/auth/appauth", sandbox.url()))
        .header(
            "Authorization",
            format!(
                "HMAC-SHA256 signature={signature},access={}",
                STANDARD.encode(access_app_id)
            ),
        )
        .header("X-Token-Type", "LongTicket")
        .json(body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn app_sign_in_accepts_a_fixed_python_test_vector() {
    // Computed independently with Python's standard library:
    //   hmac.new(b"sandbox-app-key-0123456789abcdef",
    //            b"sandbox-app:alice:0:0123456789abcdef0123456789abcdef",
    //            hashlib.sha256).hexdigest()
    const ALICE: &str = "fd5bdfba08767da73340a5de794729751de6d3a0f5423289aea19333410a87db";
    // Same, over b"sandbox-app::0:0123456789abcdef0123456789abcdef" (no userId).
    const ADMIN: &str = "5f6550367c506219aac604a3c13dd1def1271aebad1ae756795d75650be0ad21";
    // Same, over b"sandbox-app:corp42:alice:0:0123456789abcdef0123456789abcdef".
    const CORP: &str = "68e045c51c208232b6fd7ff1fa455dcea2e900530f835480c61c90332c73455b";
    assert_eq!(hmac_hex(&format!("{DEMO_APP_ID}:alice:0:{NONCE}")), ALICE);

    let (sandbox, client) = start_default().await;
    let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": 0, "nonce": NONCE, "userId": "alice"});
    let response = app_sign_in(&sandbox, &client, DEMO_APP_ID, ALICE, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let token: Value = response.json().await.expect("json");
    assert_eq!(token["user"]["userId"], "alice");
    assert_eq!(token["user"]["name"], "alice");

    let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": 0, "nonce": NONCE});
    let response = app_sign_in(&sandbox, &client, DEMO_APP_ID, ADMIN, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let token: Value = response.json().await.expect("json");
    assert_eq!(token["user"]["name"], "admin");

    let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": 0, "nonce": NONCE, "userId": "alice", "corpId": "corp42"});
    let response = app_sign_in(&sandbox, &client, DEMO_APP_ID, CORP, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let token: Value = response.json().await.expect("json");
    assert_eq!(token["user"]["companyId"], "corp42");
}

#[tokio::test]
async fn app_sign_in_gives_a_working_token_object() {
    let (sandbox, client) = start_default().await;
    let expire = unix_now() + 600;
    let nonce = "n".repeat(64);
    let signature = hmac_hex(&format!("{DEMO_APP_ID}:bob:{expire}:{nonce}"));
    let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": expire, "nonce": nonce, "userId": "bob"});
    // Upper-case hex is the same signature.
    let response = app_sign_in(
        &sandbox,
        &client,
        DEMO_APP_ID,
        &signature.to_uppercase(),
        &body,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], JSON_UTF8);
    let token: Value = response.json().await.expect("json");
    assert_eq!(token["validPeriod"], 3600);
    assert_eq!(token["refreshValidPeriod"], 2_592_000);
    assert_eq!(token["tokenType"], 0);
    assert_eq!(token["clientType"], 72);
    assert_eq!(token["user"]["name"], "bob");
    let access = token["accessToken"].as_str().expect("access");
    expect_random(random(&sandbox, &client, Some(access), "conf_id=914047175", None).await).await;
    assert_eq!(sandbox.stats().app_sign_ins, 1);
}

#[tokio::test]
async fn app_sign_in_with_corp_id_signs_the_corp_id_too() {
    let (sandbox, client) = start_default().await;
    let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": 0, "nonce": NONCE, "userId": "carol", "corpId": "acme"});
    let without_corp = hmac_hex(&format!("{DEMO_APP_ID}:carol:0:{NONCE}"));
    let response = app_sign_in(&sandbox, &client, DEMO_APP_ID, &without_corp, &body).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "USG.206010025").await;

    let with_corp = hmac_hex(&format!("{DEMO_APP_ID}:acme:carol:0:{NONCE}"));
    let response = app_sign_in(&sandbox, &client, DEMO_APP_ID, &with_corp, &body).await;
    assert_eq!(response.status(), StatusCode::OK);

    // An empty corpId signs like no corpId; an absent userId keeps its colons.
    let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": 0, "nonce": NONCE, "corpId": ""});
    let signature = hmac_hex(&format!("{DEMO_APP_ID}::0:{NONCE}"));
    let response = app_sign_in(&sandbox, &client, DEMO_APP_ID, &signature, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn app_sign_in_refuses_wrong_signatures_apps_and_expired_requests() {
    let (sandbox, client) = start_default().await;
    let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": 0, "nonce": NONCE, "userId": "alice"});
    let good = hmac_hex(&format!("{DEMO_APP_ID}:alice:0:{NONCE}"));

    let mut wrong = good.clone();
    wrong.replace_range(0..1, if good.starts_with('0') { "1" } else { "0" });
    for signature in [wrong.as_str(), "", "zz", &hmac_hex("something else")] {
        let response = app_sign_in(&sandbox, &client, DEMO_APP_ID, signature, &body).await;
        let err = expect_error(response, StatusCode::UNAUTHORIZED, "USG.206010025").await;
        assert_eq!(err["error_msg"], "APP_AUTH_FAILED");
    }
    // `access` must name the body's App ID, and that must be the sandbox's.
    let response = app_sign_in(&sandbox, &client, "other-app", &good, &body).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "USG.206010025").await;
    let other_body = json!({"appId": "other-app", "clientType": 72, "expireTime": 0, "nonce": NONCE, "userId": "alice"});
    let other_sig = hmac_hex(&format!("other-app:alice:0:{NONCE}"));
    let response = app_sign_in(&sandbox, &client, "other-app", &other_sig, &other_body).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "USG.206010025").await;

    let past = unix_now() - 10;
    let expired = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": past, "nonce": NONCE, "userId": "alice"});
    let signature = hmac_hex(&format!("{DEMO_APP_ID}:alice:{past}:{NONCE}"));
    let response = app_sign_in(&sandbox, &client, DEMO_APP_ID, &signature, &expired).await;
    let err = expect_error(response, StatusCode::UNAUTHORIZED, "USG.206010057").await;
    assert_eq!(err["error_msg"], "APP_AUTH_EXPIRED");

    for nonce in ["short".to_owned(), "x".repeat(31), "x".repeat(65)] {
        let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": 0, "nonce": nonce, "userId": "alice"});
        let signature = hmac_hex(&format!("{DEMO_APP_ID}:alice:0:{nonce}"));
        let response = app_sign_in(&sandbox, &client, DEMO_APP_ID, &signature, &body).await;
        expect_error(response, StatusCode::BAD_REQUEST, "USG.000000001").await;
    }

    let wrong_client = json!({"appId": DEMO_APP_ID, "clientType": 71, "expireTime": 0, "nonce": NONCE, "userId": "alice"});
    let response = app_sign_in(&sandbox, &client, DEMO_APP_ID, &good, &wrong_client).await;
    expect_error(response, StatusCode::BAD_REQUEST, "USG.000000001").await;

    let no_header = client
        .post(format!("{}/v2/usg/acs/auth/appauth", sandbox.url()))
        .header("X-Token-Type", "LongTicket")
        .json(&body)
        .send()
        .await
        .expect("request");
    expect_error(no_header, StatusCode::UNAUTHORIZED, "USG.206010025").await;
}

#[tokio::test]
async fn app_sign_in_requires_the_long_ticket_header_and_json() {
    let (sandbox, client) = start_default().await;
    let url = format!("{}/v2/usg/acs/auth/appauth", sandbox.url());
    let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": 0, "nonce": NONCE});
    let authorization = format!(
        "HMAC-SHA256 signature={},access={}",
        hmac_hex(&format!("{DEMO_APP_ID}::0:{NONCE}")),
        STANDARD.encode(DEMO_APP_ID)
    );
    let no_type = client
        .post(&url)
        .header("Authorization", &authorization)
        .json(&body)
        .send()
        .await
        .expect("request");
    expect_error(no_type, StatusCode::BAD_REQUEST, "USG.000000001").await;
    let malformed = client
        .post(&url)
        .header("Authorization", &authorization)
        .header("X-Token-Type", "LongTicket")
        .body("{")
        .send()
        .await
        .expect("request");
    expect_error(malformed, StatusCode::BAD_REQUEST, "USG.000000001").await;
}

// ---- Cross-cutting ------------------------------------------------------------------------

#[tokio::test]
async fn every_reply_carries_the_request_id() {
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;

    let response = client
        .get(format!("{}{RANDOM_PATH}?conf_id=914047175", sandbox.url()))
        .header("X-Access-Token", &token)
        .header("X-Request-ID", "trace-42")
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["x-request-id"], "trace-42");
    expect_random(response).await;

    let response = client
        .get(format!("{}{RANDOM_PATH}?conf_id=123", sandbox.url()))
        .header("X-Access-Token", &token)
        .header("X-Request-ID", "trace-43")
        .send()
        .await
        .expect("request");
    let body = expect_error(response, StatusCode::BAD_REQUEST, "MMC.111072065").await;
    assert_eq!(body["request_id"], "trace-43");

    // Without one, each reply gets a fresh UUID.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = random(&sandbox, &client, None, "conf_id=914047175", None).await;
        let id = response.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        uuid::Uuid::parse_str(&id).expect("a UUID");
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
    let response = random(&sandbox, &client, Some(&token), "conf_id=914047175", None).await;
    assert!(response.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn anything_else_is_a_json_404() {
    let (sandbox, client) = start_default().await;
    let url = sandbox.url();
    let requests = [
        client.get(format!("{url}/")),
        client.get(format!(
            "{url}/v1/mmc/management/conferences/anonymous/auth"
        )),
        client.post(format!("{url}{RANDOM_PATH}")),
        client.get(format!("{url}/v1/usg/acs/auth/account")),
        client.post(format!("{url}/v1/usg/acs/token")),
        client.get(format!("{url}{RANDOM_PATH}/")),
    ];
    for request in requests {
        let response = request
            .header("X-Request-ID", "r404")
            .send()
            .await
            .expect("request");
        assert_eq!(response.headers()["x-request-id"], "r404");
        let body = expect_error(response, StatusCode::NOT_FOUND, "MMC.000000404").await;
        assert_eq!(body["error_msg"], "NOT_FOUND");
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
            "900000003"
        ]
    );
    let (sandbox, client) = start_default().await;
    let token = access_token(&sandbox, &client).await;
    for seed in seeds.iter().filter(|m| m.id != "900000003") {
        assert_eq!(seed.need_password, seed.password.is_some());
        assert!(!seed.behaviour.is_empty());
        let q = format!("conf_id={}&guest_waiting=1", seed.id);
        let body =
            expect_random(random(&sandbox, &client, Some(&token), &q, seed.password).await).await;
        assert_eq!(body["subject"], seed.subject);
        assert_eq!(body["conf_mode"], seed.conf_mode);
        assert_eq!(body["webinar"], seed.webinar);
        assert_eq!(body["need_password"], seed.need_password);
        assert_eq!(body["support_applets"], seed.support_applets);
    }
}

#[tokio::test]
async fn stats_count_every_request_per_endpoint() {
    let (sandbox, client) = start_default().await;
    assert_eq!(sandbox.stats(), SandboxStats::default());
    let token = sign_in(&sandbox, &client).await;
    let access = token["accessToken"].as_str().expect("access");
    random(&sandbox, &client, Some(access), "conf_id=914047175", None).await;
    random(&sandbox, &client, None, "conf_id=914047175", None).await;
    validate(&sandbox, &client, access).await;
    let body = json!({"appId": DEMO_APP_ID, "clientType": 72, "expireTime": 0, "nonce": NONCE});
    app_sign_in(&sandbox, &client, DEMO_APP_ID, "00", &body).await;
    let refresh = token["refreshToken"].as_str().expect("refresh");
    let renewed: Value = refresh_with(&sandbox, &client, refresh)
        .await
        .json()
        .await
        .expect("json");
    sign_out(
        &sandbox,
        &client,
        renewed["accessToken"].as_str().expect("access"),
    )
    .await;
    assert_eq!(
        sandbox.stats(),
        SandboxStats {
            random_calls: 2,
            account_sign_ins: 1,
            app_sign_ins: 1,
            refreshes: 1,
            validates: 1,
            sign_outs: 1,
        }
    );
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let (sandbox, _) = start_default().await;
    let addr = sandbox.addr();
    sandbox.shutdown().await;
    // A fresh client, so no pooled connection hides the result.
    let result = Client::new().get(format!("http://{addr}/")).send().await;
    assert!(result.is_err(), "server still answers after shutdown");

    let (sandbox, _) = start_default().await;
    let addr = sandbox.addr();
    drop(sandbox);
    let mut refused = false;
    for _ in 0..50 {
        if Client::new()
            .get(format!("http://{addr}/"))
            .send()
            .await
            .is_err()
        {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "server still answers after drop");
}
