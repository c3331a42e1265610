//! Which service meetjoin talks to: China, International, or a custom base URL.

use std::fmt;
use std::net::IpAddr;

use rust_i18n::t;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::i18n::Lang;

/// The base URL of the Chinese mainland service.
pub const CN_BASE: &str = "https://api.meeting.huaweicloud.com";
/// The base URL of the International service.
pub const INTL_BASE: &str = "https://api-intl.meeting.huaweicloud.com";

/// A HUAWEI CLOUD Meeting service endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Server {
    /// Chinese mainland (the default).
    #[default]
    Cn,
    /// International site.
    Intl,
    /// A private deployment, partner site or the local sandbox.
    Custom(Url),
}

/// Why a server setting was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServerError {
    /// Nothing was given.
    #[error("empty server")]
    Empty,
    /// Not `cn`, `intl` or a URL.
    #[error("not a URL: {0}")]
    NotAUrl(String),
    /// A scheme other than https (or http on loopback).
    #[error("unsupported scheme {0}")]
    Scheme(String),
    /// Plain http to a host that is not loopback.
    #[error("http is only allowed for loopback hosts")]
    InsecureHttp,
    /// The URL carries a user name, password, query or fragment.
    #[error("the URL must not carry credentials, a query or a fragment")]
    Extras,
}

impl ServerError {
    /// The message for a person, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ServerError::Empty => lang.tr("server.empty"),
            ServerError::NotAUrl(text) => {
                t!("server.not_a_url", locale = lang.code(), text = text).into_owned()
            }
            ServerError::Scheme(scheme) => {
                t!("server.scheme", locale = lang.code(), scheme = scheme).into_owned()
            }
            ServerError::InsecureHttp => lang.tr("server.insecure_http"),
            ServerError::Extras => lang.tr("server.extras"),
        }
    }
}

impl Server {
    /// Parses `cn`, `intl`, or an `https://` URL (`http://` only for loopback hosts).
    pub fn parse(text: &str) -> Result<Server, ServerError> {
        let text = text.trim();
        match text.to_ascii_lowercase().as_str() {
            "" => return Err(ServerError::Empty),
            "cn" | "china" => return Ok(Server::Cn),
            "intl" | "international" => return Ok(Server::Intl),
            _ => {}
        }
        let url = Url::parse(text).map_err(|_| ServerError::NotAUrl(text.to_owned()))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(ServerError::NotAUrl(text.to_owned()));
        }
        if !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(ServerError::Extras);
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(ServerError::InsecureHttp),
            other => return Err(ServerError::Scheme(other.to_owned())),
        }
        let mut url = url;
        let trimmed = url.path().trim_end_matches('/').to_owned();
        url.set_path(&trimmed);
        if url.as_str().trim_end_matches('/') == CN_BASE {
            return Ok(Server::Cn);
        }
        if url.as_str().trim_end_matches('/') == INTL_BASE {
            return Ok(Server::Intl);
        }
        Ok(Server::Custom(url))
    }

    /// The base URL, without a trailing slash.
    pub fn base(&self) -> String {
        match self {
            Server::Cn => CN_BASE.to_owned(),
            Server::Intl => INTL_BASE.to_owned(),
            Server::Custom(url) => url.as_str().trim_end_matches('/').to_owned(),
        }
    }

    /// True for the local sandbox and other loopback servers.
    pub fn is_loopback(&self) -> bool {
        match self {
            Server::Custom(url) => is_loopback(url),
            _ => false,
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Server::Cn => f.write_str("cn"),
            Server::Intl => f.write_str("intl"),
            Server::Custom(_) => f.write_str(&self.base()),
        }
    }
}

impl From<Server> for String {
    fn from(server: Server) -> String {
        server.to_string()
    }
}

impl TryFrom<String> for Server {
    type Error = ServerError;
    fn try_from(text: String) -> Result<Server, ServerError> {
        Server::parse(&text)
    }
}

impl std::str::FromStr for Server {
    type Err = ServerError;
    fn from_str(text: &str) -> Result<Server, ServerError> {
        Server::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_urls() {
        assert_eq!(Server::parse("cn"), Ok(Server::Cn));
        assert_eq!(Server::parse(" INTL "), Ok(Server::Intl));
        assert_eq!(
            Server::parse("https://api.meeting.huaweicloud.com/"),
            Ok(Server::Cn)
        );
        assert_eq!(
            Server::parse("https://meet.example.com/base/").map(|s| s.base()),
            Ok("https://meet.example.com/base".to_owned())
        );
        assert_eq!(
            Server::parse("http://127.0.0.1:8080").map(|s| s.base()),
            Ok("http://127.0.0.1:8080".to_owned())
        );
        assert!(Server::parse("http://[::1]:9").is_ok());
        assert!(Server::parse("http://localhost:9").is_ok());
    }

    #[test]
    fn refuses_insecure_or_odd_urls() {
        assert_eq!(Server::parse(""), Err(ServerError::Empty));
        assert_eq!(
            Server::parse("http://example.com"),
            Err(ServerError::InsecureHttp)
        );
        assert_eq!(
            Server::parse("http://10.0.0.1"),
            Err(ServerError::InsecureHttp)
        );
        assert_eq!(
            Server::parse("ftp://example.com"),
            Err(ServerError::Scheme("ftp".into()))
        );
        assert_eq!(
            Server::parse("https://u:p@example.com"),
            Err(ServerError::Extras)
        );
        assert_eq!(
            Server::parse("https://example.com/?a=1"),
            Err(ServerError::Extras)
        );
        assert!(matches!(
            Server::parse("not a url"),
            Err(ServerError::NotAUrl(_))
        ));
    }
}
