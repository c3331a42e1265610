//! Retries with judgement, for the auth random call only.
//!
//! Tried again: a connection refused, or reset or closed before any reply
//! ([`ApiError::connection_failed`]), and HTTP 502, 503 and 504. Never a timeout, a 429 (its
//! wait is reported), any other 4xx, a refusal of the meeting (a wrong password counts
//! towards the meeting's lock), or a sign-in. At most [`RetryPolicy::max_retries`] times,
//! after a jittered wait, honouring a `Retry-After` of up to [`RetryPolicy::max_retry_after`]
//! (a longer one is reported, not waited for); and the whole check, retries included, ends
//! within [`RetryPolicy::budget`].

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::{ApiError, ErrorKind, LOG_TARGET};

/// When and how often a failed auth random call is tried again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times a failed call may be tried again (2: three attempts in all).
    pub max_retries: u32,
    /// The wait before the first retry (1 s), doubled for each next one, jittered by ±25 %.
    pub base_delay: Duration,
    /// The longest `Retry-After` that is waited for (5 s); a longer one is reported instead.
    pub max_retry_after: Duration,
    /// The most a whole check may take, retries and renewals included (20 s).
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5),
            budget: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// True when a call that failed with `error` may be sent again: a connection that failed
    /// before any reply, or HTTP 502, 503 or 504 with no code that says more (such as a wrong
    /// password). Never a timeout.
    pub fn is_retryable(error: &ApiError) -> bool {
        if error.kind == ErrorKind::Timeout {
            return false;
        }
        (error.kind == ErrorKind::Network && error.connection_failed)
            || (error.kind == ErrorKind::ServerError
                && matches!(error.http_status, Some(502..=504)))
    }

    /// The nominal wait before retry number `retry` (1 for the first), before jitter.
    fn backoff(&self, retry: u32) -> Duration {
        self.base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
    }
}

/// A retry about to happen: shown as "Retrying…" in the window, and logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryNotice {
    /// The attempt that comes next (2 for the first retry).
    pub attempt: u32,
    /// How many attempts there may be in all.
    pub max_attempts: u32,
    /// How long meetjoin waits before it.
    pub wait: Duration,
    /// Why the last attempt failed.
    pub error: ApiError,
}

/// The retries of one check: how many were made, and the deadline they all share. Shared by
/// reference between the attempts before and after a token renewal, so that they count together.
pub struct Retries<'a> {
    policy: RetryPolicy,
    deadline: Instant,
    retries: AtomicU32,
    on_retry: &'a (dyn Fn(&RetryNotice) + Send + Sync),
}

impl<'a> Retries<'a> {
    /// A check starting now under `policy`; `on_retry` hears of each retry before its wait.
    pub fn new(policy: RetryPolicy, on_retry: &'a (dyn Fn(&RetryNotice) + Send + Sync)) -> Self {
        let deadline = Instant::now() + policy.budget;
        Retries {
            policy,
            deadline,
            retries: AtomicU32::new(0),
            on_retry,
        }
    }

    /// When the whole check must have ended.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Runs `attempt` (given the time the check has left) until it succeeds or the policy says
    /// to stop; returns the last failure. Dropping the future stops the wait too: no attempt
    /// starts after that.
    pub async fn run<T, F, Fut>(&self, mut attempt: F) -> Result<T, ApiError>
    where
        F: FnMut(Duration) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        loop {
            let remaining = self.deadline.saturating_duration_since(Instant::now());
            let error = match attempt(remaining).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let Some(wait) = self.wait_before_retry(&error) else {
                return Err(error);
            };
            let retries = self.retries.fetch_add(1, Ordering::SeqCst) + 1;
            let notice = RetryNotice {
                attempt: retries + 1,
                max_attempts: self.policy.max_retries + 1,
                wait,
                error,
            };
            log_retry(&notice);
            (self.on_retry)(&notice);
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait before trying again after `error`, or `None` when not to.
    fn wait_before_retry(&self, error: &ApiError) -> Option<Duration> {
        let retries = self.retries.load(Ordering::SeqCst);
        if retries >= self.policy.max_retries || !RetryPolicy::is_retryable(error) {
            return None;
        }
        let asked = error.retry_after.unwrap_or_default();
        if asked > self.policy.max_retry_after {
            // Reported with its wait ("Try again in N s"), not waited for.
            return None;
        }
        let wait = asked.max(jittered(self.policy.backoff(retries + 1)));
        // A retry needs time to run: at least one base delay before the deadline.
        let starts = Instant::now() + wait;
        if starts + self.policy.base_delay > self.deadline {
            return None;
        }
        Some(wait)
    }
}

/// `nominal` scaled by a random factor between 0.75 and 1.25, so that many clients turned
/// away at once do not all come back at the same moment. The randomness is a v4 UUID's.
fn jittered(nominal: Duration) -> Duration {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let unit = f64::from(u16::from_le_bytes([bytes[0], bytes[1]])) / f64::from(u16::MAX);
    nominal.mul_f64(0.75 + 0.5 * unit)
}

/// The one log line of a retry: which attempt comes next, after how long, and why.
fn log_retry(notice: &RetryNotice) {
    let wait_ms = u64::try_from(notice.wait.as_millis()).unwrap_or(u64::MAX);
    tracing::info!(
        target: LOG_TARGET,
        attempt = notice.attempt,
        max_attempts = notice.max_attempts,
        wait_ms,
        kind = notice.error.kind.as_str(),
        status = notice
            .error
            .http_status
            .map_or_else(|| "-".to_owned(), |s| s.to_string()),
        "retrying"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(kind: ErrorKind, status: u16) -> ApiError {
        ApiError {
            http_status: Some(status),
            ..ApiError::new(kind)
        }
    }

    #[test]
    fn only_connection_failures_and_gateway_errors_are_retryable() {
        let refused = ApiError {
            connection_failed: true,
            ..ApiError::new(ErrorKind::Network)
        };
        assert!(RetryPolicy::is_retryable(&refused));
        for code in [502, 503, 504] {
            assert!(RetryPolicy::is_retryable(&status(
                ErrorKind::ServerError,
                code
            )));
        }
        let not = [
            ApiError::new(ErrorKind::Network),
            ApiError::new(ErrorKind::Timeout),
            ApiError {
                connection_failed: true,
                ..ApiError::new(ErrorKind::Timeout)
            },
            status(ErrorKind::ServerError, 500),
            status(ErrorKind::RateLimited, 429),
            status(ErrorKind::WrongIdOrPassword, 503),
            status(ErrorKind::NotSignedIn, 401),
        ];
        for error in not {
            assert!(!RetryPolicy::is_retryable(&error), "{error:?}");
        }
    }

    #[test]
    fn jitter_stays_within_a_quarter() {
        for _ in 0..200 {
            let wait = jittered(Duration::from_secs(1));
            assert!(wait >= Duration::from_millis(750) && wait <= Duration::from_millis(1250));
        }
    }
}
