//! `breach deadlines` and `calendar add-business-days`: the deadline engine of the core
//! on the command line, so anyone can check the arithmetic without a database. And
//! `breach import-affected`: an affected-account list of any size read from a file
//! into an incident, by the same import as `POST …/affected-accounts`.

use crate::context::{DbArgs, open_store};
use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use cpniguard_core::ValidationError;
use cpniguard_core::breach::{Deadlines, Harm, IncidentFacts, Regime, deadlines};
use cpniguard_core::calendar::{FederalCalendar, check_supported};
use cpniguard_server::application::breach_affected_import::AffectedImport;
use cpniguard_server::{AppState, SystemClock};
use serde::Serialize;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Subcommand)]
pub enum BreachCommand {
    /// Print an incident's notification deadlines as one JSON object (dates YYYY-MM-DD).
    Deadlines(DeadlinesArgs),
    /// Add the accounts listed in FILE (one account number or id per line, or CSV whose
    /// first column is one) to an incident; prints the import report as JSON.
    ImportAffected(ImportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The incident's id.
    #[arg(long, value_name = "ID")]
    incident: Uuid,
    /// The list ("-" for standard input).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// Who the incident's log names for an import from the command line.
const CLI_ACTOR: &str = "cli:import-affected";

async fn import_affected(args: ImportArgs) -> anyhow::Result<()> {
    let config = args.db.load_config()?;
    let store = open_store(&config).await?;
    let state = AppState::with_throwaway_key(store, config, Arc::new(SystemClock));
    let reader: Box<dyn BufRead> = if args.file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.file).with_context(|| format!("{}", args.file.display()))?;
        Box::new(std::io::BufReader::with_capacity(1 << 20, file))
    };
    let problem = |p: cpniguard_server::problem::Problem| anyhow::anyhow!("{}: {}", p.code, p.detail);
    let mut import = AffectedImport::new(&state);
    for line in reader.lines() {
        import.push_line(line?.trim_end_matches('\r')).await.map_err(problem)?;
    }
    let report = import.finish(args.incident, CLI_ACTOR).await.map_err(problem)?;
    let summary = serde_json::json!({
        "incident": args.incident, "lines": report.lines, "resolved": report.resolved, "added": report.added,
        "unknown": report.unknown, "unknown_first": report.unknown_first, "affected_total": report.affected_total,
    });
    println!("{summary}");
    Ok(())
}

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Print the date N business days after DATE; counting starts the day after DATE.
    AddBusinessDays {
        #[arg(value_name = "DATE", value_parser = parse_date)]
        date: NaiveDate,
        #[arg(value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(..=MAX_BUSINESS_DAYS))]
        n: u32,
    },
}

/// About 400 years: far beyond any rule, and far from the end of the calendar.
const MAX_BUSINESS_DAYS: i64 = 100_000;

#[derive(Args)]
pub struct DeadlinesArgs {
    /// The breach rules that apply, with their federal values.
    #[arg(long, value_name = "REGIME", default_value = "fcc-2007", value_parser = parse_regime)]
    regime: Regime,
    /// When the breach was reasonably determined: YYYY-MM-DD, or an RFC 3339 time that
    /// is taken as a day in --time-zone.
    #[arg(long, value_name = "DATE", value_parser = parse_when)]
    determined: When,
    /// When the agencies were told, if they have been.
    #[arg(long, value_name = "DATE", value_parser = parse_when)]
    agencies_notified: Option<When>,
    /// The last day of an agency's order to delay customer notice.
    #[arg(long, value_name = "DATE", value_parser = parse_when)]
    delay_until: Option<When>,
    /// The last notice made (agency, annual summary or customers), for the records date.
    #[arg(long, value_name = "DATE", value_parser = parse_when)]
    last_notice: Option<When>,
    /// An urgent need to tell customers was declared and the agency consulted.
    #[arg(long)]
    urgent_need: bool,
    /// The access was inadvertent (a breach only under fcc-2023).
    #[arg(long)]
    inadvertent: bool,
    /// Customers affected; leave out when the number is unknown.
    #[arg(long, value_name = "N")]
    affected: Option<u64>,
    /// Whether harm to customers is reasonably likely.
    #[arg(long, value_name = "HARM", default_value = "unknown", value_parser = parse_harm)]
    harm: Harm,
    /// The carrier's time zone, in which RFC 3339 times become days.
    #[arg(long, value_name = "ZONE", default_value = "America/New_York", value_parser = parse_time_zone)]
    time_zone: FederalCalendar,
}

