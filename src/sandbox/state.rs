//! What the sandbox remembers: tokens, rate-limit windows, wrong-password counters and
//! request counters, and the rules that read and change them. No HTTP here beyond the
//! status codes of [`Failure`].

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use serde::Serialize;

use super::meetings::{
    HOST_ARRIVES_AFTER, HOST_LATE_MEETING, MeetingsReply, Schedule, ScheduledMeeting, SearchQuery,
    expected_password, scheduled, search,
};
use super::{
    ENDED_MEETING, LOCKING_MEETING, SandboxConfig, SandboxStats, SeedMeeting, WAITING_MEETING,
    seed_meetings,
};

/// Lifetime of a refresh token (30 days), as the service documents it.
const REFRESH_TTL_SECS: u64 = 2_592_000;
/// The `clientType` of API clients; the only one the sandbox serves.
pub(crate) const API_CLIENT_TYPE: i64 = 72;
/// Wrong passwords in a row that lock [`LOCKING_MEETING`].
const MAX_WRONG_PASSWORDS: u32 = 5;
/// Length of the rate-limit window.
const RATE_WINDOW: Duration = Duration::from_secs(60);
/// Length of access and refresh tokens.
const TOKEN_LEN: usize = 40;
/// `companyId` of every sandbox user unless an App ID sign-in names a `corpId`.
const SANDBOX_COMPANY_ID: &str = "100000001";
/// `userId` of [`super::DEMO_ACCOUNT`].
pub(crate) const DEMO_USER_ID: &str = "5f0c9a2e7b3d4e1f8a6c2b9d0e4f7a13";

/// One instant, on both the monotonic clock (for expiry) and the wall clock (for replies).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Now {
    /// Monotonic time, for every expiry decision.
    pub instant: Instant,
    /// Unix time in milliseconds, for `createTime` and `expireTime`.
    pub unix_ms: u64,
}

impl Now {
    /// The current instant.
    pub fn get() -> Self {
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        Self {
            instant: Instant::now(),
            unix_ms,
        }
    }

    /// Unix time in seconds.
    pub fn unix_secs(&self) -> u64 {
        self.unix_ms / 1000
    }

    /// Unix time in seconds, signed (for arithmetic with times before it).
    pub fn unix_secs_signed(&self) -> i64 {
        i64::try_from(self.unix_secs()).unwrap_or(i64::MAX)
    }
}

/// A refusal: HTTP status, service error code and message, maybe a `Retry-After`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// HTTP status.
    pub status: StatusCode,
    /// The service's `error_code`.
    pub code: &'static str,
    /// The service's `error_msg`.
    pub msg: &'static str,
    /// Seconds for the `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl Failure {
    /// A refusal without `Retry-After`.
    const fn new(status: StatusCode, code: &'static str, msg: &'static str) -> Self {
        Self {
            status,
            code,
            msg,
            retry_after: None,
        }
    }

    /// The same refusal with a `Retry-After` of `wait`, rounded up to whole seconds.
    fn retry_after(self, wait: Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Self {
            retry_after: Some(secs.max(1)),
            ..self
        }
    }

    /// Missing, unknown, expired or revoked token.
    pub const TOKEN_INVALID: Self =
        Self::new(StatusCode::UNAUTHORIZED, "USG.000000004", "TOKEN_INVALID");
    /// Malformed body or bad parameter of a USG (sign-in) call.
    pub const USG_PARAM_INVALID: Self =
        Self::new(StatusCode::BAD_REQUEST, "USG.000000001", "PARAM_INVALID");
    /// Wrong or missing account credentials.
    pub const USG_AUTH_FAILED: Self =
        Self::new(StatusCode::UNAUTHORIZED, "USG.206010000", "USG_AUTH_FAILED");
    /// App ID unknown or signature wrong.
    pub const APP_AUTH_FAILED: Self =
        Self::new(StatusCode::UNAUTHORIZED, "USG.206010025", "APP_AUTH_FAILED");
    /// App ID sign-in whose `expireTime` has passed.
    pub const APP_AUTH_EXPIRED: Self = Self::new(
        StatusCode::UNAUTHORIZED,
        "USG.206010057",
        "APP_AUTH_EXPIRED",
    );
    /// Bad query parameter of the auth-random call.
    pub const MMC_PARAM_INVALID: Self =
        Self::new(StatusCode::BAD_REQUEST, "MMC.111070001", "PARAM_INVALID");
    /// Too many calls in the rate-limit window.
    pub const RATE_LIMITED: Self = Self::new(
        StatusCode::TOO_MANY_REQUESTS,
        "MMC.100000429",
        "TOO_MANY_REQUESTS",
    );
    /// Unknown meeting or wrong password.
    pub const CONF_NOT_FOUND: Self = Self::new(
        StatusCode::BAD_REQUEST,
        "MMC.111072065",
        "CONF_NOT_FOUND_OR_AUTH_FAILED",
    );
    /// The meeting needs a password and none was sent.
    pub const PASSWORD_EMPTY: Self =
        Self::new(StatusCode::BAD_REQUEST, "MMC.111070009", "PASSWORD_EMPTY");
    /// Locked after too many wrong passwords.
    pub const LOCKED: Self = Self::new(
        StatusCode::BAD_REQUEST,
        "MMC.111071052",
        "TOO_MANY_ATTEMPTS_LOCKED",
    );
    /// The host has not arrived and the client cannot show a waiting page.
    pub const WAITING_FOR_HOST: Self =
        Self::new(StatusCode::BAD_REQUEST, "MMC.111071058", "WAITING_FOR_HOST");
    /// The meeting has not started (its host has not arrived).
    pub const NOT_STARTED: Self =
        Self::new(StatusCode::BAD_REQUEST, "MMC.111072005", "CONF_NOT_STARTED");
    /// The meeting has ended.
    pub const CONF_ENDED: Self = Self::new(StatusCode::BAD_REQUEST, "MMC.111072006", "CONF_ENDED");
    /// No such API: what the service's gateway answers for an unknown path or method.
    pub const NOT_FOUND: Self = Self::new(
        StatusCode::NOT_FOUND,
        "APIG.0101",
        "The API does not exist or has not been published in the environment",
    );
}

