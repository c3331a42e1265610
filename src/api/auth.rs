//! Calls 2 to 4: sign in (account or App ID), refresh, validate and end a token.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{ApiError, Client, ErrorKind, Reply, clean_text, lenient, secret_header};
use crate::redact::Redactor;

/// Account sign-in path.
pub const ACCOUNT_PATH: &str = "/v1/usg/acs/auth/account";
/// App ID sign-in path.
pub const APP_AUTH_PATH: &str = "/v2/usg/acs/auth/appauth";
/// Refresh and sign-out path.
pub const TOKEN_PATH: &str = "/v1/usg/acs/token";
/// Token validation path.
pub const VALIDATE_PATH: &str = "/v1/usg/acs/token/validate";
/// The API client type: up to 64 tokens per account, so the official client stays signed in.
pub const CLIENT_TYPE_API: u32 = 72;
/// How long an App ID signature is valid, in seconds.
const APP_SIGNATURE_LIFETIME: i64 = 600;

/// The current Unix time in seconds.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A signed-in user's tokens. `Debug` never shows them.
#[derive(Clone)]
pub struct Tokens {
    /// The access token sent as `X-Access-Token`.
    pub access: SecretString,
    /// The refresh token, when the service gave one.
    pub refresh: Option<SecretString>,
    /// When the access token expires (Unix seconds), if known.
    pub expires_at: Option<i64>,
    /// When the refresh token expires (Unix seconds), if known.
    pub refresh_expires_at: Option<i64>,
    /// The user's display name as the service knows it.
    pub user_name: Option<String>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &"[REDACTED]")
            .field("refresh", &self.refresh.as_ref().map(|_| "[REDACTED]"))
            .field("expires_at", &self.expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("user_name", &self.user_name)
            .finish()
    }
}

impl Tokens {
    /// Tokens made from a bare access token (for example `MEETJOIN_TOKEN`): no refresh, expiry unknown.
    pub fn from_access_token(access: SecretString) -> Tokens {
        Tokens {
            access,
            refresh: None,
            expires_at: None,
            refresh_expires_at: None,
            user_name: None,
        }
    }

    /// True when the access token expires within `margin_secs` of `now`.
    pub fn expires_within(&self, now: i64, margin_secs: i64) -> bool {
        self.expires_at.is_some_and(|at| at - now <= margin_secs)
    }

    /// True when a refresh token exists and has not expired at `now`.
    pub fn can_refresh(&self, now: i64) -> bool {
        self.refresh.is_some() && self.refresh_expires_at.is_none_or(|at| at > now)
    }
}

/// An App ID sign-in: the user's own App ID and App Key.
#[derive(Clone)]
pub struct AppIdCredentials {
    /// The App ID.
    pub app_id: String,
    /// The App Key (HMAC key); a secret.
    pub app_key: SecretString,
    /// Sign in as this user; `None` signs in as the enterprise admin.
    pub user_id: Option<String>,
    /// An SP (multi-tenant) application: the signature carries the corp ID's place.
    pub multi_tenant: bool,
    /// The enterprise, for SP applications; `None` with no user ID signs in as the SP
    /// administrator.
    pub corp_id: Option<String>,
}

impl fmt::Debug for AppIdCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppIdCredentials")
            .field("app_id", &self.app_id)
            .field("app_key", &"[REDACTED]")
            .field("user_id", &self.user_id)
            .field("multi_tenant", &self.multi_tenant)
            .field("corp_id", &self.corp_id)
            .finish()
    }
}