/// A day as given, or an instant still to be placed on the carrier's calendar.
#[derive(Clone, Copy)]
enum When {
    Day(NaiveDate),
    At(DateTime<Utc>),
}

impl When {
    fn on(self, calendar: &FederalCalendar) -> NaiveDate {
        match self {
            When::Day(day) => day,
            When::At(at) => calendar.local_date(at),
        }
    }
}

#[derive(Serialize)]
struct Output {
    regime: Regime,
    #[serde(flatten)]
    deadlines: Deadlines,
}

pub fn run_breach(cmd: BreachCommand) -> anyhow::Result<()> {
    let args = match cmd {
        BreachCommand::Deadlines(args) => args,
        // Called inside the command runtime (multi-threaded), synchronously.
        BreachCommand::ImportAffected(args) => {
            return tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(import_affected(args)));
        }
    };
    let calendar = args.time_zone;
    let on = |when: Option<When>| when.map(|w| w.on(&calendar));
    let facts = IncidentFacts {
        determined_on: args.determined.on(&calendar),
        agencies_notified_on: on(args.agencies_notified),
        delay_until: on(args.delay_until),
        urgent_need: args.urgent_need,
        affected: args.affected,
        harm: args.harm,
        inadvertent: args.inadvertent,
        last_notice_on: on(args.last_notice),
    };
    let deadlines = deadlines(&args.regime.params(), &facts, &calendar).map_err(as_flag)?;
    println!("{}", serde_json::to_string_pretty(&Output { regime: args.regime, deadlines })?);
    Ok(())
}

pub fn run_calendar(cmd: CalendarCommand) -> anyhow::Result<()> {
    let CalendarCommand::AddBusinessDays { date, n } = cmd;
    println!("{}", FederalCalendar::default().add_business_days(date, n));
    Ok(())
}

/// The core names facts by their field; the user typed a flag.
fn as_flag(e: ValidationError) -> anyhow::Error {
    let flag = match e.field.as_str() {
        "determined_on" => "--determined",
        "agencies_notified_on" => "--agencies-notified",
        "delay_until" => "--delay-until",
        "last_notice_on" => "--last-notice",
        other => other,
    };
    anyhow::anyhow!("{flag}: {}", e.reason)
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    // Checked by shape first: chrono would also take `2026-1-5`, and a well-formed
    // impossible day deserves its own message.
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return Err(format!("{s:?} is not a date written YYYY-MM-DD"));
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{s} is not a day of the calendar"))?;
    check_supported("date", date).map_err(|e| e.reason)?;
    Ok(date)
}

fn parse_when(s: &str) -> Result<When, String> {
    if s.contains('T') {
        DateTime::parse_from_rfc3339(s).map(|t| When::At(t.to_utc())).map_err(|e| {
            format!("{s:?} is not an RFC 3339 time such as 2026-11-25T23:30:00-05:00 ({e}); a plain date is YYYY-MM-DD")
        })
    } else {
        parse_date(s).map(When::Day)
    }
}

fn parse_regime(s: &str) -> Result<Regime, String> {
    Regime::parse(s).ok_or_else(|| format!("unknown regime {s:?}; one of {}", names(Regime::ALL.iter())))
}

fn parse_harm(s: &str) -> Result<Harm, String> {
    Harm::parse(s).ok_or_else(|| format!("unknown harm {s:?}; one of {}", names(Harm::ALL.iter())))
}

fn parse_time_zone(s: &str) -> Result<FederalCalendar, String> {
    FederalCalendar::for_time_zone(s).map_err(|e| e.reason)
}

fn names<T: std::fmt::Display>(all: impl Iterator<Item = T>) -> String {
    all.map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}
