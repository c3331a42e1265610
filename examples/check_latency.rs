//! bench/check_latency.sh: click-to-result of a meeting check over a slow link, cold (a new
//! connection: TCP, TLS, request) and warmed (the connection opened when the meeting ID
//! appeared, so the check costs one round trip), in the same run.
//!
//! The TLS sandbox runs in-process behind a loopback proxy that delays every chunk by
//! `--delay-ms` in each direction, in order. A loopback TCP handshake is instant, so the proxy
//! models it: it holds the client's first bytes for one round trip after accepting, as a real
//! client could not send before its SYN-ACK arrived. Measured:
//! - through the window's [`Worker`] (what a click on Check calls): from `Worker::check` to the
//!   result in its slot, polled every 0.25 ms; a new worker (a new client and connection pool)
//!   for every run, signed in from a memory store (sign-in went through the proxy once);
//! - through the window itself (MeetjoinApp driven headless by egui_kittest): the meeting ID is
//!   typed, the window warms by itself, then Check is clicked; from the click to the frame that
//!   shows the result (frames stepped every 0.5 ms; layout only, nothing rendered);
//! - the server time: the warmed check through the worker without the proxy.
//!
//!   cargo run --release --example check_latency -- [--runs 15] [--delay-ms 50]
//!
//! Exits with 1 when the warmed check misses its goal (at most 1.3 round trips plus the server
//! time), 2 when the run itself fails.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use eframe::egui;
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use meetjoin::MeetingId;
use meetjoin::api::{Client, ClientOptions, RandomRequest};
use meetjoin::gui::state::{AppState, CheckStatus, ClipboardClear, LanguageChoice, Settings};
use meetjoin::gui::worker::{Worker, WorkerRuntime};
use meetjoin::gui::{AppDeps, MeetjoinApp};
use meetjoin::sandbox::{DEMO_ACCOUNT, DEMO_PASSWORD, Sandbox, SandboxConfig, SandboxTls};
use meetjoin::secrets::{MemoryStore, SignInMethod, StoredSession, TokenStore};
use meetjoin::server::Server;

/// The seeded meeting without a password.
const OPEN_MEETING: &str = "914047175";
/// The warmed check's goal, in round trips beyond the server time.
const WARMED_GOAL_ROUND_TRIPS: f64 = 1.3;
/// How long any one wait may take.
const DEADLINE: Duration = Duration::from_secs(20);

/// How many runs, over how slow a link.
#[derive(Parser)]
struct Args {
    /// Runs of each case.
    #[arg(long, default_value_t = 15)]
    runs: usize,
    /// Delay the proxy adds in each direction, in milliseconds.
    #[arg(long, default_value_t = 50)]
    delay_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args.runs.max(1), Duration::from_millis(args.delay_ms)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("check_latency: {e}");
            ExitCode::from(2)
        }
    }
}

/// Everything one run of a case needs.
struct Setup {
    /// The client side: workers and the window spawn here.
    client_runtime: Runtime,
    /// The sandbox's CA certificate.
    ca: PathBuf,
    /// The demo account's session, for both servers.
    store: Arc<dyn TokenStore>,
}

