//! The signed-in user's meetings, as SearchMeetings (`GET /v1/mmc/management/conferences`)
//! lists them: seeded relative to the sandbox's start, each also answering the auth-random
//! call. The demo account organises some and is a guest of the others; every other user is a
//! guest of all of them.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::SeedMeeting;
use super::state::{DEMO_USER_ID, Failure, User};

/// One seeded meeting of the list: its auth-random facts and its place in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduledMeeting {
    /// What the auth-random call answers (the password is the guests' one, if any).
    pub meeting: SeedMeeting,
    /// Minutes from the sandbox's start (rounded down to the minute) to the meeting's start.
    pub starts_in_minutes: i64,
    /// How long it lasts, in minutes.
    pub minutes: i64,
    /// The organiser's name (`scheduserName`).
    pub organiser: &'static str,
    /// The demo account organises it (and gets the chair password).
    pub demo_organises: bool,
    /// The host's password (`chair`), given to the organiser only.
    pub chair_password: &'static str,
    /// A webinar's attendee password (`audience`).
    pub audience_password: Option<&'static str>,
}

/// Running now: began 20 minutes before the sandbox started.
pub(crate) const RUNNING_MEETING: &str = "900000101";
/// Starts 10 minutes after the sandbox started; the demo account is a guest with a password.
pub(crate) const SOON_MEETING: &str = "900000102";
/// Later the same local day.
pub(crate) const LATER_TODAY_MEETING: &str = "900000103";
/// Tomorrow: 24 h 30 min after the sandbox's start (outside `ADAY`).
pub(crate) const TOMORROW_MEETING: &str = "900000104";
/// Ended two hours before the sandbox started.
pub(crate) const ENDED_LIST_MEETING: &str = "900000105";
/// A webinar in two days.
pub(crate) const WEBINAR_LIST_MEETING: &str = "900000106";
/// Due now, but its host arrives only after [`HOST_ARRIVES_AFTER`] auth-random calls.
pub(crate) const HOST_LATE_MEETING: &str = "900000107";
/// Auth-random calls for [`HOST_LATE_MEETING`] answered "not started" before the host arrives.
pub const HOST_ARRIVES_AFTER: u32 = 3;

/// `timeZoneID` of every seeded meeting: the service's code for Beijing (UTC+8).
const TIME_ZONE_ID: &str = "56";

