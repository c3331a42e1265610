//! The waiting room (`meetjoin::waiting`): re-checks while the host has not arrived, politely
//! and for a bounded time, on a paused clock (no real waiting), and once over real HTTP
//! against the sandbox's meeting whose host arrives late.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use meetjoin::api::{ApiError, ErrorKind};
use meetjoin::waiting::{WaitAttempt, WaitError, WaitPolicy, wait_for_host};
use tokio::time::Instant;

fn error(kind: ErrorKind) -> ApiError {
    ApiError::new(kind)
}

/// A check that answers from `script` in turn (the last answer repeats), and notes when each
/// call came, measured from `start`.
struct Script {
    answers: Mutex<VecDeque<Result<&'static str, ApiError>>>,
    calls: Mutex<Vec<Duration>>,
    start: Instant,
}

impl Script {
    fn new(answers: Vec<Result<&'static str, ApiError>>) -> Arc<Script> {
        Arc::new(Script {
            answers: Mutex::new(answers.into()),
            calls: Mutex::new(Vec::new()),
            start: Instant::now(),
        })
    }

    async fn check(self: Arc<Self>) -> Result<&'static str, ApiError> {
        self.calls.lock().unwrap().push(self.start.elapsed());
        let mut answers = self.answers.lock().unwrap();
        if answers.len() > 1 {
            answers.pop_front().unwrap()
        } else {
            answers.front().cloned().unwrap()
        }
    }

    fn calls(&self) -> Vec<u64> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|d| d.as_millis() as u64)
            .collect()
    }
}

async fn run(
    script: &Arc<Script>,
    first: ErrorKind,
) -> (Result<&'static str, WaitError>, Vec<WaitAttempt>) {
    let mut seen = Vec::new();
    let result = wait_for_host(
        &WaitPolicy::default(),
        error(first),
        || Arc::clone(script).check(),
        &mut |attempt: &WaitAttempt| seen.push(attempt.clone()),
    )
    .await;
    (result, seen)
}

#[tokio::test(start_paused = true)]
async fn it_rechecks_every_30_s_backing_off_until_the_host_arrives() {
    let script = Script::new(vec![
        Err(error(ErrorKind::WaitingForHost)),
        Err(error(ErrorKind::NotStarted)),
        Ok("in"),
    ]);
    let (result, seen) = run(&script, ErrorKind::WaitingForHost).await;
    assert_eq!(result.expect("the host arrived"), "in");
    // 30 s, then 45 s later, then 67.5 s later.
    assert_eq!(script.calls(), [30_000, 75_000, 142_500]);
    let waited: Vec<u64> = seen.iter().map(|a| a.waited.as_millis() as u64).collect();
    assert_eq!(
        waited,
        [30_000, 75_000, 142_500],
        "each attempt says how long it has waited"
    );
    assert_eq!(seen[0].next_in, Some(Duration::from_secs(45)));
    assert_eq!(seen[2].error, None);
    assert_eq!(seen[2].next_in, None);
}

#[tokio::test(start_paused = true)]
async fn it_gives_up_after_30_minutes_with_waits_of_at_most_2_minutes() {
    let script = Script::new(vec![Err(error(ErrorKind::NotStarted))]);
    let (result, seen) = run(&script, ErrorKind::NotStarted).await;
    let Err(WaitError::GaveUp { waited, last }) = result else {
        panic!("{result:?}");
    };
    assert_eq!(last.kind, ErrorKind::NotStarted);
    assert!(waited <= Duration::from_secs(30 * 60), "{waited:?}");
    let calls = script.calls();
    assert!(
        calls.last().is_some_and(|at| *at <= 30 * 60 * 1000),
        "{calls:?}"
    );
    let gaps: Vec<u64> = calls.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|gap| *gap <= 120_000), "{gaps:?}");
    assert_eq!(gaps.last(), Some(&120_000), "the waits grow to 2 minutes");
    // 30 + 45 + 67.5 + 101.25 + 120 × 12 = 1683.75 s: 16 checks, the next would pass 30 min.
    assert_eq!(calls.len(), 16, "{calls:?}");
    assert_eq!(
        seen.last().and_then(|a| a.next_in),
        None,
        "the last says no more"
    );
}

