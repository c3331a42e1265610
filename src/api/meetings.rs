//! SearchMeetings: the signed-in user's meetings (`GET /v1/mmc/management/conferences`,
//! API.md section 7), every page of them, decoded leniently, with times in UTC that the faces
//! show in local time.
//!
//! The request has the official SDK's shape (`search_meetings`): `offset`, `limit`,
//! `queryConfMode` and `sortType` in the query, `X-Access-Token`, no body. A meeting's passwords
//! (`passwordEntry`) and join links (a guest link's last part stands for the guest password)
//! are secrets: [`SecretString`]s, redacted in `Debug`, never logged.

use std::fmt;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use super::{ApiError, Client, ConfMode, ErrorKind, Reply, clean_text, lenient, secret_header};
use crate::meeting_id::MeetingId;
use crate::redact::Redactor;

/// The path of SearchMeetings.
pub const MEETINGS_PATH: &str = "/v1/mmc/management/conferences";
/// The most the service gives in one page (`limit`, API.md section 7).
pub const MAX_PAGE_SIZE: u32 = 500;

/// The time range the service searches (`queryConfMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MeetingRange {
    /// `ADAY`: one day.
    Day,
    /// `AWEEK`: one week; covers the local today wherever the service's own day starts.
    #[default]
    Week,
    /// `AMONTH`: one month.
    Month,
    /// `ALL`: every meeting the user may see.
    All,
}

impl MeetingRange {
    /// Every range, shortest first.
    pub const ALL: [MeetingRange; 4] = [
        MeetingRange::Day,
        MeetingRange::Week,
        MeetingRange::Month,
        MeetingRange::All,
    ];

    /// The `queryConfMode` value.
    pub fn as_query(self) -> &'static str {
        match self {
            MeetingRange::Day => "ADAY",
            MeetingRange::Week => "AWEEK",
            MeetingRange::Month => "AMONTH",
            MeetingRange::All => "ALL",
        }
    }

    /// `day`, `week`, `month` or `all`: the command line's and JSON's word.
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingRange::Day => "day",
            MeetingRange::Week => "week",
            MeetingRange::Month => "month",
            MeetingRange::All => "all",
        }
    }
}

/// The order of the list (`sortType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StartOrder {
    /// `ASC_StartTIME`: the earliest start first.
    #[default]
    EarliestFirst,
    /// `DSC_StartTIME`: the latest start first.
    LatestFirst,
}

impl StartOrder {
    /// The `sortType` value.
    pub fn as_query(self) -> &'static str {
        match self {
            StartOrder::EarliestFirst => "ASC_StartTIME",
            StartOrder::LatestFirst => "DSC_StartTIME",
        }
    }
}

/// What to ask SearchMeetings, and how much of the answer to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingQuery {
    /// The time range (`queryConfMode`).
    pub range: MeetingRange,
    /// The order (`sortType`).
    pub order: StartOrder,
    /// Meetings per page (`limit`), at most [`MAX_PAGE_SIZE`].
    pub page_size: u32,
    /// The most meetings read in all: pages stop there (a list that long is not a day's).
    pub max_meetings: usize,
}

impl Default for MeetingQuery {
    fn default() -> Self {
        MeetingQuery {
            range: MeetingRange::Week,
            order: StartOrder::EarliestFirst,
            page_size: 100,
            max_meetings: 1000,
        }
    }
}

impl MeetingQuery {
    /// The default query for `range`.
    pub fn of(range: MeetingRange) -> MeetingQuery {
        MeetingQuery {
            range,
            ..MeetingQuery::default()
        }
    }
}

/// Where a meeting stands, as the service says (`conferenceState`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MeetingState {
    /// `Schedule`: booked, not started.
    Scheduled,
    /// `Creating`: starting now.
    Creating,
    /// `Created`: running.
    Running,
    /// `Destroyed`: ended.
    Ended,
    /// Any other value, kept as the service sent it.
    Unknown(String),
}