/// The user a token belongs to, as the token object shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    /// `userId`.
    pub user_id: String,
    /// `name`.
    pub name: String,
    /// `companyId`.
    pub company_id: String,
}

impl User {
    /// The user behind [`super::DEMO_ACCOUNT`].
    pub fn demo_account(account: &str) -> Self {
        Self {
            user_id: DEMO_USER_ID.to_owned(),
            name: account.to_owned(),
            company_id: SANDBOX_COMPANY_ID.to_owned(),
        }
    }

    /// The user an App ID sign-in acts as: `userId`, or the enterprise admin.
    pub fn app_user(user_id: Option<&str>, corp_id: Option<&str>) -> Self {
        let user = user_id.filter(|u| !u.is_empty()).unwrap_or("admin");
        let company = corp_id
            .filter(|c| !c.is_empty())
            .unwrap_or(SANDBOX_COMPANY_ID);
        Self {
            user_id: user.to_owned(),
            name: user.to_owned(),
            company_id: company.to_owned(),
        }
    }
}

/// The token object of sign-in, refresh and validate replies (API.md section 2).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenObject {
    access_token: String,
    valid_period: u64,
    expire_time: u64,
    create_time: u64,
    refresh_token: String,
    refresh_valid_period: u64,
    refresh_expire_time: u64,
    token_type: u8,
    client_type: i64,
    user: User,
}

/// The 200 body of the auth-random call.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RandomReply {
    random: String,
    subject: &'static str,
    conf_mode: &'static str,
    webinar: bool,
    need_password: bool,
    support_applets: bool,
}

/// The checked query of the auth-random call.
#[derive(Clone, Debug)]
pub(crate) struct RandomQuery {
    /// Meeting ID, digits only.
    pub conf_id: String,
    /// The client can show a waiting page (`guest_waiting=1`).
    pub guest_waiting: bool,
}

/// An access token and the refresh token issued with it.
#[derive(Debug)]
struct Session {
    user: User,
    access_token: String,
    access_expires: Instant,
    access_expire_unix: u64,
    refresh_token: String,
    refresh_expires: Instant,
    refresh_expire_unix: u64,
    created_ms: u64,
}

impl Session {
    /// The access token is still good.
    fn access_live(&self, now: Now) -> bool {
        now.instant < self.access_expires
    }

    /// The refresh token is still good.
    fn refresh_live(&self, now: Now) -> bool {
        now.instant < self.refresh_expires
    }

