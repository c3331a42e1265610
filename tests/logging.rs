//! Logs that help support and never leak: the binary writes one line per call on standard
//! error (`--verbose`, `RUST_LOG`) with method, path, status, error code, request id and
//! duration, and never a secret, even at `RUST_LOG=trace`, through every flow of the command
//! line; the window writes the same lines to its log file, which its Details point to.
//!
//! The secrets are learnt from the wire, not from meetjoin: the binary talks to the sandbox
//! through a relay that keeps every byte, and every token, password, signature and auth
//! random in it is looked for in what the binary printed.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use common::{TestSandbox, meetjoin, stderr, stdout, unique_service};
use meetjoin::api::auth::{ACCOUNT_PATH, APP_AUTH_PATH, TOKEN_PATH};
use meetjoin::api::random::PATH as RANDOM_PATH;
use meetjoin::sandbox::{
    DEMO_ACCOUNT, DEMO_APP_ID, DEMO_APP_KEY, DEMO_PASSWORD, DEMO_SP_APP_ID, DEMO_SP_APP_KEY,
    DEMO_SP_CORP_ID,
};
use regex::Regex;
use serde_json::Value;

/// A D-Bus address where no bus listens: the keyring-free runs never reach a real keyring.
const NO_BUS: &str = "unix:path=/nonexistent/meetjoin-test-bus";
/// The seeded meetings' passwords, and one that is wrong.
const MEETING_PASSWORDS: [&str; 3] = ["123456", "246810", "314159"];

/// A TCP relay in front of the sandbox that keeps every byte it passes, both ways.
struct Wire {
    /// The relay's base URL, to give the binary instead of the sandbox's.
    url: String,
    /// Everything that crossed it, requests and replies interleaved.
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Wire {
    /// Starts relaying 127.0.0.1:<free port> to `upstream`, for as long as the test runs.
    fn start(upstream: SocketAddr) -> Wire {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let url = format!("http://{}", listener.local_addr().expect("relay address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&seen);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                for (from, to) in [
                    (client.try_clone(), server.try_clone()),
                    (server.try_clone(), client.try_clone()),
                ] {
                    let (Ok(mut from), Ok(mut to)) = (from, to) else {
                        continue;
                    };
                    let kept = Arc::clone(&kept);
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16 * 1024];
                        // Kept before it is passed on: once the binary has its reply and
                        // exits, the relay has it too.
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 {
                                break;
                            }
                            kept.lock()
                                .expect("relay buffer")
                                .extend_from_slice(&buf[..n]);
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                }
            }
        });
        Wire { url, seen }
    }

    /// Every secret that crossed the wire: credential headers (and their parts), token
    /// fields of bodies, and auth randoms.
    fn secrets(&self) -> BTreeSet<String> {
        static HEADER: &str = r"(?im)^(?:authorization|x-access-token|x-password):[ \t]*([^\r\n]+)";
        static FIELD: &str = r#""([A-Za-z_]*(?:[Tt]oken|random)[A-Za-z_]*)"\s*:\s*"([^"]+)""#;
        let text = String::from_utf8_lossy(&self.seen.lock().expect("relay buffer")).into_owned();
        let mut secrets = BTreeSet::new();
        for captures in Regex::new(HEADER).expect("regex").captures_iter(&text) {
            let value = captures[1].trim().to_owned();
            // `Basic <base64>` and `HMAC-SHA256 signature=<hex>,access=<base64>`: the parts too.
            for part in value.split([' ', ',']) {
                let part = ["signature=", "access="]
                    .iter()
                    .find_map(|key| part.strip_prefix(key))
                    .unwrap_or(part);
                if part.len() >= 6 && !part.starts_with("HMAC") {
                    secrets.insert(part.to_owned());
                }
            }
            secrets.insert(value);
        }
        for captures in Regex::new(FIELD).expect("regex").captures_iter(&text) {
            secrets.insert(captures[2].to_owned());
        }
        // The App ID is not secret, and its base64 is sent beside the signature.
        for app_id in [DEMO_APP_ID, DEMO_SP_APP_ID] {
            secrets.remove(&base64::engine::general_purpose::STANDARD.encode(app_id));
        }
        secrets
    }

    /// The auth randoms the sandbox handed out.
    fn randoms(&self) -> BTreeSet<String> {
        let text = String::from_utf8_lossy(&self.seen.lock().expect("relay buffer")).into_owned();
        Regex::new(r#""random"\s*:\s*"([^"]+)""#)
            .expect("regex")
            .captures_iter(&text)
            .map(|c| c[1].to_owned())
            .collect()
    }
}

