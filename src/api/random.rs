//! Call 1: the meeting's auth random (`CreateAuthRandom`).

use std::fmt;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::retry::Retries;
use super::{ApiError, Client, ErrorKind, Reply, clean_text, lenient, secret_header};
use crate::meeting_id::MeetingId;
use crate::redact::Redactor;

/// The path of the auth random call.
pub const PATH: &str = "/v2/mms/ncms/conferences/auth/random";

/// How long an auth random is taken to stay good before a face offers to fetch a new one.
/// A guess: API.md gives the random no lifetime, only "short-lived".
pub const RANDOM_FRESH_FOR: Duration = Duration::from_secs(5 * 60);

/// What to ask the service about one meeting.
#[derive(Clone)]
pub struct RandomRequest {
    /// The meeting to check.
    pub meeting_id: MeetingId,
    /// The meeting password; empty when the meeting has none. Sent without the surrounding
    /// whitespace, whichever face typed it.
    pub password: SecretString,
    /// The client supports the guest pre-meeting waiting page (`guest_waiting=1`).
    pub guest_waiting: bool,
}

impl fmt::Debug for RandomRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RandomRequest")
            .field("meeting_id", &self.meeting_id)
            .field("password", &"[REDACTED]")
            .field("guest_waiting", &self.guest_waiting)
            .finish()
    }
}

/// How the meeting is hosted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfMode {
    /// `COMMON`: an MCU meeting.
    Mcu,
    /// `RTC`: an MMR meeting.
    Mmr,
    /// Any other value, kept as the service sent it.
    Unknown(String),
}

impl ConfMode {
    /// Reads the service's `conf_mode` value.
    pub fn from_service(value: &str) -> ConfMode {
        match value {
            "COMMON" => ConfMode::Mcu,
            "RTC" => ConfMode::Mmr,
            other => ConfMode::Unknown(clean_text(other, 32)),
        }
    }

    /// The value as the service sent it.
    pub fn as_sent(&self) -> &str {
        match self {
            ConfMode::Mcu => "COMMON",
            ConfMode::Mmr => "RTC",
            ConfMode::Unknown(value) => value,
        }
    }

    /// `MCU`, `MMR` or `unknown`, for scripts.
    pub fn label(&self) -> &'static str {
        match self {
            ConfMode::Mcu => "MCU",
            ConfMode::Mmr => "MMR",
            ConfMode::Unknown(_) => "unknown",
        }
    }
}

/// What joining a meeting needs, as the service told it. Optional facts are `None` when not sent.
#[derive(Clone)]
pub struct AuthRandom {
    /// The auth random: a short-lived secret join value.
    pub random: SecretString,
    /// The meeting subject, as sent (control characters removed).
    pub subject: Option<String>,
    /// MCU, MMR or unknown; `None` when not sent.
    pub conf_mode: Option<ConfMode>,
    /// The meeting is a webinar (attendees join as audience).
    pub webinar: Option<bool>,
    /// The meeting requires a password.
    pub need_password: Option<bool>,
    /// The enterprise allows joining from the mini-program.
    pub support_applets: Option<bool>,
    /// When the reply arrived (the random's age is counted from here).
    pub fetched_at: Instant,
}

impl AuthRandom {
    /// How long ago the random was fetched, at `now`.
    pub fn age_at(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.fetched_at)
    }

    /// True when the random is older than [`RANDOM_FRESH_FOR`] at `now`: offer a refresh
    /// instead of copying it.
    pub fn is_stale_at(&self, now: Instant) -> bool {
        self.age_at(now) >= RANDOM_FRESH_FOR
    }
}

impl fmt::Debug for AuthRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRandom")
            .field("random", &"[REDACTED]")
            .field("subject", &self.subject)
            .field("conf_mode", &self.conf_mode)
            .field("webinar", &self.webinar)
            .field("need_password", &self.need_password)
            .field("support_applets", &self.support_applets)
            .field("fetched_at", &self.fetched_at)
            .finish()
    }
}

/// The 200 body, as loosely as the service may send it: an optional field of the wrong type
/// (`"webinar": "true"`, `"conf_mode": 5`) is unknown, not a failure of the whole reply.
#[derive(Deserialize)]
struct RandomBody {
    #[serde(default, deserialize_with = "string_or_number")]
    random: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    subject: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    conf_mode: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    webinar: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    need_password: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    support_applets: Option<bool>,
}

/// Accepts `"123"` or `123` (a number never shows up in error messages).
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Text(String),
        Number(u64),
    }
    Ok(match Option::<Loose>::deserialize(d) {
        Ok(Some(Loose::Text(text))) => Some(text),
        Ok(Some(Loose::Number(n))) => Some(n.to_string()),
        Ok(None) | Err(_) => None,
    })
}

/// A [`RandomBody`] sent as a JSON object, the only shape the service uses: a derived struct
/// would also take an array, reading its fields by position (`[123]` as the random "123").
struct RandomObject(RandomBody);

