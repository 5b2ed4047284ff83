//! `motodex-bench-data`: a new database filled with a synthetic catalogue,
//! for bench/run. Built only with the `bench-data` feature, so the
//! generator is no part of the motodex that is shipped.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

/// Creates a new motodex database filled with a synthetic catalogue (for benchmarks).
#[derive(Debug, Parser)]
#[command(name = "motodex-bench-data")]
struct Args {
    /// The database file to create; must not exist yet.
    #[arg(long, value_name = "PATH")]
    db: PathBuf,
    /// How many bikes.
    #[arg(long, default_value_t = 1_000_000)]
    bikes: u64,
    /// How many makers.
    #[arg(long, default_value_t = 500)]
    makers: u64,
    /// How many activity-log entries (year edits by 8 accounts) to add.
    #[arg(long, default_value_t = 0)]
    activity: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let db = args.db.display();
    if args.db.exists() {
        eprintln!("motodex-bench-data: {db} already exists; only new databases are filled.");
        return ExitCode::FAILURE;
    }
    let started = Instant::now();
    let made = motodex::db::generate::new_catalogue(&args.db, args.bikes, args.makers)
        .and_then(|()| motodex::db::generate::activity(&args.db, args.activity));
    match made {
        Ok(()) => {
            println!(
                "{} bikes from {} makers and {} activity entries written to {db} in {:.1} s.",
                args.bikes,
                args.makers,
                args.activity,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("motodex-bench-data: {db} could not be made: {err}.");
            ExitCode::FAILURE
        }
    }
}
