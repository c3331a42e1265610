//! The user's own meetings (SearchMeetings): `Client::meetings` / `Session::meetings` against
//! the sandbox's seeded list over real loopback HTTP, and the lenient decoding and local-time
//! helpers on replies written here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]
#![cfg(feature = "sandbox")]

use std::sync::Arc;

use jiff::civil::date;
use jiff::tz::{Offset, TimeZone};
use meetjoin::api::meetings::{decode_meetings_page, meetings_on, parse_service_time};
use meetjoin::api::{
    Client, ErrorKind, Meeting, MeetingQuery, MeetingRange, MeetingState, RandomRequest, Role,
    StartOrder, Timing,
};
use meetjoin::sandbox::{
    DEMO_ACCOUNT, DEMO_PASSWORD, HOST_ARRIVES_AFTER, Sandbox, SandboxConfig, scheduled_meetings,
};
use meetjoin::secrets::{MemoryStore, TokenStore};
use meetjoin::session::{Credentials, Session};
use meetjoin::{MeetingId, Server};
use secrecy::{ExposeSecret, SecretString};

const RUNNING: &str = "900000101";
const SOON: &str = "900000102";
const LATER_TODAY: &str = "900000103";
const TOMORROW: &str = "900000104";
const ENDED: &str = "900000105";
const WEBINAR: &str = "900000106";
const HOST_LATE: &str = "900000107";

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

struct Fixture {
    sandbox: Sandbox,
    client: Client,
    session: Session,
}

impl Fixture {
    async fn signed_in() -> Fixture {
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox");
        let client = Client::new(Server::parse(&sandbox.url()).expect("url")).expect("client");
        let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
        let session = Session::new(client.clone(), store);
        session
            .sign_in(Credentials::Account {
                account: DEMO_ACCOUNT.to_owned(),
                password: secret(DEMO_PASSWORD),
            })
            .await
            .expect("sign in");
        Fixture {
            sandbox,
            client,
            session,
        }
    }

    async fn list(&self, query: MeetingQuery) -> Vec<Meeting> {
        self.session
            .meetings(&query)
            .await
            .expect("meetings")
            .value
            .meetings
    }
}

fn ids(meetings: &[Meeting]) -> Vec<&str> {
    meetings.iter().map(|m| m.id.as_str()).collect()
}

fn find<'a>(meetings: &'a [Meeting], id: &str) -> &'a Meeting {
    meetings
        .iter()
        .find(|m| m.id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} not listed: {:?}", ids(meetings)))
}