/// The secrets known before any run: the demo credentials, App Keys, meeting passwords and
/// the `account:password` of Basic authentication.
fn known_secrets() -> BTreeSet<String> {
    let basic = format!("{DEMO_ACCOUNT}:{DEMO_PASSWORD}");
    [
        DEMO_PASSWORD,
        DEMO_APP_KEY,
        DEMO_SP_APP_KEY,
        "wrong-password-0",
        "wrong-app-key-0123456789abcdef",
        &basic,
        &base64::engine::general_purpose::STANDARD.encode(&basic),
    ]
    .into_iter()
    .chain(MEETING_PASSWORDS)
    .map(str::to_owned)
    .collect()
}

/// How the binary is asked to log.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Verbosity {
    /// `RUST_LOG=trace`: everything every crate would say.
    Trace,
    /// `--verbose`: meetjoin's call lines.
    Verbose,
    /// Neither: warnings only.
    Quiet,
}

/// One call line: method, path, status, error code, request id, duration, kind.
#[derive(Debug)]
struct CallLine {
    method: String,
    path: String,
    status: String,
    error_code: String,
    request_id: String,
    kind: Option<String>,
}

/// The call lines in `stderr`, in order.
fn call_lines(stderr: &str) -> Vec<CallLine> {
    let line = Regex::new(
        r"^ *INFO meetjoin::api: call(?: failed)? method=(\S+) path=(\S+) status=(\S+) error_code=(\S+) request_id=(\S+) duration_ms=\d+(?: kind=(\S+))?$",
    )
    .expect("regex");
    stderr
        .lines()
        .filter_map(|l| line.captures(l))
        .map(|c| CallLine {
            method: c[1].to_owned(),
            path: c[2].to_owned(),
            status: c[3].to_owned(),
            error_code: c[4].to_owned(),
            request_id: c[5].to_owned(),
            kind: c.get(6).map(|k| k.as_str().to_owned()),
        })
        .collect()
}

/// A call the run must log: method, path, status and error code (`-` when none).
type Expected = (&'static str, &'static str, &'static str, &'static str);

/// One command line run through the relay.
struct Run<'a> {
    args: Vec<&'a str>,
    stdin: Option<&'a str>,
    env: Vec<(&'a str, &'a str)>,
    code: i32,
    calls: Vec<Expected>,
}

/// Runs `run` at `verbosity` and checks its call lines; returns the output.
fn run_logged(run: &Run<'_>, verbosity: Verbosity) -> Output {
    let mut args = run.args.clone();
    let mut env = run.env.clone();
    match verbosity {
        Verbosity::Trace => env.push(("RUST_LOG", "trace")),
        Verbosity::Verbose => args.push("--verbose"),
        Verbosity::Quiet => {}
    }
    let out = meetjoin(&args, &env, run.stdin);
    let what = format!("{args:?} at {verbosity:?}");
    assert_eq!(
        out.status.code(),
        Some(run.code),
        "{what}: {}",
        stderr(&out)
    );
    let lines = call_lines(&stderr(&out));
    if verbosity == Verbosity::Quiet {
        assert!(
            lines.is_empty() && !stderr(&out).contains("meetjoin::"),
            "{what}: no log lines by default: {}",
            stderr(&out)
        );
        return out;
    }
    let got: Vec<[&str; 4]> = lines
        .iter()
        .map(|l| [&l.method, &l.path, &l.status, &l.error_code].map(String::as_str))
        .collect();
    let want: Vec<[&str; 4]> = run.calls.iter().map(|&(m, p, s, e)| [m, p, s, e]).collect();
    assert_eq!(got, want, "{what}: the call lines: {}", stderr(&out));
    for line in &lines {
        assert!(
            line.request_id.len() >= 8 && line.request_id != "-",
            "{what}: a request id: {line:?}"
        );
        assert_eq!(
            line.kind.is_some(),
            line.error_code != "-",
            "{what}: a failure names its kind: {line:?}"
        );
    }
    if args.contains(&"--json") && run.code == 0 {
        let value: Value = serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| {
            panic!("{what}: stdout is one JSON object ({e}): {}", stdout(&out))
        });
        let last = lines.last().expect("a call line");
        assert_eq!(
            value["request_id"].as_str(),
            Some(last.request_id.as_str()),
            "{what}: the result's request id is the call line's"
        );
    }
    out
}