impl MeetingState {
    /// Reads the service's `conferenceState`.
    pub fn from_service(value: &str) -> MeetingState {
        match value {
            "Schedule" => MeetingState::Scheduled,
            "Creating" => MeetingState::Creating,
            "Created" => MeetingState::Running,
            "Destroyed" => MeetingState::Ended,
            other => MeetingState::Unknown(clean_text(other, 32)),
        }
    }

    /// The value as the service sent it.
    pub fn as_sent(&self) -> &str {
        match self {
            MeetingState::Scheduled => "Schedule",
            MeetingState::Creating => "Creating",
            MeetingState::Running => "Created",
            MeetingState::Ended => "Destroyed",
            MeetingState::Unknown(value) => value,
        }
    }

    /// `scheduled`, `creating`, `running`, `ended` or `unknown`: a stable word for scripts.
    pub fn as_str(&self) -> &'static str {
        match self {
            MeetingState::Scheduled => "scheduled",
            MeetingState::Creating => "creating",
            MeetingState::Running => "running",
            MeetingState::Ended => "ended",
            MeetingState::Unknown(_) => "unknown",
        }
    }
}

/// How the signed-in user takes part, as the passwords the service gave show it: the
/// organiser gets the chair password, a guest the general one, a webinar's attendee the
/// audience one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The organiser (or a co-host): joins with the chair password.
    Organiser,
    /// A guest: joins with the general (guest) password, if the meeting has one.
    Guest,
    /// A webinar's attendee: joins with the audience password.
    Audience,
}

impl Role {
    /// `organiser`, `guest` or `audience`: a stable word for scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Organiser => "organiser",
            Role::Guest => "guest",
            Role::Audience => "audience",
        }
    }
}

/// The passwords `passwordEntry` gave, by role. `Debug` never shows them.
#[derive(Clone, Debug, Default)]
pub struct MeetingPasswords {
    /// `chair`: the host's password (only the organiser gets it).
    pub chair: Option<SecretString>,
    /// `general`: the guest password.
    pub general: Option<SecretString>,
    /// `audience`: a webinar attendee's password.
    pub audience: Option<SecretString>,
}

/// One meeting of the signed-in user. Facts the service left out, or sent in a form meetjoin
/// does not read, are `None`. `Debug` never shows a password or a join link.
#[derive(Clone, Debug)]
pub struct Meeting {
    /// The meeting ID (`conferenceID`).
    pub id: MeetingId,
    /// The subject, as sent (control characters removed).
    pub subject: Option<String>,
    /// When it starts (`startTime`, sent in UTC).
    pub start: Option<Timestamp>,
    /// When it ends (`endTime`, sent in UTC).
    pub end: Option<Timestamp>,
    /// The time zone of the invitation (`timeZoneID`), as sent; not used for display.
    pub time_zone_id: Option<String>,
    /// Where it stands (`conferenceState`).
    pub state: Option<MeetingState>,
    /// The organiser's name (`scheduserName`).
    pub organiser: Option<String>,
    /// A webinar (attendees join as audience).
    pub webinar: Option<bool>,
    /// MCU, MMR or unknown (`confMode`).
    pub conf_mode: Option<ConfMode>,
    /// The guests' web link (`guestJoinUri`); it may stand for the guest password.
    pub guest_join_uri: Option<SecretString>,
    /// The host's web link (`chairJoinUri`).
    pub chair_join_uri: Option<SecretString>,
    /// The audience's web link (`audienceJoinUri`).
    pub audience_join_uri: Option<SecretString>,
    /// The passwords the service gave this user.
    pub passwords: MeetingPasswords,
}

impl Meeting {
    /// How this user takes part, from the passwords the service gave: a chair password means
    /// the organiser; only an audience password, an attendee; otherwise a guest.
    pub fn role(&self) -> Role {
        if self.passwords.chair.is_some() {
            Role::Organiser
        } else if self.passwords.general.is_none() && self.passwords.audience.is_some() {
            Role::Audience
        } else {
            Role::Guest
        }
    }

