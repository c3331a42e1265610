//! The vendor's official Python SDK (`huaweicloudsdkmeeting`, pinned in tests/sdk/) as the
//! referee of the sandbox, and the reverse check: meetjoin's requests against the SDK's.
//!
//! `meetjoin sandbox --tls --port 0 --record FILE` runs as a user would start it; the SDK drives
//! it through tests/sdk/referee.py (account and App ID sign-in in its four forms,
//! `CreateAuthRandom` for every seeded meeting, `SearchMeetings` (range, paging, order, the
//! fields of its model), `CheckToken`, `UpdateToken`, `DeleteToken`, a
//! refused call after sign-out). Then meetjoin's own client makes the same calls against the
//! same sandbox, and the request shapes the sandbox recorded (header names, query names, body
//! field names and JSON types; never a value but a few safe ones) are compared call by call.
//! Where meetjoin deliberately differs, [`KNOWN_DIFFERENCES`] names it; an unnamed difference,
//! or a named one that no longer happens, fails the test.
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use meetjoin::api::{
    AppIdCredentials, Client, ClientOptions, MeetingQuery, MeetingRange, RandomRequest,
};
use meetjoin::sandbox::{
    DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD, DEMO_SP_APP_ID, DEMO_SP_APP_KEY,
    DEMO_SP_CORP_ID,
};
use meetjoin::{MeetingId, Server};
use secrecy::SecretString;
use serde_json::Value;

/// Which side sent a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Sdk,
    Meetjoin,
}

/// A difference meetjoin makes on purpose: in `call` (a [`call_key`]), `header` is sent only by
/// `sent_by`, because `why`.
struct Known {
    call: &'static str,
    header: &'static str,
    sent_by: Side,
    why: &'static str,
}

/// Every call, for differences that hold on all of them.
const ALL: &str = "*";

const KNOWN_DIFFERENCES: &[Known] = &[
    Known {
        call: ALL,
        header: "x-request-id",
        sent_by: Side::Meetjoin,
        why: "a request id of its own on every call, for support (API.md section 5)",
    },
    Known {
        call: ALL,
        header: "accept-language",
        sent_by: Side::Meetjoin,
        why: "the service's own messages follow the window's language (the SDK sends it only when asked)",
    },
    Known {
        call: ALL,
        header: "accept-encoding",
        sent_by: Side::Sdk,
        why: "python-requests offers gzip; meetjoin reads only uncompressed replies (no decompression code to trust)",
    },
    Known {
        call: ALL,
        header: "connection",
        sent_by: Side::Sdk,
        why: "python-requests sends `Connection: keep-alive`, which HTTP/1.1 implies; hyper does not repeat it",
    },
    Known {
        call: "POST /v2/usg/acs/auth/appauth",
        header: "x-token-type",
        sent_by: Side::Meetjoin,
        why: "`X-Token-Type: LongTicket` is required by the reference; the SDKs leave it out",
    },
    Known {
        call: "PUT /v1/usg/acs/token",
        header: "content-length",
        sent_by: Side::Sdk,
        why: "python-requests sends `Content-Length: 0` for a PUT without a body; hyper sends no body and no length",
    },
    Known {
        call: "DELETE /v1/usg/acs/token",
        header: "content-length",
        sent_by: Side::Sdk,
        why: "python-requests sends `Content-Length: 0` for a DELETE without a body; hyper sends no body and no length",
    },
];

/// The sandbox, started as a user would: `meetjoin sandbox --tls --port 0 --record FILE`.
struct TlsSandbox {
    child: Child,
    url: String,
    pem: PathBuf,
    record: PathBuf,
    _dir: tempfile::TempDir,
}

impl TlsSandbox {
    fn start() -> TlsSandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let record = dir.path().join("requests.jsonl");
        let mut child = Command::new(env!("CARGO_BIN_EXE_meetjoin"))
            .args(["sandbox", "--tls", "--port", "0", "--record"])
            .arg(&record)
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the sandbox starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = lines.next().expect("a first line").expect("text");
        let pem = PathBuf::from(lines.next().expect("a second line").expect("text"));
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        assert!(pem.is_file(), "{}", pem.display());
        TlsSandbox {
            child,
            url,
            pem,
            record,
            _dir: dir,
        }
    }

    /// Every request recorded so far.
    fn recorded(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .expect("the record file")
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }
}

