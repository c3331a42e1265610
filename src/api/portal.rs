//! The portal nonce: a one-time value with which the meeting client (or the web portal) signs
//! in as the signed-in user (`POST /v1/usg/acs/auth/portal-ref-nonce`, API.md section 6).

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{ApiError, Client, ErrorKind, Reply, secret_header};
use crate::redact::Redactor;

/// The path of the portal nonce call.
pub const PORTAL_NONCE_PATH: &str = "/v1/usg/acs/auth/portal-ref-nonce";

/// The reply: `{"nonce": "..."}`.
#[derive(Deserialize)]
struct NonceBody {
    /// The nonce; anything but a non-empty string is an unreadable reply.
    #[serde(default, deserialize_with = "super::lenient")]
    nonce: Option<String>,
}

impl Client {
    /// Asks for a one-time portal nonce with the signed-in user's `access_token`, once. The
    /// nonce is a secret: it signs the meeting client in as this user.
    pub async fn portal_nonce(
        &self,
        access_token: &SecretString,
    ) -> Result<Reply<SecretString>, ApiError> {
        let http = self.http.post(self.url(PORTAL_NONCE_PATH)).header(
            "X-Access-Token",
            secret_header(access_token.expose_secret())?,
        );
        let mut secrets = Redactor::new();
        secrets.add_secret(access_token);
        let mut reply = self
            .send_with(http, &secrets, |body: NonceBody, _| {
                body.nonce
                    .filter(|nonce| !nonce.trim().is_empty())
                    .map(SecretString::from)
                    .ok_or_else(|| {
                        ApiError::new(ErrorKind::UnreadableReply)
                            .with_detail("the reply has no nonce")
                    })
            })
            .await?;
        // A server echoing the nonce in its request id gets it masked.
        let mut with_nonce = Redactor::new();
        with_nonce.add_secret(&reply.value);
        reply.request_id = with_nonce.mask_opt(reply.request_id);
        Ok(reply)
    }
}
