//! The HTTP face of the sandbox: routes, request parsing, replies and the request id.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::meetings::SearchQuery;
use super::signature::{parse_authorization, signed_message, verify};
use super::state::{API_CLIENT_TYPE, Failure, Now, RandomQuery, User};
use super::{
    DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD, DEMO_SP_APP_ID, DEMO_SP_APP_KEY,
    DEMO_SP_CORP_ID, Shared, lock,
};

/// `Content-Type` of every JSON reply.
const JSON_UTF8: &str = "application/json;charset=UTF-8";
/// Request and response header naming the request.
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Header carrying an access (or, for refresh, a refresh) token.
const X_ACCESS_TOKEN: &str = "x-access-token";
/// Header carrying the meeting password.
const X_PASSWORD: &str = "x-password";
/// Header naming the kind of token an App ID sign-in asks for.
const X_TOKEN_TYPE: &str = "x-token-type";

/// The id of the request being answered: the client's `X-Request-ID`, or a fresh UUID.
#[derive(Clone, Debug)]
struct RequestId(String);

/// The router over `state`.
pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/v2/mms/ncms/conferences/auth/random", get(auth_random))
        .route("/v1/usg/acs/auth/account", post(account_sign_in))
        .route("/v2/usg/acs/auth/appauth", post(app_sign_in))
        .route("/v1/usg/acs/token", put(refresh).delete(sign_out))
        .route("/v1/usg/acs/token/validate", post(validate))
        .route("/v1/usg/acs/auth/portal-ref-nonce", post(portal_nonce))
        .route("/v1/mmc/management/conferences", get(search_meetings))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

/// Gives every request an id and every reply an `X-Request-Id` header.
async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    response
}

/// The body of every error reply.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error_code: &'a str,
    error_msg: &'a str,
    request_id: &'a str,
}

/// A JSON reply with the service's content type.
fn json_reply<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(CONTENT_TYPE, JSON_UTF8)], bytes).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The error reply for `failure`.
fn failure_reply(failure: Failure, id: &RequestId) -> Response {
    let body = ErrorBody {
        error_code: failure.code,
        error_msg: failure.msg,
        request_id: &id.0,
    };
    let mut response = json_reply(failure.status, &body);
    if let Some(secs) = failure.retry_after {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// 200 with `body`, or the error reply.
fn reply<T: Serialize>(result: Result<T, Failure>, id: &RequestId) -> Response {
    match result {
        Ok(body) => json_reply(StatusCode::OK, &body),
        Err(failure) => failure_reply(failure, id),
    }
}

/// A header as text; `None` if absent or not visible ASCII.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Parses a JSON body; anything malformed is `USG.000000001`.
fn json_body<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(body).map_err(|_| Failure::USG_PARAM_INVALID)
}

/// Any path or method the service does not have.
async fn not_found(Extension(id): Extension<RequestId>) -> Response {
    failure_reply(Failure::NOT_FOUND, &id)
}

/// `GET /v2/mms/ncms/conferences/auth/random`.
async fn auth_random(
    State(shared): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let now = Now::get();
    let mut state = lock(&shared);
    state.stats.random_calls += 1;
    let token = header(&headers, X_ACCESS_TOKEN);
    // A password that is not visible ASCII is still a password, just a wrong one.
    let password = headers
        .get(X_PASSWORD)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let result = state.admit_random_call(token, now).and_then(|()| {
        let Query(params) = query.map_err(|_| Failure::MMC_PARAM_INVALID)?;
        let query = random_query(&params)?;
        state.auth_random(&query, password.as_deref(), now)
    });
    reply(result, &id)
}

/// Checks `conf_id` (digits) and `guest_waiting` (0, 1 or absent).
fn random_query(params: &HashMap<String, String>) -> Result<RandomQuery, Failure> {
    let conf_id = params
        .get("conf_id")
        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(Failure::MMC_PARAM_INVALID)?;
    // `0`/`1` as documented; `false`/`true` as the Python SDK sends a boolean.
    let guest_waiting = match params.get("guest_waiting").map(String::as_str) {
        None | Some("0" | "false") => false,
        Some("1" | "true") => true,
        Some(_) => return Err(Failure::MMC_PARAM_INVALID),
    };
    Ok(RandomQuery {
        conf_id: conf_id.clone(),
        guest_waiting,
    })
}

/// Body of the account sign-in.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountBody {
    account: Option<String>,
    client_type: Option<i64>,
}

