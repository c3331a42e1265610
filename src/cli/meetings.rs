//! `meetjoin meetings`: the signed-in user's meetings in local time, as a table or one JSON
//! object; passwords and join links only with `--show-passwords`.

use std::io::Write;

use clap::{Args, ValueEnum};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use rust_i18n::t;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::{Failure, ServerArg, parse_server, signed_in_session};
use crate::api::meetings::meetings_on;
use crate::api::{Meeting, MeetingList, MeetingQuery, MeetingRange, Role, Timing};
use crate::i18n::Lang;

/// The ranges `--range` offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(super) enum RangeArg {
    /// The meetings that overlap today in your time zone.
    #[default]
    Day,
    /// The service's week.
    Week,
    /// The service's month.
    Month,
    /// Every meeting the service lists.
    All,
}

#[derive(Args, Debug)]
pub(super) struct MeetingsArgs {
    /// Which meetings: today's (local), or the service's week, month or all.
    #[arg(long, value_enum, default_value_t = RangeArg::Day)]
    range: RangeArg,
    /// Print one JSON object on standard output.
    #[arg(long)]
    pub(super) json: bool,
    /// Also print the password to join with and the web link (they let anyone in).
    #[arg(long)]
    show_passwords: bool,
    #[command(flatten)]
    server: ServerArg,
}

/// Lists the meetings: asks the service (for `day`, its week, kept to today locally), prints.
pub(super) async fn run(args: MeetingsArgs, lang: Lang) -> Result<(), Failure> {
    let server = parse_server(&args.server, lang)?;
    let session = signed_in_session(server, &args.server, lang).await?;
    // The service's own day is not documented to be the user's: ask for a week, keep today.
    let range = match args.range {
        RangeArg::Day | RangeArg::Week => MeetingRange::Week,
        RangeArg::Month => MeetingRange::Month,
        RangeArg::All => MeetingRange::All,
    };
    let reply = session
        .meetings(&MeetingQuery::of(range))
        .await
        .map_err(|e| Failure::api(e, lang))?;
    let tz = TimeZone::system();
    let now = ZonedDateTime::now().with_time_zone(tz.clone());
    let mut list = reply.value;
    if args.range == RangeArg::Day {
        list.meetings = meetings_on(&list.meetings, now.date(), &tz);
    }
    if args.json {
        let object = to_json(&list, args.range, &tz, now.timestamp(), args.show_passwords);
        let mut object = object;
        object["request_id"] = json!(reply.request_id);
        println!("{object}");
    } else {
        print_table(
            &list,
            args.range,
            &tz,
            now.timestamp(),
            args.show_passwords,
            lang,
        );
    }
    Ok(())
}

fn range_word(range: RangeArg) -> &'static str {
    match range {
        RangeArg::Day => "day",
        RangeArg::Week => "week",
        RangeArg::Month => "month",
        RangeArg::All => "all",
    }
}

/// The time zone's name for people and scripts: its IANA name, else its offset now.
fn zone_name(tz: &TimeZone, now: Timestamp) -> String {
    tz.iana_name()
        .map(str::to_owned)
        .unwrap_or_else(|| tz.to_offset(now).to_string())
}

/// `running`, `due`, `upcoming`, `ended` or `unknown`, and the seconds until the start.
fn timing_words(timing: Timing) -> (&'static str, Option<u64>) {
    match timing {
        Timing::Running => ("running", None),
        Timing::Due => ("due", None),
        Timing::StartsIn(left) => ("upcoming", Some(left.as_secs())),
        Timing::Ended => ("ended", None),
        Timing::Unknown => ("unknown", None),
    }
}

