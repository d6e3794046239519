//! `cpniguard import`: call detail from the switches' files into the running system's
//! database (`cdr`), matching the unmatched rows again (`rematch`), and the quarantine
//! of rows that could not be stored (`quarantine list|show|discard`). The import
//! prints one JSON summary on stdout; exit 65 when a file is not of the format at all
//! (nothing of it imported), 75 when the database is unavailable — a second run then
//! imports the rest exactly once (every call has its de-duplication key).

use crate::commands::serve::signing_state;
use crate::context::{DbArgs, Exit, open_store};
use anyhow::Context as _;
use clap::{Args, Subcommand};
use cpniguard_core::staff::{Staff, Username};
use cpniguard_import::{Counts, Format, ImportError, Source, import_stream};
use cpniguard_server::AppState;
use cpniguard_server::application::cdr_import::ImportSummary;
use cpniguard_server::application::import_quarantine;
use cpniguard_server::problem::Problem;
use cpniguard_store::call_import::{QuarantineKind, QuarantineQuery};
use cpniguard_store::{Store, StoreError, StoreWithRecords};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// sysexits.h: the input was not of the expected format.
pub(crate) const EX_DATAERR: u8 = 65;
/// sysexits.h: a temporary failure (the database); running again may work.
pub(crate) const EX_TEMPFAIL: u8 = 75;
/// sysexits.h: not permitted (the disclosure gate refused).
const EX_NOPERM: u8 = 77;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import call detail records from switch files (`-` reads standard input).
    Cdr(CdrArgs),
    /// Billing sync: create and update accounts, contact points and numbers from the
    /// billing system's export, with the change notices an API change would send.
    Accounts(crate::commands::import_accounts::AccountsArgs),
    /// Follow the directory a switch writes into: the file it appends to as it grows,
    /// rotated and dropped-in files whole (then moved to done/ or failed/).
    Watch(crate::commands::import_watch::WatchArgs),
    /// Match the quarantined unmatched rows again (after numbers were assigned).
    Rematch(DbArgs),
    /// The rows an import could not store: list, show one, discard one.
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
}

#[derive(Args)]
pub struct CdrArgs {
    #[command(flatten)]
    db: DbArgs,
    /// asterisk-csv, freeswitch-csv or csv (the last needs the source's column mapping).
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// IANA zone the switch writes its times in (default: the source's, else UTC).
    #[arg(long)]
    timezone: Option<String>,
    /// The source's name in `[import.sources]`; part of every call's de-duplication
    /// key. Default: the format's name.
    #[arg(long)]
    source: Option<String>,
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub(crate) fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| "asterisk-csv, freeswitch-csv or csv".to_owned())
}

/// Who reads the quarantine: the staff member the operator acts as. The gate decides
/// on their roles and training (the privacy office, for a compliance review) and
/// records the decision under their name before anything is read.
#[derive(Args)]
pub struct Reviewer {
    #[command(flatten)]
    db: DbArgs,
    /// Username of the staff member acting (a trained privacy officer).
    #[arg(long = "as", value_name = "USERNAME")]
    acting_as: String,
}