/// Asserts that no secret is anywhere in `out`, except each auth random in its own result:
/// the `random` field of the JSON or the "Auth random" row, never a log line.
fn assert_no_secret(
    what: &str,
    out: &Output,
    secrets: &BTreeSet<String>,
    randoms: &BTreeSet<String>,
) {
    let err = stderr(out);
    let mut shown = stdout(out);
    for random in randoms {
        if let Ok(mut value) = serde_json::from_str::<Value>(shown.trim())
            && value["random"].as_str() == Some(random.as_str())
        {
            value["random"] = Value::Null;
            shown = value.to_string();
        }
        shown = shown
            .lines()
            .filter(|l| !(l.starts_with("Auth random") && l.ends_with(random.as_str())))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            !err.contains(random.as_str()),
            "{what}: auth random {random} on stderr: {err}"
        );
    }
    for secret in secrets.iter().chain(randoms) {
        assert!(
            !err.contains(secret.as_str()),
            "{what}: secret {secret:?} on stderr: {err}"
        );
        assert!(
            !shown.contains(secret.as_str()),
            "{what}: secret {secret:?} on stdout: {shown}"
        );
    }
}

/// Every keyring-free flow: sign-ins (not kept: no keyring), failed sign-ins, checks of each
/// seeded meeting with and without passwords, a wrong password, an expired token, sign-out.
fn keyring_free_runs<'a>(url: &'a str, token: &'a str) -> Vec<Run<'a>> {
    let no_bus = ("DBUS_SESSION_BUS_ADDRESS", NO_BUS);
    let server = ("MEETJOIN_SERVER", url);
    let with_token = vec![server, ("MEETJOIN_TOKEN", token), no_bus];
    let signed_in_not_kept = 1;
    let check = |args: &[&'a str], stdin, code, calls| Run {
        args: [&["check"][..], args].concat(),
        stdin,
        env: with_token.clone(),
        code,
        calls,
    };
    let random_ok = vec![("GET", RANDOM_PATH, "200", "-")];
    vec![
        Run {
            args: vec!["login", "--account", DEMO_ACCOUNT, "--password-stdin"],
            stdin: Some("Sandbox-2026\n"),
            env: vec![server, no_bus],
            code: signed_in_not_kept,
            calls: vec![("POST", ACCOUNT_PATH, "200", "-")],
        },
        Run {
            args: vec!["login", "--account", DEMO_ACCOUNT, "--password-stdin"],
            stdin: Some("wrong-password-0\n"),
            env: vec![server, no_bus],
            code: 3,
            calls: vec![("POST", ACCOUNT_PATH, "401", "USG.206010000")],
        },
        Run {
            args: vec!["login", "--app-id", DEMO_APP_ID],
            stdin: Some("sandbox-app-key-0123456789abcdef\n"),
            env: vec![server, no_bus],
            code: signed_in_not_kept,
            calls: vec![("POST", APP_AUTH_PATH, "200", "-")],
        },
        Run {
            args: vec![
                "login",
                "--app-id",
                DEMO_SP_APP_ID,
                "--multi-tenant",
                "--corp-id",
                DEMO_SP_CORP_ID,
            ],
            stdin: Some("sandbox-sp-app-key-0123456789abcdef\n"),
            env: vec![server, no_bus],
            code: signed_in_not_kept,
            calls: vec![("POST", APP_AUTH_PATH, "200", "-")],
        },
        Run {
            args: vec!["login", "--app-id", DEMO_APP_ID],
            stdin: Some("wrong-app-key-0123456789abcdef\n"),
            env: vec![server, no_bus],
            code: 3,
            calls: vec![("POST", APP_AUTH_PATH, "401", "USG.206010025")],
        },
        check(&["914047175", "--json"], None, 0, random_ok.clone()),
        check(&["914047175"], None, 0, random_ok.clone()),
        check(
            &["987654321", "--json", "--password-stdin"],
            Some("123456\n"),
            0,
            random_ok.clone(),
        ),
        check(
            &["900000001", "--json", "--password-stdin"],
            Some("246810\n"),
            0,
            random_ok.clone(),
        ),
        check(
            &["987654321", "--json"],
            None,
            4,
            vec![("GET", RANDOM_PATH, "400", "MMC.111070009")],
        ),
        check(
            &["987654321", "--json", "--password-stdin"],
            Some("314159\n"),
            4,
            vec![("GET", RANDOM_PATH, "400", "MMC.111072065")],
        ),
        // No keyring: nothing to sign out of, and no call.
        Run {
            args: vec!["logout"],
            stdin: None,
            env: vec![server, no_bus],
            code: 3,
            calls: vec![],
        },
    ]
}

