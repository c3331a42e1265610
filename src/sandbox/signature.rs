//! The App ID sign-in signature: parsing the `Authorization: HMAC-SHA256 ...` header and
//! checking the HMAC in constant time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// What an `Authorization: HMAC-SHA256 signature=<hex>,access=<base64(appId)>` header carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AppAuthorization {
    /// The signature as sent (hex, either case).
    pub signature: String,
    /// The App ID decoded from `access`.
    pub app_id: String,
}

/// Parses the header value; `None` if the scheme, a field or the base64 is wrong.
pub(crate) fn parse_authorization(value: &str) -> Option<AppAuthorization> {
    let (scheme, params) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("HMAC-SHA256") {
        return None;
    }
    let mut signature = None;
    let mut access = None;
    for part in params.split(',') {
        let (name, field) = part.trim().split_once('=')?;
        match name.trim() {
            "signature" => signature = Some(field.trim()),
            "access" => access = Some(field.trim()),
            _ => {}
        }
    }
    let app_id = String::from_utf8(STANDARD.decode(access?).ok()?).ok()?;
    Some(AppAuthorization {
        signature: signature?.to_owned(),
        app_id,
    })
}

/// The signed message: `appId:corpId:userId:expireTime:nonce` for an SP application (`corp_id`
/// is `Some`, maybe empty), else `appId:userId:expireTime:nonce` (an absent `userId` is empty).
pub(crate) fn signed_message(
    app_id: &str,
    corp_id: Option<&str>,
    user_id: Option<&str>,
    expire_time: u64,
    nonce: &str,
) -> String {
    let user_id = user_id.unwrap_or("");
    match corp_id {
        Some(corp_id) => format!("{app_id}:{corp_id}:{user_id}:{expire_time}:{nonce}"),
        None => format!("{app_id}:{user_id}:{expire_time}:{nonce}"),
    }
}

/// True if `signature_hex` is HMAC-SHA256(`key`, `message`), compared in constant time.
pub(crate) fn verify(key: &str, message: &str, signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return false;
    };
    mac.update(message.as_bytes());
    mac.verify_slice(&signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header_in_any_field_order() {
        let header = format!(
            "HMAC-SHA256 access={}, signature=AB01",
            STANDARD.encode("app")
        );
        let parsed = parse_authorization(&header);
        assert_eq!(
            parsed,
            Some(AppAuthorization {
                signature: "AB01".into(),
                app_id: "app".into()
            })
        );
    }

    #[test]
    fn rejects_other_schemes_and_bad_base64() {
        assert_eq!(parse_authorization("Basic abc"), None);
        assert_eq!(
            parse_authorization("HMAC-SHA256 signature=00,access=***"),
            None
        );
    }

    #[test]
    fn message_keeps_colons_of_empty_user() {
        assert_eq!(signed_message("a", None, None, 0, "n"), "a::0:n");
        assert_eq!(signed_message("a", Some(""), None, 0, "n"), "a:::0:n");
        assert_eq!(signed_message("a", None, Some("u"), 5, "n"), "a:u:5:n");
        assert_eq!(
            signed_message("a", Some("c"), Some("u"), 5, "n"),
            "a:c:u:5:n"
        );
    }
}
