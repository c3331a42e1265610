//! The HTTP client for the HUAWEI CLOUD Meeting server API.
//!
//! One module per call family: [`random`] for the meeting's auth random, [`auth`] for
//! sign-in and tokens. Every call goes through [`Client::send`], which adds the common
//! headers, refuses redirects and large replies, and turns failures into [`ApiError`].

pub mod auth;
pub mod error;
pub mod random;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub use auth::{AppIdCredentials, Tokens};
pub use error::{ApiError, ErrorKind};
pub use random::{AuthRandom, ConfMode, RandomRequest};

use crate::server::Server;

/// The largest reply body meetjoin reads.
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;
/// The header carrying our request id.
const REQUEST_ID_HEADER: &str = "X-Request-ID";

/// Timeouts of a [`Client`].
#[derive(Clone, Copy, Debug)]
pub struct ClientOptions {
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long a whole request may take.
    pub timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
        }
    }
}

/// A successful reply: the decoded value and the request id for support.
#[derive(Clone, Debug)]
pub struct Reply<T> {
    /// The decoded body.
    pub value: T,
    /// The reply's request id, else the one meetjoin sent.
    pub request_id: Option<String>,
}

/// A client for one server. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    server: Server,
}

/// The error body every failure carries.
#[derive(Deserialize)]
struct ErrorBody {
    error_code: Option<String>,
    error_msg: Option<String>,
    request_id: Option<String>,
}

impl Client {
    /// A client for `server` with the default timeouts (5 s connect, 15 s in all).
    pub fn new(server: Server) -> Result<Client, ApiError> {
        Client::with_options(server, ClientOptions::default())
    }

    /// A client for `server` with the given timeouts.
    pub fn with_options(server: Server, options: ClientOptions) -> Result<Client, ApiError> {
        // rustls's crypto comes from ring; installing it again later is a harmless no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("meetjoin/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!server.is_loopback())
            .build()
            .map_err(|e| ApiError::new(ErrorKind::Network).with_detail(e.to_string()))?;
        Ok(Client { http, server })
    }

    /// The server this client talks to.
    pub fn server(&self) -> &Server {
        &self.server
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.base(), path)
    }

    /// Sends a request, decodes a JSON reply of type `B` and converts it with `convert`;
    /// a failure to decode or convert keeps the reply's status and request id.
    async fn send_with<B: DeserializeOwned, T>(
        &self,
        request: reqwest::RequestBuilder,
        convert: impl FnOnce(B) -> Result<T, ApiError>,
    ) -> Result<Reply<T>, ApiError> {
        let raw = self.send_raw(request).await?;
        let decoded = serde_json::from_slice(&raw.body).map_err(|e| {
            ApiError::new(ErrorKind::UnreadableReply).with_detail(json_error_detail(&e))
        });
        match decoded.and_then(convert) {
            Ok(value) => Ok(Reply {
                value,
                request_id: raw.request_id,
            }),
            Err(e) => Err(ApiError {
                http_status: e.http_status.or(Some(raw.status)),
                ..e.with_request_id(raw.request_id)
            }),
        }
    }

    /// Sends a request; returns the body of a 2xx reply, or the classified error.
    async fn send_raw(&self, request: reqwest::RequestBuilder) -> Result<RawReply, ApiError> {
        let sent_id = uuid::Uuid::new_v4().to_string();
        let request = request.header(REQUEST_ID_HEADER, &sent_id);
        let response = request
            .send()
            .await
            .map_err(|e| transport_error(e).with_request_id(Some(sent_id.clone())))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let header_id =
            header_text(&headers, "x-request-id").or_else(|| header_text(&headers, "requestid"));
        let request_id = header_id.clone().or_else(|| Some(sent_id.clone()));
        if response.status().is_redirection() {
            let target = header_text(&headers, "location")
                .and_then(|l| url::Url::parse(&l).ok())
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| "?".to_owned());
            return Err(ApiError {
                http_status: Some(status),
                ..ApiError::new(ErrorKind::UnreadableReply)
                    .with_detail(format!("redirect to {target} refused"))
                    .with_request_id(request_id)
            });
        }
        let body = read_limited(response).await.map_err(|e| ApiError {
            http_status: Some(status),
            ..e.with_request_id(request_id.clone())
        })?;
        if (200..300).contains(&status) {
            return Ok(RawReply {
                status,
                body,
                request_id,
            });
        }
        Err(classify_failure(
            status, &headers, &body, header_id, sent_id,
        ))
    }
}

