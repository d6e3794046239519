//! `cpniguard audit verify|export`: proof, for outsiders, that the audit chain is
//! complete and unaltered. `verify` recomputes every hash and checks every
//! checkpoint's signature, either in the database or in an export file (needing no
//! database), and exits non-zero naming the first bad seq.
//!
//! An export is JSON Lines (`cpniguard_core::audit::ExportLine`): the public key,
//! then the checkpoints, then the entries. So that it verifies on its own, its
//! entries are a contiguous run of seqs that starts right after the last checkpoint
//! before `--from` and ends at the first checkpoint at or after the last entry
//! before `--to` (when one exists): it may hold a few entries outside the range.

use crate::commands::restore::RESTORE_ACTION;
use crate::context::{DbArgs, open_store};
use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use cpniguard_core::audit::{
    AuditEntry, ChainVerifier, Checkpoint, ExportLine, VerifyReport, VerifyingKey, hex, retention_cut,
};
use cpniguard_server::audit_writer::{anchor, keys};
use cpniguard_store::Store;
use cpniguard_store::audit::AuditQuery;
use serde::Serialize;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Entries read per page.
const PAGE: u32 = 1000;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the chain in the database, or an export file with `--file`.
    Verify(VerifyArgs),
    /// Write entries, checkpoints and the public key as JSON Lines.
    Export(ExportArgs),
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
    #[arg(long)]
    pub public_key: Option<PathBuf>,
}

