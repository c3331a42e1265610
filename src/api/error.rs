//! What went wrong talking to the service, classified into kinds a person understands.

use std::fmt;
use std::time::Duration;

use rust_i18n::t;
use serde::Serialize;

use crate::i18n::Lang;

/// A failure a user can act on; each kind has one message per language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The meeting ID or the password is wrong.
    WrongIdOrPassword,
    /// The meeting does not exist.
    MeetingNotFound,
    /// The meeting needs a password and none was given.
    PasswordRequired,
    /// Too many wrong attempts, or the meeting is locked.
    Locked,
    /// The meeting has not started, or guests must wait for the host.
    NotStarted,
    /// The meeting has ended.
    Ended,
    /// This user may not see or join this meeting.
    NoPermission,
    /// No token, or the token was rejected: sign in again.
    NotSignedIn,
    /// Wrong account or password at sign-in.
    AccountOrPasswordWrong,
    /// The account is locked or disabled.
    AccountLocked,
    /// The account or enterprise is not activated.
    AccountInactive,
    /// The App ID, its signature or its authorisation was rejected.
    AppIdRejected,
    /// The server asks us to slow down.
    RateLimited,
    /// The server failed (5xx, or a gateway error).
    ServerError,
    /// The server could not be reached.
    Network,
    /// The server did not answer in time.
    Timeout,
    /// The reply was not what the service sends: not JSON, truncated, too large, a redirect.
    UnreadableReply,
    /// An error code meetjoin does not know.
    Other,
}

impl ErrorKind {
    /// Every kind, for tests and documentation.
    pub const ALL: [ErrorKind; 18] = [
        ErrorKind::WrongIdOrPassword,
        ErrorKind::MeetingNotFound,
        ErrorKind::PasswordRequired,
        ErrorKind::Locked,
        ErrorKind::NotStarted,
        ErrorKind::Ended,
        ErrorKind::NoPermission,
        ErrorKind::NotSignedIn,
        ErrorKind::AccountOrPasswordWrong,
        ErrorKind::AccountLocked,
        ErrorKind::AccountInactive,
        ErrorKind::AppIdRejected,
        ErrorKind::RateLimited,
        ErrorKind::ServerError,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::UnreadableReply,
        ErrorKind::Other,
    ];

    /// A stable snake_case name, used in `--json` output.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::WrongIdOrPassword => "wrong_id_or_password",
            ErrorKind::MeetingNotFound => "meeting_not_found",
            ErrorKind::PasswordRequired => "password_required",
            ErrorKind::Locked => "locked",
            ErrorKind::NotStarted => "not_started",
            ErrorKind::Ended => "ended",
            ErrorKind::NoPermission => "no_permission",
            ErrorKind::NotSignedIn => "not_signed_in",
            ErrorKind::AccountOrPasswordWrong => "account_or_password_wrong",
            ErrorKind::AccountLocked => "account_locked",
            ErrorKind::AccountInactive => "account_inactive",
            ErrorKind::AppIdRejected => "app_id_rejected",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::ServerError => "server_error",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::UnreadableReply => "unreadable_reply",
            ErrorKind::Other => "other",
        }
    }

    /// The one message for this kind, in `lang`.
    pub fn message(self, lang: Lang) -> String {
        lang.tr(&self.message_key())
    }

    /// The key of this kind's message in the translation files: `error.<kind>`.
    pub fn message_key(self) -> String {
        format!("error.{}", self.as_str())
    }

    /// True when the meeting itself refused (wrong ID or password, locked, ended, ...).
    pub fn is_meeting_refusal(self) -> bool {
        matches!(
            self,
            ErrorKind::WrongIdOrPassword
                | ErrorKind::MeetingNotFound
                | ErrorKind::PasswordRequired
                | ErrorKind::Locked
                | ErrorKind::NotStarted
                | ErrorKind::Ended
                | ErrorKind::NoPermission
        )
    }

    /// True when signing in (again) is what the user needs to do.
    pub fn is_sign_in_problem(self) -> bool {
        matches!(
            self,
            ErrorKind::NotSignedIn
                | ErrorKind::AccountOrPasswordWrong
                | ErrorKind::AccountLocked
                | ErrorKind::AccountInactive
                | ErrorKind::AppIdRejected
        )
    }

    /// True for failures of the network, the server or its reply.
    pub fn is_transport_problem(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited
                | ErrorKind::ServerError
                | ErrorKind::Network
                | ErrorKind::Timeout
                | ErrorKind::UnreadableReply
        )
    }

    /// Classifies a service `error_code` (`MMC.111072065`, `USG.000000004`, `APIG.0101`...).
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        let (prefix, number) = code.split_once('.').unwrap_or(("", code));
        let prefix = prefix.to_ascii_uppercase();
        if prefix == "APIG" {
            return match number {
                "0201" | "0202" | "0203" | "0204" | "0205" | "0206" => Some(ErrorKind::ServerError),
                "0301" | "0302" | "0303" | "0304" | "0305" | "0306" | "0307" => {
                    Some(ErrorKind::NotSignedIn)
                }
                "0308" => Some(ErrorKind::RateLimited),
                _ => None,
            };
        }
        let kind = match number {
            "111072065" => ErrorKind::WrongIdOrPassword,
            "111070005" => ErrorKind::MeetingNotFound,
            "111070009" => ErrorKind::PasswordRequired,
            "111071091" | "111070004" => ErrorKind::WrongIdOrPassword,
            "111070010" | "111071073" | "111071074" | "111071075" => ErrorKind::NoPermission,
            "111071052" | "111071053" | "111072064" | "111072050" => ErrorKind::Locked,
            "111072005" | "111071004" | "111071058" => ErrorKind::NotStarted,
            "111072006" | "111071072" => ErrorKind::Ended,
            "100000429" => ErrorKind::RateLimited,
            "000000004" => ErrorKind::NotSignedIn,
            "206010000" => ErrorKind::AccountOrPasswordWrong,
            "412100010" => ErrorKind::AccountLocked,
            "412100015" | "206010007" => ErrorKind::AccountInactive,
            "206010025" | "206010057" => ErrorKind::AppIdRejected,
            _ => return None,
        };
        Some(kind)
    }

    /// The kind implied by an HTTP status alone, when the body names no known code.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::NotSignedIn,
            403 => ErrorKind::NoPermission,
            423 => ErrorKind::AccountLocked,
            412 => ErrorKind::AccountLocked,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::ServerError,
            _ => ErrorKind::Other,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed call: what the service said and how meetjoin classified it. Holds no secrets.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ApiError {
    /// The classification that picks the user's message.
    pub kind: ErrorKind,
    /// The HTTP status, when a reply arrived.
    pub http_status: Option<u16>,
    /// The service's `error_code`, such as `MMC.111072065`.
    pub code: Option<String>,
    /// The service's `error_msg`, such as `CONF_NOT_FOUND_OR_AUTH_FAILED`.
    pub service_message: Option<String>,
    /// The request id for support (the reply's, else the one meetjoin sent).
    pub request_id: Option<String>,
    /// When to try again, if the server said (`Retry-After`).
    pub retry_after: Option<Duration>,
    /// A technical detail for the Details section (never a secret).
    pub detail: Option<String>,
}

