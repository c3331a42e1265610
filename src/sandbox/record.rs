//! What clients sent, as shapes: method, path, the names of query parameters and headers, a
//! few harmless header values and the JSON body's field types, with the reply's status and
//! `error_code`. Never a secret value: a test compares our client's requests with the official
//! SDK's, and a `--record` file can be shared.

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SandboxError;

/// The largest request body the sandbox reads (axum's own default limit).
const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Records kept in memory; the oldest go first (the `--record` file keeps them all).
const KEPT: usize = 10_000;
/// Headers whose values are recorded as sent; of `authorization`, only the scheme word.
const VALUE_HEADERS: [&str; 4] = [
    "content-type",
    "accept-language",
    "x-token-type",
    "user-agent",
];
/// The longest `authorization` scheme word recorded; anything longer may be a credential.
const MAX_SCHEME_LEN: usize = 32;

/// One request the sandbox received, as a shape: no header, query or body value but the
/// allowlisted ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query parameters' names, sorted, one entry per occurrence.
    pub query: Vec<String>,
    /// The header names in lowercase, sorted, one entry per occurrence.
    pub headers: Vec<String>,
    /// Values of `content-type`, `accept-language`, `x-token-type`, `user-agent`, and the scheme word of `authorization`.
    pub header_values: BTreeMap<String, String>,
    /// The body's shape.
    pub body: BodyShape,
    /// The reply's HTTP status.
    pub status: u16,
    /// The reply's `error_code`, if it had one.
    pub error_code: Option<String>,
}

/// The shape of a request body; in JSON a map of field types, or one word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BodyShape {
    /// A JSON object: each field's name and type.
    Fields(BTreeMap<String, JsonType>),
    /// JSON that is not an object: its type.
    Value(JsonType),
    /// No JSON at all: empty, something else, or too large to read.
    Raw(RawBody),
}

/// The type of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    /// A string.
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// `null`.
    Null,
    /// An object.
    Object,
    /// An array.
    Array,
}

/// A body that is not JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawBody {
    /// No body.
    Empty,
    /// A body that does not parse as JSON.
    NotJson,
    /// A body larger than the sandbox reads (answered 413).
    TooLarge,
}

impl JsonType {
    /// The type of `value`.
    fn of(value: &Value) -> JsonType {
        match value {
            Value::String(_) => JsonType::String,
            Value::Number(_) => JsonType::Number,
            Value::Bool(_) => JsonType::Boolean,
            Value::Null => JsonType::Null,
            Value::Object(_) => JsonType::Object,
            Value::Array(_) => JsonType::Array,
        }
    }
}

impl BodyShape {
    /// The shape of a request body.
    fn of(body: &[u8]) -> BodyShape {
        if body.is_empty() {
            return BodyShape::Raw(RawBody::Empty);
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(fields)) => BodyShape::Fields(
                fields
                    .iter()
                    .map(|(name, value)| (name.clone(), JsonType::of(value)))
                    .collect(),
            ),
            Ok(value) => BodyShape::Value(JsonType::of(&value)),
            Err(_) => BodyShape::Raw(RawBody::NotJson),
        }
    }
}

/// The records: the latest [`KEPT`] in memory, and every one in the `--record` file.
#[derive(Debug)]
pub(crate) struct Recorder {
    /// The latest records, oldest first.
    kept: Mutex<VecDeque<RecordedRequest>>,
    /// The JSON-lines file and its path; `None` without one, or after a write failed.
    file: Mutex<Option<(PathBuf, File)>>,
}

/// Locks a mutex, carrying on after a panic elsewhere (a record list stays usable).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Recorder {
    /// A recorder; with `path`, that file is created (or emptied) for JSON lines.
    pub fn new(path: Option<&Path>) -> Result<Recorder, SandboxError> {
        let file = path
            .map(|path| {
                File::create(path)
                    .map(|file| (path.to_owned(), file))
                    .map_err(|source| SandboxError::RecordFile {
                        path: path.to_owned(),
                        source,
                    })
            })
            .transpose()?;
        Ok(Recorder {
            kept: Mutex::new(VecDeque::new()),
            file: Mutex::new(file),
        })
    }

    /// Every kept record, oldest first.
    pub fn all(&self) -> Vec<RecordedRequest> {
        lock(&self.kept).iter().cloned().collect()
    }

    /// Forgets the kept records (the file keeps its lines).
    pub fn clear(&self) {
        lock(&self.kept).clear();
    }

    /// Keeps `record` and appends it to the file as one JSON line.
    fn push(&self, record: RecordedRequest) {
        {
            let mut file = lock(&self.file);
            if let Some((path, out)) = file.as_mut() {
                let written = serde_json::to_string(&record)
                    .map_err(std::io::Error::from)
                    .and_then(|mut line| {
                        line.push('\n');
                        out.write_all(line.as_bytes())
                    });
                if let Err(error) = written {
                    // Logged once: the file is dropped and the records stay in memory.
                    tracing::warn!(path = %path.display(), %error, "sandbox: recording to the file stopped");
                    *file = None;
                }
            }
        }
        let mut kept = lock(&self.kept);
        if kept.len() >= KEPT {
            kept.pop_front();
        }
        kept.push_back(record);
    }
}

