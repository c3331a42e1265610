//! The sandbox over HTTPS (`--tls`: a self-signed certificate, or `--cert`/`--key` files) and
//! the request shapes it records (`Sandbox::recorded`, `--record FILE`): what a client sent,
//! never a secret value. Through the library and through `meetjoin sandbox`.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{meetjoin, stderr, stdout};
use meetjoin::api::{Client, ClientOptions, RandomRequest};
use meetjoin::sandbox::{
    BodyShape, DEMO_ACCOUNT, DEMO_PASSWORD, JsonType, RawBody, RecordedRequest, Sandbox,
    SandboxConfig, SandboxError, SandboxTls,
};
use meetjoin::server::Server;
use meetjoin::{Lang, MeetingId};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

/// The account sign-in path.
const ACCOUNT_PATH: &str = "/v1/usg/acs/auth/account";
/// The auth-random path.
const RANDOM_PATH: &str = "/v2/mms/ncms/conferences/auth/random";

/// Starts an in-process sandbox with `config` on a free port.
async fn start(config: SandboxConfig) -> Sandbox {
    Sandbox::start(SandboxConfig { port: 0, ..config })
        .await
        .expect("sandbox starts")
}

/// A reqwest client that trusts only the certificates of the PEM file at `pem`.
fn trusting(pem: &Path) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = reqwest::Certificate::from_pem_bundle(&std::fs::read(pem).expect("pem"))
        .expect("PEM certificates");
    reqwest::Client::builder()
        .tls_certs_only(certs)
        .build()
        .expect("client")
}

/// A reqwest client with the built-in roots only (and ring as rustls's provider).
fn untrusting() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Signs the demo account in with `client` at `base`; the HTTP status.
async fn sign_in(client: &reqwest::Client, base: &str) -> reqwest::Result<u16> {
    let reply = client
        .post(format!("{base}{ACCOUNT_PATH}"))
        .basic_auth(DEMO_ACCOUNT, Some(DEMO_PASSWORD))
        .json(&json!({ "account": DEMO_ACCOUNT, "clientType": 72 }))
        .send()
        .await?;
    Ok(reply.status().as_u16())
}

/// A certificate for 127.0.0.1 and localhost and its key, as PEM text.
fn certificate() -> (String, String) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("certificate");
    (cert.pem(), signing_key.serialize_pem())
}

/// Writes `text` to `name` in `dir`.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[tokio::test]
async fn self_signed_tls_serves_only_clients_that_trust_its_pem() {
    let sandbox = start(SandboxConfig {
        tls: Some(SandboxTls::SelfSigned),
        ..SandboxConfig::default()
    })
    .await;
    let url = sandbox.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let pem = sandbox.ca_pem_path().expect("a PEM path").to_owned();
    assert!(pem.starts_with(std::env::temp_dir()), "{}", pem.display());
    let text = std::fs::read_to_string(&pem).expect("the PEM file");
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{text}");

    // Refused: a client without the certificate, and plain HTTP to the TLS port. Neither
    // failed handshake stops the server.
    let refused = sign_in(&untrusting(), &url).await;
    assert!(refused.is_err(), "an untrusting client got {refused:?}");
    let plain = url.replace("https://", "http://");
    assert!(sign_in(&untrusting(), &plain).await.is_err());

    let client = trusting(&pem);
    for base in [url.clone(), url.replace("127.0.0.1", "localhost")] {
        assert_eq!(sign_in(&client, &base).await.expect(&base), 200, "{base}");
    }

    sandbox.shutdown().await;
    assert!(!pem.exists(), "{} outlived the sandbox", pem.display());
}

#[tokio::test]
async fn meetjoins_own_client_checks_a_meeting_over_tls_with_the_pem_as_ca_file() {
    let sandbox = start(SandboxConfig {
        tls: Some(SandboxTls::SelfSigned),
        ..SandboxConfig::default()
    })
    .await;
    let pem = sandbox.ca_pem_path().expect("a PEM path").to_owned();
    let server = Server::parse(&sandbox.url()).expect("an https URL");
    let options = ClientOptions {
        ca_file: Some(pem.clone()),
        ..ClientOptions::default()
    };
    let client = Client::with_options(server, options).expect("client");
    let password = SecretString::from(DEMO_PASSWORD.to_owned());
    let tokens = client
        .sign_in_account(DEMO_ACCOUNT, &password)
        .await
        .expect("sign-in over TLS");
    let request = RandomRequest {
        meeting_id: MeetingId::parse("914047175").expect("a meeting ID"),
        password: SecretString::from(String::new()),
        guest_waiting: false,
    };
    client
        .auth_random(&tokens.value.access, &request)
        .await
        .expect("auth random over TLS");
    drop(sandbox);
    assert!(
        !pem.exists(),
        "dropping the sandbox leaves {}",
        pem.display()
    );
}