static SCHEDULED: [ScheduledMeeting; 7] = [
    ScheduledMeeting {
        meeting: SeedMeeting {
            id: RUNNING_MEETING,
            password: Some("135790"),
            subject: "项目周会 Project weekly",
            conf_mode: "RTC",
            webinar: false,
            need_password: true,
            support_applets: true,
            behaviour: "Running now (began 20 min before the sandbox started, lasts 80 min); \
                        the demo account organises it (chair password 4321, guest password 135790).",
        },
        starts_in_minutes: -20,
        minutes: 80,
        organiser: "Demo User",
        demo_organises: true,
        chair_password: "4321",
        audience_password: None,
    },
    ScheduledMeeting {
        meeting: SeedMeeting {
            id: SOON_MEETING,
            password: Some("246802"),
            subject: "设计评审 Design review",
            conf_mode: "RTC",
            webinar: false,
            need_password: true,
            support_applets: true,
            behaviour: "Starts 10 min after the sandbox started (60 min); organised by 王璐, the \
                        demo account is a guest with the guest password 246802.",
        },
        starts_in_minutes: 10,
        minutes: 60,
        organiser: "王璐",
        demo_organises: false,
        chair_password: "9182",
        audience_password: None,
    },
    ScheduledMeeting {
        meeting: SeedMeeting {
            id: LATER_TODAY_MEETING,
            password: None,
            subject: "1:1 with Zhang",
            conf_mode: "COMMON",
            webinar: false,
            need_password: false,
            support_applets: false,
            behaviour: "Later today: 3 h after the sandbox started, or earlier so that it stays \
                        within the local day (30 min); the demo account organises it (chair \
                        password 5678), no guest password.",
        },
        starts_in_minutes: 180,
        minutes: 30,
        organiser: "Demo User",
        demo_organises: true,
        chair_password: "5678",
        audience_password: None,
    },
    ScheduledMeeting {
        meeting: SeedMeeting {
            id: TOMORROW_MEETING,
            password: None,
            subject: "季度规划 Quarterly planning",
            conf_mode: "RTC",
            webinar: false,
            need_password: false,
            support_applets: true,
            behaviour: "Tomorrow, 24 h 30 min after the sandbox started (120 min); organised by 李娜, the demo account \
                        is a guest; no guest password.",
        },
        starts_in_minutes: 24 * 60 + 30,
        minutes: 120,
        organiser: "李娜",
        demo_organises: false,
        chair_password: "7364",
        audience_password: None,
    },
    ScheduledMeeting {
        meeting: SeedMeeting {
            id: ENDED_LIST_MEETING,
            password: None,
            subject: "晨会 Morning sync",
            conf_mode: "COMMON",
            webinar: false,
            need_password: false,
            support_applets: false,
            behaviour: "Ended 2 h before the sandbox started (state Destroyed); the demo account \
                        organised it (chair password 1357). Auth random: MMC.111072006.",
        },
        starts_in_minutes: -180,
        minutes: 60,
        organiser: "Demo User",
        demo_organises: true,
        chair_password: "1357",
        audience_password: None,
    },
    ScheduledMeeting {
        meeting: SeedMeeting {
            id: WEBINAR_LIST_MEETING,
            password: Some("802468"),
            subject: "产品发布直播 Launch webinar",
            conf_mode: "RTC",
            webinar: true,
            need_password: true,
            support_applets: true,
            behaviour: "A webinar in two days (90 min), organised by Product Team; the demo account \
                        attends as audience (audience password 802468).",
        },
        starts_in_minutes: 2 * 24 * 60,
        minutes: 90,
        organiser: "Product Team",
        demo_organises: false,
        chair_password: "6420",
        audience_password: Some("802468"),
    },
    ScheduledMeeting {
        meeting: SeedMeeting {
            id: HOST_LATE_MEETING,
            password: None,
            subject: "主持人稍后到 Host arrives late",
            conf_mode: "RTC",
            webinar: false,
            need_password: false,
            support_applets: true,
            behaviour: "Due now (began 5 min before the sandbox started, 60 min), organised by \
                        赵强; its first 3 auth-random calls answer MMC.111072005 (not started), \
                        then the host has arrived: success, and the list says Created.",
        },
        starts_in_minutes: -5,
        minutes: 60,
        organiser: "赵强",
        demo_organises: false,
        chair_password: "2468",
        audience_password: None,
    },
];

/// The meetings SearchMeetings lists (each also answers the auth-random call).
pub fn scheduled_meetings() -> &'static [ScheduledMeeting] {
    &SCHEDULED
}

/// The seeded meeting `id` of the list, if it is one.
pub(crate) fn scheduled(id: &str) -> Option<&'static ScheduledMeeting> {
    SCHEDULED.iter().find(|m| m.meeting.id == id)
}

/// When the list's meetings start and end: fixed at the sandbox's start.
#[derive(Clone, Debug)]
pub(crate) struct Schedule {
    /// Start and end (Unix seconds) of each meeting, by ID.
    times: HashMap<&'static str, (i64, i64)>,
}

impl Schedule {
    /// The times of the seeded meetings for a sandbox started at `started` (Unix seconds):
    /// relative to it, rounded down to the minute, "later today" kept within the local day.
    pub fn new(started: i64) -> Schedule {
        let anchor = started - started.rem_euclid(60);
        let local_day_end = Timestamp::from_second(started)
            .ok()
            .map(|at| at.to_zoned_datetime(TimeZone::system()))
            .and_then(|now| now.end_of_day().ok())
            .map(|end| end.timestamp().as_second());
        let times = SCHEDULED
            .iter()
            .map(|m| {
                let mut start = anchor + m.starts_in_minutes * 60;
                if m.meeting.id == LATER_TODAY_MEETING
                    && let Some(day_end) = local_day_end
                {
                    // It must end before the local day does, and start after the "soon" one.
                    let latest = day_end - (m.minutes + 5) * 60;
                    start = start
                        .min(latest - latest.rem_euclid(60))
                        .max(anchor + 20 * 60);
                }
                (m.meeting.id, (start, start + m.minutes * 60))
            })
            .collect();
        Schedule { times }
    }

    /// Start and end of meeting `id`, Unix seconds.
    pub fn times(&self, id: &str) -> Option<(i64, i64)> {
        self.times.get(id).copied()
    }
}