impl Drop for TlsSandbox {
    fn drop(&mut self) {
        // SIGTERM, so that the sandbox removes its certificate file; SIGKILL if that fails.
        let stopped = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn python() -> PathBuf {
    PathBuf::from(
        std::env::var("MEETJOIN_SDK_PYTHON")
            .expect("MEETJOIN_SDK_PYTHON: the venv's python (scripts/test.sh sets it)"),
    )
}

fn referee() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/referee.py")
}

/// Runs the referee against `sandbox`; returns its output after checking that every call passed.
fn run_referee(sandbox: &TlsSandbox) -> String {
    let output = Command::new(python())
        .arg(referee())
        .args(["--url", &sandbox.url, "--ca"])
        .arg(&sandbox.pem)
        .env("HOME", sandbox._dir.path())
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Shown by the test runner with the result.
    println!("{stdout}");
    let summary = stdout.lines().last().unwrap_or_default().to_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{summary}\n{stdout}\n{stderr}"
    );
    assert!(
        summary.starts_with("sdk: ") && summary.ends_with(" passed, 0 failed"),
        "{summary}"
    );
    let passed: u32 = summary
        .trim_start_matches("sdk: ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(passed >= 18, "only {passed} calls: {stdout}");
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let call: Value = serde_json::from_str(line).expect("a JSON line");
        assert_eq!(call["pass"], true, "{line}");
    }
    stdout
}

#[test]
#[ignore = "needs the official Python SDK (scripts/test.sh installs it)"]
fn the_official_sdk_finds_the_sandbox_behaves_as_the_service() {
    let sandbox = TlsSandbox::start();
    let output = run_referee(&sandbox);
    for call in [
        "account_sign_in",
        "app_id_sign_in",
        "create_auth_random",
        "search_meetings",
        "check_token",
        "update_token",
        "delete_token",
    ] {
        let quoted = format!("\"call\": \"{call}");
        assert!(output.contains(&quoted), "no {call} call in:\n{output}");
    }
    // Nothing secret in what the referee printed.
    for secret in [
        DEMO_PASSWORD,
        DEMO_APP_KEY,
        DEMO_SP_APP_KEY,
        "123456",
        "246810",
    ] {
        assert!(!output.contains(secret), "{secret} printed");
    }
}

/// meetjoin's client makes the calls the referee made, against the same sandbox.
async fn meetjoin_calls(sandbox: &TlsSandbox) {
    let server = Server::parse(&sandbox.url).expect("url");
    let client = Client::with_options(
        server,
        ClientOptions {
            ca_file: Some(sandbox.pem.clone()),
            ..ClientOptions::default()
        },
    )
    .expect("client");
    let secret = |text: &str| SecretString::from(text.to_owned());
    let tokens = client
        .sign_in_account(DEMO_ACCOUNT, &secret(DEMO_PASSWORD))
        .await
        .expect("account sign-in")
        .value;
    let apps = [
        (DEMO_APP_ID, DEMO_APP_KEY, None, false, None),
        (DEMO_APP_ID, DEMO_APP_KEY, Some("alice"), false, None),
        (
            DEMO_SP_APP_ID,
            DEMO_SP_APP_KEY,
            Some("bob"),
            true,
            Some(DEMO_SP_CORP_ID),
        ),
        (DEMO_SP_APP_ID, DEMO_SP_APP_KEY, None, true, None),
    ];
    for (app_id, key, user, multi_tenant, corp) in apps {
        client
            .sign_in_app_id(&AppIdCredentials {
                app_id: app_id.to_owned(),
                app_key: secret(key),
                user_id: user.map(str::to_owned),
                multi_tenant,
                corp_id: corp.map(str::to_owned),
            })
            .await
            .unwrap_or_else(|e| panic!("{app_id} {user:?}: {e}"));
    }
    for (meeting, password, guest_waiting) in [
        ("914047175", "", false),
        ("987654321", "123456", false),
        ("900000001", "246810", false),
        ("900000002", "", true),
    ] {
        let request = RandomRequest {
            meeting_id: MeetingId::parse(meeting).expect("id"),
            password: secret(password),
            guest_waiting,
        };
        client
            .auth_random(&tokens.access, &request)
            .await
            .unwrap_or_else(|e| panic!("{meeting}: {e}"));
    }
    let list = client
        .meetings(&tokens.access, &MeetingQuery::of(MeetingRange::All))
        .await
        .expect("meetings")
        .value;
    assert_eq!(
        list.meetings.len(),
        7,
        "the SDK's meetings, read by meetjoin"
    );
    client.validate(&tokens.access).await.expect("validate");
    let fresh = client.refresh(&tokens.access).await.expect("refresh").value;
    client.sign_out(&fresh.access).await.expect("sign out");
}