/// A 2xx reply's status and body.
struct RawReply {
    status: u16,
    body: Vec<u8>,
    request_id: Option<String>,
}

/// Reads at most [`MAX_REPLY_BYTES`] of the body.
async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, ApiError> {
    if response
        .content_length()
        .is_some_and(|len| len > MAX_REPLY_BYTES as u64)
    {
        return Err(ApiError::new(ErrorKind::UnreadableReply).with_detail("reply too large"));
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_REPLY_BYTES {
                    return Err(
                        ApiError::new(ErrorKind::UnreadableReply).with_detail("reply too large")
                    );
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err(transport_error(e)),
            Err(e) => {
                return Err(ApiError::new(ErrorKind::UnreadableReply)
                    .with_detail(format!("reply cut short: {}", error_chain(&e))));
            }
        }
    }
}

/// Classifies a non-2xx reply by its `error_code`, falling back to the status.
fn classify_failure(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    header_id: Option<String>,
    sent_id: String,
) -> ApiError {
    let retry_after = header_text(headers, RETRY_AFTER.as_str())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| Duration::from_secs(secs.min(24 * 3600)));
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (kind, code, message, body_request_id, detail) = match parsed {
        Some(err) => {
            let kind = err
                .error_code
                .as_deref()
                .and_then(ErrorKind::from_code)
                .unwrap_or_else(|| ErrorKind::from_status(status));
            (
                kind,
                err.error_code.map(|c| clean_text(&c, 64)),
                err.error_msg.map(|m| clean_text(&m, 200)),
                err.request_id.map(|r| clean_text(&r, 64)),
                None,
            )
        }
        None => {
            let kind = match status {
                429 => ErrorKind::RateLimited,
                401 => ErrorKind::NotSignedIn,
                500..=599 => ErrorKind::ServerError,
                _ => ErrorKind::UnreadableReply,
            };
            (kind, None, None, None, Some("reply is not JSON".to_owned()))
        }
    };
    ApiError {
        kind,
        http_status: Some(status),
        code,
        service_message: message,
        request_id: header_id.or(body_request_id).or(Some(sent_id)),
        retry_after,
        detail,
    }
}

/// Maps a transport failure to network / timeout, with a detail free of secrets and URLs.
fn transport_error(e: reqwest::Error) -> ApiError {
    let e = e.without_url();
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_connect() {
        ErrorKind::Network
    } else if is_http_parse_error(&e) {
        ErrorKind::UnreadableReply
    } else if e.is_request() {
        ErrorKind::Network
    } else {
        ErrorKind::UnreadableReply
    };
    ApiError::new(kind).with_detail(error_chain(&e))
}

/// True when the peer answered, but not in HTTP (a banner, a bad status line, huge headers).
fn is_http_parse_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(hyper_error) = err.downcast_ref::<hyper::Error>() {
            // `is_parse` covers a head that is too large as well.
            return hyper_error.is_parse() || hyper_error.is_parse_status();
        }
        current = err.source();
    }
    false
}

/// The error and its sources on one line, without the URL (which may name the host only).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        let text = err.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        current = err.source();
    }
    parts.join(": ")
}

/// A serde error described by its position only, never by the content it choked on.
fn json_error_detail(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not valid JSON",
        serde_json::error::Category::Data => "unexpected fields",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| clean_text(v, 128))
        .filter(|v| !v.is_empty())
}

/// Keeps text from a server printable: no control or bidi-override characters, bounded length.
pub(crate) fn clean_text(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .take(max_chars)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A header value holding a secret: never printed by reqwest's Debug.
pub(crate) fn secret_header(value: &str) -> Result<HeaderValue, ApiError> {
    let mut header = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
        ApiError::new(ErrorKind::Other)
            .with_detail("a credential contains characters that cannot be sent")
    })?;
    header.set_sensitive(true);
    Ok(header)
}