    /// The token object describing this session at `now`.
    fn token_object(&self, now: Now) -> TokenObject {
        TokenObject {
            access_token: self.access_token.clone(),
            valid_period: self.access_expire_unix.saturating_sub(now.unix_secs()),
            expire_time: self.access_expire_unix,
            create_time: self.created_ms,
            refresh_token: self.refresh_token.clone(),
            refresh_valid_period: self.refresh_expire_unix.saturating_sub(now.unix_secs()),
            refresh_expire_time: self.refresh_expire_unix,
            token_type: 0,
            client_type: API_CLIENT_TYPE,
            user: self.user.clone(),
        }
    }
}

/// Auth-random calls one access token made in the current window.
#[derive(Clone, Copy, Debug)]
struct RateWindow {
    started: Instant,
    calls: u32,
}

/// How long a portal nonce stays good.
pub const PORTAL_NONCE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The reply of `POST /v1/usg/acs/auth/portal-ref-nonce`.
#[derive(Debug, serde::Serialize)]
pub(crate) struct NonceObject {
    /// The one-time nonce.
    pub nonce: String,
}

/// Wrong passwords in a row for one meeting, and the lock they caused.
#[derive(Clone, Copy, Debug, Default)]
struct WrongPasswords {
    count: u32,
    locked_until: Option<Instant>,
}

/// Everything the sandbox remembers, behind one mutex.
#[derive(Debug)]
pub(crate) struct State {
    config: SandboxConfig,
    sessions: Vec<Session>,
    rate_windows: HashMap<String, RateWindow>,
    wrong_passwords: HashMap<&'static str, WrongPasswords>,
    /// Portal nonces not yet used: the user each signs in as, and until when.
    portal_nonces: HashMap<String, (User, Instant)>,
    /// When the meetings of the list start and end.
    schedule: Schedule,
    /// Auth-random calls for the meeting whose host arrives late, so far.
    host_late_calls: u32,
    /// Requests per endpoint.
    pub stats: SandboxStats,
}

impl State {
    /// Empty state for `config`.
    pub fn new(config: SandboxConfig) -> Self {
        Self {
            config,
            sessions: Vec::new(),
            rate_windows: HashMap::new(),
            wrong_passwords: HashMap::new(),
            portal_nonces: HashMap::new(),
            schedule: Schedule::new(Now::get().unix_secs_signed()),
            host_late_calls: 0,
            stats: SandboxStats::default(),
        }
    }

    /// Drops sessions whose refresh token has expired and rate windows that have ended.
    fn prune(&mut self, now: Now) {
        self.sessions.retain(|s| s.refresh_live(now));
        self.portal_nonces
            .retain(|_, (_, until)| now.instant < *until);
        self.rate_windows
            .retain(|_, w| now.instant.duration_since(w.started) < RATE_WINDOW);
    }

    /// Issues a new access and refresh token for `user`.
    pub fn issue(&mut self, user: User, now: Now) -> TokenObject {
        self.prune(now);
        let ttl = self.config.token_ttl;
        let session = Session {
            user,
            access_token: fresh_token(),
            access_expires: now.instant + ttl,
            access_expire_unix: now.unix_secs() + ttl.as_secs(),
            refresh_token: fresh_token(),
            refresh_expires: now.instant + Duration::from_secs(REFRESH_TTL_SECS),
            refresh_expire_unix: now.unix_secs() + REFRESH_TTL_SECS,
            created_ms: now.unix_ms,
        };
        let object = session.token_object(now);
        self.sessions.push(session);
        object
    }