    /// The password this user joins with: the organiser the chair password, a guest the
    /// general one, an attendee the audience one; `None` when the meeting needs none.
    pub fn join_password(&self) -> Option<&SecretString> {
        match self.role() {
            Role::Organiser => self.passwords.chair.as_ref(),
            Role::Guest => self.passwords.general.as_ref(),
            Role::Audience => self.passwords.audience.as_ref(),
        }
    }

    /// The web link for this user's role, falling back to the guests' link.
    pub fn join_uri(&self) -> Option<&SecretString> {
        let own = match self.role() {
            Role::Organiser => self.chair_join_uri.as_ref(),
            Role::Guest => self.guest_join_uri.as_ref(),
            Role::Audience => self.audience_join_uri.as_ref(),
        };
        own.or(self.guest_join_uri.as_ref())
    }

    /// The start in `tz` (the user's: [`TimeZone::system`]).
    pub fn start_in(&self, tz: &TimeZone) -> Option<ZonedDateTime> {
        self.start.map(|at| at.to_zoned_datetime(tz.clone()))
    }

    /// The end in `tz`.
    pub fn end_in(&self, tz: &TimeZone) -> Option<ZonedDateTime> {
        self.end.map(|at| at.to_zoned_datetime(tz.clone()))
    }

    /// True when the meeting overlaps `day` in `tz`: it starts before the day ends and ends
    /// after it begins (a meeting without an end counts as a moment at its start). A meeting
    /// without a start belongs to no day.
    pub fn overlaps_day(&self, day: Date, tz: &TimeZone) -> bool {
        let Some(start) = self.start else {
            return false;
        };
        let end = self.end.filter(|end| *end >= start).unwrap_or(start);
        let Some((begins, ends)) = day_bounds(day, tz) else {
            return false;
        };
        start < ends && (end > begins || start >= begins)
    }

    /// Where the meeting stands at `now`, by its times and the service's state together: the
    /// service's "running" or "ended" wins; otherwise the clock decides.
    pub fn timing_at(&self, now: Timestamp) -> Timing {
        match self.state {
            Some(MeetingState::Running) => return Timing::Running,
            Some(MeetingState::Ended) => return Timing::Ended,
            _ => {}
        }
        if self.end.is_some_and(|end| end <= now) {
            return Timing::Ended;
        }
        match self.start {
            Some(start) if start > now => {
                Timing::StartsIn(now.duration_until(start).unsigned_abs())
            }
            Some(_) => Timing::Due,
            None => Timing::Unknown,
        }
    }
}

/// Where a meeting stands at a moment, for "running now", "starts in 8 min", "ended".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// The service says it is running.
    Running,
    /// Its start has passed and it is not known to be running or ended (the host may not
    /// have started it yet).
    Due,
    /// It starts after this long.
    StartsIn(std::time::Duration),
    /// It has ended.
    Ended,
    /// Its start is not known.
    Unknown,
}

/// The first and the last instant of `day` in `tz` (the day's length follows the zone's
/// daylight-saving changes).
fn day_bounds(day: Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let begins = day.to_zoned_datetime(tz.clone()).ok()?;
    let ends = day.tomorrow().ok()?.to_zoned_datetime(tz.clone()).ok()?;
    Some((begins.timestamp(), ends.timestamp()))
}

/// The meetings of `meetings` that overlap `day` in `tz`, in the order given.
pub fn meetings_on(meetings: &[Meeting], day: Date, tz: &TimeZone) -> Vec<Meeting> {
    meetings
        .iter()
        .filter(|m| m.overlaps_day(day, tz))
        .cloned()
        .collect()
}

/// The meetings of `meetings` that overlap the user's local today (the system's time zone).
pub fn meetings_today(meetings: &[Meeting]) -> Vec<Meeting> {
    let now = ZonedDateTime::now();
    meetings_on(meetings, now.date(), now.time_zone())
}

/// Every page of the user's meetings, as read.
#[derive(Clone, Debug, Default)]
pub struct MeetingList {
    /// The meetings, in the service's order.
    pub meetings: Vec<Meeting>,
    /// How many the service said there are (`count`), if it said.
    pub count: Option<u64>,
    /// True when reading stopped at [`MeetingQuery::max_meetings`] with more left.
    pub truncated: bool,
    /// Entries left out because they had no usable meeting ID.
    pub skipped: usize,
}

