//! Private deployments, through the real binary against the TLS sandbox: a server whose
//! certificate comes from its own CA is refused until `--ca-file` (or `MEETJOIN_CA_FILE`) names
//! that CA, a self-signed server certificate made by openssl (CA:TRUE) is trusted when it is
//! itself in the CA file, and `HTTPS_PROXY` / `NO_PROXY` are honoured (a loopback CONNECT proxy
//! sees the traffic, or does not).
#![cfg(feature = "sandbox")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use meetjoin::Server;
use meetjoin::api::{Client, ClientOptions};
use meetjoin::sandbox::{DEMO_ACCOUNT, DEMO_PASSWORD, Sandbox, SandboxConfig, SandboxTls};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TLS sandbox with a self-signed certificate, on its own runtime, and a demo token.
struct TlsSandbox {
    runtime: tokio::runtime::Runtime,
    sandbox: Sandbox,
    token: String,
}

impl TlsSandbox {
    fn start() -> TlsSandbox {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let sandbox = runtime
            .block_on(Sandbox::start(SandboxConfig {
                port: 0,
                tls: Some(SandboxTls::SelfSigned),
                ..SandboxConfig::default()
            }))
            .expect("the TLS sandbox starts");
        let client = Client::with_options(
            Server::parse(&sandbox.url()).expect("url"),
            ClientOptions {
                ca_file: sandbox.ca_pem_path().map(Path::to_path_buf),
                ..ClientOptions::default()
            },
        )
        .expect("client");
        let token = runtime
            .block_on(
                client.sign_in_account(DEMO_ACCOUNT, &SecretString::from(DEMO_PASSWORD.to_owned())),
            )
            .expect("demo sign-in over TLS")
            .value
            .access
            .expose_secret()
            .to_owned();
        TlsSandbox {
            runtime,
            sandbox,
            token,
        }
    }

    fn pem(&self) -> PathBuf {
        self.sandbox.ca_pem_path().expect("a PEM").to_path_buf()
    }

    /// `meetjoin check 914047175 --json` against this sandbox, with `args` and `env` added.
    fn check(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_meetjoin"));
        command
            .args(["check", "914047175", "--json"])
            .args(args)
            .env("MEETJOIN_SERVER", self.sandbox.url())
            .env("MEETJOIN_TOKEN", &self.token)
            .env("LANG", "C.UTF-8")
            .env_remove("MEETJOIN_CA_FILE")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .stdin(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("meetjoin runs")
    }
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn a_private_ca_is_refused_until_it_is_given() {
    let sandbox = TlsSandbox::start();
    let pem = sandbox.pem();
    let pem = pem.to_str().expect("utf-8 path");

    let refused = sandbox.check(&[], &[]);
    assert_eq!(refused.status.code(), Some(5), "{refused:?}");
    assert_eq!(json(&refused)["error"]["kind"], "untrusted_certificate");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--ca-file"), "{stderr}");

    let with_flag = sandbox.check(&["--ca-file", pem], &[]);
    assert_eq!(with_flag.status.code(), Some(0), "{with_flag:?}");
    assert_eq!(json(&with_flag)["subject"], "zhang的会议");

    let with_env = sandbox.check(&[], &[("MEETJOIN_CA_FILE", pem)]);
    assert_eq!(with_env.status.code(), Some(0), "{with_env:?}");

    // A CA file that is missing or holds no certificate is its own clear error.
    let dir = tempfile::tempdir().expect("dir");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "not a certificate\n").expect("write");
    for bad in [dir.path().join("missing.pem"), not_pem] {
        let out = sandbox.check(&["--ca-file", bad.to_str().expect("utf-8")], &[]);
        assert_eq!(out.status.code(), Some(5), "{out:?}");
        assert_eq!(json(&out)["error"]["kind"], "ca_certificate");
    }
    // The sandbox answered only the two checks that trusted it.
    assert_eq!(sandbox.sandbox.stats().random_calls, 2);
}

/// A loopback HTTP CONNECT proxy that records the target of every tunnel it opens.
struct ConnectProxy {
    url: String,
    targets: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    fn start(runtime: &tokio::runtime::Runtime) -> ConnectProxy {
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&targets);
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let seen = Arc::clone(&seen);
                tokio::spawn(async move {
                    let _ = tunnel(client, seen).await;
                });
            }
        });
        ConnectProxy { url, targets }
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().expect("lock").clone()
    }
}

/// Reads `CONNECT host:port HTTP/1.1` and its headers, connects, then relays both ways.
async fn tunnel(mut client: TcpStream, seen: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        if client.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut words = head.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    };
    seen.lock().expect("lock").push(target.to_owned());
    let mut upstream = TcpStream::connect(target).await?;
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