#[test]
fn every_flow_logs_its_calls_and_no_secret_at_trace_or_verbose() {
    let sandbox = TestSandbox::default_config();
    let wire = Wire::start(sandbox.sandbox.addr());
    let mut tokens = BTreeSet::new();
    let mut outputs = Vec::new();
    for verbosity in [Verbosity::Trace, Verbosity::Verbose, Verbosity::Quiet] {
        // Signed in by the test, not through the relay: the test knows this one.
        let token = sandbox.demo_token();
        tokens.insert(token.clone());
        for run in keyring_free_runs(&wire.url, &token) {
            let out = run_logged(&run, verbosity);
            outputs.push((format!("{:?} at {verbosity:?}", run.args), out));
        }
        // A token the server no longer accepts, and nothing to renew it with: one call.
        sandbox.sandbox.expire_access_tokens();
        let expired = Run {
            args: vec!["check", "914047175", "--json"],
            stdin: None,
            env: vec![
                ("MEETJOIN_SERVER", &wire.url),
                ("MEETJOIN_TOKEN", &token),
                ("DBUS_SESSION_BUS_ADDRESS", NO_BUS),
            ],
            code: 3,
            calls: vec![("GET", RANDOM_PATH, "401", "USG.000000004")],
        };
        let out = run_logged(&expired, verbosity);
        outputs.push((format!("expired token at {verbosity:?}"), out));
    }
    let mut secrets = wire.secrets();
    secrets.extend(known_secrets());
    let randoms = wire.randoms();
    assert!(tokens.is_subset(&secrets), "the relay saw the tokens");
    assert!(
        secrets.len() >= 15,
        "tokens, signatures and passwords seen on the wire: {}",
        secrets.len()
    );
    assert!(
        randoms.len() >= 12,
        "every successful check's random: {randoms:?}"
    );
    for (what, out) in &outputs {
        assert_no_secret(what, out, &secrets, &randoms);
    }
}

