//! The long run of bench/soak.sh: checks through the library against an in-process sandbox with
//! token renewals along the way, then a burst of checks at the window's worker. Prints the
//! figures (resident memory, open descriptors, tokio tasks, refreshes, checks per second) and
//! exits with 1 when a goal is missed, 2 when the run itself fails. Linux only.
//!
//!   cargo run --release --example soak -- [--checks 2000] [--warm-up 200] [--expire-every 100]
//!                                         [--burst 200]

mod run;

use std::process::ExitCode;

use clap::Parser;

/// How long to soak.
#[derive(Parser)]
struct Args {
    /// Checks through the library.
    #[arg(long, default_value_t = 2000)]
    checks: usize,
    /// Checks before the memory that may not grow is read.
    #[arg(long, default_value_t = 200)]
    warm_up: usize,
    /// Every this many checks, the sandbox ends every access token.
    #[arg(long, default_value_t = 100)]
    expire_every: usize,
    /// Checks fired at the window's worker.
    #[arg(long, default_value_t = 200)]
    burst: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let library = run::library_soak(run::LibraryPlan {
        checks: args.checks,
        warm_up: args.warm_up.min(args.checks),
        expire_every: args.expire_every.max(1),
    });
    let burst = run::worker_burst(run::BurstPlan {
        checks: args.burst.max(1),
    });
    let (library, burst) = match (library, burst) {
        (Ok(library), Ok(burst)) => (library, burst),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    for line in library.lines().iter().chain(&burst.lines()) {
        println!("{line}");
    }
    let failures: Vec<String> = library
        .failures()
        .into_iter()
        .chain(burst.failures())
        .collect();
    if failures.is_empty() {
        println!("soak: every goal met");
        ExitCode::SUCCESS
    } else {
        for failure in &failures {
            println!("soak: FAILED: {failure}");
        }
        ExitCode::FAILURE
    }
}
