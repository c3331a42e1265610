//! What went wrong talking to the service, classified into kinds a person understands.

use std::fmt;
use std::time::Duration;

use rust_i18n::t;
use serde::Serialize;

use crate::i18n::Lang;

/// A failure a user can act on; each kind has one message per language, and some service
/// codes a more precise one (see [`ErrorKind::from_code`] and [`ApiError::message_key`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The meeting ID or the password is wrong.
    WrongIdOrPassword,
    /// The meeting does not exist.
    MeetingNotFound,
    /// The meeting needs a password and none was given.
    PasswordRequired,
    /// Too many wrong attempts: the meeting refuses this client for a while.
    Locked,
    /// The host has locked the meeting: nobody else may join.
    MeetingLocked,
    /// The meeting has not started.
    NotStarted,
    /// The host has not arrived, and guests may not join before the host.
    WaitingForHost,
    /// The meeting has ended.
    Ended,
    /// This user may not see or join this meeting.
    NoPermission,
    /// No token, or the token was rejected: sign in again.
    NotSignedIn,
    /// An access token pasted to sign in was rejected by the service.
    TokenRejected,
    /// Wrong account or password at sign-in.
    AccountOrPasswordWrong,
    /// The account is locked or disabled.
    AccountLocked,
    /// The account or enterprise is not activated.
    AccountInactive,
    /// This kind of user may not sign in this way.
    SignInNotAllowed,
    /// The App ID, its signature or its authorisation was rejected.
    AppIdRejected,
    /// The service says the request itself is malformed.
    InvalidRequest,
    /// The server asks us to slow down.
    RateLimited,
    /// The server failed (5xx, or a gateway error).
    ServerError,
    /// The address answers, but not as a HUAWEI CLOUD Meeting server (`APIG.0101`).
    NotAMeetingServer,
    /// The server could not be reached.
    Network,
    /// The server's TLS certificate is not trusted (a private deployment's own CA is missing).
    UntrustedCertificate,
    /// The server did not answer in time.
    Timeout,
    /// The reply was not what the service sends: not JSON, truncated, too large, a redirect.
    UnreadableReply,
    /// A CA certificate file given for a private deployment could not be used.
    CaCertificate,
    /// An error code meetjoin does not know.
    Other,
}

/// What meetjoin knows of one service error code: its kind and, where the code says more than
/// the kind, its own message.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    /// The code without its prefix (`111072065`), or the whole code for gateway codes (`APIG.0101`).
    pub code: &'static str,
    /// The kind the code is classified as.
    pub kind: ErrorKind,
    /// The key of the code's own message, when it has one.
    pub message_key: Option<&'static str>,
}

const fn code(code: &'static str, kind: ErrorKind, message_key: Option<&'static str>) -> CodeInfo {
    CodeInfo {
        code,
        kind,
        message_key,
    }
}

/// Every service code of API.md's table (and the gateway's), with its kind and message.
pub const KNOWN_CODES: &[CodeInfo] = &[
    code("111072065", ErrorKind::WrongIdOrPassword, None),
    code("111070005", ErrorKind::MeetingNotFound, None),
    code("111070009", ErrorKind::PasswordRequired, None),
    code(
        "111071091",
        ErrorKind::WrongIdOrPassword,
        Some("error.code.password_check_failed"),
    ),
    code(
        "111070004",
        ErrorKind::WrongIdOrPassword,
        Some("error.code.password_check_failed"),
    ),
    code("111070010", ErrorKind::NoPermission, None),
    code("111071052", ErrorKind::Locked, None),
    code("111071053", ErrorKind::Locked, None),
    code("111072064", ErrorKind::Locked, None),
    code("111072050", ErrorKind::MeetingLocked, None),
    code("111072005", ErrorKind::NotStarted, None),
    code("111072006", ErrorKind::Ended, None),
    code(
        "111071072",
        ErrorKind::Ended,
        Some("error.code.recently_ended"),
    ),
    code("111071004", ErrorKind::WaitingForHost, None),
    code("111071058", ErrorKind::WaitingForHost, None),
    code(
        "111071073",
        ErrorKind::NoPermission,
        Some("error.code.no_anonymous"),
    ),
    code(
        "111071074",
        ErrorKind::NoPermission,
        Some("error.code.enterprise_only"),
    ),
    code(
        "111071075",
        ErrorKind::NoPermission,
        Some("error.code.invited_only"),
    ),
    code("100000429", ErrorKind::RateLimited, None),
    code("111070001", ErrorKind::InvalidRequest, None),
    code("000000001", ErrorKind::InvalidRequest, None),
    code(
        "111071083",
        ErrorKind::InvalidRequest,
        Some("error.code.invalid_random"),
    ),
    code("000000004", ErrorKind::NotSignedIn, None),
    code(
        "206020000",
        ErrorKind::NotSignedIn,
        Some("error.code.token_invalid"),
    ),
    code(
        "200000004",
        ErrorKind::NotSignedIn,
        Some("error.code.token_invalid"),
    ),
    code(
        "206020002",
        ErrorKind::NotSignedIn,
        Some("error.code.token_kicked_off"),
    ),
    code("206010000", ErrorKind::AccountOrPasswordWrong, None),
    code("206030015", ErrorKind::AccountLocked, None),
    code("206010007", ErrorKind::AccountInactive, None),
    code("206010036", ErrorKind::SignInNotAllowed, None),
    code("206010025", ErrorKind::AppIdRejected, None),
    code(
        "206010057",
        ErrorKind::AppIdRejected,
        Some("error.code.app_auth_expired"),
    ),
    code(
        "206010030",
        ErrorKind::AppIdRejected,
        Some("error.code.app_user_binding"),
    ),
    code(
        "206010031",
        ErrorKind::AppIdRejected,
        Some("error.code.app_user_binding"),
    ),
    code(
        "206010058",
        ErrorKind::AppIdRejected,
        Some("error.code.app_user_binding"),
    ),
    code("APIG.0101", ErrorKind::NotAMeetingServer, None),
];