/// Middleware: records the shape of every request and its reply's status and `error_code`.
pub(crate) async fn record(
    State(recorder): State<Arc<Recorder>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let mut record = shape(&parts);
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        record.body = BodyShape::Raw(RawBody::TooLarge);
        record.status = StatusCode::PAYLOAD_TOO_LARGE.as_u16();
        recorder.push(record);
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    record.body = BodyShape::of(&body);
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (parts, body) = response.into_parts();
    record.status = parts.status.as_u16();
    // The sandbox's replies are small JSON bodies made in memory.
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(body) => body,
        Err(error) => {
            tracing::warn!(%error, "sandbox: could not read a reply to record it");
            Bytes::new()
        }
    };
    record.error_code = error_code(&body);
    recorder.push(record);
    Response::from_parts(parts, Body::from(body))
}

/// The method, path, query and header shape of a request (no body, no reply yet).
fn shape(parts: &Parts) -> RecordedRequest {
    let mut query: Vec<String> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(name, _)| name.into_owned())
                .collect()
        })
        .unwrap_or_default();
    query.sort();
    let mut headers: Vec<String> = parts
        .headers
        .iter()
        .map(|(name, _)| name.as_str().to_owned())
        .collect();
    headers.sort();
    let mut header_values = BTreeMap::new();
    for name in VALUE_HEADERS {
        if let Some(value) = parts.headers.get(name) {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            header_values.insert(name.to_owned(), value);
        }
    }
    if let Some(scheme) = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| authorization_scheme(v.as_bytes()))
    {
        header_values.insert(AUTHORIZATION.as_str().to_owned(), scheme);
    }
    RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query,
        headers,
        header_values,
        body: BodyShape::Raw(RawBody::Empty),
        status: 0,
        error_code: None,
    }
}

/// The scheme word of an `Authorization` value (`Basic`, `HMAC-SHA256`): only when a
/// credential follows it, and only if it looks like a scheme, so a bare token is never kept.
fn authorization_scheme(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?.trim_start();
    let (scheme, rest) = text.split_once(|c: char| c.is_ascii_whitespace())?;
    let looks_like_scheme = !scheme.is_empty()
        && scheme.len() <= MAX_SCHEME_LEN
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !rest.trim().is_empty();
    looks_like_scheme.then(|| scheme.to_owned())
}

/// The `error_code` of a JSON reply.
fn error_code(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get("error_code")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_keeps_only_a_scheme_followed_by_a_credential() {
        let cases: [(&str, Option<&str>); 6] = [
            ("Basic ZGVtbzpwdw==", Some("Basic")),
            (
                "HMAC-SHA256 signature=abc,access=sandbox-app",
                Some("HMAC-SHA256"),
            ),
            ("  Bearer  tok", Some("Bearer")),
            ("a-bare-secret-token", None),
            ("Basic ", None),
            ("sk=secret token", None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                authorization_scheme(value.as_bytes()).as_deref(),
                expected,
                "{value}"
            );
        }
    }

    #[test]
    fn body_shapes() {
        let cases: [(&str, &str); 5] = [
            ("", r#""empty""#),
            ("not json", r#""not-json""#),
            ("[1]", r#""array""#),
            (
                r#"{"a":"x","b":1,"c":true,"d":null,"e":{},"f":[]}"#,
                r#"{"a":"string","b":"number","c":"boolean","d":"null","e":"object","f":"array"}"#,
            ),
            ("null", r#""null""#),
        ];
        for (body, expected) in cases {
            let shape = BodyShape::of(body.as_bytes());
            let json = serde_json::to_string(&shape).unwrap_or_default();
            assert_eq!(json, expected, "{body}");
            let back: Option<BodyShape> = serde_json::from_str(&json).ok();
            assert_eq!(back, Some(shape), "{body}");
        }
    }
}
