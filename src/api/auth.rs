//! Calls 2 to 4: sign in (account or App ID), refresh, validate and end a token.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{ApiError, Client, ErrorKind, Reply, clean_text, secret_header};

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
    /// The enterprise, for service-provider apps.
    pub corp_id: Option<String>,
}

impl fmt::Debug for AppIdCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppIdCredentials")
            .field("app_id", &self.app_id)
            .field("app_key", &"[REDACTED]")
            .field("user_id", &self.user_id)
            .field("corp_id", &self.corp_id)
            .finish()
    }
}

/// The lowercase hex HMAC-SHA256 signature of an App ID sign-in.
///
/// The signed text is `appId:userId:expireTime:nonce`, or `appId:corpId:userId:expireTime:nonce`
/// when a corp ID is given; an empty user ID keeps its colons (`appId::expireTime:nonce`).
pub fn app_signature(
    app_id: &str,
    corp_id: Option<&str>,
    user_id: Option<&str>,
    expire_time: i64,
    nonce: &str,
    app_key: &SecretString,
) -> String {
    let user = user_id.unwrap_or("");
    let data = match corp_id.filter(|c| !c.is_empty()) {
        Some(corp) => format!("{app_id}:{corp}:{user}:{expire_time}:{nonce}"),
        None => format!("{app_id}:{user}:{expire_time}:{nonce}"),
    };
    // HMAC accepts keys of any length, so this cannot fail; fall back to an empty MAC defensively.
    match Hmac::<Sha256>::new_from_slice(app_key.expose_secret().as_bytes()) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// The token object every sign-in and refresh returns.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenBody {
    access_token: Option<String>,
    valid_period: Option<i64>,
    expire_time: Option<i64>,
    refresh_token: Option<String>,
    refresh_valid_period: Option<i64>,
    refresh_expire_time: Option<i64>,
    user: Option<UserBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserBody {
    name: Option<String>,
    user_id: Option<String>,
}

impl TokenBody {
    fn into_tokens(self, now: i64) -> Result<Tokens, ApiError> {
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
        let user_name = self
            .user
            .and_then(|u| u.name.or(u.user_id))
            .map(|n| clean_text(&n, 128));
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppAuthBody<'a> {
    app_id: &'a str,
    client_type: u32,
    expire_time: i64,
    nonce: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    corp_id: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ValidateBody<'a> {
    token: &'a str,
    need_gen_new_token: bool,
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
            .header("Content-Type", "application/json;charset=UTF-8")
            .body(json_body(&AccountBody {
                account,
                client_type: CLIENT_TYPE_API,
            })?);
        self.token_call(http).await
    }

    /// Signs in with an App ID and App Key (HMAC-SHA256 signature).
    pub async fn sign_in_app_id(
        &self,
        credentials: &AppIdCredentials,
    ) -> Result<Reply<Tokens>, ApiError> {
        // A random UUID (36 characters with dashes), as the official SDKs make it.
        let nonce = uuid::Uuid::new_v4().to_string();
        let expire_time = now_unix() + APP_SIGNATURE_LIFETIME;
        let user_id = credentials.user_id.as_deref().filter(|u| !u.is_empty());
        let corp_id = credentials.corp_id.as_deref().filter(|c| !c.is_empty());
        let signature = app_signature(
            &credentials.app_id,
            corp_id,
            user_id,
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
            .header("X-Token-Type", "LongTicket")
            .header("Content-Type", "application/json;charset=UTF-8")
            .body(json_body(&AppAuthBody {
                app_id: &credentials.app_id,
                client_type: CLIENT_TYPE_API,
                expire_time,
                nonce: &nonce,
                user_id,
                corp_id,
            })?);
        self.token_call(http).await
    }

    /// Exchanges a refresh token for new tokens.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Reply<Tokens>, ApiError> {
        let http = self.http.put(self.url(TOKEN_PATH)).header(
            "X-Access-Token",
            secret_header(refresh_token.expose_secret())?,
        );
        self.token_call(http).await
    }

    /// Asks whether an access token is valid; returns its current details.
    pub async fn validate(&self, access_token: &SecretString) -> Result<Reply<Tokens>, ApiError> {
        let http = self
            .http
            .post(self.url(VALIDATE_PATH))
            .header("Content-Type", "application/json;charset=UTF-8")
            .body(json_body(&ValidateBody {
                token: access_token.expose_secret(),
                need_gen_new_token: false,
            })?);
        self.token_call(http).await
    }

    /// Ends an access token on the server.
    pub async fn sign_out(&self, access_token: &SecretString) -> Result<Reply<()>, ApiError> {
        let http = self.http.delete(self.url(TOKEN_PATH)).header(
            "X-Access-Token",
            secret_header(access_token.expose_secret())?,
        );
        let raw = self.send_raw(http).await?;
        Ok(Reply {
            value: (),
            request_id: raw.request_id,
        })
    }

    async fn token_call(&self, http: reqwest::RequestBuilder) -> Result<Reply<Tokens>, ApiError> {
        self.send_with(http, |body: TokenBody| body.into_tokens(now_unix()))
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
        let empty = app_signature("app", Some(""), Some(""), 0, "n", &key);
        assert_eq!(admin, empty);
        assert_ne!(admin, app_signature("app", None, Some("u"), 0, "n", &key));
        assert_ne!(admin, app_signature("app", Some("c"), None, 0, "n", &key));
        assert_eq!(admin.len(), 64);
    }
}