/// Runs every case and prints the figures; false when the warmed goal is missed.
fn run(runs: usize, delay: Duration) -> Result<bool, String> {
    // The "network" (sandbox and proxy) on one thread, the client on two, as in the window.
    let network = runtime(1)?;
    let client_runtime = runtime(2)?;
    let sandbox = network
        .block_on(Sandbox::start(SandboxConfig {
            port: 0,
            rate_limit_per_minute: 0,
            tls: Some(SandboxTls::SelfSigned),
            ..SandboxConfig::default()
        }))
        .map_err(|e| format!("sandbox: {e}"))?;
    let ca = sandbox
        .ca_pem_path()
        .ok_or("the sandbox has no certificate")?
        .to_owned();
    let proxy = network.block_on(start_proxy(sandbox.addr(), delay))?;
    let direct = server(&sandbox.url())?;
    let proxied = server(&format!("https://{proxy}"))?;

    // Sign in once, through the proxy; every worker then finds the session in the store.
    let tokens = client_runtime
        .block_on(
            client(&proxied, &ca)?
                .sign_in_account(DEMO_ACCOUNT, &SecretString::from(DEMO_PASSWORD.to_owned())),
        )
        .map_err(|e| format!("sign-in through the proxy: {e}"))?
        .value;
    let session = StoredSession {
        account: DEMO_ACCOUNT.to_owned(),
        method: SignInMethod::Account,
        tokens,
        app_key: None,
    };
    let store = MemoryStore::new();
    for server in [&direct, &proxied] {
        store
            .save(server, &session)
            .map_err(|e| format!("memory store: {e:?}"))?;
    }
    let setup = Setup {
        client_runtime,
        ca,
        store: Arc::new(store),
    };

    let (mut server_time, mut cold, mut warm_up, mut warmed, mut window) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // One untimed round of each first (page cache, allocator, the first TLS on each side).
    worker_check(&setup, &direct, true)?;
    worker_check(&setup, &proxied, false)?;
    window_check(&setup, &proxied)?;
    for _ in 0..runs {
        server_time.push(worker_check(&setup, &direct, true)?.check);
        cold.push(worker_check(&setup, &proxied, false)?.check);
        let timed = worker_check(&setup, &proxied, true)?;
        warmed.push(timed.check);
        warm_up.extend(timed.warm_up);
        window.push(window_check(&setup, &proxied)?);
    }

    let rtt = delay * 2;
    let server_median = median(&server_time);
    let in_round_trips =
        |d: Duration| (d.as_secs_f64() - server_median.as_secs_f64()) / rtt.as_secs_f64();
    println!(
        "check_latency: {runs} runs per case; the proxy adds {} ms each way (round trip {} ms); \
         TLS sandbox on 127.0.0.1",
        delay.as_millis(),
        rtt.as_millis()
    );
    println!(
        "{}",
        line("server time (worker, warmed, no proxy)", &server_time)
    );
    println!(
        "{}  = {:.2} round trips + server time (goal: about 3)",
        line("cold check (worker, new connection)", &cold),
        in_round_trips(median(&cold))
    );
    println!("{}", line("warm-up (worker, before the click)", &warm_up));
    let warmed_trips = in_round_trips(median(&warmed));
    let window_trips = in_round_trips(median(&window));
    println!(
        "{}  = {warmed_trips:.2} round trips + server time (goal: <= {WARMED_GOAL_ROUND_TRIPS})",
        line("warmed check (worker)", &warmed)
    );
    println!(
        "{}  = {window_trips:.2} round trips + server time (goal: <= {WARMED_GOAL_ROUND_TRIPS})",
        line("warmed check (window, warmed by typing)", &window)
    );
    println!(
        "check_latency: warmed / cold = {:.2}",
        median(&warmed).as_secs_f64() / median(&cold).as_secs_f64()
    );
    let met = warmed_trips <= WARMED_GOAL_ROUND_TRIPS && window_trips <= WARMED_GOAL_ROUND_TRIPS;
    println!(
        "check_latency: {}",
        if met {
            "goal met"
        } else {
            "FAILED: the warmed check costs more than 1.3 round trips"
        }
    );
    drop(sandbox);
    Ok(met)
}

/// What one check through a worker took.
struct Timed {
    /// From `Worker::check` to its result.
    check: Duration,
    /// From `Worker::warm_up` to its end, when warmed.
    warm_up: Option<Duration>,
}

/// A new worker on `server`, signed in from the store; warms first when `warm`, then checks
/// the open meeting once.
fn worker_check(setup: &Setup, server: &Server, warm: bool) -> Result<Timed, String> {
    let worker = Worker::with_ca_file(
        &egui::Context::default(),
        WorkerRuntime::Shared(setup.client_runtime.handle().clone()),
        server.clone(),
        Arc::clone(&setup.store),
        Some(setup.ca.clone()),
    );
    wait_for("the saved sign-in", || {
        worker.status().signed_in.map(|_| ())
    })?;
    let warm_up = if warm {
        let started = Instant::now();
        worker.warm_up();
        wait_for("the warm-up", || (!worker.is_warming()).then_some(()))?;
        Some(started.elapsed())
    } else {
        None
    };
    let clicked = Instant::now();
    worker.check(open_meeting()?);
    let checked = wait_for("the check", || worker.check.take_result())?;
    let check = clicked.elapsed();
    checked
        .result
        .map_err(|e| format!("the check failed: {}", e.kind.as_str()))?;
    Ok(Timed { check, warm_up })
}