/// The checked query of SearchMeetings.
#[derive(Clone, Debug)]
pub(crate) struct SearchQuery {
    /// `offset`, default 0.
    pub offset: usize,
    /// `limit`, default 20, 1 to 500.
    pub limit: usize,
    /// How far ahead to look, in seconds; `None` for `ALL`.
    pub horizon: Option<i64>,
    /// `sortType` is `DSC_StartTIME`.
    pub descending: bool,
    /// `searchKey`: part of the subject, the organiser or the meeting ID.
    pub search_key: Option<String>,
}

impl SearchQuery {
    /// Checks the query parameters as the service documents them; anything else is
    /// `MMC.111070001`.
    pub fn parse(params: &HashMap<String, String>) -> Result<SearchQuery, Failure> {
        let number = |name: &str, default: usize| match params.get(name) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse::<usize>()
                .map_err(|_| Failure::MMC_PARAM_INVALID),
        };
        let offset = number("offset", 0)?;
        let limit = number("limit", 20)?;
        if !(1..=500).contains(&limit) {
            return Err(Failure::MMC_PARAM_INVALID);
        }
        let horizon = match params.get("queryConfMode").map(String::as_str) {
            None | Some("ALL") => None,
            Some("ADAY") => Some(24 * 3600),
            Some("AWEEK") => Some(7 * 24 * 3600),
            Some("AMONTH") => Some(30 * 24 * 3600),
            Some(_) => return Err(Failure::MMC_PARAM_INVALID),
        };
        let descending = match params.get("sortType").map(String::as_str) {
            None | Some("ASC_StartTIME") => false,
            Some("DSC_StartTIME") => true,
            Some(_) => return Err(Failure::MMC_PARAM_INVALID),
        };
        let search_key = params
            .get("searchKey")
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty());
        if search_key.as_ref().is_some_and(|k| k.chars().count() > 128) {
            return Err(Failure::MMC_PARAM_INVALID);
        }
        Ok(SearchQuery {
            offset,
            limit,
            horizon,
            descending,
            search_key,
        })
    }
}

/// One `passwordEntry` item.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PasswordEntry {
    conference_role: &'static str,
    password: &'static str,
}

/// A `ConferenceInfo`, with the fields the official SDK's model has.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConferenceInfo {
    #[serde(rename = "conferenceID")]
    conference_id: &'static str,
    subject: &'static str,
    size: u32,
    #[serde(rename = "timeZoneID")]
    time_zone_id: &'static str,
    start_time: String,
    end_time: String,
    media_types: &'static str,
    conference_state: &'static str,
    language: &'static str,
    access_number: &'static str,
    password_entry: Vec<PasswordEntry>,
    #[serde(rename = "userUUID")]
    user_uuid: String,
    scheduser_name: &'static str,
    conference_type: u32,
    conf_type: &'static str,
    is_auto_mute: u32,
    is_auto_record: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    chair_join_uri: Option<String>,
    guest_join_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    audience_join_uri: Option<String>,
    record_type: u32,
    vmr_flag: u32,
    #[serde(rename = "confUUID")]
    conf_uuid: String,
    part_attendee_info: Vec<()>,
    terminl_count: u32,
    normal_count: u32,
    webinar: bool,
    conf_mode: &'static str,
    multi_stream_flag: u32,
    schedule_vmr: bool,
}

/// The 200 body of SearchMeetings.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct MeetingsReply {
    offset: usize,
    limit: usize,
    count: usize,
    data: Vec<ConferenceInfo>,
}

/// The web site's host in join links.
const SITE: &str = "https://meeting.huaweicloud.com/#/j/";

/// A link's last part for a meeting with a guest password: 48 hex digits derived from the
/// meeting (stable for a meeting, never the password itself).
fn link_suffix(id: &str, password: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("meetjoin-sandbox-link:{id}:{password}").as_bytes());
    hex::encode(&digest[..24])
}

/// A stable UUID-like text for `seed` (the organiser's `userUUID`, the meeting's `confUUID`).
fn uuid_of(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(seed.as_bytes())[..16])
}