/// The stable JSON shape (README, "The command line").
fn to_json(
    list: &MeetingList,
    range: RangeArg,
    tz: &TimeZone,
    now: Timestamp,
    show_passwords: bool,
) -> Value {
    // RFC 3339 with the local offset: "2026-12-05T01:04:00+08:00".
    let local = |at: Option<Timestamp>| {
        at.map(|at| {
            at.to_zoned_datetime(tz.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
    };
    let utc = |at: Option<Timestamp>| at.map(|at| at.to_string());
    let meetings: Vec<Value> = list
        .meetings
        .iter()
        .map(|m| {
            let (timing, starts_in) = timing_words(m.timing_at(now));
            json!({
                "meeting_id": m.id.as_str(),
                "subject": m.subject,
                "start": local(m.start),
                "end": local(m.end),
                "start_utc": utc(m.start),
                "end_utc": utc(m.end),
                "state": m.state.as_ref().map(|s| s.as_str()),
                "state_sent": m.state.as_ref().map(|s| s.as_sent()),
                "timing": timing,
                "starts_in_s": starts_in,
                "organiser": m.organiser,
                "role": m.role().as_str(),
                "webinar": m.webinar,
                "conf_mode": m.conf_mode.as_ref().map(|c| c.as_sent()),
                "mode": m.conf_mode.as_ref().map_or("unknown", |c| c.label()),
                "password_needed": m.join_password().is_some(),
                "password": m.join_password().filter(|_| show_passwords).map(|p| p.expose_secret()),
                "join_link": m.join_uri().filter(|_| show_passwords).map(|l| l.expose_secret()),
            })
        })
        .collect();
    json!({
        "range": range_word(range),
        "time_zone": zone_name(tz, now),
        "count": meetings.len(),
        "truncated": list.truncated,
        "meetings": meetings,
    })
}

/// "running now", "starts in 8 min", "ended"...
fn timing_text(timing: Timing, lang: Lang) -> String {
    let locale = lang.code();
    match timing {
        Timing::Running => lang.tr("meetings.state.running"),
        Timing::Due => lang.tr("meetings.state.due"),
        Timing::Ended => lang.tr("meetings.state.ended"),
        Timing::Unknown => lang.tr("meetings.state.unknown"),
        Timing::StartsIn(left) => {
            // Rounded up: "in 1 min" until it starts, never "in 0 min".
            let minutes = left.as_secs().div_ceil(60).max(1);
            if minutes < 60 {
                t!("meetings.state.in_minutes", locale = locale, m = minutes).into_owned()
            } else if minutes < 24 * 60 {
                t!(
                    "meetings.state.in_hours",
                    locale = locale,
                    h = minutes / 60,
                    m = minutes % 60
                )
                .into_owned()
            } else {
                lang.tr("meetings.state.scheduled")
            }
        }
    }
}

/// "2026-12-04 16:30–17:50", the end's date too when it is another day.
fn when_text(m: &Meeting, tz: &TimeZone) -> String {
    let Some(start) = m.start_in(tz) else {
        return "?".to_owned();
    };
    let mut text = start.strftime("%Y-%m-%d %H:%M").to_string();
    if let Some(end) = m.end_in(tz) {
        let format = if end.date() == start.date() {
            "%H:%M"
        } else {
            "%Y-%m-%d %H:%M"
        };
        text.push('–');
        text.push_str(&end.strftime(format).to_string());
    }
    text
}

fn role_text(role: Role, lang: Lang) -> String {
    lang.tr(match role {
        Role::Organiser => "meetings.role.organiser",
        Role::Guest => "meetings.role.guest",
        Role::Audience => "meetings.role.audience",
    })
}

/// The table: a header row and one aligned row per meeting; then the time zone.
fn print_table(
    list: &MeetingList,
    range: RangeArg,
    tz: &TimeZone,
    now: Timestamp,
    show_passwords: bool,
    lang: Lang,
) {
    let mut out = std::io::stdout().lock();
    if list.meetings.is_empty() {
        let key = if range == RangeArg::Day {
            "meetings.empty_today"
        } else {
            "meetings.empty_range"
        };
        let _ = writeln!(out, "{}", lang.tr(key));
        return;
    }
    let header = [
        "meetings.column.when",
        "meetings.column.state",
        "meetings.column.meeting_id",
        "meetings.column.subject",
        "meetings.column.organiser",
        "meetings.column.role",
        "meetings.column.password",
    ]
    .map(|key| lang.tr(key));
    let mut rows = vec![header.to_vec()];
    for m in &list.meetings {
        let password = match m.join_password() {
            None => lang.tr("meetings.password.none"),
            Some(p) if show_passwords => p.expose_secret().to_owned(),
            Some(_) => lang.tr("meetings.password.hidden"),
        };
        let mut subject = m.subject.clone().unwrap_or_else(|| lang.tr("cli.unknown"));
        if m.webinar == Some(true) {
            subject = format!("{subject} {}", lang.tr("meetings.webinar"));
        }
        rows.push(vec![
            when_text(m, tz),
            timing_text(m.timing_at(now), lang),
            m.id.grouped(),
            subject,
            m.organiser
                .clone()
                .unwrap_or_else(|| lang.tr("cli.unknown")),
            role_text(m.role(), lang),
            password,
        ]);
    }
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].width()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < columns {
                line.push_str(&" ".repeat(widths[c] - cell.width() + 2));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if show_passwords {
        for m in &list.meetings {
            if let Some(link) = m.join_uri() {
                let _ = writeln!(out, "{}  {}", m.id.grouped(), link.expose_secret());
            }
        }
    }
    let _ = writeln!(
        out,
        "{}",
        t!(
            "meetings.time_zone",
            locale = lang.code(),
            zone = zone_name(tz, now)
        )
    );
    if list.truncated {
        let _ = writeln!(
            out,
            "{}",
            t!(
                "meetings.truncated",
                locale = lang.code(),
                n = list.meetings.len()
            )
        );
    }
}
