//! `meetjoin meetings` end to end against the sandbox: the table in both languages, the JSON
//! shape, local times, passwords only on request, and the exit codes of `check`.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use common::{TestSandbox, meetjoin, stderr, stdout};
use serde_json::Value;

/// Every password the sandbox's meetings give the demo account.
const PASSWORDS: [&str; 6] = ["4321", "135790", "246802", "5678", "1357", "802468"];

fn meetings(
    sandbox: &TestSandbox,
    token: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let url = sandbox.url();
    let mut all = vec!["meetings"];
    all.extend_from_slice(args);
    let mut vars = vec![("MEETJOIN_SERVER", url.as_str()), ("MEETJOIN_TOKEN", token)];
    vars.extend_from_slice(env);
    meetjoin(&all, &vars, None)
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(stdout(output).trim())
        .unwrap_or_else(|e| panic!("stdout is one JSON object ({e}): {}", stdout(output)))
}

#[test]
fn json_lists_the_week_in_local_time_without_passwords() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let out = meetings(
        &sandbox,
        &token,
        &["--range", "week", "--json"],
        &[("TZ", "Asia/Shanghai")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let object = json(&out);
    assert_eq!(object["range"], "week");
    assert_eq!(object["time_zone"], "Asia/Shanghai");
    assert_eq!(object["count"], 7);
    assert_eq!(object["truncated"], false);
    let list = object["meetings"].as_array().expect("meetings");
    assert_eq!(list.len(), 7);
    for meeting in list {
        for key in [
            "meeting_id",
            "subject",
            "start",
            "end",
            "start_utc",
            "end_utc",
            "state",
            "state_sent",
            "timing",
            "starts_in_s",
            "organiser",
            "role",
            "webinar",
            "conf_mode",
            "mode",
            "password_needed",
            "password",
            "join_link",
        ] {
            assert!(meeting.get(key).is_some(), "{key} missing: {meeting}");
        }
        let start = meeting["start"].as_str().expect("start");
        assert!(start.ends_with("+08:00"), "local time: {start}");
        assert_eq!(meeting["password"], Value::Null);
        assert_eq!(meeting["join_link"], Value::Null);
    }
    let running = list
        .iter()
        .find(|m| m["meeting_id"] == "900000101")
        .expect("running");
    assert_eq!(running["timing"], "running");
    assert_eq!(running["state"], "running");
    assert_eq!(running["state_sent"], "Created");
    assert_eq!(running["role"], "organiser");
    assert_eq!(running["password_needed"], true);
    let soon = list
        .iter()
        .find(|m| m["meeting_id"] == "900000102")
        .expect("soon");
    assert_eq!(soon["timing"], "upcoming");
    assert!(soon["starts_in_s"].as_u64().is_some_and(|s| s <= 600));
    assert_eq!(soon["role"], "guest");
    // Everything but the request id (a UUID, whose hex digits could hold a short password).
    let mut rest = object.clone();
    rest["request_id"] = Value::Null;
    let text = rest.to_string();
    for password in PASSWORDS {
        assert!(
            !text.contains(password),
            "{password} printed without --show-passwords"
        );
    }
    assert!(
        !text.contains("/#/j/9"),
        "no join link without --show-passwords"
    );
}

#[test]
fn show_passwords_prints_the_password_to_join_with() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let out = meetings(
        &sandbox,
        &token,
        &["--range", "all", "--json", "--show-passwords"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let object = json(&out);
    let password = |id: &str| {
        object["meetings"]
            .as_array()
            .expect("list")
            .iter()
            .find(|m| m["meeting_id"] == id)
            .map(|m| m["password"].clone())
            .expect("listed")
    };
    assert_eq!(
        password("900000101"),
        "4321",
        "the organiser joins with the chair password"
    );
    assert_eq!(
        password("900000102"),
        "246802",
        "a guest with the guest password"
    );
    assert_eq!(
        password("900000106"),
        "802468",
        "an attendee with the audience password"
    );
    assert_eq!(password("900000104"), Value::Null, "no password needed");
}

#[test]
fn today_is_the_local_day_and_the_table_reads_in_both_languages() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let out = meetings(&sandbox, &token, &[], &[("TZ", "UTC")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("When") && lines[0].contains("Password"),
        "{text}"
    );
    assert!(
        text.contains("900 000 101") && text.contains("running now"),
        "{text}"
    );
    assert!(text.contains("hidden (--show-passwords)"), "{text}");
    assert!(
        !text.contains("900 000 106"),
        "the webinar is in two days: {text}"
    );
    assert!(lines.last().is_some_and(|l| l.contains("UTC")), "{text}");
    for password in PASSWORDS {
        assert!(!text.contains(password), "{password} printed");
    }
    // Today's list is the meetings that overlap the local day: the same as the JSON's.
    let json_out = meetings(&sandbox, &token, &["--json"], &[("TZ", "UTC")]);
    let object = json(&json_out);
    for meeting in object["meetings"].as_array().expect("list") {
        let id = meeting["meeting_id"].as_str().expect("id");
        let grouped = format!("{} {} {}", &id[..3], &id[3..6], &id[6..]);
        assert!(text.contains(&grouped), "{grouped} in the table: {text}");
        let start = meeting["start"].as_str().expect("start");
        let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
        let end = meeting["end"].as_str().expect("end");
        assert!(
            start.starts_with(&today) || end.starts_with(&today),
            "{meeting}"
        );
    }

    let zh = meetings(
        &sandbox,
        &token,
        &["--range", "week"],
        &[("TZ", "UTC"), ("LANG", "zh_CN.UTF-8")],
    );
    assert_eq!(zh.status.code(), Some(0), "{}", stderr(&zh));
    let text = stdout(&zh);
    for word in [
        "时间",
        "状态",
        "会议主题",
        "正在进行",
        "主持人",
        "来宾",
        "已隐藏",
        "网络研讨会",
    ] {
        assert!(text.contains(word), "{word}: {text}");
    }
}

#[test]
fn failures_exit_as_check_does() {
    let sandbox = TestSandbox::default_config();
    let out = meetings(&sandbox, "not-a-token", &["--json"], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(json(&out)["error"]["kind"], "not_signed_in");
    assert_eq!(json(&out)["error"]["code"], "USG.000000004");

    let out = meetjoin(
        &["meetings", "--server", "http://example.com"],
        &[("MEETJOIN_TOKEN", "t")],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = meetjoin(
        &["meetings", "--range", "year"],
        &[("MEETJOIN_TOKEN", "t")],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // Nobody listening: a transport failure, exit 5.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let out = meetjoin(
        &["meetings", "--json", "--server", &url],
        &[("MEETJOIN_TOKEN", "t")],
        None,
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(json(&out)["error"]["kind"], "network");
}