/// The meetings `user` sees at `now` (Unix seconds) for `query`: one page and the count.
pub(crate) fn search(
    schedule: &Schedule,
    user: &User,
    query: &SearchQuery,
    now: i64,
    host_arrived: bool,
) -> MeetingsReply {
    let mut listed: Vec<(&ScheduledMeeting, i64, i64)> = SCHEDULED
        .iter()
        .filter_map(|m| schedule.times(m.meeting.id).map(|(s, e)| (m, s, e)))
        // Ongoing and upcoming within the range, and meetings that ended within the last day.
        .filter(|(_, start, end)| {
            *end > now - 24 * 3600 && query.horizon.is_none_or(|h| *start < now + h)
        })
        .filter(|(m, _, _)| {
            query.search_key.as_deref().is_none_or(|key| {
                let key = key.to_lowercase();
                m.meeting.subject.to_lowercase().contains(&key)
                    || m.organiser.to_lowercase().contains(&key)
                    || m.meeting.id.contains(&key)
            })
        })
        .collect();
    listed.sort_by_key(|(m, start, _)| (*start, m.meeting.id));
    if query.descending {
        listed.reverse();
    }
    let count = listed.len();
    let organiser = user.user_id == DEMO_USER_ID;
    let data = listed
        .into_iter()
        .skip(query.offset)
        .take(query.limit)
        .map(|(m, start, end)| conference_info(m, start, end, now, organiser, host_arrived))
        .collect();
    MeetingsReply {
        offset: query.offset,
        limit: query.limit,
        count,
        data,
    }
}

/// Formats Unix seconds as the service does: `YYYY-MM-DD HH:MM`, UTC.
fn service_time(secs: i64) -> String {
    Timestamp::from_second(secs)
        .map(|at| at.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The `ConferenceInfo` of `m` as the demo account (`demo`: it organises the meetings marked
/// so) or another user sees it at `now`.
fn conference_info(
    m: &ScheduledMeeting,
    start: i64,
    end: i64,
    now: i64,
    demo: bool,
    host_arrived: bool,
) -> ConferenceInfo {
    let organiser = demo && m.demo_organises;
    let started = now >= start && (m.meeting.id != HOST_LATE_MEETING || host_arrived);
    let state = if now >= end {
        "Destroyed"
    } else if started {
        "Created"
    } else {
        "Schedule"
    };
    let mut passwords = Vec::new();
    if organiser {
        passwords.push(PasswordEntry {
            conference_role: "chair",
            password: m.chair_password,
        });
    }
    let guest_password = m.meeting.password.filter(|_| !m.meeting.webinar);
    if let Some(password) = guest_password {
        passwords.push(PasswordEntry {
            conference_role: "general",
            password,
        });
    }
    if let Some(password) = m.audience_password {
        passwords.push(PasswordEntry {
            conference_role: "audience",
            password,
        });
    }
    let id = m.meeting.id;
    let link = |password: Option<&str>| match password {
        Some(password) => format!("{SITE}{id}/{}", link_suffix(id, password)),
        None => format!("{SITE}{id}"),
    };
    ConferenceInfo {
        conference_id: id,
        subject: m.meeting.subject,
        size: 100,
        time_zone_id: TIME_ZONE_ID,
        start_time: service_time(start),
        end_time: service_time(end),
        media_types: "Voice,Video,Data",
        conference_state: state,
        language: "zh-CN",
        access_number: "+991117",
        password_entry: passwords,
        user_uuid: uuid_of(m.organiser),
        scheduser_name: m.organiser,
        conference_type: 0,
        conf_type: if m.starts_in_minutes <= 0 {
            "IMMEDIATELY"
        } else {
            "FUTURE"
        },
        is_auto_mute: 0,
        is_auto_record: 0,
        chair_join_uri: organiser.then(|| link(Some(m.chair_password))),
        guest_join_uri: link(guest_password),
        audience_join_uri: m.audience_password.map(|p| link(Some(p))),
        record_type: 0,
        vmr_flag: 0,
        conf_uuid: uuid_of(id),
        part_attendee_info: Vec::new(),
        terminl_count: 0,
        normal_count: 0,
        webinar: m.meeting.webinar,
        conf_mode: m.meeting.conf_mode,
        multi_stream_flag: 1,
        schedule_vmr: false,
    }
}

/// The password an auth-random call for `m` is checked against: whichever of its passwords was
/// sent (chair, guest or audience), else the guests' one.
pub(crate) fn expected_password(m: &ScheduledMeeting, sent: Option<&str>) -> Option<&'static str> {
    let all = [
        Some(m.chair_password),
        m.meeting.password,
        m.audience_password,
    ];
    all.into_iter()
        .flatten()
        .find(|p| Some(*p) == sent)
        .or(m.meeting.password)
}