/// `POST /v1/usg/acs/auth/account`.
async fn account_sign_in(
    State(shared): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = Now::get();
    let mut state = lock(&shared);
    state.stats.account_sign_ins += 1;
    let result = json_body::<AccountBody>(&body).and_then(|body| {
        if body.client_type != Some(API_CLIENT_TYPE) {
            return Err(Failure::USG_PARAM_INVALID);
        }
        let (account, password) = basic_credentials(&headers).ok_or(Failure::USG_AUTH_FAILED)?;
        let body_agrees = body.account.as_deref().is_none_or(|a| a == account);
        if account != DEMO_ACCOUNT || password != DEMO_PASSWORD || !body_agrees {
            return Err(Failure::USG_AUTH_FAILED);
        }
        Ok(state.issue(User::demo_account(&account), now))
    });
    reply(result, &id)
}

/// `account` and `password` from `Authorization: Basic base64("account:password")`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = header(headers, AUTHORIZATION.as_str())?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (account, password) = decoded.split_once(':')?;
    Some((account.to_owned(), password.to_owned()))
}

/// Body of the App ID sign-in. The official SDKs send `"userId": ""` for the admin and
/// `"corpId": null` for a single-tenant application; both mean "none".
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppAuthBody {
    app_id: String,
    client_type: i64,
    expire_time: u64,
    nonce: String,
    user_id: Option<String>,
    corp_id: Option<String>,
}

impl AppAuthBody {
    /// The user ID, `None` when absent or empty.
    fn user(&self) -> Option<&str> {
        self.user_id.as_deref().filter(|u| !u.is_empty())
    }

    /// The corp ID, `None` when absent, `null` or empty.
    fn corp(&self) -> Option<&str> {
        self.corp_id.as_deref().filter(|c| !c.is_empty())
    }
}

/// An application the sandbox knows: its key, and whether it is an SP (multi-tenant) one.
struct App {
    key: &'static str,
    multi_tenant: bool,
}

/// The App ID's application, if the sandbox knows it.
fn app(app_id: &str) -> Option<App> {
    match app_id {
        DEMO_APP_ID => Some(App {
            key: DEMO_APP_KEY,
            multi_tenant: false,
        }),
        DEMO_SP_APP_ID => Some(App {
            key: DEMO_SP_APP_KEY,
            multi_tenant: true,
        }),
        _ => None,
    }
}

/// `POST /v2/usg/acs/auth/appauth`.
async fn app_sign_in(
    State(shared): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = Now::get();
    let mut state = lock(&shared);
    state.stats.app_sign_ins += 1;
    let result = json_body::<AppAuthBody>(&body)
        .and_then(|body| check_app_auth(&headers, &body, now).map(|app| (app, body)))
        .map(|(app, body)| {
            let corp = if app.multi_tenant { body.corp() } else { None };
            let user = User::app_user(body.user(), corp);
            state.issue(user, now)
        });
    reply(result, &id)
}