/// The token codes of the USG service: any of them means "this token is no good".
pub const TOKEN_CODES: [&str; 4] = ["000000004", "206020000", "200000004", "206020002"];

impl ErrorKind {
    /// Every kind, for tests and documentation.
    pub const ALL: [ErrorKind; 26] = [
        ErrorKind::WrongIdOrPassword,
        ErrorKind::MeetingNotFound,
        ErrorKind::PasswordRequired,
        ErrorKind::Locked,
        ErrorKind::MeetingLocked,
        ErrorKind::NotStarted,
        ErrorKind::WaitingForHost,
        ErrorKind::Ended,
        ErrorKind::NoPermission,
        ErrorKind::NotSignedIn,
        ErrorKind::TokenRejected,
        ErrorKind::AccountOrPasswordWrong,
        ErrorKind::AccountLocked,
        ErrorKind::AccountInactive,
        ErrorKind::SignInNotAllowed,
        ErrorKind::AppIdRejected,
        ErrorKind::InvalidRequest,
        ErrorKind::RateLimited,
        ErrorKind::ServerError,
        ErrorKind::NotAMeetingServer,
        ErrorKind::Network,
        ErrorKind::UntrustedCertificate,
        ErrorKind::Timeout,
        ErrorKind::UnreadableReply,
        ErrorKind::CaCertificate,
        ErrorKind::Other,
    ];