/// The call a record is of, with what tells its forms apart: a password header or not, a
/// string or null corp ID.
fn call_key(record: &Value) -> String {
    let method = record["method"].as_str().unwrap_or("?");
    let path = record["path"].as_str().unwrap_or("?");
    let headers = header_names(record);
    let mut key = format!("{method} {path}");
    if path.ends_with("/auth/random") {
        key.push_str(if headers.contains("x-password") {
            " (password)"
        } else {
            " (no password)"
        });
    }
    if path.ends_with("/appauth") {
        let corp = record["body"]["corpId"].as_str().unwrap_or("absent");
        key.push_str(&format!(" (corpId {corp})"));
    }
    key
}

fn header_names(record: &Value) -> BTreeSet<String> {
    record["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .filter_map(|h| h.as_str().map(str::to_owned))
        .collect()
}

/// Who sent a record, from its `User-Agent` (the only value besides a few the sandbox keeps).
fn side(record: &Value) -> Side {
    let agent = record["header_values"]["user-agent"]
        .as_str()
        .unwrap_or_default();
    if agent.starts_with("meetjoin/") {
        Side::Meetjoin
    } else {
        Side::Sdk
    }
}

/// The successful requests of one side, by call; the first of each.
fn by_call(records: &[Value], which: Side) -> BTreeMap<String, Value> {
    let mut calls = BTreeMap::new();
    for record in records.iter().filter(|r| side(r) == which) {
        if record["status"].as_u64() == Some(200) {
            calls
                .entry(call_key(record))
                .or_insert_with(|| record.clone());
        }
    }
    calls
}

/// True when `known` explains `header` being sent by `sent_by` alone in `call`.
fn explained(call: &str, header: &str, sent_by: Side) -> Option<&'static Known> {
    KNOWN_DIFFERENCES.iter().find(|k| {
        k.header == header && k.sent_by == sent_by && (k.call == ALL || call.starts_with(k.call))
    })
}

#[test]
#[ignore = "needs the official Python SDK (scripts/test.sh installs it)"]
fn meetjoin_asks_as_the_official_sdk_asks() {
    let sandbox = TlsSandbox::start();
    run_referee(&sandbox);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(meetjoin_calls(&sandbox));

    let records = sandbox.recorded();
    let sdk = by_call(&records, Side::Sdk);
    let ours = by_call(&records, Side::Meetjoin);
    assert_eq!(ours.len(), 9, "{:#?}", ours.keys());
    let mut unexplained = Vec::new();
    let mut used = BTreeSet::new();
    let mut report = Vec::new();
    for (call, mine) in &ours {
        let Some(theirs) = sdk.get(call) else {
            unexplained.push(format!("{call}: the SDK never made this call"));
            continue;
        };
        let (my_headers, their_headers) = (header_names(mine), header_names(theirs));
        for (header, sent_by) in my_headers
            .difference(&their_headers)
            .map(|h| (h, Side::Meetjoin))
            .chain(
                their_headers
                    .difference(&my_headers)
                    .map(|h| (h, Side::Sdk)),
            )
        {
            match explained(call, header, sent_by) {
                Some(known) => {
                    used.insert((known.call, known.header));
                    report.push(format!(
                        "{call}: {header} only from {sent_by:?}: {}",
                        known.why
                    ));
                }
                None => unexplained.push(format!("{call}: header {header} only from {sent_by:?}")),
            }
        }
        if mine["query"] != theirs["query"] {
            unexplained.push(format!(
                "{call}: query {} against the SDK's {}",
                mine["query"], theirs["query"]
            ));
        }
        if mine["body"] != theirs["body"] {
            unexplained.push(format!(
                "{call}: body {} against the SDK's {}",
                mine["body"], theirs["body"]
            ));
        }
        // Header values are compared where they are not secrets or names of the client.
        let (a, b) = (
            &mine["header_values"]["content-type"],
            &theirs["header_values"]["content-type"],
        );
        if a != b {
            unexplained.push(format!("{call}: content-type {a} against the SDK's {b}"));
        }
    }
    // Every named difference still happens somewhere: a stale entry is a lie.
    for known in KNOWN_DIFFERENCES {
        if !used.contains(&(known.call, known.header)) {
            unexplained.push(format!(
                "named but not seen: {} {} from {:?}",
                known.call, known.header, known.sent_by
            ));
        }
    }
    println!("calls compared: {}", ours.len());
    for line in &report {
        println!("named difference: {line}");
    }
    assert!(unexplained.is_empty(), "{unexplained:#?}");
}
