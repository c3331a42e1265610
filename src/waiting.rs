//! The waiting room: when a check says the host has not started the meeting
//! ([`ErrorKind::WaitingForHost`], [`ErrorKind::NotStarted`]), check again at a polite interval
//! until the host arrives, the wait runs out, or the caller gives up.
//!
//! Only those two answers are waited on. The service sends them after it has accepted the
//! password, so a wait never sends a wrong password again and never counts towards a meeting's
//! lock; a wrong password, a lock or any other refusal ends the wait at once. A network failure,
//! a server error or a rate limit is waited through (a rate limit's `Retry-After` is honoured).
//! Cancel by dropping the future (or aborting its task): no check starts after that.
//! The waits are `tokio::time` sleeps, so tests run them with a paused clock.

use std::time::Duration;

use tokio::time::Instant;

use crate::api::{ApiError, AuthRandom, ErrorKind, RandomRequest, Reply};
use crate::session::Session;

/// How long to wait between checks, and for how long in all.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitPolicy {
    /// The wait before the first re-check (30 s).
    pub first_interval: Duration,
    /// Each next wait is the last one times this (1.5), up to [`WaitPolicy::max_interval`].
    pub backoff: f64,
    /// The longest wait between two checks (2 min).
    pub max_interval: Duration,
    /// The most time spent waiting in all (30 min); no check starts later than this.
    pub max_wait: Duration,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        WaitPolicy {
            first_interval: Duration::from_secs(30),
            backoff: 1.5,
            max_interval: Duration::from_secs(120),
            max_wait: Duration::from_secs(30 * 60),
        }
    }
}

impl WaitPolicy {
    /// The wait after `interval`: longer by the backoff, capped.
    fn next_interval(&self, interval: Duration) -> Duration {
        interval
            .mul_f64(self.backoff.max(1.0))
            .min(self.max_interval)
    }
}

/// True when an answer means "the host is not there yet": the only answers waited on.
pub fn is_waiting_for_host(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::WaitingForHost | ErrorKind::NotStarted)
}

/// One re-check, as the window shows it ("waited 2 min, checking again in 45 s").
#[derive(Clone, Debug, PartialEq)]
pub struct WaitAttempt {
    /// Which re-check this was (1 for the first after the original check).
    pub attempt: u32,
    /// The time waited since the wait began, this check included.
    pub waited: Duration,
    /// What the check answered: `None` when the host had arrived.
    pub error: Option<ApiError>,
    /// When the next check comes, if one does.
    pub next_in: Option<Duration>,
}

/// Why a wait ended without the host.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WaitError {
    /// The answer that started the wait is not one to wait on (a wrong password, a lock...).
    #[error("not an answer to wait on: {0}")]
    NotWaitable(ApiError),
    /// A check answered something that ends the wait (a wrong password, ended, signed out...).
    #[error("the wait ended: {error}")]
    Stopped {
        /// That answer.
        error: ApiError,
        /// The time waited until then.
        waited: Duration,
    },
    /// [`WaitPolicy::max_wait`] passed and the host had not arrived.
    #[error("the host did not arrive within {} s", waited.as_secs())]
    GaveUp {
        /// The last answer.
        last: ApiError,
        /// The time waited.
        waited: Duration,
    },
}

/// Waits for the host: `first` is the answer that started the wait; `check` asks again (once
/// per call); `on_attempt` hears of every re-check. Returns the first success.
pub async fn wait_for_host<T, F, Fut>(
    policy: &WaitPolicy,
    first: ApiError,
    mut check: F,
    on_attempt: &mut (dyn FnMut(&WaitAttempt) + Send),
) -> Result<T, WaitError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    if !is_waiting_for_host(first.kind) {
        return Err(WaitError::NotWaitable(first));
    }
    let began = Instant::now();
    let mut interval = policy.first_interval;
    let mut last = first;
    let mut attempt = 0;
    loop {
        // A rate limit asks for a longer pause: honour it.
        let wait = interval.max(last.retry_after.unwrap_or_default());
        if began.elapsed() + wait > policy.max_wait {
            return Err(WaitError::GaveUp {
                last,
                waited: began.elapsed(),
            });
        }
        tokio::time::sleep(wait).await;
        attempt += 1;
        let result = check().await;
        let waited = began.elapsed();
        match result {
            Ok(value) => {
                on_attempt(&WaitAttempt {
                    attempt,
                    waited,
                    error: None,
                    next_in: None,
                });
                tracing::info!(
                    attempt,
                    waited_s = waited.as_secs(),
                    "waiting room: the host is in"
                );
                return Ok(value);
            }
            Err(error) if is_waiting_for_host(error.kind) || error.kind.is_transport_problem() => {
                interval = policy.next_interval(interval);
                let next = interval.max(error.retry_after.unwrap_or_default());
                let next_in = (waited + next <= policy.max_wait).then_some(next);
                on_attempt(&WaitAttempt {
                    attempt,
                    waited,
                    error: Some(error.clone()),
                    next_in,
                });
                tracing::info!(
                    attempt,
                    waited_s = waited.as_secs(),
                    kind = error.kind.as_str(),
                    "waiting room: not yet"
                );
                last = error;
            }
            Err(error) => {
                on_attempt(&WaitAttempt {
                    attempt,
                    waited,
                    error: Some(error.clone()),
                    next_in: None,
                });
                return Err(WaitError::Stopped { error, waited });
            }
        }
    }
}

impl Session {
    /// Waits for the host of the meeting `request` names, re-checking it as
    /// [`wait_for_host`] says (each check with the session's usual renewal and retries); `first`
    /// is the answer that started the wait. Runs on tokio; drop the future to stop waiting.
    pub async fn wait_for_host(
        &self,
        request: &RandomRequest,
        first: ApiError,
        policy: &WaitPolicy,
        on_attempt: &mut (dyn FnMut(&WaitAttempt) + Send),
    ) -> Result<Reply<AuthRandom>, WaitError> {
        wait_for_host(policy, first, || self.auth_random(request), on_attempt).await
    }
}