/// A new window on `server`: types the meeting ID, waits for the window's own warm-up, clicks
/// Check; the time from the click to the frame showing the result.
fn window_check(setup: &Setup, server: &Server) -> Result<Duration, String> {
    let (server, store, ca) = (server.clone(), Arc::clone(&setup.store), setup.ca.clone());
    let handle = setup.client_runtime.handle().clone();
    let mut harness: Harness<'static, MeetjoinApp> = Harness::builder()
        .with_size(egui::vec2(640.0, 1200.0))
        .build_eframe(move |cc| {
            let mut deps = AppDeps::new(server, store, handle);
            deps.ca_file = Some(ca);
            deps.saved = Some(english_settings());
            MeetjoinApp::with_deps(&cc.egui_ctx, deps)
        });
    step_until(&mut harness, "the saved sign-in", |h| {
        h.state().account().signed_in.is_some()
    })?;
    let field = "Meeting ID or invitation";
    harness
        .get_by_role_and_label(Role::MultilineTextInput, field)
        .focus();
    harness.run();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, field)
        .type_text(OPEN_MEETING);
    harness.step();
    step_until(&mut harness, "the window's warm-up", |h| {
        !h.state().warm_up_pending()
    })?;
    let clicked = Instant::now();
    harness.get_by_role_and_label(Role::Button, "Check").click();
    harness.step();
    step_until(&mut harness, "the check", |h| !h.state().check_pending())?;
    let elapsed = clicked.elapsed();
    match &harness.state().state().check {
        CheckStatus::Done(_) => Ok(elapsed),
        other => Err(format!("the window's check ended as {other:?}")),
    }
}

/// English, no clipboard clearing (no OS clipboard here).
fn english_settings() -> AppState {
    AppState {
        settings: Settings {
            language: LanguageChoice::En,
            clipboard_clear: ClipboardClear::Off,
            ..Settings::default()
        },
        ..AppState::default()
    }
}

/// Steps the window every 0.5 ms until `done` holds.
fn step_until(
    harness: &mut Harness<'static, MeetjoinApp>,
    what: &str,
    done: impl Fn(&Harness<'static, MeetjoinApp>) -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        harness.step();
        if done(harness) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}"));
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// Polls `ready` every 0.25 ms until it gives a value.
fn wait_for<T>(what: &str, mut ready: impl FnMut() -> Option<T>) -> Result<T, String> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = ready() {
            return Ok(value);
        }
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}"));
        }
        std::thread::sleep(Duration::from_micros(250));
    }
}

/// A loopback proxy to `upstream` that delays every chunk by `delay` each way, in order, and
/// holds the client's first bytes for one round trip (the TCP handshake a loopback connection
/// does not pay). Returns its address.
async fn start_proxy(upstream: SocketAddr, delay: Duration) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("proxy: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("proxy: {e}"))?;
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let accepted = Instant::now();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let handshake_done = accepted + 2 * delay;
                tokio::join!(
                    pipe(client_read, server_write, delay, handshake_done),
                    pipe(server_read, client_write, delay, accepted),
                );
            });
        }
    });
    Ok(addr)
}

/// Copies `from` to `to`, each chunk `delay` after it was read (and never before
/// `not_before` + `delay`), in order; then passes the end of the stream on.
async fn pipe(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    delay: Duration,
    not_before: Instant,
) {
    let (chunks, mut due) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = async move {
        while let Some((at, chunk)) = due.recv().await {
            tokio::time::sleep_until(at.into()).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    let reader = async move {
        let mut buffer = vec![0u8; 64 * 1024];
        while let Ok(n) = from.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            let at = Instant::now().max(not_before) + delay;
            if chunks.send((at, buffer[..n].to_vec())).is_err() {
                break;
            }
        }
    };
    tokio::join!(reader, writer);
}

/// A client for `server` trusting the sandbox's CA.
fn client(server: &Server, ca: &Path) -> Result<Client, String> {
    Client::with_options(
        server.clone(),
        ClientOptions {
            ca_file: Some(ca.to_owned()),
            ..ClientOptions::default()
        },
    )
    .map_err(|e| format!("client: {}", e.kind.as_str()))
}

fn server(url: &str) -> Result<Server, String> {
    Server::parse(url).map_err(|e| format!("server {url}: {e:?}"))
}

fn open_meeting() -> Result<RandomRequest, String> {
    Ok(RandomRequest {
        meeting_id: MeetingId::parse(OPEN_MEETING).map_err(|e| format!("meeting ID: {e:?}"))?,
        password: SecretString::from(String::new()),
        guest_waiting: false,
    })
}

/// A multi-thread runtime with `workers` threads.
fn runtime(workers: usize) -> Result<Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

/// The median of `times` (the lower middle one for an even count).
fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted
        .get(sorted.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or_default()
}

/// One figure line: median, min and max in milliseconds.
fn line(what: &str, times: &[Duration]) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let min = times.iter().min().copied().unwrap_or_default();
    let max = times.iter().max().copied().unwrap_or_default();
    format!(
        "{what:<42} median {:7.1} ms (min {:6.1}, max {:6.1})",
        ms(median(times)),
        ms(min),
        ms(max)
    )
}