/// One page's body, as loosely as the service may send it.
#[derive(Deserialize)]
struct PageBody {
    #[serde(default, deserialize_with = "lenient")]
    count: Option<u64>,
    #[serde(default)]
    data: Option<Value>,
}

/// One `ConferenceInfo`: every field optional, a wrong type makes it unknown.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConferenceBody {
    #[serde(
        rename = "conferenceID",
        default,
        deserialize_with = "string_or_number"
    )]
    conference_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    subject: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    start_time: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    end_time: Option<String>,
    #[serde(rename = "timeZoneID", default, deserialize_with = "string_or_number")]
    time_zone_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    conference_state: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    scheduser_name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    webinar: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    conf_mode: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    guest_join_uri: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    chair_join_uri: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    audience_join_uri: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    password_entry: Option<Vec<Value>>,
}

/// One `passwordEntry` item.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PasswordBody {
    #[serde(default, deserialize_with = "lenient")]
    conference_role: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    password: Option<String>,
}

/// Accepts `"123"` or `123`; anything else is unknown.
fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(text) => Some(text),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Reads `"YYYY-MM-DD HH:MM"` (or with seconds, or an RFC 3339 instant) as UTC.
pub fn parse_service_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| DateTime::strptime(format, text).ok())
    .and_then(|civil| civil.to_zoned_datetime(TimeZone::UTC).ok())
    .map(|zoned| zoned.timestamp())
}

/// A non-empty secret from a server's text.
fn secret_of(text: Option<String>) -> Option<SecretString> {
    text.map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .map(SecretString::from)
}

impl ConferenceBody {
    /// The meeting, or `None` without a usable meeting ID. Server text is masked with
    /// `secrets` and this meeting's own passwords.
    fn into_meeting(self, secrets: &Redactor) -> Option<Meeting> {
        let id = self
            .conference_id
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|id| MeetingId::parse(&id).ok())?;
        let mut passwords = MeetingPasswords::default();
        for entry in self.password_entry.unwrap_or_default() {
            if !entry.is_object() {
                continue;
            }
            let Ok(entry) = serde_json::from_value::<PasswordBody>(entry) else {
                continue;
            };
            let slot = match entry.conference_role.as_deref().map(str::trim) {
                Some("chair") => &mut passwords.chair,
                Some("general") => &mut passwords.general,
                Some("audience") => &mut passwords.audience,
                _ => continue,
            };
            if slot.is_none() {
                *slot = secret_of(entry.password);
            }
        }
        let mut secrets = secrets.clone();
        for password in [&passwords.chair, &passwords.general, &passwords.audience]
            .into_iter()
            .flatten()
        {
            secrets.add_secret(password);
        }
        let text = |value: Option<String>, max: usize| {
            value
                .map(|v| secrets.mask(&clean_text(&v, max)))
                .filter(|v| !v.is_empty())
        };
        Some(Meeting {
            id,
            subject: text(self.subject, 512),
            start: self.start_time.as_deref().and_then(parse_service_time),
            end: self.end_time.as_deref().and_then(parse_service_time),
            time_zone_id: text(self.time_zone_id, 64),
            state: text(self.conference_state, 32).map(|s| MeetingState::from_service(&s)),
            organiser: text(self.scheduser_name, 256),
            webinar: self.webinar,
            conf_mode: text(self.conf_mode, 32).map(|m| ConfMode::from_service(&m)),
            guest_join_uri: secret_of(self.guest_join_uri),
            chair_join_uri: secret_of(self.chair_join_uri),
            audience_join_uri: secret_of(self.audience_join_uri),
            passwords,
        })
    }
}

/// One page, decoded: its meetings, the entries left out, and the service's `count`.
struct Page {
    meetings: Vec<Meeting>,
    entries: usize,
    skipped: usize,
    count: Option<u64>,
}