#[tokio::test(start_paused = true)]
async fn a_wrong_password_or_a_lock_is_never_waited_on() {
    for kind in [
        ErrorKind::WrongIdOrPassword,
        ErrorKind::Locked,
        ErrorKind::PasswordRequired,
        ErrorKind::Ended,
        ErrorKind::NotSignedIn,
    ] {
        let script = Script::new(vec![Ok("in")]);
        let (result, seen) = run(&script, kind).await;
        assert!(matches!(result, Err(WaitError::NotWaitable(e)) if e.kind == kind));
        assert!(script.calls().is_empty(), "{kind:?}: no check at all");
        assert!(seen.is_empty());
    }
    // A refusal met while waiting ends the wait at once: nothing is sent again.
    let script = Script::new(vec![
        Err(error(ErrorKind::WaitingForHost)),
        Err(error(ErrorKind::WrongIdOrPassword)),
        Ok("in"),
    ]);
    let (result, _) = run(&script, ErrorKind::WaitingForHost).await;
    assert!(
        matches!(&result, Err(WaitError::Stopped { error, .. }) if error.kind == ErrorKind::WrongIdOrPassword),
        "{result:?}"
    );
    assert_eq!(script.calls().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn network_trouble_is_waited_through_and_a_rate_limit_honoured() {
    let limited = ApiError {
        retry_after: Some(Duration::from_secs(300)),
        ..error(ErrorKind::RateLimited)
    };
    let script = Script::new(vec![Err(error(ErrorKind::Network)), Err(limited), Ok("in")]);
    let (result, _) = run(&script, ErrorKind::NotStarted).await;
    assert_eq!(result.expect("in"), "in");
    assert_eq!(
        script.calls(),
        [30_000, 75_000, 375_000],
        "5 minutes after the 429"
    );
}

#[tokio::test(start_paused = true)]
async fn cancelling_stops_the_checks() {
    let script = Script::new(vec![Err(error(ErrorKind::WaitingForHost))]);
    let task = tokio::spawn({
        let script = Arc::clone(&script);
        async move {
            wait_for_host(
                &WaitPolicy::default(),
                error(ErrorKind::WaitingForHost),
                || Arc::clone(&script).check(),
                &mut |_: &WaitAttempt| {},
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_secs(80)).await;
    assert_eq!(script.calls().len(), 2);
    task.abort();
    assert!(task.await.is_err(), "cancelled");
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(script.calls().len(), 2, "no check after the cancel");
}

#[cfg(feature = "sandbox")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_host_arrives_and_the_wait_returns_the_random() {
    use meetjoin::api::{Client, RandomRequest};
    use meetjoin::sandbox::{
        DEMO_ACCOUNT, DEMO_PASSWORD, HOST_ARRIVES_AFTER, Sandbox, SandboxConfig,
    };
    use meetjoin::secrets::MemoryStore;
    use meetjoin::session::{Credentials, Session};
    use meetjoin::{MeetingId, Server};
    use secrecy::{ExposeSecret, SecretString};

    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let client = Client::new(Server::parse(&sandbox.url()).expect("url")).expect("client");
    let session = Session::new(client, Arc::new(MemoryStore::new()));
    session
        .sign_in(Credentials::Account {
            account: DEMO_ACCOUNT.to_owned(),
            password: SecretString::from(DEMO_PASSWORD.to_owned()),
        })
        .await
        .expect("sign in");
    let request = RandomRequest {
        meeting_id: MeetingId::parse("900000107").expect("id"),
        password: SecretString::from(String::new()),
        guest_waiting: false,
    };
    let first = session.auth_random(&request).await.unwrap_err();
    assert_eq!(first.kind, ErrorKind::NotStarted);
    // Real HTTP, short waits: the sandbox's host arrives after a few checks.
    let policy = WaitPolicy {
        first_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(20),
        ..WaitPolicy::default()
    };
    let mut attempts = Vec::new();
    let reply = session
        .wait_for_host(&request, first, &policy, &mut |a: &WaitAttempt| {
            attempts.push(a.clone())
        })
        .await
        .expect("the host arrived");
    assert_eq!(reply.value.random.expose_secret().len(), 15);
    assert_eq!(attempts.len() as u32, HOST_ARRIVES_AFTER, "{attempts:?}");
    assert_eq!(
        sandbox.stats().random_calls,
        u64::from(HOST_ARRIVES_AFTER) + 1
    );
}