#[derive(Subcommand)]
pub enum QuarantineCommand {
    /// Entries without the rows themselves, oldest first, one JSON object a line.
    List {
        #[command(flatten)]
        reviewer: Reviewer,
        /// unmatched or malformed
        #[arg(long, value_parser = parse_kind)]
        kind: Option<QuarantineKind>,
        #[arg(long)]
        source: Option<String>,
        /// Continue after this entry id.
        #[arg(long)]
        after: Option<i64>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// One entry with the row as read.
    Show {
        #[command(flatten)]
        reviewer: Reviewer,
        id: i64,
    },
    /// Remove one entry for good (the row will not be imported).
    Discard {
        #[command(flatten)]
        reviewer: Reviewer,
        id: i64,
    },
}

fn parse_kind(s: &str) -> Result<QuarantineKind, String> {
    QuarantineKind::parse(s).ok_or_else(|| "unmatched or malformed".to_owned())
}

pub async fn run(cmd: ImportCommand) -> anyhow::Result<()> {
    match cmd {
        ImportCommand::Cdr(args) => cdr(args).await,
        ImportCommand::Accounts(args) => crate::commands::import_accounts::run(args).await,
        ImportCommand::Watch(args) => crate::commands::import_watch::run(args).await,
        ImportCommand::Rematch(db) => {
            let config = db.load_config()?;
            let store = open(&config).await?;
            let plain: Arc<dyn Store> = store.clone();
            let counts =
                cpniguard_import::rematch(&plain, store.as_ref(), &config.import).await.map_err(import_failure)?;
            println!("{}", serde_json::to_string(&counts)?);
            Ok(())
        }
        ImportCommand::Quarantine(cmd) => quarantine(cmd).await,
    }
}

/// Open the store; unreachable is a temporary failure (75).
pub(crate) async fn open(config: &cpniguard_server::Config) -> anyhow::Result<Arc<dyn StoreWithRecords>> {
    open_store(config).await.map_err(|e| {
        let unavailable = e.chain().any(|c| matches!(c.downcast_ref::<StoreError>(), Some(StoreError::Unavailable(_))));
        if unavailable { Exit::new(EX_TEMPFAIL, format!("{e:#}")).into() } else { e }
    })
}

pub(crate) fn import_failure(e: ImportError) -> anyhow::Error {
    match e {
        ImportError::Store(StoreError::Unavailable(reason)) => {
            Exit::new(EX_TEMPFAIL, format!("database unavailable: {reason}; run again to import the rest")).into()
        }
        other => other.into(),
    }
}

async fn cdr(args: CdrArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let config = args.db.load_config()?;
    let store: Arc<dyn Store> = open(&config).await?;
    let format_name = args.format.map(Format::as_str);
    let name = args.source.as_deref().or(format_name).context("give --format or --source")?;
    let source = Source::resolve(store.as_ref(), &config.import, name, args.format, args.timezone.as_deref())
        .await
        .map_err(import_failure)?;
    let progress = progress_bar(&args.files);
    let mut total = Counts::default();
    let mut refused: Vec<String> = Vec::new();
    for path in &args.files {
        let file_name = path.display().to_string();
        let mut tick = |n: u64| progress.inc(n);
        let outcome = if file_name == "-" {
            let reader = tokio::io::BufReader::with_capacity(1 << 16, tokio::io::stdin());
            import_stream(&store, &source, "-", reader, &mut tick).await
        } else {
            let file = tokio::fs::File::open(path).await.with_context(|| format!("opening {file_name}"))?;
            let reader = tokio::io::BufReader::with_capacity(1 << 16, file);
            import_stream(&store, &source, &file_name, reader, &mut tick).await
        };
        match outcome {
            Ok(counts) => total.add(counts),
            Err(ImportError::NotTheFormat { file, format, reason }) => {
                progress
                    .suspend(|| eprintln!("error: {file} is not a {format} file: {reason}; nothing of it imported"));
                refused.push(file);
            }
            Err(other) => {
                progress.finish_and_clear();
                print_summary(&total, name, started, &refused)?;
                return Err(import_failure(other));
            }
        }
    }
    progress.finish_and_clear();
    print_summary(&total, name, started, &refused)?;
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Exit::new(EX_DATAERR, format!("{} file(s) not of the format", refused.len())).into())
    }
}

fn print_summary(counts: &Counts, source: &str, started: Instant, refused: &[String]) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(&ImportSummary::new(counts, source, started, refused.to_vec()))?);
    Ok(())
}

/// Bytes of the files on a terminal; nothing when stderr is not one.
fn progress_bar(files: &[PathBuf]) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bytes: u64 = files.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    let bar = ProgressBar::new(bytes);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}") {
        bar.set_style(style);
    }
    bar
}

async fn quarantine(cmd: QuarantineCommand) -> anyhow::Result<()> {
    let reviewer = match &cmd {
        QuarantineCommand::List { reviewer, .. }
        | QuarantineCommand::Show { reviewer, .. }
        | QuarantineCommand::Discard { reviewer, .. } => reviewer,
    };
    let config = reviewer.db.load_config()?;
    let store = open(&config).await?;
    let username = Username::parse(&reviewer.acting_as).map_err(|e| anyhow::anyhow!("--as: {e}"))?;
    let staff =
        store.get_staff_by_username(&username).await?.with_context(|| format!("--as: no staff member {username}"))?;
    let (state, audit_writer) = signing_state(config, store)?;
    let outcome = review(&state, &staff, cmd).await;
    drop(state);
    audit_writer.await.context("the audit writer panicked")?;
    outcome
}

/// The gate's decision first (recorded either way), then the read through its permit.
async fn review(state: &AppState, staff: &Staff, cmd: QuarantineCommand) -> anyhow::Result<()> {
    match cmd {
        QuarantineCommand::List { kind, source, after, limit, .. } => {
            let query = QuarantineQuery { kind, source, after, limit };
            let page = import_quarantine::list(state, staff, &query, None).await.map_err(refused)?;
            for row in page.entries {
                println!("{}", serde_json::to_string(&row)?);
            }
        }
        QuarantineCommand::Show { id, .. } => {
            let row = import_quarantine::show(state, staff, id, None).await.map_err(refused)?;
            println!("{}", serde_json::to_string_pretty(&row)?);
        }
        QuarantineCommand::Discard { id, .. } => {
            let done = import_quarantine::discard(state, staff, id, None).await.map_err(refused)?;
            println!("{}", serde_json::to_string(&done)?);
        }
    }
    Ok(())
}

/// A refusal or failure as the API words it: the gate's deciding policies and advice,
/// exit 77 (EX_NOPERM) for a refusal.
fn refused(p: Problem) -> anyhow::Error {
    let mut message = format!("{}: {}", p.title, p.detail);
    if !p.deciding_policies.is_empty() {
        message.push_str(&format!(" (deciding: {})", p.deciding_policies.join(", ")));
    }
    if let Some(seq) = p.audit_seq {
        message.push_str(&format!("; recorded as audit entry {seq}"));
    }
    match p.status {
        403 => Exit::new(EX_NOPERM, message).into(),
        503 => Exit::new(EX_TEMPFAIL, message).into(),
        _ => anyhow::anyhow!(message),
    }
}
