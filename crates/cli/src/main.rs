//! `cpniguard`: the one binary. Serves the API, loads the demo carrier, runs
//! migrations, manages staff and their tokens, checks configuration, and measures.
#![forbid(unsafe_code)]

mod commands;
mod context;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cpniguard",
    version,
    about = "CPNI Guard: the system of record and the gate in front of customer proprietary network information"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (migrating the database first).
    Serve(commands::serve::ServeArgs),
    /// Create (or reuse) a demo directory with a synthetic carrier, demo staff, and serve it.
    Demo(commands::demo::DemoArgs),
    /// Apply database migrations and exit.
    Migrate(context::DbArgs),
    /// Deliver queued customer notices without serving HTTP (`serve` runs one too).
    Worker(context::DbArgs),
    /// Manage staff members and their API tokens.
    #[command(subcommand)]
    Staff(commands::staff::StaffCommand),
    /// Print or check configuration files.
    #[command(subcommand)]
    Config(commands::config::ConfigCommand),
    /// Generate the carrier's Ed25519 key pair for signing the audit chain.
    Init(commands::init::InitArgs),
    /// Verify or export the audit chain.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
    /// Measure performance against a baseline in the same run.
    #[command(subcommand)]
    Bench(commands::bench::BenchCommand),
    /// The opt-out and privacy mailboxes: ingest one message from stdin, or watch a Maildir.
    #[command(subcommand)]
    Mail(commands::mail::MailCommand),
    /// Compute breach-notification deadlines from an incident's facts (no database).
    #[command(subcommand)]
    Breach(commands::breach::BreachCommand),
    /// Validate a policy directory, prove the regulatory properties of a policy set, or
    /// explain one decision of the disclosure gate.
    #[command(subcommand)]
    Policy(commands::policy::PolicyCommand),
    /// Federal business-day arithmetic.
    #[command(subcommand)]
    Calendar(commands::breach::CalendarCommand),
    /// Write one archive with the database, the configuration and the letter spool.
    Backup(commands::backup::BackupArgs),
    /// Restore a backup, verify its audit chain and record the restore in it.
    Restore(commands::restore::RestoreArgs),
    /// Reports from the records: the annual CPNI certification.
    #[command(subcommand)]
    Report(commands::report::ReportCommand),
    /// Staff CPNI training records: import completions from CSV.
    #[command(subcommand)]
    Training(commands::training::TrainingCommand),
    /// Call detail from the switches: import files, match again, the quarantine.
    #[command(subcommand)]
    Import(commands::import::ImportCommand),
    /// Call detail retention: delete what is past `[rules] call_detail_retention_months`.
    #[command(subcommand)]
    Retention(commands::retention::RetentionCommand),
}

fn main() -> ExitCode {
    // Everything this binary creates — the SQLite database, letters, backups, keys,
    // the data directory — holds CPNI or secrets: owner-only whatever the umask.
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => commands::serve::run(args).await,
            Command::Demo(args) => commands::demo::run(args).await,
            Command::Migrate(args) => commands::serve::migrate(args).await,
            Command::Worker(args) => commands::serve::worker(args).await,
            Command::Staff(cmd) => commands::staff::run(cmd).await,
            Command::Config(cmd) => commands::config::run(cmd),
            Command::Init(args) => commands::init::run(args),
            Command::Audit(cmd) => commands::audit::run(cmd).await,
            Command::Bench(cmd) => commands::bench::run(cmd).await,
            Command::Mail(cmd) => commands::mail::run(cmd).await,
            Command::Breach(cmd) => commands::breach::run_breach(cmd),
            Command::Calendar(cmd) => commands::breach::run_calendar(cmd),
            Command::Policy(cmd) => commands::policy::run(cmd).await,
            Command::Backup(args) => commands::backup::run(args).await,
            Command::Restore(args) => commands::restore::run(args).await,
            Command::Report(cmd) => commands::report::run(cmd).await,
            Command::Training(cmd) => commands::training::run(cmd).await,
            Command::Import(cmd) => commands::import::run(cmd).await,
            Command::Retention(cmd) => commands::retention::run(cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            e.downcast_ref::<context::Exit>().map_or(ExitCode::FAILURE, |exit| ExitCode::from(exit.code))
        }
    }
}