/// The checks of an App ID sign-in, in the order the service reports them. `X-Token-Type` is
/// optional (the reference requires it, the official SDKs leave it out), but if sent it must
/// be `LongTicket`; the signature's hex may be in either case.
fn check_app_auth(headers: &HeaderMap, body: &AppAuthBody, now: Now) -> Result<App, Failure> {
    let token_type_ok = header(headers, X_TOKEN_TYPE).is_none_or(|t| t == "LongTicket");
    if body.client_type != API_CLIENT_TYPE || !token_type_ok {
        return Err(Failure::USG_PARAM_INVALID);
    }
    let authorization = header(headers, AUTHORIZATION.as_str())
        .and_then(parse_authorization)
        .ok_or(Failure::APP_AUTH_FAILED)?;
    if authorization.app_id != body.app_id {
        return Err(Failure::APP_AUTH_FAILED);
    }
    let app = app(&body.app_id).ok_or(Failure::APP_AUTH_FAILED)?;
    if !(32..=64).contains(&body.nonce.chars().count()) {
        return Err(Failure::USG_PARAM_INVALID);
    }
    if body.expire_time != 0 && body.expire_time <= now.unix_secs() {
        return Err(Failure::APP_AUTH_EXPIRED);
    }
    // An SP application signs `appId:corpId:userId:expireTime:nonce` (all empty: its
    // administrator); a single-tenant one `appId:userId:expireTime:nonce`.
    let corp = app.multi_tenant.then(|| body.corp().unwrap_or(""));
    if app.multi_tenant {
        match (body.corp(), body.user()) {
            (None, Some(_)) => return Err(Failure::USG_PARAM_INVALID),
            (Some(corp), _) if corp != DEMO_SP_CORP_ID => return Err(Failure::APP_AUTH_FAILED),
            _ => {}
        }
    }
    let message = signed_message(
        &body.app_id,
        corp,
        body.user(),
        body.expire_time,
        &body.nonce,
    );
    if !verify(app.key, &message, &authorization.signature) {
        return Err(Failure::APP_AUTH_FAILED);
    }
    Ok(app)
}

/// `PUT /v1/usg/acs/token`: a live access token (as documented) or, as a fallback, a live
/// refresh token, for a new token pair.
async fn refresh(
    State(shared): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    let now = Now::get();
    let mut state = lock(&shared);
    state.stats.refreshes += 1;
    let result = state.refresh(header(&headers, X_ACCESS_TOKEN), now);
    reply(result, &id)
}

/// Body of token validation; `needGenNewToken` and `needAccountInfo` are accepted (the user
/// is always in the reply).
#[derive(Deserialize)]
struct ValidateBody {
    token: String,
}

/// `POST /v1/usg/acs/token/validate`.
async fn validate(
    State(shared): State<Shared>,
    Extension(id): Extension<RequestId>,
    body: Bytes,
) -> Response {
    let now = Now::get();
    let mut state = lock(&shared);
    state.stats.validates += 1;
    let result = json_body::<ValidateBody>(&body).and_then(|body| state.validate(&body.token, now));
    reply(result, &id)
}

/// `POST /v1/usg/acs/auth/portal-ref-nonce`: a one-time nonce for the token's user (no body).
async fn portal_nonce(
    State(shared): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    let now = Now::get();
    let mut state = lock(&shared);
    state.stats.portal_nonces += 1;
    let result = state.portal_nonce(header(&headers, X_ACCESS_TOKEN), now);
    reply(result, &id)
}

/// `GET /v1/mmc/management/conferences` (SearchMeetings): the token's user's meetings, one
/// page; a dead token is 401 `USG.000000004` before the query is even read.
async fn search_meetings(
    State(shared): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let now = Now::get();
    let mut state = lock(&shared);
    state.stats.meeting_searches += 1;
    let token = header(&headers, X_ACCESS_TOKEN);
    let result = state.admit_token(token, now).and_then(|()| {
        let Query(params) = query.map_err(|_| Failure::MMC_PARAM_INVALID)?;
        let query = SearchQuery::parse(&params)?;
        state.search_meetings(token, &query, now)
    });
    reply(result, &id)
}

/// `DELETE /v1/usg/acs/token`: sign out (200, empty body).
async fn sign_out(
    State(shared): State<Shared>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    let now = Now::get();
    let mut state = lock(&shared);
    state.stats.sign_outs += 1;
    match state.sign_out(header(&headers, X_ACCESS_TOKEN), now) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(failure) => failure_reply(failure, &id),
    }
}
