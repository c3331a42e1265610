//! The soak runs, shared by `examples/soak` (bench/soak.sh: 2,000 checks) and `tests/soak.rs`
//! (CI: a few hundred). Linux only: memory and descriptors are read from `/proc/self`.
//!
//! - [`library_soak`]: checks through a [`Session`] against an in-process sandbox that ends
//!   every access token every so often, so that the session renews after a rejected token; its
//!   tokens also live just past the session's refresh margin, so that a run longer than a
//!   second renews some before use too, as they are about to expire.
//! - [`worker_burst`]: checks fired at the window's [`Worker`] in quick succession.
//!
//! The sandbox runs on a runtime of its own, so that the task counts are the client's alone;
//! its in-memory request log is emptied as the soak goes, so that it does not count as growth.
//!
//! Descriptors and tasks are compared twice. While the session lives, its HTTP client keeps
//! connections to the sandbox alive for reuse (a second one opens when a request starts just
//! before the last one's connection is back in the pool): each holds two descriptors here (the
//! sandbox is in this process) and one client task, so the counts are compared net of them, and
//! their number must stay small. Once the session (or the worker) is dropped, descriptors and
//! tasks must be exactly what they were before it was made.

use std::sync::Arc;
use std::time::{Duration, Instant};

use meetjoin::api::{Client, RandomRequest};
use meetjoin::sandbox::{DEMO_ACCOUNT, DEMO_PASSWORD, Sandbox, SandboxConfig};
use meetjoin::secrets::MemoryStore;
use meetjoin::session::{Credentials, REFRESH_MARGIN_SECS, Session};
use meetjoin::{MeetingId, Server};
use secrecy::{ExposeSecret, SecretString};
use tokio::runtime::{Handle, Runtime};

/// The most resident memory may grow after the warm-up.
pub const RSS_GROWTH_LIMIT_KIB: i64 = 5 * 1024;
/// The most keep-alive connections the client may hold at the end of a run.
pub const MAX_CONNECTIONS: usize = 4;
/// How long closing connections and ending tasks may take to show.
const SETTLE: Duration = Duration::from_secs(5);

/// What the process holds at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Resident memory (`VmRSS`), in KiB.
    pub rss_kib: u64,
    /// Open file descriptors.
    pub fds: usize,
    /// Alive tasks on the client's tokio runtime.
    pub tasks: usize,
    /// Open sockets of connections to the sandbox, both ends (all in this process).
    pub sockets: usize,
    /// Connections from the client to the sandbox (each has a task in the client runtime).
    pub connections: usize,
}

impl Usage {
    /// Reads the process's memory and descriptors, the runtime's tasks and the connections to
    /// the sandbox at `port` now.
    pub fn now(runtime: &Handle, port: u16) -> Result<Usage, String> {
        let status = std::fs::read_to_string("/proc/self/status")
            .map_err(|e| format!("/proc/self/status (the soak needs Linux): {e}"))?;
        let rss_kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or("no VmRSS in /proc/self/status")?;
        // The listing's own descriptor is in the listing: not counted.
        let fds = std::fs::read_dir("/proc/self/fd")
            .map_err(|e| format!("/proc/self/fd: {e}"))?
            .count()
            .saturating_sub(1);
        let tasks = runtime.metrics().num_alive_tasks();
        let (sockets, connections) = sandbox_sockets(port)?;
        Ok(Usage {
            rss_kib,
            fds,
            tasks,
            sockets,
            connections,
        })
    }

    /// Descriptors and tasks.
    fn counts(&self) -> (usize, usize) {
        (self.fds, self.tasks)
    }

    /// Descriptors and tasks, net of the connections to the sandbox.
    fn net_counts(&self) -> (usize, usize) {
        (
            self.fds.saturating_sub(self.sockets),
            self.tasks.saturating_sub(self.connections),
        )
    }
}