pub async fn run(cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Verify(args) => {
            match &args.file {
                Some(file) => {
                    let report = verify_file(file, &public_key(args.public_key.as_deref(), &args.db)?)?;
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

fn failed(e: cpniguard_core::audit::VerifyError) -> anyhow::Error {
    anyhow!("audit chain verification failed at seq {}: {e}", e.seq())
}

/// The configured external anchor, unless none is kept.
pub fn anchor_file(config: &cpniguard_server::Config) -> Option<&Path> {
    let path = config.audit.anchor_file.as_path();
    (!path.as_os_str().is_empty()).then_some(path)
}

/// Verify the chain in a database: every entry, every stored checkpoint, the recorded
/// head, and — when `anchor` names a file that exists — the checkpoint kept outside
/// the database, which the chain must reach with the same hash. A chain that ends
/// before the anchor was rolled back; the error says by how many acknowledged entries.
pub async fn verify_database(
    store: &dyn Store,
    key: &VerifyingKey,
    anchor: Option<&Path>,
) -> anyhow::Result<DatabaseReport> {
    let mut checkpoints = store.audit_checkpoints(0, u64::MAX).await?;
    let head = store.audit_head().await?;
    let anchored = match anchor {
        Some(path) => anchor::read(path)?.map(|c| (path, c)),
        None => None,
    };
    let anchor_status = match &anchored {
        Some((path, c)) => {
            if !c.signature_is_valid(key) {
                bail!("the audit anchor {} is not signed with this carrier's key", path.display());
            }
            let held = head.map_or(0, |h| h.seq);
            if held < c.seq {
                bail!(
                    "audit chain verification failed at seq {}: the database's chain ends at seq {held}, but the \
                     anchor {} (signed {}) acknowledges entries up to seq {}: {} acknowledged entries are missing \
                     (the database was rolled back to an older state, or its newest entries were deleted)",
                    held + 1,
                    path.display(),
                    c.at.to_rfc3339(),
                    c.seq,
                    c.seq - held
                );
            }
            checkpoints.push(c.clone());
            AnchorStatus::Reached { file: path.to_path_buf(), seq: c.seq, at: c.at }
        }
        None => AnchorStatus::NotFound { file: anchor.map(Path::to_owned) },
    };
    let mut verifier = ChainVerifier::new(&checkpoints, key, None).map_err(failed)?;
    let mut restores = Vec::new();
    let mut from = 1;
    loop {
        let page = store.audit_entries(from, PAGE).await?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        for entry in &page {
            verifier.push(entry).map_err(failed)?;
            if entry.record.action == RESTORE_ACTION {
                restores.push(RestoreSeen {
                    seq: entry.seq,
                    at: entry.record.at,
                    facts: entry.record.record_refs.clone(),
                });
            }
        }
    }
    let chain = verifier.finish(head).map_err(failed)?;
    Ok(DatabaseReport { chain, anchor: anchor_status, restores })
}

/// What `audit verify` prints for a database.
#[derive(Debug, Serialize)]
pub struct DatabaseReport {
    #[serde(flatten)]
    pub chain: VerifyReport,
    pub anchor: AnchorStatus,
    /// Restores recorded in the chain, with what each rolled back.
    pub restores: Vec<RestoreSeen>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AnchorStatus {
    /// The chain reaches the anchored checkpoint with its hash.
    Reached { file: PathBuf, seq: u64, at: DateTime<Utc> },
    /// No anchor file (none configured, or not written yet): a rollback of the
    /// database could not be detected.
    NotFound { file: Option<PathBuf> },
}

#[derive(Debug, Serialize)]
pub struct RestoreSeen {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub facts: Vec<String>,
}

fn verify_file(path: &Path, key: &VerifyingKey) -> anyhow::Result<VerifyReport> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let (mut checkpoints, mut entries, mut keys_seen) = (Vec::new(), Vec::new(), Vec::new());
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line).map_err(|e| anyhow!("line {}: not an export line: {e}", n + 1))? {
            ExportLine::PublicKey { key } => keys_seen.push(key),
            ExportLine::Checkpoint(c) => checkpoints.push(c),
            ExportLine::Entry(e) => entries.push(*e),
        }
    }
    // The key that counts is the one given from outside; an export naming another
    // was signed by someone else.
    let expected = hex(key.as_bytes());
    if keys_seen.iter().any(|k| !k.eq_ignore_ascii_case(&expected)) {
        bail!("the export names a different public key than --public-key");
    }
    let mut verifier = ChainVerifier::new(&checkpoints, key, None).map_err(failed)?;
    for entry in &entries {
        verifier.push(entry).map_err(failed)?;
    }
    verifier.finish(None).map_err(failed)
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let key = public_key(args.public_key.as_deref(), &args.db)?;
    let store = open_store(&args.db.load_config()?).await?;
    let (checkpoints, entries) = export_range(&*store, args.from, args.to).await?;
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(&mut out);
    let mut line = |l: ExportLine| -> anyhow::Result<()> {
        serde_json::to_writer(&mut out, &l)?;
        Ok(out.write_all(b"\n")?)
    };
    line(ExportLine::PublicKey { key: hex(key.as_bytes()) })?;
    let counts = (checkpoints.len(), entries.len());
    checkpoints.into_iter().try_for_each(|c| line(ExportLine::Checkpoint(c)))?;
    entries.into_iter().try_for_each(|e| line(ExportLine::Entry(Box::new(e))))?;
    out.flush()?;
    eprintln!("exported {} checkpoints and {} entries", counts.0, counts.1);
    Ok(())
}

/// The checkpoints and the contiguous entries an export of `[from, to)` holds (see
/// the module documentation).
async fn export_range(
    store: &dyn Store,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<(Vec<Checkpoint>, Vec<AuditEntry>)> {
    let mut query = AuditQuery { from: Some(from), to: Some(to), limit: PAGE, ..AuditQuery::default() };
    let (mut first, mut last) = (None, None);
    loop {
        let page = store.search_audit(&query).await?;
        first = first.or(page.entries.first().map(|e| e.seq));
        last = page.entries.last().map(|e| e.seq).or(last);
        match page.next_after {
            Some(after) => query.after_seq = Some(after),
            None => break,
        }
    }
    let (Some(first), Some(last)) = (first, last) else { return Ok((Vec::new(), Vec::new())) };
    let before = store.audit_checkpoints(0, first - 1).await?.pop();
    // Without a checkpoint before the range, the export starts where the chain does.
    let start = before.as_ref().map_or(1, |c| c.seq + 1);
    let end = match store.audit_checkpoints(last, u64::MAX).await?.first() {
        Some(sealing) => sealing.seq,
        None => last,
    };
    let mut checkpoints: Vec<Checkpoint> = before.into_iter().collect();
    checkpoints.extend(store.audit_checkpoints(start, end).await?);
    let mut entries: Vec<AuditEntry> = Vec::new();
    let mut next = start;
    while next <= end {
        let page = store.audit_entries(next, PAGE).await?;
        let Some(last_read) = page.last().map(|e| e.seq) else { break };
        entries.extend(page.into_iter().filter(|e| e.seq <= end));
        next = last_read + 1;
    }
    Ok((checkpoints, entries))
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