    /// A stable snake_case name, used in `--json` output.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::WrongIdOrPassword => "wrong_id_or_password",
            ErrorKind::MeetingNotFound => "meeting_not_found",
            ErrorKind::PasswordRequired => "password_required",
            ErrorKind::Locked => "locked",
            ErrorKind::MeetingLocked => "meeting_locked",
            ErrorKind::NotStarted => "not_started",
            ErrorKind::WaitingForHost => "waiting_for_host",
            ErrorKind::Ended => "ended",
            ErrorKind::NoPermission => "no_permission",
            ErrorKind::NotSignedIn => "not_signed_in",
            ErrorKind::TokenRejected => "token_rejected",
            ErrorKind::AccountOrPasswordWrong => "account_or_password_wrong",
            ErrorKind::AccountLocked => "account_locked",
            ErrorKind::AccountInactive => "account_inactive",
            ErrorKind::SignInNotAllowed => "sign_in_not_allowed",
            ErrorKind::AppIdRejected => "app_id_rejected",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::ServerError => "server_error",
            ErrorKind::NotAMeetingServer => "not_a_meeting_server",
            ErrorKind::Network => "network",
            ErrorKind::UntrustedCertificate => "untrusted_certificate",
            ErrorKind::Timeout => "timeout",
            ErrorKind::UnreadableReply => "unreadable_reply",
            ErrorKind::CaCertificate => "ca_certificate",
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
                | ErrorKind::MeetingLocked
                | ErrorKind::NotStarted
                | ErrorKind::WaitingForHost
                | ErrorKind::Ended
                | ErrorKind::NoPermission
        )
    }

    /// True when the service no longer accepts the access token (any USG token code, a bare
    /// 401): the session renews once and retries once, then the user has to sign in again.
    pub fn is_token_rejection(self) -> bool {
        self == ErrorKind::NotSignedIn
    }

    /// True when signing in (again) is what the user needs to do.
    pub fn is_sign_in_problem(self) -> bool {
        matches!(
            self,
            ErrorKind::NotSignedIn
                | ErrorKind::TokenRejected
                | ErrorKind::AccountOrPasswordWrong
                | ErrorKind::AccountLocked
                | ErrorKind::AccountInactive
                | ErrorKind::SignInNotAllowed
                | ErrorKind::AppIdRejected
        )
    }

    /// True for failures of the network, the server or its reply.
    pub fn is_transport_problem(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited
                | ErrorKind::ServerError
                | ErrorKind::NotAMeetingServer
                | ErrorKind::Network
                | ErrorKind::UntrustedCertificate
                | ErrorKind::Timeout
                | ErrorKind::UnreadableReply
                | ErrorKind::CaCertificate
        )
    }

    /// What meetjoin knows of a service `error_code` (`MMC.111072065`, `USG.000000004`,
    /// `APIG.0101`...); the `MMC.`/`USG.` prefix does not matter, the gateway's does.
    pub fn code_info(code: &str) -> Option<&'static CodeInfo> {
        let code = code.trim();
        let (prefix, number) = code.split_once('.').unwrap_or(("", code));
        if prefix.eq_ignore_ascii_case("APIG") {
            let whole = format!("APIG.{number}");
            return KNOWN_CODES.iter().find(|info| info.code == whole);
        }
        KNOWN_CODES.iter().find(|info| info.code == number)
    }

    /// Classifies a service `error_code` (`MMC.111072065`, `USG.000000004`, `APIG.0101`...).
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        if let Some(info) = ErrorKind::code_info(code) {
            return Some(info.kind);
        }
        let (prefix, number) = code.trim().split_once('.')?;
        if !prefix.eq_ignore_ascii_case("APIG") {
            return None;
        }
        // The API gateway's own families: its backend failed, the caller is not
        // authenticated, or the caller is throttled.
        match number {
            "0201" | "0202" | "0203" | "0204" | "0205" | "0206" => Some(ErrorKind::ServerError),
            "0301" | "0302" | "0303" | "0304" | "0305" | "0306" | "0307" => {
                Some(ErrorKind::NotSignedIn)
            }
            "0308" => Some(ErrorKind::RateLimited),
            _ => None,
        }
    }

    /// The kind implied by an HTTP status alone, when the body names no known code.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::NotSignedIn,
            403 => ErrorKind::NoPermission,
            412 | 423 => ErrorKind::AccountLocked,
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
    /// The connection failed before any reply began: refused, or reset or closed by the
    /// server before answering (never set for a timeout). Such a call may be sent again.
    pub connection_failed: bool,
    /// The call trusted a CA file besides the system's: an untrusted certificate then says
    /// that the file did not help, never to add one.
    pub with_ca_file: bool,
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
            connection_failed: false,
            with_ca_file: false,
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

    /// The key of this error's message: the code's own message where it has one (and the code
    /// still means this error's kind), else the kind's; an untrusted certificate despite a CA
    /// file has its own, which never asks for the file already given.
    pub fn message_key(&self) -> String {
        if self.kind == ErrorKind::UntrustedCertificate && self.with_ca_file {
            return "error.untrusted_certificate_with_ca_file".to_owned();
        }
        self.code
            .as_deref()
            .and_then(ErrorKind::code_info)
            .filter(|info| info.kind == self.kind)
            .and_then(|info| info.message_key)
            .map_or_else(|| self.kind.message_key(), str::to_owned)
    }

    /// The full message for a person: the error's message, plus when to retry if known.
    pub fn message(&self, lang: Lang) -> String {
        self.message_waiting(lang, self.retry_after)
    }

    /// The message with `wait` as the time left before trying again (a live countdown shows
    /// less than the server said): said once, as "Try again in 58 s.", or "now" at zero.
    pub fn message_waiting(&self, lang: Lang, wait: Option<Duration>) -> String {
        let Some(wait) = wait.filter(|_| self.retry_after.is_some()) else {
            return lang.tr(&self.message_key());
        };
        // The kinds whose message says "for a while" have a shorter one for a known wait.
        let first = match self.kind {
            ErrorKind::Locked => lang.tr("error.locked_short"),
            ErrorKind::RateLimited => lang.tr("error.rate_limited_short"),
            _ => lang.tr(&self.message_key()),
        };
        let then = if wait.is_zero() {
            lang.tr("error.retry_now")
        } else {
            t!(
                "error.retry_after",
                locale = lang.code(),
                time = wait_text(lang, wait)
            )
            .into_owned()
        };
        lang.join_sentences(&first, &then)
    }

    /// The Details section as plain text lines: only what is known (status, code, service
    /// message, request id, detail); an error decided here, with no reply, says so.
    pub fn details(&self, lang: Lang) -> String {
        let mut lines = Vec::new();
        let mut line = |key: &str, value: &str| {
            lines.push(format!("{}: {}", lang.tr(key), value));
        };
        if let Some(status) = self.http_status {
            line("details.http_status", &status.to_string());
        }
        if let Some(code) = &self.code {
            line("details.error_code", code);
        }
        if let Some(msg) = &self.service_message {
            line("details.service_message", msg);
        }
        if let Some(id) = &self.request_id {
            line("details.request_id", id);
        }
        if let Some(detail) = &self.detail {
            line("details.detail", detail);
        }
        if self.http_status.is_none() && self.code.is_none() {
            lines.insert(0, lang.tr("details.no_reply"));
        }
        lines.join("\n")
    }
}

/// A wait for people: "58 s", "1 min", "4 min 58 s".
pub fn wait_text(lang: Lang, wait: Duration) -> String {
    let secs = wait.as_secs().max(1);
    if secs < 60 {
        t!("error.wait.seconds", locale = lang.code(), s = secs).into_owned()
    } else if secs.is_multiple_of(60) {
        t!("error.wait.minutes", locale = lang.code(), m = secs / 60).into_owned()
    } else {
        t!(
            "error.wait.minutes_seconds",
            locale = lang.code(),
            m = secs / 60,
            s = secs % 60
        )
        .into_owned()
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