    /// Index of the session whose access token is `token` and still live.
    fn live_access(&self, token: Option<&str>, now: Now) -> Result<usize, Failure> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(Failure::TOKEN_INVALID)?;
        self.sessions
            .iter()
            .position(|s| s.access_token == token && s.access_live(now))
            .ok_or(Failure::TOKEN_INVALID)
    }

    /// Exchanges a live access token (as the reference documents) or a live refresh token (the
    /// undocumented fallback) for a new session; the old session ends.
    pub fn refresh(&mut self, token: Option<&str>, now: Now) -> Result<TokenObject, Failure> {
        self.prune(now);
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(Failure::TOKEN_INVALID)?;
        let index = self
            .sessions
            .iter()
            .position(|s| {
                (s.access_token == token && s.access_live(now))
                    || (s.refresh_token == token && s.refresh_live(now))
            })
            .ok_or(Failure::TOKEN_INVALID)?;
        let old = self.sessions.swap_remove(index);
        Ok(self.issue(old.user, now))
    }

    /// The token object of a live access token.
    pub fn validate(&mut self, token: &str, now: Now) -> Result<TokenObject, Failure> {
        self.prune(now);
        let index = self.live_access(Some(token), now)?;
        Ok(self.sessions[index].token_object(now))
    }

    /// A one-time portal nonce for the user of a live access token, good for
    /// [`PORTAL_NONCE_TTL`].
    pub fn portal_nonce(&mut self, token: Option<&str>, now: Now) -> Result<NonceObject, Failure> {
        self.prune(now);
        let index = self.live_access(token, now)?;
        let nonce = fresh_token();
        let user = self.sessions[index].user.clone();
        self.portal_nonces
            .insert(nonce.clone(), (user, now.instant + PORTAL_NONCE_TTL));
        Ok(NonceObject { nonce })
    }

    /// Uses a portal nonce up: the user ID it signs in as, if it is known and not expired.
    pub fn redeem_portal_nonce(&mut self, nonce: &str, now: Now) -> Option<String> {
        let (user, until) = self.portal_nonces.remove(nonce)?;
        (now.instant < until).then_some(user.user_id)
    }

    /// Revokes a live access token together with its refresh token.
    pub fn sign_out(&mut self, token: Option<&str>, now: Now) -> Result<(), Failure> {
        self.prune(now);
        let index = self.live_access(token, now)?;
        self.sessions.swap_remove(index);
        Ok(())
    }

    /// Makes every access token expire at `now`; refresh tokens stay valid.
    pub fn expire_access_tokens(&mut self, now: Now) {
        for session in &mut self.sessions {
            if session.access_live(now) {
                session.access_expires = now.instant;
                session.access_expire_unix = now.unix_secs();
            }
        }
    }

    /// Checks the token of an auth-random call, then counts the call against its rate limit.
    pub fn admit_random_call(&mut self, token: Option<&str>, now: Now) -> Result<(), Failure> {
        self.prune(now);
        let index = self.live_access(token, now)?;
        let limit = self.config.rate_limit_per_minute;
        if limit == 0 {
            return Ok(());
        }
        let key = self.sessions[index].access_token.clone();
        let window = self.rate_windows.entry(key).or_insert(RateWindow {
            started: now.instant,
            calls: 0,
        });
        if window.calls >= limit {
            let wait = (window.started + RATE_WINDOW).saturating_duration_since(now.instant);
            return Err(Failure::RATE_LIMITED.retry_after(wait));
        }
        window.calls += 1;
        Ok(())
    }

    /// Answers an admitted auth-random call for a meeting and the password sent.
    pub fn auth_random(
        &mut self,
        query: &RandomQuery,
        password: Option<&str>,
        now: Now,
    ) -> Result<RandomReply, Failure> {
        if let Some(scheduled) = scheduled(&query.conf_id) {
            return self.scheduled_random(scheduled, password, now);
        }
        let meeting = seed_meetings()
            .iter()
            .find(|m| m.id == query.conf_id)
            .ok_or(Failure::CONF_NOT_FOUND)?;
        if meeting.id == ENDED_MEETING {
            return Err(Failure::CONF_ENDED);
        }
        if let Some(expected) = meeting.password {
            self.check_password(meeting, expected, password, now)?;
        }
        if meeting.id == WAITING_MEETING && !query.guest_waiting {
            return Err(Failure::WAITING_FOR_HOST);
        }
        Ok(RandomReply {
            random: fresh_random(),
            subject: meeting.subject,
            conf_mode: meeting.conf_mode,
            webinar: meeting.webinar,
            need_password: meeting.need_password,
            support_applets: meeting.support_applets,
        })
    }

    /// Answers an admitted auth-random call for a meeting of the list: ended after its end, not
    /// started before the late host arrives, else a fresh random for any of its passwords.
    fn scheduled_random(
        &mut self,
        scheduled: &'static ScheduledMeeting,
        password: Option<&str>,
        now: Now,
    ) -> Result<RandomReply, Failure> {
        let meeting = &scheduled.meeting;
        let ended = self
            .schedule
            .times(meeting.id)
            .is_some_and(|(_, end)| now.unix_secs_signed() >= end);
        if ended {
            return Err(Failure::CONF_ENDED);
        }
        if let Some(expected) = expected_password(scheduled, password) {
            self.check_password(meeting, expected, password, now)?;
        }
        if meeting.id == HOST_LATE_MEETING && self.host_late_calls < HOST_ARRIVES_AFTER {
            self.host_late_calls += 1;
            return Err(Failure::NOT_STARTED);
        }
        Ok(RandomReply {
            random: fresh_random(),
            subject: meeting.subject,
            conf_mode: meeting.conf_mode,
            webinar: meeting.webinar,
            need_password: meeting.need_password,
            support_applets: meeting.support_applets,
        })
    }

    /// Checks that `token` is a live access token.
    pub fn admit_token(&mut self, token: Option<&str>, now: Now) -> Result<(), Failure> {
        self.prune(now);
        self.live_access(token, now).map(|_| ())
    }

    /// SearchMeetings for a live access token: the meetings its user sees now.
    pub fn search_meetings(
        &mut self,
        token: Option<&str>,
        query: &SearchQuery,
        now: Now,
    ) -> Result<MeetingsReply, Failure> {
        self.prune(now);
        let index = self.live_access(token, now)?;
        let user = self.sessions[index].user.clone();
        let arrived = self.host_late_calls >= HOST_ARRIVES_AFTER;
        Ok(search(
            &self.schedule,
            &user,
            query,
            now.unix_secs_signed(),
            arrived,
        ))
    }

    /// Checks a meeting password, counting wrong ones where the meeting locks.
    fn check_password(
        &mut self,
        meeting: &'static SeedMeeting,
        expected: &str,
        password: Option<&str>,
        now: Now,
    ) -> Result<(), Failure> {
        let locks = meeting.id == LOCKING_MEETING;
        if locks {
            let record = self.wrong_passwords.entry(meeting.id).or_default();
            if let Some(until) = record.locked_until {
                if now.instant < until {
                    let wait = until.saturating_duration_since(now.instant);
                    return Err(Failure::LOCKED.retry_after(wait));
                }
                *record = WrongPasswords::default();
            }
        }
        let password = password
            .filter(|p| !p.is_empty())
            .ok_or(Failure::PASSWORD_EMPTY)?;
        if password == expected {
            self.wrong_passwords.remove(meeting.id);
            return Ok(());
        }
        if locks {
            let lockout = self.config.lockout;
            let record = self.wrong_passwords.entry(meeting.id).or_default();
            record.count += 1;
            if record.count >= MAX_WRONG_PASSWORDS {
                record.locked_until = Some(now.instant + lockout);
            }
        }
        Err(Failure::CONF_NOT_FOUND)
    }
}