#[tokio::test]
async fn cert_and_key_files_are_served_and_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert_pem, key_pem) = certificate();
    let cert = write(dir.path(), "cert.pem", &cert_pem);
    let key = write(dir.path(), "key.pem", &key_pem);
    let sandbox = start(SandboxConfig {
        tls: Some(SandboxTls::Files {
            cert: cert.clone(),
            key,
        }),
        ..SandboxConfig::default()
    })
    .await;
    assert!(sandbox.url().starts_with("https://"), "{}", sandbox.url());
    assert_eq!(sandbox.ca_pem_path(), Some(cert.as_path()));
    assert_eq!(
        sign_in(&trusting(&cert), &sandbox.url())
            .await
            .expect("sign-in"),
        200
    );
    assert!(sign_in(&untrusting(), &sandbox.url()).await.is_err());
    sandbox.shutdown().await;
    assert!(cert.exists(), "the sandbox removed the --cert file");
}

/// The bad `--cert`/`--key` pairs: name, cert file, key file (in `dir`; `None`: missing).
fn bad_pairs(dir: &Path) -> Vec<(&'static str, PathBuf, PathBuf)> {
    let (cert_pem, key_pem) = certificate();
    let (_, other_key_pem) = certificate();
    let cert = write(dir, "cert.pem", &cert_pem);
    let key = write(dir, "key.pem", &key_pem);
    let other_key = write(dir, "other-key.pem", &other_key_pem);
    let not_pem = write(dir, "notes.txt", "hello, not a certificate\n");
    vec![
        ("missing cert", dir.join("missing.pem"), key.clone()),
        ("missing key", cert.clone(), dir.join("missing-key.pem")),
        ("cert not PEM", not_pem.clone(), key.clone()),
        ("key not PEM", cert.clone(), not_pem),
        ("a cert as the key", cert.clone(), cert.clone()),
        ("the key of another cert", cert, other_key),
    ]
}

#[tokio::test]
async fn bad_cert_or_key_files_are_errors_with_a_message_in_both_languages() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (case, cert, key) in bad_pairs(dir.path()) {
        let tls = SandboxTls::Files {
            cert: cert.clone(),
            key: key.clone(),
        };
        let error = Sandbox::start(SandboxConfig {
            tls: Some(tls),
            ..SandboxConfig::default()
        })
        .await
        .expect_err(case);
        let named = match &error {
            SandboxError::ReadFile { path, .. }
            | SandboxError::NotACertificate { path }
            | SandboxError::NotAKey { path } => path.clone(),
            SandboxError::KeyMismatch { key, .. } => key.clone(),
            other => panic!("{case}: {other:?}"),
        };
        assert!(named == cert || named == key, "{case}: {error:?}");
        for lang in Lang::ALL {
            let message = error.message(lang);
            assert!(
                message.contains(&named.display().to_string()),
                "{case} ({}): {message}",
                lang.code()
            );
        }
    }
}

#[test]
fn cli_exits_1_with_a_message_for_bad_cert_or_key_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (case, cert, key) in bad_pairs(dir.path()) {
        let (cert, key) = (cert.to_str().expect("utf-8"), key.to_str().expect("utf-8"));
        let out = meetjoin(
            &[
                "sandbox", "--port", "0", "--tls", "--cert", cert, "--key", key,
            ],
            &[],
            None,
        );
        assert_eq!(out.status.code(), Some(1), "{case}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{case}");
        let message = stderr(&out);
        assert!(message.starts_with("meetjoin: "), "{case}: {message}");
        assert_eq!(message.trim_end().lines().count(), 1, "{case}: {message}");
        assert!(!message.contains("panicked"), "{case}: {message}");
    }
    // The message is the user's language: the key of another certificate.
    let (_, cert, key) = bad_pairs(dir.path()).pop().expect("a pair");
    let (cert, key) = (cert.to_str().expect("utf-8"), key.to_str().expect("utf-8"));
    let args = [
        "sandbox", "--port", "0", "--tls", "--cert", cert, "--key", key,
    ];
    let out = meetjoin(&args, &[], None);
    assert!(stderr(&out).contains("does not belong"), "{}", stderr(&out));
    let out = meetjoin(&args, &[("LANG", "zh_CN.UTF-8")], None);
    assert!(stderr(&out).contains("不匹配"), "{}", stderr(&out));
}

