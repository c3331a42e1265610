//! Shared helpers of the integration tests: an in-process sandbox, a demo token, the binary.
#![allow(dead_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use meetjoin::api::Client;
use meetjoin::sandbox::{DEMO_ACCOUNT, DEMO_PASSWORD, Sandbox, SandboxConfig};
use meetjoin::server::Server;
use secrecy::{ExposeSecret, SecretString};

/// A sandbox running on its own runtime for as long as this value lives.
pub struct TestSandbox {
    pub runtime: tokio::runtime::Runtime,
    pub sandbox: Sandbox,
}

impl TestSandbox {
    /// Starts a sandbox with `config` on 127.0.0.1 and a free port.
    pub fn start(config: SandboxConfig) -> TestSandbox {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let sandbox = runtime
            .block_on(Sandbox::start(SandboxConfig { port: 0, ..config }))
            .expect("sandbox starts");
        TestSandbox { runtime, sandbox }
    }

    /// Starts a sandbox with the default settings.
    pub fn default_config() -> TestSandbox {
        TestSandbox::start(SandboxConfig::default())
    }

    /// The sandbox's base URL.
    pub fn url(&self) -> String {
        self.sandbox.url()
    }

    /// Signs the demo account in and returns its access token.
    pub fn demo_token(&self) -> String {
        let client =
            Client::new(Server::parse(&self.url()).expect("loopback url")).expect("client");
        let reply = self
            .runtime
            .block_on(
                client.sign_in_account(DEMO_ACCOUNT, &SecretString::from(DEMO_PASSWORD.to_owned())),
            )
            .expect("demo sign-in");
        reply.value.access.expose_secret().to_owned()
    }
}

/// Runs the meetjoin binary with `args`, a clean environment plus `env`, and `stdin` piped in.
pub fn meetjoin(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_meetjoin"));
    command.args(args).env_clear();
    for var in [
        "PATH",
        "HOME",
        "DBUS_SESSION_BUS_ADDRESS",
        "XDG_RUNTIME_DIR",
        "XDG_DATA_HOME",
    ] {
        if let Ok(value) = std::env::var(var) {
            command.env(var, value);
        }
    }
    command.env("LANG", "en_US.UTF-8");
    for (key, value) in env {
        command.env(key, value);
    }
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("meetjoin runs");
    if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
        pipe.write_all(text.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("meetjoin exits")
}

/// A keyring service name no other test or user entry shares.
pub fn unique_service(test: &str) -> String {
    format!("meetjoin-test-{}-{test}", std::process::id())
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `meetjoin sandbox --port 0 <extra args>` as a child process; killed when dropped.
pub struct CliSandbox {
    child: std::process::Child,
    /// The URL the sandbox printed on its first line.
    pub url: String,
}

impl CliSandbox {
    /// Starts the CLI's sandbox and reads its URL.
    pub fn start(extra: &[&str]) -> CliSandbox {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_meetjoin"))
            .args(["sandbox", "--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sandbox runs");
        let mut line = String::new();
        let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        reader.read_line(&mut line).expect("url line");
        // Read the rest (`--tls` prints the certificate's path next): a closed pipe would make
        // the sandbox's next line fail, and the sandbox with it.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        CliSandbox {
            child,
            url: line.trim().to_owned(),
        }
    }
}

impl Drop for CliSandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback TCP listener that counts the connections it accepts and closes each at once:
/// the server, or the proxy, that any request a test must not make would reach (and fail on).
pub struct CountingServer {
    port: u16,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl CountingServer {
    /// Listens on 127.0.0.1 and a free port, counting on a thread of its own.
    pub fn start() -> CountingServer {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = std::sync::Arc::clone(&accepted);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                // Counted before it is closed: the client's request fails only after this.
                count.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        CountingServer { port, accepted }
    }

    /// `http://127.0.0.1:<port>`, as a server or a proxy.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many connections it has accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }
}
