//! `cpniguard audit verify|export|checkpoint|prune`: proof, for outsiders, that the
//! audit chain is complete and unaltered. `verify` recomputes every hash and checks
//! every checkpoint's signature, either in the database or in an export file (needing
//! no database), exits non-zero naming the first bad seq, and says how old the newest
//! checkpoint is.
//!
//! An export is JSON Lines (`cpniguard_core::audit::ExportLine`): the public key,
//! the checkpoints, the entries, and last a statement signed with the carrier's key
//! of what the file holds (`cpniguard_server::audit_writer::export` writes it, for the
//! API too). Verifying a file checks it against that statement, so a file cut short,
//! even back to an earlier checkpoint inside it, is refused.

use crate::context::{DbArgs, open_store};
use anyhow::{Context as _, anyhow};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use cpniguard_core::audit::{ExportCheck, ExportLine, ExportReport, SigningKey, VerifyingKey, retention_cut};
use cpniguard_server::audit_writer::export::ExportPager;
use cpniguard_server::audit_writer::verify::{age_seconds, verify_database};
use cpniguard_server::audit_writer::{OnDemand, checkpoint_now, keys};
use serde::Serialize;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the chain in the database, or an export file with `--file`.
    Verify(VerifyArgs),
    /// Write entries, checkpoints and the public key as JSON Lines, sealed by a
    /// signed statement of what the file holds.
    Export(ExportArgs),
    /// Sign a checkpoint at the chain's head now (unless one is there already), in
    /// the database and the external anchor.
    Checkpoint(CheckpointArgs),
    /// Delete entries older than `audit.retention_years`, from the start of the chain
    /// and only up to a signed checkpoint, so what remains still verifies.
    Prune(DbArgs),
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The carrier's public key file. Default: `audit.public_key_file` of the configuration.
    #[arg(long)]
    pub public_key: Option<PathBuf>,
    /// Verify this export instead of the database (no database is opened).
    #[arg(long)]
    pub file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Start (inclusive): a date (YYYY-MM-DD, UTC midnight) or an RFC 3339 time.
    #[arg(long, value_parser = parse_start)]
    pub from: DateTime<Utc>,
    /// End: a date (the whole day is included) or an RFC 3339 time (exclusive).
    #[arg(long, value_parser = parse_end)]
    pub to: DateTime<Utc>,
    /// Output file. Default: standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The carrier's signing key, which seals the export. Default:
    /// `audit.signing_key_file` of the configuration.
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckpointArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The carrier's signing key. Default: `audit.signing_key_file` of the configuration.
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
}

pub async fn run(cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Verify(args) => {
            match &args.file {
                Some(file) => {
                    let report = verify_file(file, &public_key(args.public_key.as_deref(), &args.db)?)?;
                    let age = age_seconds(report.newest_checkpoint.map(|c| c.at));
                    let report = FileReport { export: report, newest_checkpoint_age_seconds: age };
                    println!("{}", serde_json::to_string_pretty(&report)?);
                }
                None => {
                    let config = args.db.load_config()?;
                    let key = public_key(args.public_key.as_deref(), &args.db)?;
                    let store = open_store(&config).await?;
                    let report = verify_database(&*store, &key, anchor_file(&config)).await?;
                    println!("{}", serde_json::to_string_pretty(&report)?);
                }
            }
            Ok(())
        }
        AuditCommand::Export(args) => export(args).await,
        AuditCommand::Checkpoint(args) => checkpoint(args).await,
        AuditCommand::Prune(db) => prune(&db).await,
    }
}

fn public_key(flag: Option<&Path>, db: &DbArgs) -> anyhow::Result<VerifyingKey> {
    let path = match flag {
        Some(path) => path.to_owned(),
        None => db.load_config()?.audit.public_key_file,
    };
    Ok(keys::load_public_key(&path)?)
}

fn signing_key(flag: Option<&Path>, config: &cpniguard_server::Config) -> anyhow::Result<SigningKey> {
    let path = flag.unwrap_or(&config.audit.signing_key_file);
    keys::load_signing_key(path).with_context(|| format!("the audit signing key {}", path.display()))
}

/// The configured external anchor, unless none is kept.
pub fn anchor_file(config: &cpniguard_server::Config) -> Option<&Path> {
    let path = config.audit.anchor_file.as_path();
    (!path.as_os_str().is_empty()).then_some(path)
}

/// What `audit verify --file` prints.
#[derive(Debug, Serialize)]
pub struct FileReport {
    #[serde(flatten)]
    pub export: ExportReport,
    /// Seconds since the newest checkpoint in the file was signed.
    pub newest_checkpoint_age_seconds: Option<i64>,
}

fn verify_file(path: &Path, key: &VerifyingKey) -> anyhow::Result<ExportReport> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let export_failed = |e: cpniguard_core::audit::ExportError| match e.seq() {
        0 => anyhow!("audit export verification failed: {e}"),
        seq => anyhow!("audit chain verification failed at seq {seq}: {e}"),
    };
    let mut check = ExportCheck::new(*key);
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let line: ExportLine =
            serde_json::from_str(&line).map_err(|e| anyhow!("line {}: not an export line: {e}", n + 1))?;
        check.push(line).map_err(export_failed)?;
    }
    check.finish().map_err(export_failed)
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let config = args.db.load_config()?;
    let key = signing_key(args.signing_key.as_deref(), &config)?;
    let store = open_store(&config).await?;
    let mut pager = ExportPager::start(store, Arc::new(key), args.from, args.to, Utc::now()).await?;
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(&mut out);
    let mut checkpoints = 0;
    while let Some(lines) = pager.next_lines().await? {
        for line in lines {
            checkpoints += u64::from(matches!(line, ExportLine::Checkpoint(_)));
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    eprintln!("exported {checkpoints} checkpoints and {} entries, sealed", pager.entries());
    Ok(())
}

async fn checkpoint(args: CheckpointArgs) -> anyhow::Result<()> {
    let config = args.db.load_config()?;
    let key = signing_key(args.signing_key.as_deref(), &config)?;
    let store = open_store(&config).await?;
    let (status, checkpoint) = match checkpoint_now(&*store, &key, Utc::now(), anchor_file(&config)).await? {
        OnDemand::Signed(c) => ("signed", Some(c)),
        OnDemand::AlreadySealed(c) => ("already_sealed", Some(c)),
        OnDemand::Empty => ("empty", None),
    };
    println!("{}", serde_json::json!({ "status": status, "checkpoint": checkpoint }));
    Ok(())
}

async fn prune(db: &DbArgs) -> anyhow::Result<()> {
    let config = db.load_config()?;
    let store = open_store(&config).await?;
    let checkpoints = store.audit_checkpoints(0, u64::MAX).await?;
    let deleted = match retention_cut(&checkpoints, Utc::now(), config.audit.retention_years) {
        Some(keep_from) => store.truncate_audit_before(keep_from).await?,
        None => 0,
    };
    println!("deleted {deleted} audit entries older than {} years", config.audit.retention_years);
    Ok(())
}

fn parse_time(s: &str, end_of_day: bool) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let date =
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{s:?}: expected YYYY-MM-DD or RFC 3339"))?;
    let date = if end_of_day { date.succ_opt().ok_or("date out of range")? } else { date };
    Ok(date.and_hms_opt(0, 0, 0).ok_or("date out of range")?.and_utc())
}

fn parse_start(s: &str) -> Result<DateTime<Utc>, String> {
    parse_time(s, false)
}

fn parse_end(s: &str) -> Result<DateTime<Utc>, String> {
    parse_time(s, true)
}