impl ApiError {
    /// An error of `kind` with nothing else known.
    pub fn new(kind: ErrorKind) -> ApiError {
        ApiError {
            kind,
            http_status: None,
            code: None,
            service_message: None,
            request_id: None,
            retry_after: None,
            detail: None,
        }
    }

    /// Adds a technical detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> ApiError {
        self.detail = Some(detail.into());
        self
    }

    /// Adds the request id, if none is set yet.
    pub fn with_request_id(mut self, request_id: Option<String>) -> ApiError {
        if self.request_id.is_none() {
            self.request_id = request_id;
        }
        self
    }

    /// The full message for a person: the kind's message, plus when to retry if known.
    pub fn message(&self, lang: Lang) -> String {
        let mut text = self.kind.message(lang);
        if let Some(wait) = self.retry_after {
            text.push(' ');
            text.push_str(&t!(
                "error.retry_after",
                locale = lang.code(),
                seconds = wait.as_secs().max(1)
            ));
        }
        text
    }

    /// The Details section as plain text lines (status, code, service message, request id).
    pub fn details(&self, lang: Lang) -> String {
        let none = lang.tr("details.none");
        let mut lines = vec![
            format!(
                "{}: {}",
                lang.tr("details.http_status"),
                self.http_status.map_or(none.clone(), |s| s.to_string())
            ),
            format!(
                "{}: {}",
                lang.tr("details.error_code"),
                self.code.clone().unwrap_or_else(|| none.clone())
            ),
        ];
        if let Some(msg) = &self.service_message {
            lines.push(format!("{}: {}", lang.tr("details.service_message"), msg));
        }
        lines.push(format!(
            "{}: {}",
            lang.tr("details.request_id"),
            self.request_id.clone().unwrap_or(none)
        ));
        if let Some(detail) = &self.detail {
            lines.push(format!("{}: {}", lang.tr("details.detail"), detail));
        }
        lines.join("\n")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(status) = self.http_status {
            write!(f, " (HTTP {status}")?;
            if let Some(code) = &self.code {
                write!(f, ", {code}")?;
            }
            f.write_str(")")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_classify() {
        assert_eq!(
            ErrorKind::from_code("MMC.111072065"),
            Some(ErrorKind::WrongIdOrPassword)
        );
        assert_eq!(
            ErrorKind::from_code("USG.000000004"),
            Some(ErrorKind::NotSignedIn)
        );
        assert_eq!(
            ErrorKind::from_code("MMC.111071052"),
            Some(ErrorKind::Locked)
        );
        assert_eq!(
            ErrorKind::from_code("MMC.100000429"),
            Some(ErrorKind::RateLimited)
        );
        assert_eq!(
            ErrorKind::from_code("APIG.0308"),
            Some(ErrorKind::RateLimited)
        );
        assert_eq!(ErrorKind::from_code("MMC.999"), None);
    }
}