#[test]
fn default_output_is_unchanged_and_rust_log_overrides_verbose() {
    let sandbox = TestSandbox::default_config();
    let token = sandbox.demo_token();
    let url = sandbox.url();
    let env = [
        ("MEETJOIN_SERVER", url.as_str()),
        ("MEETJOIN_TOKEN", token.as_str()),
    ];
    let quiet = meetjoin(&["check", "914047175", "--json"], &env, None);
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    assert_eq!(stderr(&quiet), "", "nothing on stderr by default");

    // RUST_LOG wins over --verbose: here it asks for meetjoin's warnings only.
    let mut quieted = env.to_vec();
    quieted.push(("RUST_LOG", "meetjoin=warn"));
    let out = meetjoin(
        &["check", "914047175", "--json", "--verbose"],
        &quieted,
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "RUST_LOG overrides --verbose");

    // The flag is global: before the command too; stdout stays one JSON object.
    let out = meetjoin(&["--verbose", "check", "914047175", "--json"], &env, None);
    assert_eq!(call_lines(&stderr(&out)).len(), 1, "{}", stderr(&out));
    let value: Value = serde_json::from_str(stdout(&out).trim()).expect("one JSON object");
    assert_eq!(value["meeting_id"], "914047175");
    assert!(!stderr(&out).contains('\u{1b}'), "no ANSI colour on a pipe");

    // Dependencies are capped whatever RUST_LOG asks, even by name.
    let mut noisy = env.to_vec();
    noisy.push((
        "RUST_LOG",
        "trace,hyper_util::client::legacy::pool=trace,reqwest=trace,rustls=trace,h2=trace,zbus=trace",
    ));
    let out = meetjoin(&["check", "914047175", "--json"], &noisy, None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let other: Vec<&str> = err.lines().filter(|l| !l.contains(" meetjoin::")).collect();
    assert!(other.is_empty(), "only meetjoin's lines: {other:#?}");
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a private D-Bus): scripts/test.sh runs it"]
fn keyring_flows_log_their_calls_and_no_secret_at_trace() {
    let sandbox = TestSandbox::default_config();
    let wire = Wire::start(sandbox.sandbox.addr());
    let service = unique_service("logging");
    let env = vec![
        ("MEETJOIN_SERVER", wire.url.as_str()),
        ("MEETJOIN_KEYRING_SERVICE", service.as_str()),
    ];
    let random_ok: Vec<Expected> = vec![("GET", RANDOM_PATH, "200", "-")];
    let sign_out: Vec<Expected> = vec![("DELETE", TOKEN_PATH, "200", "-")];
    let mut outputs = Vec::new();
    for verbosity in [Verbosity::Trace, Verbosity::Verbose] {
        let run = |args: &[&str], stdin: Option<&str>, calls: Vec<Expected>| {
            let run = Run {
                args: args.to_vec(),
                stdin,
                env: env.clone(),
                code: 0,
                calls,
            };
            (
                format!("{args:?} at {verbosity:?}"),
                run_logged(&run, verbosity),
            )
        };
        outputs.push(run(
            &["login", "--account", DEMO_ACCOUNT, "--password-stdin"],
            Some("Sandbox-2026\n"),
            vec![("POST", ACCOUNT_PATH, "200", "-")],
        ));
        outputs.push(run(
            &["check", "914047175", "--json"],
            None,
            random_ok.clone(),
        ));
        // The server ends the access token: the check refreshes with the refresh token from
        // the keyring, and asks again.
        sandbox.sandbox.expire_access_tokens();
        outputs.push(run(
            &["check", "987654321", "--json", "--password-stdin"],
            Some("123456\n"),
            vec![
                ("GET", RANDOM_PATH, "401", "USG.000000004"),
                ("PUT", TOKEN_PATH, "200", "-"),
                ("GET", RANDOM_PATH, "200", "-"),
            ],
        ));
        outputs.push(run(&["logout"], None, sign_out.clone()));
        outputs.push(run(
            &["login", "--app-id", DEMO_APP_ID],
            Some("sandbox-app-key-0123456789abcdef\n"),
            vec![("POST", APP_AUTH_PATH, "200", "-")],
        ));
        outputs.push(run(
            &["check", "900000001", "--json", "--password-stdin"],
            Some("246810\n"),
            random_ok.clone(),
        ));
        outputs.push(run(&["logout"], None, sign_out.clone()));
        outputs.push(run(
            &[
                "login",
                "--app-id",
                DEMO_SP_APP_ID,
                "--multi-tenant",
                "--corp-id",
                DEMO_SP_CORP_ID,
            ],
            Some("sandbox-sp-app-key-0123456789abcdef\n"),
            vec![("POST", APP_AUTH_PATH, "200", "-")],
        ));
        outputs.push(run(&["check", "914047175"], None, random_ok.clone()));
        outputs.push(run(&["logout"], None, sign_out.clone()));
    }
    let mut secrets = wire.secrets();
    secrets.extend(known_secrets());
    let randoms = wire.randoms();
    assert!(
        secrets.iter().filter(|s| s.len() >= 20).count() >= 12,
        "the access and refresh tokens of every sign-in and refresh: {}",
        secrets.len()
    );
    for (what, out) in &outputs {
        assert_no_secret(what, out, &secrets, &randoms);
    }
}

/// The log files in `dir`, read whole, with their names.
fn log_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read_to_string(e.path()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn window_log_file_gets_the_call_lines_and_no_secret() {
    use meetjoin::api::{Client, RandomRequest};
    use meetjoin::server::Server;
    use meetjoin::{Lang, MeetingId};
    use secrecy::{ExposeSecret, SecretString};

    let sandbox = TestSandbox::default_config();
    let state = tempfile::tempdir().expect("temp dir");
    let dir = state.path().join("meetjoin");
    // As the window starts: the logger (quiet on stderr), then its file.
    meetjoin::logging::init(false);
    assert_eq!(
        meetjoin::logging::details_line(Lang::En),
        None,
        "no file yet"
    );
    let opened = meetjoin::logging::open_log_file_in(&dir).expect("the log file opens");
    assert_eq!(opened, dir);
    assert_eq!(meetjoin::logging::active_log_dir(), Some(dir.as_path()));
    assert_eq!(
        meetjoin::logging::details_line(Lang::En),
        Some(format!("Log files: {}", dir.display()))
    );
    assert_eq!(
        meetjoin::logging::details_line(Lang::ZhCn),
        Some(format!("日志文件：{}", dir.display()))
    );

    let client = Client::new(Server::parse(&sandbox.url()).expect("url")).expect("client");
    let (tokens, random, request_id) = sandbox.runtime.block_on(async {
        let signed_in = client
            .sign_in_account(DEMO_ACCOUNT, &SecretString::from(DEMO_PASSWORD.to_owned()))
            .await
            .expect("sign-in");
        let request = RandomRequest {
            meeting_id: MeetingId::parse("987654321").expect("id"),
            password: SecretString::from("123456".to_owned()),
            guest_waiting: false,
        };
        let reply = client
            .auth_random(&signed_in.value.access, &request)
            .await
            .expect("random");
        let wrong = RandomRequest {
            password: SecretString::from("314159".to_owned()),
            ..request
        };
        let refused = client
            .auth_random(&signed_in.value.access, &wrong)
            .await
            .expect_err("a wrong password");
        assert!(refused.request_id.is_some());
        (
            signed_in.value,
            reply.value.random.expose_secret().to_owned(),
            reply.request_id.expect("a request id"),
        )
    });

    let files = log_files(&dir);
    assert_eq!(files.len(), 1, "one file for today: {files:?}");
    let (name, text) = &files[0];
    assert!(
        Regex::new(r"^meetjoin\.\d{4}-\d{2}-\d{2}\.log$")
            .expect("regex")
            .is_match(name),
        "{name}"
    );
    let call = Regex::new(&format!(
        r"(?m)^\d{{4}}-\d\d-\d\dT[0-9:.]+Z +INFO meetjoin::api: call method=GET path={RANDOM_PATH} status=200 error_code=- request_id={request_id} duration_ms=\d+$"
    ))
    .expect("regex");
    assert!(
        call.is_match(text),
        "the call line with its request id:\n{text}"
    );
    assert!(
        text.contains(&format!("call method=POST path={ACCOUNT_PATH} status=200")),
        "{text}"
    );
    assert!(
        text.contains("call failed method=GET") && text.contains("error_code=MMC.111072065"),
        "{text}"
    );
    for line in text.lines() {
        assert!(
            line.contains(" meetjoin::"),
            "only meetjoin's lines: {line}"
        );
    }
    let mut secrets = known_secrets();
    secrets.insert(tokens.access.expose_secret().to_owned());
    secrets.insert(
        tokens
            .refresh
            .expect("a refresh token")
            .expose_secret()
            .to_owned(),
    );
    secrets.insert(random);
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "secret {secret:?} in the log file"
        );
    }
    #[cfg(feature = "gui")]
    details_point_to_the_log_file(&dir);
}