/// The upper-case hex HMAC-SHA256 signature of an App ID sign-in, as the official SDKs make it.
///
/// Single-tenant (`corp_id` is `None`): `appId:userId:expireTime:nonce`. Multi-tenant (an SP
/// application, `corp_id` is `Some`, maybe empty): `appId:corpId:userId:expireTime:nonce`.
/// Empty parts keep their colons: `appId::expireTime:nonce` signs as the enterprise admin,
/// `appId:::expireTime:nonce` as the SP administrator.
pub fn app_signature(
    app_id: &str,
    corp_id: Option<&str>,
    user_id: Option<&str>,
    expire_time: i64,
    nonce: &str,
    app_key: &SecretString,
) -> String {
    let user = user_id.unwrap_or("");
    let data = match corp_id {
        Some(corp) => format!("{app_id}:{corp}:{user}:{expire_time}:{nonce}"),
        None => format!("{app_id}:{user}:{expire_time}:{nonce}"),
    };
    // HMAC accepts keys of any length, so this cannot fail; fall back to an empty MAC defensively.
    match Hmac::<Sha256>::new_from_slice(app_key.expose_secret().as_bytes()) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            hex::encode_upper(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// The token object every sign-in and refresh returns; a field of the wrong type is unknown.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenBody {
    #[serde(default, deserialize_with = "lenient")]
    access_token: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    valid_period: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    expire_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    refresh_token: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    refresh_valid_period: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    refresh_expire_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    user: Option<UserBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserBody {
    #[serde(default, deserialize_with = "lenient")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    user_id: Option<String>,
}

impl TokenBody {
    /// The tokens; the user name is masked with `secrets` and the new tokens themselves.
    fn into_tokens(self, now: i64, secrets: &Redactor) -> Result<Tokens, ApiError> {
        let access = self
            .access_token
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                ApiError::new(ErrorKind::UnreadableReply)
                    .with_detail("no access token in the reply")
            })?;
        let expires_at = self
            .expire_time
            .or_else(|| self.valid_period.map(|p| now + p));
        let refresh_expires_at = self
            .refresh_expire_time
            .or_else(|| self.refresh_valid_period.map(|p| now + p));
        let mut secrets = secrets.clone();
        secrets.add(&access);
        if let Some(refresh) = &self.refresh_token {
            secrets.add(refresh);
        }
        let user_name = self
            .user
            .and_then(|u| u.name.or(u.user_id))
            .map(|n| secrets.mask(&clean_text(&n, 128)))
            .filter(|n| !n.is_empty());
        Ok(Tokens {
            access: SecretString::from(access.trim().to_owned()),
            refresh: self
                .refresh_token
                .filter(|t| !t.trim().is_empty())
                .map(|t| SecretString::from(t.trim().to_owned())),
            expires_at,
            refresh_expires_at,
            user_name,
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountBody<'a> {
    account: &'a str,
    client_type: u32,
}

/// The App ID sign-in body, with the fields, order and JSON types the official SDKs send:
/// `userId` always (empty for the admin), `corpId` always (`null` for a single-tenant
/// application), `deptCode` as `null`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppAuthBody<'a> {
    app_id: &'a str,
    user_id: &'a str,
    corp_id: Option<&'a str>,
    expire_time: i64,
    nonce: &'a str,
    client_type: u32,
    dept_code: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ValidateBody<'a> {
    token: &'a str,
    need_gen_new_token: bool,
    need_account_info: bool,
}

impl Client {
    /// Signs in with an account and password (`clientType` 72).
    pub async fn sign_in_account(
        &self,
        account: &str,
        password: &SecretString,
    ) -> Result<Reply<Tokens>, ApiError> {
        let basic = BASE64.encode(format!("{account}:{}", password.expose_secret()));
        let http = self
            .http
            .post(self.url(ACCOUNT_PATH))
            .header("Authorization", secret_header(&format!("Basic {basic}"))?)
            .body(json_body(&AccountBody {
                account,
                client_type: CLIENT_TYPE_API,
            })?);
        let mut secrets = Redactor::new();
        secrets.add_basic(account, password);
        self.token_call(http, &secrets).await
    }

    /// Signs in with an App ID and App Key (HMAC-SHA256 signature).
    pub async fn sign_in_app_id(
        &self,
        credentials: &AppIdCredentials,
    ) -> Result<Reply<Tokens>, ApiError> {
        // A random UUID (36 characters with dashes), as the official SDKs make it.
        let nonce = uuid::Uuid::new_v4().to_string();
        let expire_time = now_unix() + APP_SIGNATURE_LIFETIME;
        let user_id = credentials.user_id.as_deref().unwrap_or("").trim();
        // Only an SP application has a corp ID, empty for its administrator.
        let corp_id = credentials
            .multi_tenant
            .then(|| credentials.corp_id.as_deref().unwrap_or("").trim());
        let signature = app_signature(
            &credentials.app_id,
            corp_id,
            Some(user_id),
            expire_time,
            &nonce,
            &credentials.app_key,
        );
        let authorization = format!(
            "HMAC-SHA256 signature={signature},access={}",
            BASE64.encode(credentials.app_id.as_bytes())
        );
        let http = self
            .http
            .post(self.url(APP_AUTH_PATH))
            .header("Authorization", secret_header(&authorization)?)
            // Required by the reference, though the official SDKs leave it out.
            .header("X-Token-Type", "LongTicket")
            .body(json_body(&AppAuthBody {
                app_id: &credentials.app_id,
                user_id,
                corp_id,
                expire_time,
                nonce: &nonce,
                client_type: CLIENT_TYPE_API,
                dept_code: None,
            })?);
        let mut secrets = Redactor::new();
        secrets.add_secret(&credentials.app_key);
        secrets.add(&signature);
        self.token_call(http, &secrets).await
    }

    /// Refreshes a session: sends `token` in `X-Access-Token` and returns new tokens. The
    /// reference documents the access token here (refresh before it expires); the refresh
    /// token is an undocumented fallback once the access token has expired.
    pub async fn refresh(&self, token: &SecretString) -> Result<Reply<Tokens>, ApiError> {
        let http = self
            .http
            .put(self.url(TOKEN_PATH))
            .header("X-Access-Token", secret_header(token.expose_secret())?);
        let mut secrets = Redactor::new();
        secrets.add_secret(token);
        self.token_call(http, &secrets).await
    }

    /// Asks whether an access token is valid; returns its current details, with the account
    /// and user name (`needAccountInfo`).
    pub async fn validate(&self, access_token: &SecretString) -> Result<Reply<Tokens>, ApiError> {
        // The official SDKs send the token in the header too.
        let http = self
            .http
            .post(self.url(VALIDATE_PATH))
            .header(
                "X-Access-Token",
                secret_header(access_token.expose_secret())?,
            )
            .body(json_body(&ValidateBody {
                token: access_token.expose_secret(),
                need_gen_new_token: false,
                need_account_info: true,
            })?);
        let mut secrets = Redactor::new();
        secrets.add_secret(access_token);
        self.token_call(http, &secrets).await
    }

    /// Ends an access token on the server.
    pub async fn sign_out(&self, access_token: &SecretString) -> Result<Reply<()>, ApiError> {
        let http = self.http.delete(self.url(TOKEN_PATH)).header(
            "X-Access-Token",
            secret_header(access_token.expose_secret())?,
        );
        let mut secrets = Redactor::new();
        secrets.add_secret(access_token);
        let raw = self.send_raw(http, &secrets).await?;
        Ok(Reply {
            value: (),
            request_id: raw.request_id,
        })
    }

    async fn token_call(
        &self,
        http: reqwest::RequestBuilder,
        secrets: &Redactor,
    ) -> Result<Reply<Tokens>, ApiError> {
        self.send_with(http, secrets, |body: TokenBody, secrets| {
            body.into_tokens(now_unix(), secrets)
        })
        .await
    }
}

fn json_body<T: Serialize>(body: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body)
        .map_err(|_| ApiError::new(ErrorKind::Other).with_detail("could not encode the request"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_keeps_empty_user_colons() {
        let key = SecretString::from("k".to_owned());
        let admin = app_signature("app", None, None, 0, "n", &key);
        let empty_user = app_signature("app", None, Some(""), 0, "n", &key);
        assert_eq!(admin, empty_user);
        // The SP administrator signs `app:::0:n`, not `app::0:n`.
        assert_ne!(admin, app_signature("app", Some(""), None, 0, "n", &key));
        assert_ne!(admin, app_signature("app", None, Some("u"), 0, "n", &key));
        assert_ne!(admin, app_signature("app", Some("c"), None, 0, "n", &key));
        assert_eq!(admin.len(), 64);
        assert_eq!(admin, admin.to_ascii_uppercase());
    }
}
