//! The HTTP client for the HUAWEI CLOUD Meeting server API.
//!
//! One module per call family: [`random`] for the meeting's auth random, [`auth`] for
//! sign-in and tokens, [`meetings`] for the user's own meetings. Every call goes through `Client::send_raw`, which adds the common
//! headers, refuses redirects and large replies, and turns failures into [`ApiError`].
//! Only the auth random call is ever tried again, as [`retry`] decides.

pub mod auth;
pub mod error;
pub mod meetings;
pub mod portal;
pub mod random;
pub mod retry;
mod tls;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub use auth::{AppIdCredentials, Tokens};
pub use error::{ApiError, CodeInfo, ErrorKind};
pub use meetings::{
    Meeting, MeetingList, MeetingPasswords, MeetingQuery, MeetingRange, MeetingState, Role,
    StartOrder, Timing,
};
pub use random::{AuthRandom, ConfMode, RANDOM_FRESH_FOR, RandomRequest};
pub use retry::{RetryNotice, RetryPolicy};

use crate::i18n::Lang;
use crate::redact::{HeldSecrets, Redactor};
use crate::server::Server;

/// The largest reply body meetjoin reads.
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;
/// The header carrying our request id.
const REQUEST_ID_HEADER: &str = "X-Request-ID";

/// The `Content-Type` of every call, as the official SDKs send it.
pub const JSON_CONTENT_TYPE: &str = "application/json";
/// The log target of the one line each call writes.
pub const LOG_TARGET: &str = "meetjoin::api";
/// The least time between two warm-ups of one client ([`Client::warm_up`]).
pub const WARM_UP_INTERVAL: Duration = Duration::from_secs(30);

/// The language the service should answer in (`Accept-Language`); shared by every clone of a
/// client and changeable at any time, so that a server's own message follows the window.
#[derive(Clone, Debug)]
pub struct LanguageSetting(Arc<AtomicU8>);

impl LanguageSetting {
    /// A setting starting at `lang`.
    pub fn new(lang: Lang) -> LanguageSetting {
        LanguageSetting(Arc::new(AtomicU8::new(Self::index(lang))))
    }

    fn index(lang: Lang) -> u8 {
        match lang {
            Lang::En => 0,
            Lang::ZhCn => 1,
        }
    }

    /// Changes the language of every later call.
    pub fn set(&self, lang: Lang) {
        self.0.store(Self::index(lang), Ordering::Relaxed);
    }

    /// The current language.
    pub fn get(&self) -> Lang {
        match self.0.load(Ordering::Relaxed) {
            1 => Lang::ZhCn,
            _ => Lang::En,
        }
    }

    /// The `Accept-Language` value: `zh-CN` or `en-US`.
    pub fn header_value(&self) -> &'static str {
        match self.get() {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en-US",
        }
    }
}

impl Default for LanguageSetting {
    fn default() -> Self {
        LanguageSetting::new(Lang::from_system())
    }
}

/// How a [`Client`] connects: timeouts, the answer language and extra trusted CAs.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long a whole request may take.
    pub timeout: Duration,
    /// The language sent as `Accept-Language`.
    pub language: LanguageSetting,
    /// A PEM file of CA certificates to trust besides the system's (a private deployment).
    pub ca_file: Option<PathBuf>,
    /// When a failed auth random call is tried again (no other call ever is).
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            language: LanguageSetting::default(),
            ca_file: None,
            retry: RetryPolicy::default(),
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
    language: LanguageSetting,
    held: HeldSecrets,
    /// How long a whole request may take, unless a deadline leaves less.
    timeout: Duration,
    retry: RetryPolicy,
    /// When the last warm-up started (shared by the clones): one per [`WARM_UP_INTERVAL`].
    warmed_at: Arc<Mutex<Option<Instant>>>,
    /// The client trusts a CA file besides the system's (an untrusted certificate is then
    /// not a missing CA file).
    with_ca_file: bool,
}

/// The error body every failure carries.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default, deserialize_with = "lenient")]
    error_code: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    error_msg: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    request_id: Option<String>,
}

