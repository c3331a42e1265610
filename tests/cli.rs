//! The `meetjoin` binary end to end against the sandbox: output, JSON shapes and exit codes.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::time::{Duration, Instant};

use common::{CountingServer, TestSandbox, meetjoin, stderr, stdout};
use meetjoin::sandbox::SandboxConfig;
use serde_json::Value;

/// A deadline that only a hang runs into.
const HANG: Duration = Duration::from_secs(60);

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(stdout(output).trim())
        .unwrap_or_else(|e| panic!("stdout is one JSON object ({e}): {}", stdout(output)))
}

/// Runs `check` against `sandbox` with a valid token.
fn check(
    sandbox: &TestSandbox,
    token: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> std::process::Output {
    let url = sandbox.url();
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    meetjoin(
        &all,
        &[("MEETJOIN_SERVER", &url), ("MEETJOIN_TOKEN", token)],
        stdin,
    )
}

#[test]
fn human_output_is_aligned_with_the_random_last() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let out = check(&sandbox, &token, &["914047175"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("Meeting ID") && lines[0].ends_with("914 047 175"),
        "{text}"
    );
    assert!(text.contains("zhang的会议"), "{text}");
    assert!(text.contains("MMR (RTC)"), "{text}");
    let last = lines.last().expect("lines");
    assert!(last.starts_with("Auth random"), "{text}");
    let random = last.split_whitespace().last().expect("random");
    assert_eq!(random.len(), 15);
    assert!(random.chars().all(|c| c.is_ascii_digit()));
    let columns: Vec<usize> = lines
        .iter()
        .map(|l| {
            let (_, value) = l.split_once("  ").expect("two columns");
            l.len() - value.trim_start().len()
        })
        .collect();
    assert!(
        columns.windows(2).all(|w| w[0] == w[1]),
        "values aligned: {text}"
    );
}

#[test]
fn chinese_locale_prints_chinese_labels() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let url = sandbox.url();
    let out = meetjoin(
        &["check", "914047175"],
        &[
            ("MEETJOIN_SERVER", &url),
            ("MEETJOIN_TOKEN", &token),
            ("LANG", "zh_CN.UTF-8"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("会议主题") && text.contains("鉴权随机数"),
        "{text}"
    );
}

#[test]
fn json_success_has_the_documented_keys() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let out = check(
        &sandbox,
        &token,
        &["会议ID：914 047 175\n时间：10:00-11:00", "--json"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let value = json(&out);
    let object = value.as_object().expect("object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "conf_mode",
            "meeting_id",
            "mode",
            "need_password",
            "random",
            "request_id",
            "subject",
            "support_applets",
            "webinar"
        ]
    );
    assert_eq!(value["meeting_id"], "914047175");
    assert_eq!(value["subject"], "zhang的会议");
    assert_eq!(value["conf_mode"], "RTC");
    assert_eq!(value["mode"], "MMR");
    assert_eq!(value["webinar"], false);
    assert_eq!(value["need_password"], false);
    assert_eq!(value["support_applets"], true);
    assert_eq!(value["random"].as_str().map(str::len), Some(15));
    assert!(
        value["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
}

#[test]
fn mcu_webinar_and_waiting_room() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let out = check(
        &sandbox,
        &token,
        &["987 654 321", "--json", "--password-stdin"],
        Some("123456\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["mode"], "MCU");
    assert_eq!(json(&out)["subject"], "季度评审会");

    let out = check(
        &sandbox,
        &token,
        &["900000001", "--json", "--password-stdin"],
        Some("246810"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["webinar"], true);

    let out = check(&sandbox, &token, &["900000002", "--json"], None);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(json(&out)["error"]["kind"], "waiting_for_host");
    assert_eq!(json(&out)["error"]["code"], "MMC.111071058");
    let out = check(
        &sandbox,
        &token,
        &["900000002", "--json", "--guest-waiting"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["subject"], "等待主持人");
}

#[test]
fn password_from_the_environment() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let url = sandbox.url();
    let out = meetjoin(
        &["check", "987654321", "--json"],
        &[
            ("MEETJOIN_SERVER", &url),
            ("MEETJOIN_TOKEN", &token),
            ("MEETJOIN_MEETING_PASSWORD", "123456"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn meeting_refusals_exit_4_with_the_error_object() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let cases: [(&[&str], Option<&str>, &str, &str); 4] = [
        (
            &["900000001", "--json", "--password-stdin"],
            Some("000000\n"),
            "wrong_id_or_password",
            "MMC.111072065",
        ),
        (
            &["900000001", "--json"],
            None,
            "password_required",
            "MMC.111070009",
        ),
        (
            &["123456789", "--json"],
            None,
            "wrong_id_or_password",
            "MMC.111072065",
        ),
        (&["900000003", "--json"], None, "ended", "MMC.111072006"),
    ];
    for (args, stdin, kind, code) in cases {
        let out = check(&sandbox, &token, args, stdin);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        let value = json(&out);
        let error = value["error"].as_object().expect("error object");
        let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["code", "http_status", "kind", "message", "request_id"]
        );
        assert_eq!(value["error"]["kind"], kind, "{args:?}");
        assert_eq!(value["error"]["code"], code, "{args:?}");
        assert_eq!(value["error"]["http_status"], 400);
        let message = value["error"]["message"].as_str().expect("message");
        assert!(stderr(&out).contains(message), "message also on stderr");
        assert!(
            !stdout(&out).contains("000000") && !stderr(&out).contains("000000"),
            "password never echoed"
        );
    }
}

#[test]
fn lockout_after_five_wrong_passwords() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    for attempt in 1..=5 {
        let out = check(
            &sandbox,
            &token,
            &["987654321", "--json", "--password-stdin"],
            Some("111111"),
        );
        assert_eq!(out.status.code(), Some(4), "attempt {attempt}");
        assert_eq!(
            json(&out)["error"]["kind"],
            "wrong_id_or_password",
            "attempt {attempt}"
        );
    }
    let out = check(
        &sandbox,
        &token,
        &["987654321", "--json", "--password-stdin"],
        Some("123456"),
    );
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(json(&out)["error"]["kind"], "locked");
    assert_eq!(json(&out)["error"]["code"], "MMC.111071052");
    assert!(
        stderr(&out).contains("Try again in"),
        "says when: {}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_2() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let out = check(&sandbox, &token, &["12", "--json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["kind"], "invalid_meeting_id");
    assert_eq!(json(&out)["error"]["http_status"], Value::Null);

    let out = check(&sandbox, &token, &["hello there"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("meeting ID"), "{}", stderr(&out));

    let out = meetjoin(&["check"], &[], None);
    assert_eq!(out.status.code(), Some(2), "missing argument");
    let out = meetjoin(&["check", "914047175", "--password", "x"], &[], None);
    assert_eq!(out.status.code(), Some(2), "no password flag exists");
    let out = meetjoin(
        &["check", "914047175", "--server", "http://example.com"],
        &[("MEETJOIN_TOKEN", "t")],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("http://"), "{}", stderr(&out));
    // A corp ID belongs to an SP application: without --multi-tenant it is refused.
    let out = meetjoin(
        &["login", "--app-id", "sandbox-app", "--corp-id", "c"],
        &[],
        Some("key"),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--multi-tenant"), "{}", stderr(&out));
}

#[test]
fn rejected_token_exits_3() {
    let sandbox = TestSandbox::default_config();
    let out = check(&sandbox, "not-a-token", &["914047175", "--json"], None);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(json(&out)["error"]["kind"], "not_signed_in");
    assert_eq!(json(&out)["error"]["http_status"], 401);
    assert_eq!(json(&out)["error"]["code"], "USG.000000004");
    assert_eq!(
        sandbox.sandbox.stats().random_calls,
        1,
        "a bare token is not retried"
    );
}

#[test]
fn sign_in_refused_exits_3() {
    let sandbox = TestSandbox::default_config();
    let url = sandbox.url();
    let out = meetjoin(
        &[
            "login",
            "--account",
            "demo@meetjoin.test",
            "--password-stdin",
            "--server",
            &url,
        ],
        &[("MEETJOIN_KEYRING_SERVICE", "meetjoin-test-refused")],
        Some("wrong-password\n"),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("account or password is wrong"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("wrong-password"));
}

#[test]
fn login_without_a_password_source_is_a_usage_error() {
    let out = meetjoin(
        &[
            "login",
            "--account",
            "a@b.c",
            "--server",
            "http://127.0.0.1:9",
        ],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--password-stdin"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn network_and_rate_limit_exit_5() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let out = meetjoin(
        &[
            "check",
            "914047175",
            "--json",
            "--server",
            &format!("http://127.0.0.1:{port}"),
        ],
        &[("MEETJOIN_TOKEN", "t")],
        None,
    );
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(json(&out)["error"]["kind"], "network");

    let sandbox = TestSandbox::start(SandboxConfig {
        rate_limit_per_minute: 2,
        ..SandboxConfig::default()
    });
    let token = sandbox.demo_token();
    for _ in 0..2 {
        assert_eq!(
            check(&sandbox, &token, &["914047175"], None).status.code(),
            Some(0)
        );
    }
    let out = check(&sandbox, &token, &["914047175", "--json"], None);
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(json(&out)["error"]["kind"], "rate_limited");
    assert_eq!(json(&out)["error"]["http_status"], 429);
}

#[test]
fn keyring_unreachable_is_explained() {
    // No Secret Service at this address: the keyring cannot be reached.
    let env = [
        (
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/meetjoin-test-bus",
        ),
        ("MEETJOIN_SERVER", "http://127.0.0.1:9"),
    ];
    let out = meetjoin(&["check", "914047175", "--json"], &env, None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(json(&out)["error"]["kind"], "keyring_unavailable");
    assert!(stderr(&out).contains("keyring"), "{}", stderr(&out));
    assert!(stderr(&out).contains("MEETJOIN_TOKEN"), "{}", stderr(&out));

    let sandbox = TestSandbox::default_config();
    let url = sandbox.url();
    let out = meetjoin(
        &[
            "login",
            "--account",
            "demo@meetjoin.test",
            "--password-stdin",
            "--server",
            &url,
        ],
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/meetjoin-test-bus",
        )],
        Some("Sandbox-2026\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "signed in but not kept: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("could not be kept"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("memory only"), "{}", stderr(&out));
}

#[test]
fn sandbox_command_serves_on_loopback() {
    let sandbox = common::CliSandbox::start(&[]);
    let url = sandbox.url.clone();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let out = meetjoin(
        &["check", "914047175", "--json", "--server", &url],
        &[("MEETJOIN_TOKEN", "nope")],
        None,
    );
    drop(sandbox);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the sandbox answered 401: {}",
        stderr(&out)
    );
    assert_eq!(json(&out)["error"]["code"], "USG.000000004");
}

#[test]
fn expired_token_exits_3() {
    // The sandbox's tests show that tokens expire after their TTL; here the sandbox ends them
    // at once, so that no clock is raced.
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    assert_eq!(
        check(&sandbox, &token, &["914047175"], None).status.code(),
        Some(0)
    );
    sandbox.sandbox.expire_access_tokens();
    let out = check(&sandbox, &token, &["914047175", "--json"], None);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(json(&out)["error"]["kind"], "not_signed_in");
}

/// Waits until the terminal that `script` (process `script_pid`) made for its command has
/// echo off, as `stty` reports it.
fn wait_for_echo_off(script_pid: u32) {
    let deadline = Instant::now() + HANG;
    loop {
        if terminal_of_child(script_pid).is_some_and(|tty| {
            std::process::Command::new("stty")
                .args(["-F", &tty, "-a"])
                .output()
                .is_ok_and(|out| {
                    String::from_utf8_lossy(&out.stdout)
                        .split_whitespace()
                        .any(|flag| flag == "-echo")
                })
        }) {
            return;
        }
        assert!(Instant::now() < deadline, "echo never turned off");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The terminal on the standard input of a child of process `pid` (Linux's /proc).
fn terminal_of_child(pid: u32) -> Option<String> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    children.split_whitespace().find_map(|child| {
        let path = std::fs::read_link(format!("/proc/{child}/fd/0")).ok()?;
        let path = path.to_str()?.to_owned();
        path.starts_with("/dev/pts/").then_some(path)
    })
}

#[test]
#[ignore = "needs `script` (util-linux) for a real terminal; scripts/test.sh runs it"]
fn a_terminal_user_is_asked_for_the_password_once_without_echo() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::sync::mpsc::RecvTimeoutError;
    // `script` (util-linux) gives the binary a real terminal.
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let command = format!("{} check 987654321 --json", env!("CARGO_BIN_EXE_meetjoin"));
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("MEETJOIN_SERVER", sandbox.url())
        .env("MEETJOIN_TOKEN", &token)
        .env("LANG", "en_US.UTF-8")
        .env_remove("MEETJOIN_MEETING_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    // Answer only once the prompt is on the terminal and echo is off: the prompt is printed
    // just before echo is turned off, so seeing it is not enough. Deadlines only catch hangs.
    let mut seen = Vec::new();
    let deadline = Instant::now() + HANG;
    while !String::from_utf8_lossy(&seen).contains("needs a password") {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(chunk) => seen.extend(chunk),
            Err(_) => panic!("no prompt: {}", String::from_utf8_lossy(&seen)),
        }
    }
    wait_for_echo_off(child.id());
    stdin.write_all(b"123456\n").expect("answer");
    drop(stdin);
    let status = child.wait().expect("exits");
    // Everything the terminal showed, up to its end (the reader stops there).
    let deadline = Instant::now() + HANG;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(chunk) => seen.extend(chunk),
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                panic!(
                    "the terminal never closed: {}",
                    String::from_utf8_lossy(&seen)
                )
            }
        }
    }
    let text = String::from_utf8_lossy(&seen);
    assert!(status.success(), "{text}");
    assert_eq!(
        text.matches("needs a password").count(),
        1,
        "asked once: {text}"
    );
    assert!(text.contains("季度评审会"), "{text}");
    let json_line = text
        .lines()
        .find(|l| l.contains("\"random\""))
        .expect("JSON line");
    let value: Value = serde_json::from_str(json_line.trim()).expect("JSON");
    let random = value["random"].as_str().expect("random");
    assert!(
        !text.replace(random, "").contains("123456"),
        "the password is not echoed: {text}"
    );
    assert_eq!(
        sandbox.sandbox.stats().random_calls,
        2,
        "one try without, one with"
    );
}

/// One invitation of each other service (API.md section 8), with the service's id in `--json`.
const OTHER_SERVICES: [(&str, &str); 10] = [
    (
        "张三 邀请您参加腾讯会议\n会议主题：周会\nhttps://meeting.tencent.com/dm/8mKJ2aQzX1fE\n\
         #腾讯会议：382-197-699\n会议密码：1234",
        "tencent_meeting",
    ),
    (
        "#VooV Meeting: 382-197-699\nMeeting Passcode: 1234",
        "voov_meeting",
    ),
    (
        "Join Zoom Meeting\nhttps://us02web.zoom.us/j/88141469208?pwd=abc\n\
         Meeting ID: 881 4146 9208\nPasscode: 123456",
        "zoom",
    ),
    (
        "会议号：654 321 987\nhttps://welink.zhumu.com/j/654321987",
        "zhumu",
    ),
    (
        "李四 邀请你加入飞书视频会议\nhttps://vc.feishu.cn/j/123456789\n会议 ID：123 456 789",
        "feishu",
    ),
    (
        "Join: https://vc.larksuite.com/j/123456789\nMeeting ID: 123 456 789",
        "lark",
    ),
    ("钉钉会议\n会议号：234 567 890", "dingtalk"),
    (
        "Microsoft Teams meeting\nMeeting ID: 234 567 890 123\nPasscode: aBc123",
        "microsoft_teams",
    ),
    (
        "Join Webex meeting\nMeeting number (access code): 2634 123 4567\nMeeting password: Abc123",
        "webex",
    ),
    (
        "Google Meet joining info\nVideo call link: https://meet.google.com/abc-defg-hij\n\
         Or dial: (US) +1 650-123-4567 PIN: 123 456 789#",
        "google_meet",
    ),
];

#[test]
fn another_service_s_invitation_is_refused_and_never_sent() {
    let counting = CountingServer::start();
    let url = counting.url();
    let env = [
        ("MEETJOIN_SERVER", url.as_str()),
        ("MEETJOIN_TOKEN", "t"),
        ("MEETJOIN_MEETING_PASSWORD", "123456"),
    ];
    let mut runs = 0;
    for (text, service) in OTHER_SERVICES {
        let out = meetjoin(&["check", text, "--json"], &env, None);
        runs += 1;
        assert_eq!(out.status.code(), Some(2), "{service}: {}", stderr(&out));
        let value = json(&out);
        assert_eq!(value["error"]["kind"], "other_service", "{service}");
        assert_eq!(value["error"]["service"], service);
        let message = value["error"]["message"].as_str().expect("message");
        assert!(
            message.starts_with("This is a") && message.contains(": open it in"),
            "{message}"
        );
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
    }
    // The same through `join`, from standard input, and in Chinese.
    let (tencent, _) = OTHER_SERVICES[0];
    let out = meetjoin(&["join", tencent, "--print-link"], &env, None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "no link: {}", stdout(&out));
    let out = meetjoin(&["check", "-", "--json"], &env, Some(tencent));
    assert_eq!(json(&out)["error"]["service"], "tencent_meeting");
    let zh = [env[0], env[1], ("LANG", "zh_CN.UTF-8")];
    let out = meetjoin(&["check", tencent], &zh, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("这是腾讯会议的会议邀请，请在腾讯会议中打开。"),
        "{}",
        stderr(&out)
    );
    runs += 3;
    assert_eq!(
        counting.connections(),
        0,
        "{runs} runs: no request ever reached the server"
    );
}

#[test]
fn an_invitation_for_the_international_site_is_not_checked_on_the_default_one() {
    // Nothing may reach the real service: every proxy is a local counting server.
    let counting = CountingServer::start();
    let proxy = counting.url();
    let env = [
        ("MEETJOIN_TOKEN", "t"),
        ("HTTPS_PROXY", proxy.as_str()),
        ("HTTP_PROXY", proxy.as_str()),
        ("ALL_PROXY", proxy.as_str()),
        ("NO_PROXY", ""),
    ];
    let link = "Meeting ID: 931 550 672\nhttps://intl.meeting.huaweicloud.com/#/j/931550672";
    for command in ["check", "join"] {
        let out = meetjoin(&[command, link], &env, None);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("international site") && stderr(&out).contains("--server intl"),
            "{}",
            stderr(&out)
        );
    }
    let out = meetjoin(&["check", link, "--json"], &env, None);
    assert_eq!(json(&out)["error"]["kind"], "other_site");
    assert_eq!(json(&out)["error"]["server"], "intl");
    assert_eq!(counting.connections(), 0, "refused before sending anything");

    // A server given explicitly is obeyed: here the request goes out (to the counting proxy).
    let out = meetjoin(&["check", link, "--json", "--server", "cn"], &env, None);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(json(&out)["error"]["kind"], "network");
    assert!(counting.connections() >= 1, "the check went out as told");

    // A custom server (a private deployment, the sandbox): no judgement of sites.
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let out = check(
        &sandbox,
        &token,
        &[
            "https://intl.meeting.huaweicloud.com/#/j/914047175",
            "--json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn the_invitation_s_password_comes_after_stdin_and_before_the_environment() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let url = sandbox.url();
    let with_env = |password: &'static str| {
        [
            ("MEETJOIN_SERVER", url.clone()),
            ("MEETJOIN_TOKEN", token.clone()),
            ("MEETJOIN_MEETING_PASSWORD", password.to_owned()),
        ]
    };
    let run = |args: &[&str], env: &[(&str, String)], stdin: Option<&str>| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        meetjoin(args, &env, stdin)
    };
    let invitation = "李四 邀请您参加华为云会议\n会议ID：987 654 321\n会议密码：123456";
    // A variable left from another meeting does not beat the invitation in hand.
    let out = run(&["check", invitation, "--json"], &with_env("000000"), None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["subject"], "季度评审会");
    // join too: the link carries the invitation's password.
    let out = run(
        &["join", invitation, "--print-link", "--name", "Li"],
        &with_env("000000"),
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("&enter_code=123456&"),
        "{}",
        stdout(&out)
    );
    // --password-stdin beats the invitation.
    let wrong = "会议ID：987 654 321\n会议密码：000000";
    let out = run(
        &["check", wrong, "--json", "--password-stdin"],
        &with_env("000000"),
        Some("123456\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Without a password in the text, the environment still counts.
    let out = run(&["check", "987654321", "--json"], &with_env("123456"), None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The order is said in --help.
    for command in ["check", "join"] {
        let help = stdout(&meetjoin(&[command, "--help"], &[], None));
        let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(
                "--password-stdin; the password written in the invitation text; \
                 MEETJOIN_MEETING_PASSWORD"
            ),
            "{help}"
        );
    }
}

#[test]
fn a_whole_invitation_on_standard_input() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let invitation =
        "李四 邀请您参加华为云会议\n会议主题：季度评审会\n会议ID：987 654 321\n会议密码：123456\n";
    let out = check(&sandbox, &token, &["-", "--json"], Some(invitation));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["meeting_id"], "987654321");
    let calls = sandbox.sandbox.stats().random_calls;
    // The password cannot come from standard input too.
    let out = check(
        &sandbox,
        &token,
        &["-", "--json", "--password-stdin"],
        Some(invitation),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(json(&out)["error"]["kind"], "password_stdin_conflict");
    assert!(
        stderr(&out).contains("--password-stdin"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sandbox.sandbox.stats().random_calls, calls, "nothing sent");
    // join reads it the same way.
    let url = sandbox.url();
    let out = meetjoin(
        &["join", "-", "--print-link", "--name", "Li"],
        &[("MEETJOIN_SERVER", &url), ("MEETJOIN_TOKEN", &token)],
        Some(invitation),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("conf_id=987654321&enter_code=123456"));
}

/// 33 letters and digits: a newer join link's suffix, standing for the guest password.
const SUFFIX: &str = "xEEsAoCaA2QTqpOoast0vQj8VMtbYo9Mq";

#[test]
fn a_link_that_carries_the_password_is_what_join_opens() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let url = sandbox.url();
    let env = [
        ("MEETJOIN_SERVER", url.as_str()),
        ("MEETJOIN_TOKEN", token.as_str()),
    ];
    let link = format!("https://meeting.huaweicloud.com/#/j/987654321/{SUFFIX}");
    let invitation = format!(
        "王五 邀请您参加华为云会议\n会议ID：987 654 321\n点击链接入会：\n{link}?lang=zh-CN\n"
    );
    // The check runs, and says the link carries the password.
    let out = meetjoin(&["check", &invitation, "--json", "--verbose"], &env, None);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(json(&out)["error"]["kind"], "password_required");
    let message = json(&out)["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("link carries the password"), "{message}");
    assert!(message.contains("meetjoin join"), "{message}");
    assert!(!stderr(&out).contains(SUFFIX), "masked: {}", stderr(&out));
    // join, with no password, takes the https link itself.
    let out = meetjoin(
        &["join", &invitation, "--print-link", "--verbose"],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), link);
    assert!(!stderr(&out).contains(SUFFIX), "masked: {}", stderr(&out));
    // With the password, the client's own link as ever.
    let out = meetjoin(
        &["join", &invitation, "--print-link", "--password-stdin"],
        &env,
        Some("123456\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("cloudlink://"), "{}", stdout(&out));
    // A link without the suffix: the password is asked for, as ever.
    let out = meetjoin(
        &[
            "join",
            "https://meeting.huaweicloud.com/#/j/987654321",
            "--print-link",
        ],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(!stderr(&out).contains("link carries"), "{}", stderr(&out));
    // A meeting without a password joins through the client's link even from a link.
    let out = meetjoin(
        &[
            "join",
            &format!("https://meeting.huaweicloud.com/#/j/914047175/{SUFFIX}"),
            "--print-link",
        ],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("cloudlink://"), "{}", stdout(&out));
}