fn password(meeting: &Meeting) -> Option<String> {
    meeting
        .join_password()
        .map(|p| p.expose_secret().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_account_sees_its_seeded_meetings_with_roles_passwords_and_states() {
    let fx = Fixture::signed_in().await;
    let all = fx.list(MeetingQuery::of(MeetingRange::All)).await;
    assert_eq!(all.len(), scheduled_meetings().len(), "{:?}", ids(&all));
    // Earliest start first, as asked.
    let starts: Vec<_> = all.iter().map(|m| m.start.expect("start")).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");

    // (id, role, password to join with, state, webinar)
    let expected = [
        (
            RUNNING,
            Role::Organiser,
            Some("4321"),
            MeetingState::Running,
            false,
        ),
        (
            SOON,
            Role::Guest,
            Some("246802"),
            MeetingState::Scheduled,
            false,
        ),
        (
            LATER_TODAY,
            Role::Organiser,
            Some("5678"),
            MeetingState::Scheduled,
            false,
        ),
        (TOMORROW, Role::Guest, None, MeetingState::Scheduled, false),
        (
            ENDED,
            Role::Organiser,
            Some("1357"),
            MeetingState::Ended,
            false,
        ),
        (
            WEBINAR,
            Role::Audience,
            Some("802468"),
            MeetingState::Scheduled,
            true,
        ),
        (HOST_LATE, Role::Guest, None, MeetingState::Scheduled, false),
    ];
    for (id, role, join_password, state, webinar) in expected {
        let meeting = find(&all, id);
        assert_eq!(meeting.role(), role, "{id}");
        assert_eq!(password(meeting).as_deref(), join_password, "{id}");
        assert_eq!(meeting.state, Some(state), "{id}");
        assert_eq!(meeting.webinar, Some(webinar), "{id}");
        assert!(meeting.subject.as_deref().is_some_and(|s| !s.is_empty()));
        assert!(meeting.organiser.is_some(), "{id}");
        assert!(meeting.conf_mode.is_some(), "{id}");
        let (start, end) = (meeting.start.expect("start"), meeting.end.expect("end"));
        assert!(start < end, "{id}");
    }
    // The organiser gets the guest password too; a guest's link carries its password's stand-in.
    let running = find(&all, RUNNING);
    assert_eq!(
        running
            .passwords
            .general
            .as_ref()
            .map(|p| p.expose_secret()),
        Some("135790")
    );
    assert!(running.chair_join_uri.is_some());
    let soon = find(&all, SOON);
    assert!(
        soon.passwords.chair.is_none(),
        "a guest never gets the chair password"
    );
    let link = soon
        .join_uri()
        .expect("guest link")
        .expose_secret()
        .to_owned();
    assert!(link.contains(&format!("/#/j/{SOON}/")), "{link}");

    // Times relative to the sandbox's start: running now, soon in at most 10 minutes.
    let now = jiff::Timestamp::now();
    assert_eq!(running.timing_at(now), Timing::Running);
    assert_eq!(find(&all, ENDED).timing_at(now), Timing::Ended);
    match soon.timing_at(now) {
        Timing::StartsIn(left) => {
            assert!(left.as_secs() <= 600 && left.as_secs() > 480, "{left:?}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_range_and_the_order_are_honoured() {
    let fx = Fixture::signed_in().await;
    let day = fx.list(MeetingQuery::of(MeetingRange::Day)).await;
    let mut day_ids = ids(&day);
    day_ids.sort_unstable();
    assert_eq!(day_ids, [RUNNING, SOON, LATER_TODAY, ENDED, HOST_LATE]);
    let week = fx.list(MeetingQuery::of(MeetingRange::Week)).await;
    assert_eq!(week.len(), 7);
    let month = fx.list(MeetingQuery::of(MeetingRange::Month)).await;
    assert_eq!(month.len(), 7);

    let latest_first = fx
        .list(MeetingQuery {
            order: StartOrder::LatestFirst,
            ..MeetingQuery::of(MeetingRange::All)
        })
        .await;
    let mut reversed = ids(&week);
    reversed.reverse();
    assert_eq!(ids(&latest_first), reversed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_fetched_and_the_cap_stops_reading() {
    let fx = Fixture::signed_in().await;
    let whole = fx.list(MeetingQuery::of(MeetingRange::All)).await;
    let before = fx.sandbox.stats().meeting_searches;
    let paged = fx
        .session
        .meetings(&MeetingQuery {
            page_size: 2,
            ..MeetingQuery::of(MeetingRange::All)
        })
        .await
        .expect("paged")
        .value;
    assert_eq!(ids(&paged.meetings), ids(&whole));
    assert_eq!(paged.count, Some(7));
    assert!(!paged.truncated);
    assert_eq!(
        fx.sandbox.stats().meeting_searches - before,
        4,
        "pages of 2, 2, 2, 1"
    );

    let capped = fx
        .session
        .meetings(&MeetingQuery {
            page_size: 2,
            max_meetings: 3,
            ..MeetingQuery::of(MeetingRange::All)
        })
        .await
        .expect("capped")
        .value;
    assert_eq!(ids(&capped.meetings), ids(&whole)[..3]);
    assert!(capped.truncated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_listed_meeting_answers_the_auth_random_call() {
    let fx = Fixture::signed_in().await;
    let check = |id: &str, password: &str| {
        let session = fx.session.clone();
        let request = RandomRequest {
            meeting_id: MeetingId::parse(id).expect("id"),
            password: secret(password),
            guest_waiting: false,
        };
        async move { session.auth_random(&request).await }
    };
    // The organiser with the chair password, a guest with the guest password.
    check(RUNNING, "4321").await.expect("chair password");
    check(RUNNING, "135790").await.expect("guest password");
    assert_eq!(
        check(RUNNING, "000000").await.unwrap_err().kind,
        ErrorKind::WrongIdOrPassword
    );
    assert_eq!(
        check(SOON, "").await.unwrap_err().kind,
        ErrorKind::PasswordRequired
    );
    let reply = check(SOON, "246802").await.expect("guest password").value;
    assert_eq!(reply.subject.as_deref(), Some("设计评审 Design review"));
    check(LATER_TODAY, "").await.expect("no password");
    check(TOMORROW, "").await.expect("no password");
    let webinar = check(WEBINAR, "802468").await.expect("audience").value;
    assert_eq!(webinar.webinar, Some(true));
    assert_eq!(check(ENDED, "").await.unwrap_err().kind, ErrorKind::Ended);

    // The late host: "not started" a few times, then in; the list follows.
    let listed = |fx: &Fixture| {
        let session = fx.session.clone();
        async move {
            let all = session
                .meetings(&MeetingQuery::of(MeetingRange::All))
                .await
                .expect("list")
                .value
                .meetings;
            find(&all, HOST_LATE).state.clone()
        }
    };
    assert_eq!(listed(&fx).await, Some(MeetingState::Scheduled));
    for _ in 0..HOST_ARRIVES_AFTER {
        assert_eq!(
            check(HOST_LATE, "").await.unwrap_err().kind,
            ErrorKind::NotStarted
        );
    }
    check(HOST_LATE, "").await.expect("the host has arrived");
    assert_eq!(listed(&fx).await, Some(MeetingState::Running));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_token_gets_401_and_the_session_renews_it_once() {
    let fx = Fixture::signed_in().await;
    let err = fx
        .client
        .meetings(&secret("not-a-token"), &MeetingQuery::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotSignedIn);
    assert_eq!(err.http_status, Some(401));
    assert_eq!(err.code.as_deref(), Some("USG.000000004"));

    let before = fx.sandbox.stats();
    fx.sandbox.expire_access_tokens();
    let list = fx.list(MeetingQuery::default()).await;
    assert_eq!(list.len(), 7);
    let after = fx.sandbox.stats();
    assert_eq!(after.refreshes - before.refreshes, 1, "one refresh");
    assert_eq!(
        after.meeting_searches - before.meeting_searches,
        2,
        "rejected once, then answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_has_the_documented_shape_and_the_record_keeps_no_secret() {
    let fx = Fixture::signed_in().await;
    fx.sandbox.clear_recorded();
    let list = fx.list(MeetingQuery::default()).await;
    let records = fx.sandbox.recorded();
    let search = records
        .iter()
        .find(|r| r.path == "/v1/mmc/management/conferences")
        .expect("recorded");
    assert_eq!(search.method, "GET");
    assert_eq!(
        search.query,
        ["limit", "offset", "queryConfMode", "sortType"]
    );
    assert!(search.headers.contains(&"x-access-token".to_owned()));
    assert_eq!(search.status, 200);
    let text = serde_json::to_string(&records).expect("json");
    for meeting in &list {
        for secret in [
            &meeting.passwords.chair,
            &meeting.passwords.general,
            &meeting.passwords.audience,
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                !text.contains(secret.expose_secret()),
                "a password recorded"
            );
        }
        // Debug output never shows a password or a link.
        let debug = format!("{meeting:?}");
        for secret in [
            &meeting.passwords.chair,
            &meeting.passwords.general,
            &meeting.passwords.audience,
            &meeting.guest_join_uri,
            &meeting.chair_join_uri,
        ]
        .into_iter()
        .flatten()
        {
            assert!(!debug.contains(secret.expose_secret()), "{debug}");
        }
    }
}

// ---- decoding and local time, on replies written here ------------------------------------

fn one(entry: &str) -> Vec<Meeting> {
    decode_meetings_page(
        format!(r#"{{"offset":0,"limit":20,"count":1,"data":[{entry}]}}"#).as_bytes(),
    )
    .expect("decodes")
}

#[test]
fn unknown_fields_are_ignored_and_wrong_types_become_unknown() {
    let meetings = one(
        r#"{"conferenceID": 914047175, "subject": 7, "startTime": "2026-12-04 08:30",
            "endTime": 1700000000, "conferenceState": "Paused", "webinar": "yes",
            "confMode": "RTC", "scheduserName": ["x"], "somethingNew": {"a": 1},
            "passwordEntry": [{"conferenceRole": "general", "password": 123456},
                              {"conferenceRole": "moderator", "password": "x"}, "junk"]}"#,
    );
    let meeting = &meetings[0];
    assert_eq!(meeting.id.as_str(), "914047175");
    assert_eq!(meeting.subject, None);
    assert_eq!(meeting.end, None);
    assert_eq!(meeting.webinar, None);
    assert_eq!(meeting.organiser, None);
    assert_eq!(
        meeting.state,
        Some(MeetingState::Unknown("Paused".to_owned()))
    );
    assert_eq!(
        meeting.state.as_ref().map(MeetingState::as_str),
        Some("unknown")
    );
    assert_eq!(meeting.role(), Role::Guest);
    assert_eq!(password(meeting).as_deref(), Some("123456"));
    assert_eq!(
        meeting.start,
        Some("2026-12-04T08:30:00Z".parse().expect("instant"))
    );
}

#[test]
fn entries_without_a_meeting_id_are_left_out_and_a_broken_list_is_unreadable() {
    let body = br#"{"data":[{"subject":"no id"},{"conferenceID":"12ab"},[1,2],
        {"conferenceID":"900000101","passwordEntry":"not a list"}]}"#;
    let meetings = decode_meetings_page(body).expect("decodes");
    assert_eq!(ids(&meetings), ["900000101"]);
    assert!(meetings[0].join_password().is_none());
    assert!(
        decode_meetings_page(br#"{"count":0}"#)
            .expect("empty")
            .is_empty()
    );
    for broken in [&br#"{"data":{"conferenceID":"1"}}"#[..], b"[]", b"<html>"] {
        assert_eq!(
            decode_meetings_page(broken).unwrap_err().kind,
            ErrorKind::UnreadableReply
        );
    }
}

#[test]
fn service_times_are_utc_and_shown_in_the_local_zone() {
    assert_eq!(
        parse_service_time("2026-12-04 23:30"),
        Some("2026-12-04T23:30:00Z".parse().expect("instant"))
    );
    assert_eq!(
        parse_service_time("2026-12-04 23:30:15"),
        Some("2026-12-04T23:30:15Z".parse().expect("instant"))
    );
    for bad in ["", "tomorrow", "2026-13-04 10:00", "2026-12-04"] {
        assert_eq!(parse_service_time(bad), None, "{bad}");
    }
    let beijing = TimeZone::fixed(Offset::constant(8));
    let meeting = &one(
        r#"{"conferenceID":"900000101","startTime":"2026-12-04 23:30","endTime":"2026-12-05 00:30"}"#,
    )[0];
    let local = meeting.start_in(&beijing).expect("start");
    assert_eq!(local.date(), date(2026, 12, 5));
    assert_eq!((local.hour(), local.minute()), (7, 30));
}

#[test]
fn a_day_holds_the_meetings_that_overlap_it_in_local_time() {
    let beijing = TimeZone::fixed(Offset::constant(8));
    let list = decode_meetings_page(
        br#"{"data":[
        {"conferenceID":"100000001","startTime":"2026-12-04 15:30","endTime":"2026-12-04 17:00"},
        {"conferenceID":"100000002","startTime":"2026-12-04 16:00","endTime":"2026-12-04 17:00"},
        {"conferenceID":"100000003","startTime":"2026-12-05 15:30","endTime":"2026-12-05 16:30"},
        {"conferenceID":"100000004","startTime":"2026-12-05 16:00","endTime":"2026-12-05 17:00"},
        {"conferenceID":"100000005","startTime":"2026-12-05 02:00"},
        {"conferenceID":"100000006","endTime":"2026-12-05 02:00"}]}"#,
    )
    .expect("decodes");
    // Local 5 December (Beijing) is 4 December 16:00 to 5 December 16:00 UTC.
    let today = meetings_on(&list, date(2026, 12, 5), &beijing);
    assert_eq!(
        ids(&today),
        ["100000001", "100000002", "100000003", "100000005"],
        "a meeting running over midnight belongs to both days; one without a start to none"
    );
    let utc_day = meetings_on(&list, date(2026, 12, 5), &TimeZone::UTC);
    assert_eq!(ids(&utc_day), ["100000003", "100000004", "100000005"]);
}