impl PageBody {
    fn into_page(self, secrets: &Redactor) -> Result<Page, ApiError> {
        let items = match self.data {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => {
                return Err(ApiError::new(ErrorKind::UnreadableReply)
                    .with_detail("the meeting list is not a JSON array"));
            }
        };
        let entries = items.len();
        let meetings: Vec<Meeting> = items
            .into_iter()
            .filter(Value::is_object)
            .filter_map(|item| serde_json::from_value::<ConferenceBody>(item).ok())
            .filter_map(|body| body.into_meeting(secrets))
            .collect();
        Ok(Page {
            skipped: entries - meetings.len(),
            meetings,
            entries,
            count: self.count,
        })
    }
}

/// Decodes one page's body as [`Client::meetings`] does, with no secrets held. For the
/// property tests.
#[doc(hidden)]
pub fn decode_meetings_page(body: &[u8]) -> Result<Vec<Meeting>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(ErrorKind::UnreadableReply).with_detail(super::json_error_detail(&e))
    })?;
    if !value.is_object() {
        return Err(
            ApiError::new(ErrorKind::UnreadableReply).with_detail("the reply is not a JSON object")
        );
    }
    let body: PageBody = serde_json::from_value(value).map_err(|e| {
        ApiError::new(ErrorKind::UnreadableReply).with_detail(super::json_error_detail(&e))
    })?;
    Ok(body.into_page(&Redactor::new())?.meetings)
}

impl fmt::Display for MeetingRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Client {
    /// One page of SearchMeetings with the signed-in user's `access_token`, once.
    async fn meetings_page(
        &self,
        access_token: &SecretString,
        query: &MeetingQuery,
        offset: u64,
        limit: u32,
    ) -> Result<Reply<Page>, ApiError> {
        let (offset, limit) = (offset.to_string(), limit.to_string());
        let http = self
            .http
            .get(self.url(MEETINGS_PATH))
            .query(&[
                ("offset", offset.as_str()),
                ("limit", limit.as_str()),
                ("queryConfMode", query.range.as_query()),
                ("sortType", query.order.as_query()),
            ])
            .header(
                "X-Access-Token",
                secret_header(access_token.expose_secret())?,
            );
        let mut secrets = Redactor::new();
        secrets.add_secret(access_token);
        self.send_with(http, &secrets, |body: PageBody, secrets| {
            body.into_page(secrets)
        })
        .await
    }

    /// Every page of the signed-in user's meetings with `access_token` (SearchMeetings), up
    /// to `query.max_meetings`; one call per page, none tried again. The request id is the
    /// last page's.
    pub async fn meetings(
        &self,
        access_token: &SecretString,
        query: &MeetingQuery,
    ) -> Result<Reply<MeetingList>, ApiError> {
        let limit = query.page_size.clamp(1, MAX_PAGE_SIZE);
        let mut list = MeetingList::default();
        let mut offset: u64 = 0;
        // A server that ignores `offset` (or sends only unusable entries) cannot keep us here.
        let max_pages = query.max_meetings.div_ceil(limit as usize).max(1);
        for pages in 1.. {
            let reply = self
                .meetings_page(access_token, query, offset, limit)
                .await?;
            let page = reply.value;
            list.count = page.count.or(list.count);
            list.skipped += page.skipped;
            list.meetings.extend(page.meetings);
            offset += page.entries as u64;
            let more =
                page.entries >= limit as usize && list.count.is_none_or(|count| offset < count);
            if list.meetings.len() >= query.max_meetings {
                list.truncated = more || list.meetings.len() > query.max_meetings;
                list.meetings.truncate(query.max_meetings);
            }
            if pages >= max_pages && more && list.meetings.len() < query.max_meetings {
                list.truncated = true;
            }
            if !more || list.meetings.len() >= query.max_meetings || pages >= max_pages {
                return Ok(Reply {
                    value: list,
                    request_id: reply.request_id,
                });
            }
        }
        Ok(Reply {
            value: list,
            request_id: None,
        })
    }
}