/// Reads an optional field leniently: a value of the wrong type makes the field unknown
/// (`None`) instead of failing the whole reply.
pub(crate) fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
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
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("meetjoin/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!server.is_loopback());
        if let Some(path) = &options.ca_file {
            // The platform's verifier with the file's CAs, as reqwest's own, and the server's
            // own certificate accepted when it is one of the file's (see `tls`).
            let config = tls::client_config(read_ca_file(path)?).map_err(|e| {
                ApiError::new(ErrorKind::CaCertificate)
                    .with_detail(format!("{}: {e}", path.display()))
            })?;
            builder = builder.tls_backend_preconfigured(config);
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::new(ErrorKind::Network).with_detail(error_chain(&e)))?;
        Ok(Client {
            http,
            server,
            language: options.language,
            held: HeldSecrets::default(),
            timeout: options.timeout,
            retry: options.retry,
            warmed_at: Arc::new(Mutex::new(None)),
            with_ca_file: options.ca_file.is_some(),
        })
    }

    /// The language setting behind this client's `Accept-Language`.
    pub fn language(&self) -> &LanguageSetting {
        &self.language
    }

    /// Replaces the secrets the signed-in session holds: they are masked in every later
    /// server-supplied text, whatever call it came from.
    pub fn hold_secrets(&self, secrets: Redactor) {
        self.held.replace(secrets);
    }

    /// The server this client talks to.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// When a failed auth random call is tried again.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The timeout of one request that must end within `remaining`.
    fn timeout_within(&self, remaining: Duration) -> Duration {
        self.timeout.min(remaining)
    }

    /// Opens the connection to the server (TCP and TLS) ahead of the next call, which then
    /// reuses it from the pool: sends `HEAD /` without any credential, reads the answer to its
    /// end and ignores it. At most once per [`WARM_UP_INTERVAL`] for this client and its
    /// clones (a new server or CA file makes a new client); a failure is only logged (debug).
    /// True when a request went out and was answered now.
    pub async fn warm_up(&self) -> bool {
        {
            let mut warmed_at = self
                .warmed_at
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if warmed_at.is_some_and(|at| at.elapsed() < WARM_UP_INTERVAL) {
                return false;
            }
            *warmed_at = Some(Instant::now());
        }
        let started = Instant::now();
        let answered = async {
            let response = self.http.head(self.url("/")).send().await?;
            let status = response.status().as_u16();
            // To the end: only a finished reply gives its connection back to the pool.
            response.bytes().await?;
            Ok::<u16, reqwest::Error>(status)
        }
        .await;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match answered {
            Ok(status) => {
                tracing::debug!(target: LOG_TARGET, status, duration_ms, "warm-up");
                true
            }
            Err(e) => {
                let detail = error_chain(&e.without_url());
                tracing::debug!(target: LOG_TARGET, detail, duration_ms, "warm-up failed");
                false
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.base(), path)
    }

    /// Sends a request, decodes a JSON reply of type `B` and converts it with `convert`;
    /// a failure to decode or convert keeps the reply's status and request id. `convert` gets
    /// the secrets to mask in any text it keeps from the reply.
    async fn send_with<B: DeserializeOwned, T>(
        &self,
        request: reqwest::RequestBuilder,
        secrets: &Redactor,
        convert: impl FnOnce(B, &Redactor) -> Result<T, ApiError>,
    ) -> Result<Reply<T>, ApiError> {
        let raw = self.send_raw(request, secrets).await?;
        // serde would fill a struct from a JSON array by position: only an object is a reply.
        let decoded = if is_json_object(&raw.body) {
            serde_json::from_slice(&raw.body).map_err(|e| {
                ApiError::new(ErrorKind::UnreadableReply).with_detail(json_error_detail(&e))
            })
        } else {
            Err(ApiError::new(ErrorKind::UnreadableReply)
                .with_detail("the reply is not a JSON object"))
        };
        match decoded.and_then(|body| convert(body, &raw.secrets)) {
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

    /// Sends a request with the common headers; returns the body of a 2xx reply, or the
    /// classified error. Server-supplied text is masked with `secrets` and the held secrets,
    /// and the call is logged in one line.
    async fn send_raw(
        &self,
        request: reqwest::RequestBuilder,
        secrets: &Redactor,
    ) -> Result<RawReply, ApiError> {
        let secrets = self.held.snapshot().merged(secrets);
        let sent_id = uuid::Uuid::new_v4().to_string();
        let request = request
            .header(REQUEST_ID_HEADER, &sent_id)
            .header(CONTENT_TYPE, JSON_CONTENT_TYPE)
            .header(ACCEPT_LANGUAGE, self.language.header_value())
            .build()
            .map_err(|e| transport_error(e).with_request_id(Some(sent_id.clone())))?;
        let method = request.method().clone();
        let path = request.url().path().to_owned();
        let started = Instant::now();
        let result = self.execute(request, &sent_id, &secrets).await;
        log_call(&method, &path, &result, started.elapsed());
        result
    }

    /// The exchange itself, for [`Client::send_raw`].
    async fn execute(
        &self,
        request: reqwest::Request,
        sent_id: &str,
        secrets: &Redactor,
    ) -> Result<RawReply, ApiError> {
        let response = self.http.execute(request).await.map_err(|e| ApiError {
            with_ca_file: self.with_ca_file,
            ..transport_error(e).with_request_id(Some(sent_id.to_owned()))
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let header_id = header_text(&headers, "x-request-id")
            .or_else(|| header_text(&headers, "requestid"))
            .map(|id| secrets.mask(&id));
        let request_id = header_id.clone().or_else(|| Some(sent_id.to_owned()));
        if response.status().is_redirection() {
            let target = header_text(&headers, "location")
                .and_then(|l| url::Url::parse(&l).ok())
                .and_then(|u| u.host_str().map(|host| secrets.mask(host)))
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
        // A 2xx whose body is an error body is an error: the code decides, not the status.
        let error_in_success = is_json_object(&body)
            .then(|| serde_json::from_slice::<ErrorBody>(&body).ok())
            .flatten()
            .and_then(|e| e.error_code)
            .is_some_and(|c| !c.trim().is_empty());
        if (200..300).contains(&status) && !error_in_success {
            return Ok(RawReply {
                status,
                body,
                request_id,
                secrets: secrets.clone(),
            });
        }
        Err(classify_failure(
            status,
            &headers,
            &body,
            header_id,
            sent_id.to_owned(),
            secrets,
        ))
    }
}

/// The one log line of a call: method, path, status, error code, request id and duration.
/// Everything in it is either meetjoin's own or already masked.
fn log_call(
    method: &reqwest::Method,
    path: &str,
    result: &Result<RawReply, ApiError>,
    elapsed: Duration,
) {
    let duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(reply) => tracing::info!(
            target: LOG_TARGET,
            %method,
            path,
            status = reply.status,
            error_code = "-",
            request_id = reply.request_id.as_deref().unwrap_or("-"),
            duration_ms,
            "call"
        ),
        Err(error) => tracing::info!(
            target: LOG_TARGET,
            %method,
            path,
            status = error.http_status.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            error_code = error.code.as_deref().unwrap_or("-"),
            request_id = error.request_id.as_deref().unwrap_or("-"),
            duration_ms,
            kind = error.kind.as_str(),
            "call failed"
        ),
    }
}

/// Reads a PEM file of CA certificates.
fn read_ca_file(
    path: &std::path::Path,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, ApiError> {
    use rustls::pki_types::pem::PemObject;
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|e| {
        ApiError::new(ErrorKind::CaCertificate).with_detail(format!("{shown}: {e}"))
    })?;
    let certificates = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            ApiError::new(ErrorKind::CaCertificate).with_detail(format!("{shown}: {e}"))
        })?;
    if certificates.is_empty() {
        return Err(ApiError::new(ErrorKind::CaCertificate)
            .with_detail(format!("{shown}: no PEM certificate in the file")));
    }
    Ok(certificates)
}

/// A 2xx reply's status and body, and the secrets to mask in what it says.
struct RawReply {
    status: u16,
    body: Vec<u8>,
    request_id: Option<String>,
    secrets: Redactor,
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
    secrets: &Redactor,
) -> ApiError {
    let retry_after = header_text(headers, RETRY_AFTER.as_str())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| Duration::from_secs(secs.min(24 * 3600)));
    let parsed: Option<ErrorBody> = is_json_object(body)
        .then(|| serde_json::from_slice(body).ok())
        .flatten();
    let (kind, code, message, body_request_id, detail) = match parsed {
        Some(err) => {
            // The code decides, whatever the status: a token code is a rejected token even
            // on a 400 or a 200.
            let kind = err
                .error_code
                .as_deref()
                .and_then(ErrorKind::from_code)
                .unwrap_or_else(|| ErrorKind::from_status(status));
            (
                kind,
                err.error_code.map(|c| secrets.mask(&clean_text(&c, 64))),
                err.error_msg.map(|m| secrets.mask(&clean_text(&m, 200))),
                err.request_id.map(|r| secrets.mask(&clean_text(&r, 64))),
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
        connection_failed: false,
        with_ca_file: false,
        detail,
    }
}

/// Maps a transport failure to network / timeout, with a detail free of secrets and URLs.
/// A connection refused, or reset or closed before any reply, is marked
/// [`ApiError::connection_failed`]; a timeout never is.
fn transport_error(e: reqwest::Error) -> ApiError {
    let e = e.without_url();
    let timeout = e.is_timeout();
    let kind = if timeout {
        ErrorKind::Timeout
    } else if is_untrusted_certificate(&e) {
        ErrorKind::UntrustedCertificate
    } else if e.is_connect() {
        ErrorKind::Network
    } else if is_http_parse_error(&e) {
        ErrorKind::UnreadableReply
    } else if e.is_request() {
        ErrorKind::Network
    } else {
        ErrorKind::UnreadableReply
    };
    ApiError {
        connection_failed: kind == ErrorKind::Network && !timeout && is_connection_failure(&e),
        ..ApiError::new(kind).with_detail(error_chain(&e))
    }
}

/// True when the connection was refused, or reset or closed by the peer before any reply
/// began: the request was not answered, and the server may simply be restarting.
fn is_connection_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if err
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            ) {
                return true;
            }
            // An I/O error's `source` skips the error it wraps.
            current = io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static));
            continue;
        }
        current = err.source();
    }
    false
}

/// True when the TLS handshake failed because the server's certificate was not trusted.
fn is_untrusted_certificate(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if matches!(
            err.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_))
        ) {
            return true;
        }
        // An I/O error's `source` skips the error it wraps (rustls's arrives wrapped twice).
        current = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    false
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

/// True when `body` starts (after white space) like a JSON object: serde would otherwise fill a
/// struct from an array by position, so `["token"]` could pass for a token reply.
fn is_json_object(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
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