#[test]
fn https_proxy_and_no_proxy_are_honoured() {
    let sandbox = TlsSandbox::start();
    let proxy = ConnectProxy::start(&sandbox.runtime);
    let pem = sandbox.pem();
    let pem = pem.to_str().expect("utf-8 path");
    let port = sandbox.sandbox.addr().port();

    let through = sandbox.check(&["--ca-file", pem], &[("HTTPS_PROXY", &proxy.url)]);
    assert_eq!(through.status.code(), Some(0), "{through:?}");
    assert_eq!(proxy.targets(), vec![format!("127.0.0.1:{port}")]);

    let bypassed = sandbox.check(
        &["--ca-file", pem],
        &[("HTTPS_PROXY", &proxy.url), ("NO_PROXY", "127.0.0.1")],
    );
    assert_eq!(bypassed.status.code(), Some(0), "{bypassed:?}");
    assert_eq!(proxy.targets().len(), 1, "NO_PROXY kept the proxy out");

    // The certificate is still checked inside the tunnel.
    let refused = sandbox.check(&[], &[("HTTPS_PROXY", &proxy.url)]);
    assert_eq!(refused.status.code(), Some(5), "{refused:?}");
    assert_eq!(json(&refused)["error"]["kind"], "untrusted_certificate");
    assert_eq!(proxy.targets().len(), 2);
}

/// Runs `openssl ARGS` in `dir`; `None` when there is no openssl (then the test is skipped,
/// except under CI, which installs it: see .ci/run).
fn openssl(dir: &Path, args: &[&str]) -> Option<()> {
    match Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => {
            assert!(out.status.success(), "openssl {args:?}: {out:?}");
            Some(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "openssl is missing; CI requires it (see .ci/run)"
            );
            eprintln!("openssl not found: skipped");
            None
        }
        Err(e) => panic!("openssl: {e}"),
    }
}

/// A self-signed certificate and key made the usual way (`openssl req -x509`, so CA:TRUE),
/// for `subject_alt_name`: the certificate's path and the key's.
fn openssl_self_signed(dir: &Path, name: &str, subject_alt_name: &str) -> Option<(String, String)> {
    let (cert, key) = (format!("{name}.pem"), format!("{name}-key.pem"));
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &cert,
            "-days",
            "2",
            "-subj",
            "/CN=meetjoin test",
            "-addext",
            subject_alt_name,
        ],
    )?;
    let path = |file: &str| dir.join(file).to_str().expect("utf-8").to_owned();
    Some((path(&cert), path(&key)))
}

/// `meetjoin check 914047175 --json` against `url` with `token`, `args` added.
fn check_at(url: &str, token: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meetjoin"))
        .args(["check", "914047175", "--json"])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MEETJOIN_SERVER", url)
        .env("MEETJOIN_TOKEN", token)
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .expect("meetjoin runs")
}

#[test]
fn a_self_signed_openssl_certificate_in_the_ca_file_is_trusted_as_curl_does() {
    let dir = tempfile::tempdir().expect("dir");
    let Some((cert, key)) = openssl_self_signed(
        dir.path(),
        "server",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ) else {
        return;
    };
    // The case itself: a CA certificate as the server's own, which webpki refuses.
    let text = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in", &cert])
        .output()
        .expect("openssl x509");
    assert!(String::from_utf8_lossy(&text.stdout).contains("CA:TRUE"));

    // The sandbox as `meetjoin sandbox --tls --cert --key` serves it.
    let server = common::CliSandbox::start(&["--tls", "--cert", &cert, "--key", &key]);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = Client::with_options(
        Server::parse(&server.url).expect("url"),
        ClientOptions {
            ca_file: Some(PathBuf::from(&cert)),
            ..ClientOptions::default()
        },
    )
    .expect("client");
    let token = runtime
        .block_on(
            client.sign_in_account(DEMO_ACCOUNT, &SecretString::from(DEMO_PASSWORD.to_owned())),
        )
        .expect("the library signs in over it")
        .value
        .access
        .expose_secret()
        .to_owned();

    let trusted = check_at(&server.url, &token, &["--ca-file", &cert]);
    assert_eq!(trusted.status.code(), Some(0), "{trusted:?}");
    assert_eq!(json(&trusted)["subject"], "zhang的会议");

    // Without the file: today's refusal, which asks for the CA file.
    let refused = check_at(&server.url, &token, &[]);
    assert_eq!(refused.status.code(), Some(5), "{refused:?}");
    assert_eq!(json(&refused)["error"]["kind"], "untrusted_certificate");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--ca-file"));

    // Another self-signed certificate in the file: still refused, and the message does not ask
    // for the CA file already given.
    let (other, _) = openssl_self_signed(dir.path(), "other", "subjectAltName=IP:127.0.0.1")
        .expect("openssl ran once already");
    let stranger = check_at(&server.url, &token, &["--ca-file", &other]);
    assert_eq!(stranger.status.code(), Some(5), "{stranger:?}");
    assert_eq!(json(&stranger)["error"]["kind"], "untrusted_certificate");
    let said = String::from_utf8_lossy(&stranger.stderr);
    assert!(said.contains("even with the CA file given"), "{said}");
    assert!(!said.contains("--ca-file"), "{said}");

    // The server's own certificate, but for another name: refused too.
    let (wrong, wrong_key) =
        openssl_self_signed(dir.path(), "wrong-name", "subjectAltName=DNS:other.example")
            .expect("openssl ran once already");
    let misnamed = common::CliSandbox::start(&["--tls", "--cert", &wrong, "--key", &wrong_key]);
    let out = check_at(&misnamed.url, &token, &["--ca-file", &wrong]);
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    assert_eq!(json(&out)["error"]["kind"], "untrusted_certificate");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("--ca-file"));
}