/// Open sockets of TCP connections to 127.0.0.1:`port` (both ends) and, of those, the
/// client's ends, from `/proc/net/tcp`. A socket counts while established, or closed by its
/// peer only (until it is closed here too it holds a descriptor).
fn sandbox_sockets(port: u16) -> Result<(usize, usize), String> {
    let table =
        std::fs::read_to_string("/proc/net/tcp").map_err(|e| format!("/proc/net/tcp: {e}"))?;
    let port_of = |address: &str| {
        address
            .rsplit(':')
            .next()
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
    };
    let (mut sockets, mut connections) = (0, 0);
    for row in table.lines().skip(1) {
        let fields: Vec<&str> = row.split_whitespace().collect();
        let (Some(local), Some(remote), Some(state)) =
            (fields.get(1), fields.get(2), fields.get(3))
        else {
            continue;
        };
        // 01 ESTABLISHED, 08 CLOSE_WAIT.
        if !matches!(*state, "01" | "08") {
            continue;
        }
        if port_of(remote) == Some(port) {
            sockets += 1;
            connections += 1;
        } else if port_of(local) == Some(port) {
            sockets += 1;
        }
    }
    Ok((sockets, connections))
}

/// Waits (up to `within`) until `key` of the usage is back to `target`'s, as a closed
/// connection or an aborted task takes a moment to go; returns the last reading.
fn settle(
    runtime: &Handle,
    port: u16,
    target: Usage,
    key: fn(&Usage) -> (usize, usize),
    within: Duration,
) -> Result<Usage, String> {
    let deadline = Instant::now() + within;
    loop {
        let usage = Usage::now(runtime, port)?;
        if key(&usage) == key(&target) || Instant::now() >= deadline {
            return Ok(usage);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The goals on descriptors and tasks of one part: net of the keep-alive connections while
/// alive (`start` to `end`), exactly once dropped (`before` to `after_drop`).
fn count_failures(
    part: &str,
    before: &Usage,
    start: &Usage,
    end: &Usage,
    after_drop: &Usage,
) -> Vec<String> {
    let mut failures = Vec::new();
    if end.net_counts() != start.net_counts() {
        failures.push(format!(
            "{part}: fds and tasks net of the connections to the sandbox {:?} at the start, \
             {:?} at the end",
            start.net_counts(),
            end.net_counts()
        ));
    }
    if end.connections > MAX_CONNECTIONS {
        failures.push(format!(
            "{part}: {} connections to the sandbox at the end",
            end.connections
        ));
    }
    if after_drop.counts() != before.counts() {
        failures.push(format!(
            "{part}: fds and tasks {:?} before, {:?} once dropped",
            before.counts(),
            after_drop.counts()
        ));
    }
    failures
}

/// The descriptor and task lines of one part.
fn count_lines(part: &str, readings: &[(&str, &Usage)], goal: &str) -> Vec<String> {
    let list = |value: fn(&Usage) -> usize| {
        readings
            .iter()
            .map(|(when, usage)| format!("{} {when}", value(usage)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        format!("{part}: open fds: {} ({goal})", list(|u| u.fds)),
        format!("{part}: tokio tasks: {} ({goal})", list(|u| u.tasks)),
        format!(
            "{part}: keep-alive connections to the sandbox (2 fds and 1 task each): {}",
            list(|u| u.connections)
        ),
    ]
}

/// Megabytes, for printing.
fn mb(kib: i64) -> f64 {
    kib as f64 / 1024.0
}

/// A multi-thread runtime with `workers` threads, as the window uses.
fn runtime(workers: usize) -> Result<Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

/// The sandbox on its own runtime, without a rate limit, and a client's view of its address.
fn start_sandbox(runtime: &Runtime, token_ttl: Duration) -> Result<(Sandbox, Server), String> {
    let config = SandboxConfig {
        port: 0,
        token_ttl,
        rate_limit_per_minute: 0,
        ..SandboxConfig::default()
    };
    let sandbox = runtime
        .block_on(Sandbox::start(config))
        .map_err(|e| format!("sandbox: {e}"))?;
    let server = Server::parse(&sandbox.url()).map_err(|e| format!("sandbox address: {e}"))?;
    Ok((sandbox, server))
}

fn demo_account() -> Credentials {
    Credentials::Account {
        account: DEMO_ACCOUNT.to_owned(),
        password: SecretString::from(DEMO_PASSWORD.to_owned()),
    }
}

fn request(meeting: &str, password: &str, guest_waiting: bool) -> Result<RandomRequest, String> {
    Ok(RandomRequest {
        meeting_id: MeetingId::parse(meeting).map_err(|e| format!("{meeting}: {e}"))?,
        password: SecretString::from(password.to_owned()),
        guest_waiting,
    })
}

/// The checks the library soak cycles through, with the error code each must end in (none:
/// an auth random): the sandbox's open meeting, one with a password, one that needs the guest
/// waiting page, and an ended one (a refusal, never retried).
fn cycle() -> Result<Vec<(RandomRequest, Option<&'static str>)>, String> {
    Ok(vec![
        (request("914047175", "", false)?, None),
        (request("987654321", "123456", false)?, None),
        (request("900000002", "", true)?, None),
        (request("900000003", "", false)?, Some("MMC.111072006")),
    ])
}

/// How long the library soak runs.
#[derive(Clone, Copy, Debug)]
pub struct LibraryPlan {
    /// Checks in all.
    pub checks: usize,
    /// Checks before the memory that may not grow is read.
    pub warm_up: usize,
    /// Every this many checks, the sandbox ends every access token (the session must renew).
    pub expire_every: usize,
}

/// What the library soak measured.
#[derive(Clone, Debug)]
pub struct LibraryReport {
    /// The plan it ran.
    pub plan: LibraryPlan,
    /// Checks refused by the service as expected (the ended meeting).
    pub refused: usize,
    /// Times the sandbox ended every access token.
    pub expiries: usize,
    /// Token refreshes the sandbox answered during the checks.
    pub refreshes: u64,
    /// Wall time of the checks.
    pub elapsed: Duration,
    /// Before the session and its client were made.
    pub before: Usage,
    /// Signed in, before the first check.
    pub start: Usage,
    /// After the warm-up.
    pub warmed: Usage,
    /// After the last check, settled.
    pub end: Usage,
    /// After the session was dropped, settled.
    pub after_drop: Usage,
    /// The sandbox runtime's tasks at the start and the end.
    pub sandbox_tasks: (usize, usize),
}

impl LibraryReport {
    /// Resident memory growth from the warm-up to the end, in KiB.
    pub fn rss_growth_kib(&self) -> i64 {
        self.end.rss_kib as i64 - self.warmed.rss_kib as i64
    }

    /// The goals missed, in words; empty when every goal is met.
    pub fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        if self.rss_growth_kib() >= RSS_GROWTH_LIMIT_KIB {
            failures.push(format!(
                "library: resident memory grew by {:.1} MB after the warm-up",
                mb(self.rss_growth_kib())
            ));
        }
        failures.extend(count_failures(
            "library",
            &self.before,
            &self.start,
            &self.end,
            &self.after_drop,
        ));
        if self.refreshes < self.expiries as u64 {
            failures.push(format!(
                "library: {} token refreshes for {} expiries",
                self.refreshes, self.expiries
            ));
        }
        failures
    }

    /// The figures, one line each.
    pub fn lines(&self) -> Vec<String> {
        let secs = self.elapsed.as_secs_f64();
        let mut lines = vec![
            format!(
                "library: {} checks in {secs:.2} s ({:.0} checks/s), {} refused as expected",
                self.plan.checks,
                self.plan.checks as f64 / secs.max(f64::EPSILON),
                self.refused
            ),
            format!(
                "library: {} token refreshes ({} forced by ending every access token, every {} \
                 checks; the rest before a token's last {REFRESH_MARGIN_SECS} s)",
                self.refreshes, self.expiries, self.plan.expire_every
            ),
            format!(
                "library: RSS signed in {:.1} MB, after the warm-up ({} checks) {:.1} MB, at the \
                 end {:.1} MB: growth {:+.2} MB (goal < {} MB)",
                mb(self.start.rss_kib as i64),
                self.plan.warm_up,
                mb(self.warmed.rss_kib as i64),
                mb(self.end.rss_kib as i64),
                mb(self.rss_growth_kib()),
                RSS_GROWTH_LIMIT_KIB / 1024
            ),
        ];
        lines.extend(count_lines(
            "library",
            &[
                ("before the session", &self.before),
                ("signed in", &self.start),
                ("after the warm-up", &self.warmed),
                ("at the end", &self.end),
                ("once dropped", &self.after_drop),
            ],
            "goal: from signed in to the end, the same net of the connections; once dropped, \
             as before",
        ));
        lines.push(format!(
            "library: sandbox runtime tasks: {} signed in, {} at the end",
            self.sandbox_tasks.0, self.sandbox_tasks.1
        ));
        lines
    }
}

/// Signs in to a sandbox and runs `plan.checks` checks through one [`Session`] kept in a
/// [`MemoryStore`], one after the other. Every check must end as the sandbox says it does.
pub fn library_soak(plan: LibraryPlan) -> Result<LibraryReport, String> {
    let sandbox_runtime = runtime(1)?;
    let client_runtime = runtime(2)?;
    let handle = client_runtime.handle().clone();
    // A token is renewed before use once it has less than the margin left: with a TTL just
    // past it, the session renews a token within a second of receiving it.
    let ttl = Duration::from_secs(REFRESH_MARGIN_SECS.unsigned_abs() + 1);
    let (sandbox, server) = start_sandbox(&sandbox_runtime, ttl)?;
    let port = sandbox.addr().port();
    let cycle = cycle()?;
    let report = client_runtime.block_on(async {
        let before = Usage::now(&handle, port)?;
        let client = Client::new(server).map_err(|e| format!("client: {e}"))?;
        let session = Session::new(client, Arc::new(MemoryStore::new()));
        session
            .sign_in(demo_account())
            .await
            .map_err(|e| format!("sign-in: {e}"))?;
        let start = Usage::now(&handle, port)?;
        let sandbox_start = sandbox_runtime.metrics().num_alive_tasks();
        let refreshes_before = sandbox.stats().refreshes;
        let mut warmed = start;
        let (mut refused, mut expiries) = (0, 0);
        let started = Instant::now();
        for i in 0..plan.checks {
            if i > 0 && i % plan.expire_every == 0 {
                sandbox.expire_access_tokens();
                sandbox.clear_recorded();
                expiries += 1;
            }
            let (request, expected) = &cycle[i % cycle.len()];
            match (session.auth_random(request).await, expected) {
                (Ok(reply), None) if !reply.value.random.expose_secret().is_empty() => {}
                (Err(e), Some(code)) if e.code.as_deref() == Some(*code) => refused += 1,
                (Ok(_), _) => return Err(format!("check {i}: {} answered", request.meeting_id)),
                (Err(e), _) => return Err(format!("check {i}: {}: {e}", request.meeting_id)),
            }
            if i + 1 == plan.warm_up {
                warmed = Usage::now(&handle, port)?;
            }
        }
        let elapsed = started.elapsed();
        let refreshes = sandbox.stats().refreshes - refreshes_before;
        let end = settle(&handle, port, start, Usage::net_counts, SETTLE)?;
        let sandbox_end = sandbox_runtime.metrics().num_alive_tasks();
        drop(session);
        let after_drop = settle(&handle, port, before, Usage::counts, SETTLE)?;
        Ok(LibraryReport {
            plan,
            refused,
            expiries,
            refreshes,
            elapsed,
            before,
            start,
            warmed,
            end,
            after_drop,
            sandbox_tasks: (sandbox_start, sandbox_end),
        })
    });
    sandbox_runtime.block_on(sandbox.shutdown());
    report
}

/// How the burst at the worker runs.
#[cfg(feature = "gui")]
#[derive(Clone, Copy, Debug)]
pub struct BurstPlan {
    /// Checks fired.
    pub checks: usize,
}

/// What the burst at the worker measured.
#[cfg(feature = "gui")]
#[derive(Clone, Debug)]
pub struct BurstReport {
    /// The plan it ran.
    pub plan: BurstPlan,
    /// Wall time of firing them all.
    pub fired_in: Duration,
    /// Checks that reached the sandbox (the others were replaced before they were sent).
    pub reached_server: u64,
    /// Token refreshes during the burst (every access token ends as it begins).
    pub refreshes: u64,
    /// Results taken while the checks were being fired, as the window takes them every frame.
    pub taken_during: usize,
    /// Of those, results of a check that had been replaced already.
    pub stale: usize,
    /// The result taken after the burst: the meeting it is for, and whether it is an auth random.
    pub last: Option<(MeetingId, bool)>,
    /// The meeting of the last check fired.
    pub last_fired: Option<MeetingId>,
    /// Results that turned up after the last one was taken.
    pub late: usize,
    /// Before the worker existed.
    pub before_worker: Usage,
    /// Signed in, before the burst.
    pub signed_in: Usage,
    /// After the burst, settled.
    pub after_burst: Usage,
    /// After the worker was dropped, settled.
    pub after_drop: Usage,
}

#[cfg(feature = "gui")]
impl BurstReport {
    /// Resident memory growth over the burst, in KiB.
    pub fn rss_growth_kib(&self) -> i64 {
        self.after_burst.rss_kib as i64 - self.signed_in.rss_kib as i64
    }

    /// The goals missed, in words; empty when every goal is met.
    pub fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        if self.stale > 0 {
            failures.push(format!(
                "worker: {} results of replaced checks were delivered",
                self.stale
            ));
        }
        match &self.last {
            Some((id, true)) if Some(id) == self.last_fired.as_ref() => {}
            other => failures.push(format!(
                "worker: the result after the burst is {other:?}, not an auth random for {:?}",
                self.last_fired
            )),
        }
        if self.late > 0 {
            failures.push(format!("worker: {} results came after the last", self.late));
        }
        failures.extend(count_failures(
            "worker",
            &self.before_worker,
            &self.signed_in,
            &self.after_burst,
            &self.after_drop,
        ));
        if self.rss_growth_kib() >= RSS_GROWTH_LIMIT_KIB {
            failures.push(format!(
                "worker: resident memory grew by {:.1} MB over the burst",
                mb(self.rss_growth_kib())
            ));
        }
        failures
    }

    /// The figures, one line each.
    pub fn lines(&self) -> Vec<String> {
        let last = match &self.last {
            Some((id, true)) => format!("an auth random for {id}"),
            Some((id, false)) => format!("an error for {id}"),
            None => "none".to_owned(),
        };
        let mut lines = vec![
            format!(
                "worker: {} checks fired in {:.3} s, {} reached the sandbox, {} token refreshes",
                self.plan.checks,
                self.fired_in.as_secs_f64(),
                self.reached_server,
                self.refreshes
            ),
            format!(
                "worker: {} results taken during the burst, {} of them stale; then {last} \
                 (the last check fired), and {} late (goal: 0 stale, the last, 0 late)",
                self.taken_during, self.stale, self.late
            ),
            format!(
                "worker: RSS before the worker {:.1} MB, signed in {:.1} MB, after the burst \
                 {:.1} MB: growth {:+.2} MB (goal < {} MB)",
                mb(self.before_worker.rss_kib as i64),
                mb(self.signed_in.rss_kib as i64),
                mb(self.after_burst.rss_kib as i64),
                mb(self.rss_growth_kib()),
                RSS_GROWTH_LIMIT_KIB / 1024
            ),
        ];
        lines.extend(count_lines(
            "worker",
            &[
                ("before the worker", &self.before_worker),
                ("signed in", &self.signed_in),
                ("after the burst", &self.after_burst),
                ("once dropped", &self.after_drop),
            ],
            "goal: from signed in to after the burst, the same net of the connections; once \
             dropped, as before",
        ));
        lines
    }
}

/// Polls `ready` every few milliseconds until it gives a value, for up to `within`.
#[cfg(feature = "gui")]
fn wait_for<T>(
    what: &str,
    within: Duration,
    mut ready: impl FnMut() -> Option<T>,
) -> Result<T, String> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = ready() {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            return Err(format!("{what}: nothing after {within:?}"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Signs in through the window's [`Worker`], then fires `plan.checks` checks at it from this
/// thread as a hurried user would, each replacing the last, taking results between them as the
/// window does every frame; the sandbox ends every access token as the burst begins. Then
/// drops the worker.
#[cfg(feature = "gui")]
pub fn worker_burst(plan: BurstPlan) -> Result<BurstReport, String> {
    use eframe::egui;
    use meetjoin::gui::worker::{Worker, WorkerRuntime};

    let sandbox_runtime = runtime(1)?;
    let client_runtime = runtime(2)?;
    let handle = client_runtime.handle().clone();
    let (sandbox, server) = start_sandbox(&sandbox_runtime, Duration::from_secs(3600))?;
    let port = sandbox.addr().port();
    // Distinct meetings, so that a result says which check it belongs to: unknown ones (the
    // sandbox refuses them), then the open meeting last.
    let mut meetings = (1..plan.checks)
        .map(|i| request(&(800_000_000 + i).to_string(), "", false))
        .collect::<Result<Vec<_>, _>>()?;
    meetings.push(request("914047175", "", false)?);

    let before_worker = Usage::now(&handle, port)?;
    let worker = Worker::new(
        &egui::Context::default(),
        WorkerRuntime::Shared(handle.clone()),
        server,
        Arc::new(MemoryStore::new()),
    );
    wait_for(
        "the saved sign-in looked up",
        Duration::from_secs(10),
        || (!worker.status().restoring).then_some(()),
    )?;
    worker.sign_in(demo_account());
    wait_for("the sign-in", Duration::from_secs(10), || {
        worker.sign_in.take_result()
    })?
    .map_err(|e| format!("sign-in: {e}"))?;
    wait_for("the signed-in status", Duration::from_secs(10), || {
        worker.status().signed_in.map(|_| ())
    })?;
    let signed_in = Usage::now(&handle, port)?;

    let stats_before = sandbox.stats();
    sandbox.expire_access_tokens();
    let (mut taken_during, mut stale) = (0, 0);
    let mut last_fired: Option<MeetingId> = None;
    let started = Instant::now();
    for (i, request) in meetings.into_iter().enumerate() {
        if let Some(checked) = worker.check.take_result() {
            taken_during += 1;
            if Some(&checked.meeting_id) != last_fired.as_ref() {
                stale += 1;
            }
        }
        last_fired = Some(request.meeting_id.clone());
        worker.check(request);
        // Back to back, then a quarter, a half and three quarters of a millisecond apart: some
        // checks are replaced before they are sent, some while the server answers, some after.
        std::thread::sleep(Duration::from_micros(250 * (i % 4) as u64));
    }
    let fired_in = started.elapsed();
    let last = wait_for("the last result", Duration::from_secs(20), || {
        worker.check.take_result()
    })?;
    let last = Some((last.meeting_id, last.result.is_ok()));
    // Anything still to come would show now.
    std::thread::sleep(Duration::from_millis(300));
    let late = usize::from(worker.check.take_result().is_some());
    let stats_after = sandbox.stats();
    let after_burst = settle(&handle, port, signed_in, Usage::net_counts, SETTLE)?;

    drop(worker);
    let after_drop = settle(&handle, port, before_worker, Usage::counts, SETTLE)?;
    sandbox_runtime.block_on(sandbox.shutdown());
    Ok(BurstReport {
        plan,
        fired_in,
        reached_server: stats_after.random_calls - stats_before.random_calls,
        refreshes: stats_after.refreshes - stats_before.refreshes,
        taken_during,
        stale,
        last,
        last_fired,
        late,
        before_worker,
        signed_in,
        after_burst,
        after_drop,
    })
}