/// The window's error Details end with the log files' directory, shown and copied.
#[cfg(feature = "gui")]
fn details_point_to_the_log_file(dir: &Path) {
    use std::cell::RefCell;
    use std::rc::Rc;

    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use meetjoin::Lang;
    use meetjoin::api::{ApiError, ErrorKind};
    use meetjoin::gui::views::Action;
    use meetjoin::gui::views::error_card::{ErrorPlace, error_card_ui};

    let error = ApiError::new(ErrorKind::WrongIdOrPassword)
        .with_request_id(Some("req-logging-1".to_owned()));
    let copied = Rc::new(RefCell::new(None));
    let sink = Rc::clone(&copied);
    // The window's fonts (the card's "⚠" is not in egui's).
    let mut harness = Harness::builder()
        .with_context_setup(meetjoin::gui::fonts::install)
        .build_ui(move |ui| {
            let place = ErrorPlace {
                id_salt: "logging",
                offer_sign_in: false,
            };
            if let Some(Action::CopyDetails(text)) = error_card_ui(ui, Lang::En, &error, &place) {
                *sink.borrow_mut() = Some(text);
            }
        });
    harness.run();
    harness.get_by_label("Details").click();
    harness.run();
    let line = format!("Log files: {}", dir.display());
    assert!(
        harness.query_all_by_label_contains(&line).next().is_some(),
        "the Details show {line}"
    );
    harness.get_by_label("Copy details").click();
    harness.run();
    let copied = copied.borrow().clone().expect("Copy details was clicked");
    assert!(
        copied.contains("req-logging-1") && copied.ends_with(&line),
        "the copied details end with {line}: {copied}"
    );
}