#[test]
fn cli_cert_and_key_need_tls_and_each_other() {
    for args in [
        &["sandbox", "--cert", "c.pem", "--key", "k.pem"][..],
        &["sandbox", "--tls", "--cert", "c.pem"][..],
        &["sandbox", "--tls", "--key", "k.pem"][..],
    ] {
        let out = meetjoin(args, &[], None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

/// `meetjoin sandbox --port 0 <extra>` as a child process with its first stdout lines.
struct CliSandbox {
    child: Child,
    /// Line 1: the URL.
    url: String,
    /// Line 2 with `--tls`: the PEM path.
    pem: Option<PathBuf>,
}

impl CliSandbox {
    /// Starts the CLI's sandbox and reads one line, two with `--tls`.
    fn start(extra: &[&str]) -> CliSandbox {
        let mut child = Command::new(env!("CARGO_BIN_EXE_meetjoin"))
            .args(["sandbox", "--port", "0"])
            .args(extra)
            .env("LANG", "en_US.UTF-8")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sandbox runs");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let url = lines.next().expect("line 1").expect("the URL");
        let pem = extra
            .contains(&"--tls")
            .then(|| PathBuf::from(lines.next().expect("line 2").expect("the PEM path")));
        CliSandbox { child, url, pem }
    }

    /// Stops it as `kill` does (SIGTERM) and returns its exit code.
    fn terminate(mut self) -> Option<i32> {
        let killed = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(killed.success());
        self.child.wait().expect("exit").code()
    }
}

impl Drop for CliSandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn cli_tls_prints_the_url_then_the_pem_path_and_check_trusts_it_with_ca_file() {
    let sandbox = CliSandbox::start(&["--tls"]);
    assert!(
        sandbox.url.starts_with("https://127.0.0.1:"),
        "{}",
        sandbox.url
    );
    let pem = sandbox.pem.clone().expect("a PEM path");
    let text = std::fs::read_to_string(&pem).expect("the PEM file");
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{text}");

    // With the PEM as --ca-file, `check` reaches the sandbox, which refuses the token (exit 3);
    // without it the TLS handshake fails (exit 5).
    let pem_arg = pem.to_str().expect("utf-8");
    let url = sandbox.url.clone();
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "914047175", "--json", "--server", &url];
        args.extend_from_slice(extra);
        meetjoin(&args, &[("MEETJOIN_TOKEN", "not-a-token")], None)
    };
    let out = check(&["--ca-file", pem_arg]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stdout(&out).contains("USG.000000004"), "{}", stdout(&out));
    let out = check(&[]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));

    assert_eq!(sandbox.terminate(), Some(0));
    assert!(!pem.exists(), "{} outlived the sandbox", pem.display());
}

/// The records of the requests to `path`.
fn to(records: &[RecordedRequest], path: &str) -> Vec<RecordedRequest> {
    records.iter().filter(|r| r.path == path).cloned().collect()
}