impl<'de> Deserialize<'de> for RandomObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectOnly;
        impl<'de> Visitor<'de> for ObjectOnly {
            type Value = RandomObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RandomObject, A::Error> {
                RandomBody::deserialize(MapAccessDeserializer::new(map)).map(RandomObject)
            }
        }
        d.deserialize_map(ObjectOnly)
    }
}

impl RandomBody {
    /// The checked facts; server text is masked with `secrets` and the random itself.
    fn into_auth_random(self, secrets: &Redactor) -> Result<AuthRandom, ApiError> {
        let body = self;
        let random = body.random.unwrap_or_default();
        let random = random.trim();
        if random.is_empty() {
            return Err(
                ApiError::new(ErrorKind::UnreadableReply).with_detail("no random in the reply")
            );
        }
        if random.len() > 64 || !random.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ApiError::new(ErrorKind::UnreadableReply)
                .with_detail("the random in the reply is malformed"));
        }
        let mut secrets = secrets.clone();
        secrets.add(random);
        Ok(AuthRandom {
            random: SecretString::from(random.to_owned()),
            subject: body.subject.map(|s| secrets.mask(&clean_text(&s, 512))),
            conf_mode: body
                .conf_mode
                .as_deref()
                .map(|mode| ConfMode::from_service(&secrets.mask(mode))),
            webinar: body.webinar,
            need_password: body.need_password,
            support_applets: body.support_applets,
            fetched_at: Instant::now(),
        })
    }
}

/// Decodes the body of a successful auth random reply as [`Client::auth_random`] does: the
/// same [`RandomObject`] and checks, with no secrets held. For the property tests.
#[doc(hidden)]
pub fn decode_auth_random(body: &[u8]) -> Result<AuthRandom, ApiError> {
    let body: RandomObject = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(ErrorKind::UnreadableReply).with_detail(super::json_error_detail(&e))
    })?;
    body.0.into_auth_random(&Redactor::new())
}

impl Client {
    /// Asks for the meeting's auth random with the signed-in user's `access_token`, once.
    pub async fn auth_random(
        &self,
        access_token: &SecretString,
        request: &RandomRequest,
    ) -> Result<Reply<AuthRandom>, ApiError> {
        self.auth_random_within(access_token, request, None).await
    }

    /// Asks for the meeting's auth random, trying again as `retries` allows (see
    /// [`super::retry`]); every attempt ends by the check's deadline.
    pub async fn auth_random_retrying(
        &self,
        access_token: &SecretString,
        request: &RandomRequest,
        retries: &Retries<'_>,
    ) -> Result<Reply<AuthRandom>, ApiError> {
        retries
            .run(|remaining| self.auth_random_within(access_token, request, Some(remaining)))
            .await
    }

    /// One auth random call, ending within `remaining` when given.
    async fn auth_random_within(
        &self,
        access_token: &SecretString,
        request: &RandomRequest,
        remaining: Option<Duration>,
    ) -> Result<Reply<AuthRandom>, ApiError> {
        // Both faces send the password trimmed: pasted text often ends in a space.
        let password = request.password.expose_secret().trim();
        // `guest_waiting` only when set (its default is 0), as the official SDKs send it.
        let mut query = vec![("conf_id", request.meeting_id.as_str())];
        if request.guest_waiting {
            query.push(("guest_waiting", "1"));
        }
        let mut http = self.http.get(self.url(PATH)).query(&query).header(
            "X-Access-Token",
            secret_header(access_token.expose_secret())?,
        );
        // No password, no header: as the reference's example and the official SDKs do.
        if !password.is_empty() {
            http = http.header("X-Password", secret_header(password)?);
        }
        if let Some(remaining) = remaining {
            http = http.timeout(self.timeout_within(remaining));
        }
        let mut secrets = Redactor::new();
        secrets.add_secret(access_token);
        secrets.add(password);
        let mut reply = self
            .send_with(http, &secrets, |body: RandomObject, secrets| {
                body.0.into_auth_random(secrets)
            })
            .await?;
        // The random is a secret too: a server echoing it in the request id gets it masked.
        let mut with_random = Redactor::new();
        with_random.add_secret(&reply.value.random);
        reply.request_id = with_random.mask_opt(reply.request_id);
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_goes_stale_after_five_minutes() {
        let random = decode_auth_random(br#"{"random":"123456789012345"}"#);
        let Ok(random) = random else {
            panic!("decodes");
        };
        let fetched = random.fetched_at;
        assert!(random.age_at(Instant::now()) < Duration::from_secs(5));
        let just_before = fetched + RANDOM_FRESH_FOR - Duration::from_millis(1);
        assert!(!random.is_stale_at(just_before));
        assert!(random.is_stale_at(fetched + RANDOM_FRESH_FOR));
        assert_eq!(
            random.age_at(fetched + Duration::from_secs(120)).as_secs(),
            120
        );
        // A clock read before the fetch is no age at all.
        assert_eq!(
            random.age_at(fetched - Duration::from_secs(1)),
            Duration::ZERO
        );
    }
}