/// Runs `meetjoin <args>` with only `env` (no display: the window cannot open).
#[cfg(feature = "gui")]
fn headless(args: &[&str], env: &[(&str, &Path)]) -> Output {
    use std::process::{Command, Stdio};
    let mut command = Command::new(env!("CARGO_BIN_EXE_meetjoin"));
    // Its own runtime directory: the single-window socket of another test's window is not
    // this one's.
    let runtime_dir = tempfile::tempdir().expect("runtime dir");
    command
        .args(args)
        .env_clear()
        .env("LANG", "en_US.UTF-8")
        .env("XDG_RUNTIME_DIR", runtime_dir.path());
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("meetjoin runs")
}

#[test]
#[cfg(feature = "gui")]
fn window_keeps_its_log_under_the_state_directory() {
    let temp = tempfile::tempdir().expect("temp dir");
    let home = temp.path().join("home");
    let state = temp.path().join("state");
    std::fs::create_dir_all(&home).expect("home");

    // $XDG_STATE_HOME/meetjoin, said at INFO with --verbose, and in the file itself.
    let out = headless(
        &["gui", "--sandbox", "--verbose"],
        &[("HOME", &home), ("XDG_STATE_HOME", &state)],
    );
    let dir = state.join("meetjoin");
    assert!(
        stderr(&out).contains(&format!("log file dir={}", dir.display())),
        "{}",
        stderr(&out)
    );
    let files = log_files(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0].1.contains("INFO meetjoin::logging: log file"),
        "{files:?}"
    );

    // No XDG_STATE_HOME: ~/.local/state/meetjoin.
    let out = headless(&["gui", "--sandbox"], &[("HOME", &home)]);
    assert_eq!(log_files(&home.join(".local/state/meetjoin")).len(), 1);
    assert!(
        !stderr(&out).contains("meetjoin::"),
        "nothing logged on stderr without --verbose: {}",
        stderr(&out)
    );

    // A state directory that cannot be made (a file is in the way): the window goes on, and
    // says nothing about it without --verbose.
    let blocked = temp.path().join("blocked");
    std::fs::write(&blocked, "a file").expect("write");
    let out = headless(
        &["gui", "--sandbox"],
        &[("HOME", &home), ("XDG_STATE_HOME", &blocked)],
    );
    assert!(
        !stderr(&out).to_lowercase().contains("log"),
        "nothing alarming: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("window could not be opened"),
        "it went on to open the window: {}",
        stderr(&out)
    );
    let out = headless(
        &["gui", "--sandbox", "--verbose"],
        &[("HOME", &home), ("XDG_STATE_HOME", &blocked)],
    );
    assert!(
        stderr(&out).contains("INFO meetjoin::logging: no log file"),
        "{}",
        stderr(&out)
    );
}