#[tokio::test]
async fn records_show_the_shape_of_requests_and_never_a_secret() {
    let sandbox = start(SandboxConfig::default()).await;
    let server = Server::parse(&sandbox.url()).expect("a loopback URL");
    let client = Client::new(server).expect("client");
    let password = SecretString::from(DEMO_PASSWORD.to_owned());
    let tokens = client
        .sign_in_account(DEMO_ACCOUNT, &password)
        .await
        .expect("sign-in")
        .value;
    let meeting_password = "Secret-Meeting-Pw-7";
    let request = RandomRequest {
        meeting_id: MeetingId::parse("987654321").expect("a meeting ID"),
        password: SecretString::from(meeting_password.to_owned()),
        guest_waiting: false,
    };
    let refused = client.auth_random(&tokens.access, &request).await;
    assert!(refused.is_err(), "a wrong password was accepted");
    // A raw request: an unknown header and a query value that are secrets, a bare token as
    // `Authorization`, and a body that is not JSON.
    let raw = untrusting()
        .post(format!("{}/v1/usg/acs/token/validate", sandbox.url()))
        .query(&[("token", "query-secret-123")])
        .header("X-Custom-Secret", "header-secret-456")
        .header("Authorization", "bare-secret-789")
        .body("not json at all")
        .send()
        .await
        .expect("raw request");
    assert_eq!(raw.status().as_u16(), 400);

    let records = sandbox.recorded();
    assert_eq!(records.len(), 3, "{records:#?}");

    let [sign_in] = <[_; 1]>::try_from(to(&records, ACCOUNT_PATH)).expect("one sign-in");
    assert_eq!(sign_in.method, "POST");
    assert!(sign_in.query.is_empty());
    for name in ["authorization", "content-type", "host", "user-agent"] {
        assert!(
            sign_in.headers.contains(&name.to_owned()),
            "{name}: {sign_in:?}"
        );
    }
    let mut sorted = sign_in.headers.clone();
    sorted.sort();
    assert_eq!(sign_in.headers, sorted);
    assert_eq!(sign_in.header_values["authorization"], "Basic");
    assert!(sign_in.header_values["content-type"].starts_with("application/json"));
    assert!(sign_in.header_values["user-agent"].starts_with("meetjoin/"));
    let expected: BTreeMap<String, JsonType> = [
        ("account".to_owned(), JsonType::String),
        ("clientType".to_owned(), JsonType::Number),
    ]
    .into();
    assert_eq!(sign_in.body, BodyShape::Fields(expected));
    assert_eq!((sign_in.status, sign_in.error_code.as_deref()), (200, None));

    let [random] = <[_; 1]>::try_from(to(&records, RANDOM_PATH)).expect("one auth random");
    assert_eq!(random.method, "GET");
    // No guest_waiting when it is 0 (the default), as the official SDKs send it.
    assert_eq!(random.query, ["conf_id"]);
    for name in ["x-access-token", "x-password"] {
        assert!(
            random.headers.contains(&name.to_owned()),
            "{name}: {random:?}"
        );
    }
    assert_eq!(random.body, BodyShape::Raw(RawBody::Empty));
    assert_eq!(random.status, 400);
    assert!(random.error_code.is_some(), "{random:?}");

    let [raw] = <[_; 1]>::try_from(to(&records, "/v1/usg/acs/token/validate")).expect("raw");
    assert_eq!(raw.query, ["token"]);
    assert!(raw.headers.contains(&"x-custom-secret".to_owned()));
    assert!(raw.headers.contains(&"authorization".to_owned()));
    assert!(!raw.header_values.contains_key("authorization"), "{raw:?}");
    assert_eq!(raw.body, BodyShape::Raw(RawBody::NotJson));
    assert_eq!(raw.error_code.as_deref(), Some("USG.000000001"));

    let basic = STANDARD.encode(format!("{DEMO_ACCOUNT}:{DEMO_PASSWORD}"));
    let all = serde_json::to_string(&records).expect("JSON");
    for secret in [
        DEMO_PASSWORD,
        DEMO_ACCOUNT,
        basic.as_str(),
        tokens.access.expose_secret(),
        meeting_password,
        "987654321",
        "query-secret-123",
        "header-secret-456",
        "bare-secret-789",
    ] {
        assert!(!all.contains(secret), "{secret} in the records: {all}");
    }

    sandbox.clear_recorded();
    assert!(sandbox.recorded().is_empty());
}

#[tokio::test]
async fn records_go_to_the_record_file_as_json_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "old.jsonl", "an old line\n");
    let sandbox = start(SandboxConfig {
        record: Some(path.clone()),
        ..SandboxConfig::default()
    })
    .await;
    let client = untrusting();
    assert_eq!(
        sign_in(&client, &sandbox.url()).await.expect("sign-in"),
        200
    );
    let missing = client
        .get(format!("{}/nowhere?x=1", sandbox.url()))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status().as_u16(), 404);

    let text = std::fs::read_to_string(&path).expect("the record file");
    let lines: Vec<RecordedRequest> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON record"))
        .collect();
    assert_eq!(lines, sandbox.recorded(), "{text}");
    assert_eq!(lines.len(), 2, "the file was not emptied: {text}");
    sandbox.clear_recorded();
    assert_eq!(std::fs::read_to_string(&path).expect("file"), text);
}

#[test]
fn cli_record_writes_json_lines_over_tls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("requests.jsonl");
    let record = path.to_str().expect("utf-8");
    let sandbox = CliSandbox::start(&["--tls", "--record", record]);
    let pem = sandbox.pem.clone().expect("a PEM path");
    let out = meetjoin(
        &[
            "check",
            "914047175",
            "--server",
            &sandbox.url,
            "--ca-file",
            pem.to_str().expect("utf-8"),
        ],
        &[("MEETJOIN_TOKEN", "not-a-token")],
        None,
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(sandbox.terminate(), Some(0));

    let text = std::fs::read_to_string(&path).expect("the record file");
    let records: Vec<RecordedRequest> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON record"))
        .collect();
    let [random] = <[_; 1]>::try_from(records).expect("one request");
    assert_eq!(random.path, RANDOM_PATH);
    assert_eq!(random.error_code.as_deref(), Some("USG.000000004"));
    assert!(random.headers.contains(&"x-access-token".to_owned()));
    assert!(!text.contains("not-a-token"), "{text}");
}