/// A fresh opaque token: letters and digits from the OS's CSPRNG (through `uuid`'s v4).
fn fresh_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut token = String::with_capacity(TOKEN_LEN);
    while token.len() < TOKEN_LEN {
        for byte in uuid::Uuid::new_v4().into_bytes() {
            // 248 = 4 * 62: rejecting the rest keeps every character equally likely.
            if byte < 248 && token.len() < TOKEN_LEN {
                token.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            }
        }
    }
    token
}

/// A fresh auth random: 15 digits, the first non-zero, from the OS's CSPRNG.
fn fresh_random() -> String {
    const LOW: u64 = 100_000_000_000_000;
    const SPAN: u64 = 900_000_000_000_000;
    // Rejection sampling: only values below the largest multiple of SPAN are used.
    let limit = u64::MAX - u64::MAX % SPAN;
    loop {
        let bytes = uuid::Uuid::new_v4().into_bytes();
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[..8]);
        let value = u64::from_le_bytes(word);
        if value < limit {
            return (LOW + value % SPAN).to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randoms_have_fifteen_digits() {
        for _ in 0..1000 {
            let r = fresh_random();
            assert_eq!(r.len(), 15);
            assert!(!r.starts_with('0'));
            assert!(r.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn retry_after_rounds_up_to_at_least_one_second() {
        let f = Failure::LOCKED.retry_after(Duration::from_millis(1500));
        assert_eq!(f.retry_after, Some(2));
        let f = Failure::LOCKED.retry_after(Duration::ZERO);
        assert_eq!(f.retry_after, Some(1));
    }
}
