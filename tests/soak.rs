//! The soak of bench/soak.sh, shorter: a few hundred checks through the library against the
//! sandbox with token renewals along the way, and a burst of checks at the window's worker.
//! Memory, open descriptors and tokio tasks must come back; only the last check's result may
//! reach the window. The runs themselves are in `examples/soak/run.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]
#![cfg(all(feature = "sandbox", target_os = "linux"))]

#[path = "../examples/soak/run.rs"]
#[allow(dead_code, reason = "the burst needs the window (feature `gui`)")]
mod run;

use std::sync::{Mutex, PoisonError};

/// Descriptors and memory belong to the whole process: under `cargo test`, whose tests share
/// one, the soaks take turns (nextest gives each test a process of its own).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn checks_through_the_library_leave_memory_descriptors_and_tasks_as_they_were() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let report = run::library_soak(run::LibraryPlan {
        checks: 400,
        warm_up: 100,
        expire_every: 50,
    })
    .unwrap();
    println!("{}", report.lines().join("\n"));
    assert!(report.expiries >= 7, "{}", report.expiries);
    assert!(
        report.failures().is_empty(),
        "{}",
        report.failures().join("\n")
    );
}

#[cfg(feature = "gui")]
#[test]
fn a_burst_of_checks_at_the_worker_shows_only_the_last_and_leaks_nothing() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let report = run::worker_burst(run::BurstPlan { checks: 200 }).unwrap();
    println!("{}", report.lines().join("\n"));
    assert!(
        report.failures().is_empty(),
        "{}",
        report.failures().join("\n")
    );
}
