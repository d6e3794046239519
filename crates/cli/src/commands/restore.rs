//! `cpniguard restore --from FILE`: put a backup back, prove its audit chain, and say
//! what the restore rolled back. Stop every `serve`, `worker` and `mail watch` first.
//!
//! 1. The audit signing key must load (the restore signs a checkpoint over its own
//!    entry), an encrypted backup is decrypted with `--identity` into the private
//!    work directory, and the backup's backend must be the configured one.
//! 2. SQLite: the copy is extracted beside the database and its chain verified
//!    before it replaces the file, so a bad backup changes nothing. PostgreSQL:
//!    `pg_restore` in one transaction, then the chain is verified.
//! 3. The restored chain is compared with the external anchor (the latest checkpoint
//!    kept outside the database): entries up to the anchor were acknowledged, so a
//!    chain ending before it lost `anchor − head` of them. A chain that reaches the
//!    anchor must carry its hash there, or the backup is not of this chain.
//! 4. The restore is appended to the chain (`backup.restore`, with what it rolled
//!    back), a checkpoint is signed over it, and the anchor is moved to it, so
//!    `audit verify` passes from then on and lists the restore.
//! 5. The letter spool's files are put back (newer letters are kept); the
//!    configuration is written only where no file exists yet.

use super::audit::anchor_file;
use super::backup::{CONFIG_DIR, FORMAT, MANIFEST, Manifest, SPOOL_DIR, backend_name, private_file};
use super::{backup_crypt, backup_db};
use crate::context::{DbArgs, open_store};
use anyhow::{Context as _, bail};
use chrono::Utc;
use clap::Args;
use cpniguard_core::audit::{AuditRecord, Checkpoint, Decision, Principal, PrincipalKind, SigningKey};
use cpniguard_server::Config;
use cpniguard_server::audit_writer::verify::verify_database;
use cpniguard_server::audit_writer::{anchor, keys};
use cpniguard_store::postgres::PgStore;
use cpniguard_store::sqlite::SqliteStore;
use cpniguard_store::{AuditStore, Backend, Store, StoreOptions, StoreWithRecords};
use serde::Serialize;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use cpniguard_server::audit_writer::verify::RESTORE_ACTION;

#[derive(Args, Debug)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The archive written by `cpniguard backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// Also write the backup's configuration file here (refused if the file exists).
    #[arg(long)]
    pub write_config: Option<PathBuf>,
    /// The age identity file (`AGE-SECRET-KEY-1…`) of a recipient an encrypted backup
    /// was made for.
    #[arg(long)]
    pub identity: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct RestoreReport {
    restored_from: PathBuf,
    backup_created_at: chrono::DateTime<Utc>,
    backend: &'static str,
    /// The last entry of the restored chain, before the restore's own entry.
    restored_head: u64,
    /// The last entry the database held before the restore, when it could be read.
    previous_head: Option<u64>,
    /// The external anchor before the restore: entries up to it were acknowledged.
    anchor_seq: Option<u64>,
    /// Acknowledged (signed, anchored) entries the restore rolled back.
    acknowledged_entries_lost: u64,
    restore_entry_seq: u64,
    spool_files: usize,
    config: String,
    seconds: f64,
}

pub async fn run(args: RestoreArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let config = args.db.load_config()?;
    let key = keys::load_signing_key(&config.audit.signing_key_file).with_context(|| {
        format!("the audit signing key {} (a restore signs its own entry)", config.audit.signing_key_file.display())
    })?;
    let backend = backup_db::backend_of(&config.database.url);
    let work_dir = match backend {
        Backend::Sqlite => parent_dir(&backup_db::sqlite_file(&config.database.url)?),
        Backend::Postgres => std::env::temp_dir(),
    };
    std::fs::create_dir_all(&work_dir).with_context(|| format!("creating {}", work_dir.display()))?;
    let work = tempfile::Builder::new().prefix(".cpniguard-restore").tempdir_in(&work_dir)?;
    let mut archive = open_archive(&args.from, args.identity.as_deref(), work.path())?;
    let manifest: Manifest = serde_json::from_reader(archive.by_name(MANIFEST).context("the backup has no manifest")?)
        .context("the backup's manifest")?;
    if manifest.format != FORMAT {
        bail!("{}: unknown backup format {:?} (expected {FORMAT})", args.from.display(), manifest.format);
    }
    if manifest.backend != backend_name(backend) {
        bail!(
            "the backup is of a {} database but the configured database is {}",
            manifest.backend,
            backend_name(backend)
        );
    }
    let anchor_path = anchor_file(&config);
    let anchored = match anchor_path {
        Some(path) => anchor::read(path)?.filter(|c| c.signature_is_valid(&key.verifying_key())),
        None => None,
    };
    let previous_head = previous_head(&config, backend).await;

    let dump = work.path().join(backup_db::member(backend));
    std::io::copy(
        &mut archive.by_name(backup_db::member(backend)).context("the backup holds no database")?,
        &mut private_file(&dump)?,
    )
    .context("extracting the database")?;
    let store = match backend {
        Backend::Sqlite => replace_sqlite(&config, &dump, &key).await?,
        Backend::Postgres => {
            backup_db::restore_postgres(&config.database.url, &dump)?;
            let store = open_store(&config).await?;
            verify_database(&*store, &key.verifying_key(), None)
                .await
                .context("the database was restored but its audit chain does not verify: do not serve from it")?;
            store
        }
    };

    let restored_head = store.audit_head().await?.map_or(0, |h| h.seq);
    let lost = match &anchored {
        Some(c) if c.seq > restored_head => c.seq - restored_head,
        Some(c) => {
            let at_anchor = store.audit_entries(c.seq, 1).await?;
            if at_anchor.first().is_none_or(|e| e.seq != c.seq || e.hash != c.hash) {
                bail!(
                    "the restored chain differs from the anchor at seq {}: this backup is not a copy of this carrier's chain",
                    c.seq
                );
            }
            0
        }
        None => 0,
    };
    let facts = vec![
        format!("backup_created_at:{}", manifest.created_at.to_rfc3339()),
        format!("restored_head:{restored_head}"),
        format!("previous_head:{}", previous_head.map_or("unknown".to_owned(), |h| h.to_string())),
        format!("anchor_seq:{}", anchored.as_ref().map_or("none".to_owned(), |c| c.seq.to_string())),
        format!("acknowledged_entries_lost:{lost}"),
    ];
    let entry_seq = record_restore(&*store, &key, anchor_path, facts).await?;
    let spool_files = restore_spool(&mut archive, &config)?;
    let config_note = restore_config(&mut archive, &manifest, args.write_config.as_deref())?;
    drop(archive);
    drop(work);
    let report = RestoreReport {
        restored_from: args.from,
        backup_created_at: manifest.created_at,
        backend: backend_name(backend),
        restored_head,
        previous_head,
        anchor_seq: anchored.map(|c| c.seq),
        acknowledged_entries_lost: lost,
        restore_entry_seq: entry_seq,
        spool_files,
        config: config_note,
        seconds: started.elapsed().as_secs_f64(),
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    if lost > 0 {
        eprintln!("warning: the restore rolled back {lost} acknowledged audit entries (recorded at seq {entry_seq})");
    }
    Ok(())
}

/// The backup archive at `from`; an encrypted one is decrypted into `work` first.
fn open_archive(from: &Path, identity: Option<&Path>, work: &Path) -> anyhow::Result<zip::ZipArchive<File>> {
    let plain = match (backup_crypt::is_encrypted(from)?, identity) {
        (false, None) => from.to_owned(),
        (true, Some(identity)) => {
            let plain = work.join("backup.zip");
            backup_crypt::decrypt(from, identity, &plain)?;
            plain
        }
        (true, None) => bail!("{} is encrypted (age): give --identity FILE to restore it", from.display()),
        (false, Some(_)) => bail!("{} is not encrypted: leave out --identity", from.display()),
    };
    zip::ZipArchive::new(File::open(&plain).with_context(|| format!("opening {}", plain.display()))?)
        .with_context(|| format!("{} is not a backup archive", from.display()))
}

fn parent_dir(path: &Path) -> PathBuf {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_owned()
}

/// The head of the database about to be replaced, if there is one that opens.
async fn previous_head(config: &Config, backend: Backend) -> Option<u64> {
    let url = &config.database.url;
    let head = match backend {
        Backend::Sqlite => {
            if !backup_db::sqlite_file(url).ok()?.exists() {
                return None;
            }
            let store = SqliteStore::connect(url, &StoreOptions::default()).await.ok()?;
            let head = store.audit_head().await;
            store.close().await;
            head
        }
        Backend::Postgres => PgStore::connect(url, &StoreOptions::default()).await.ok()?.audit_head().await,
    };
    Some(head.ok()?.map_or(0, |h| h.seq))
}

/// Verify the extracted copy (upgraded to this version's schema first), then move it
/// over the database file, removing the old file's WAL and shared-memory files,
/// which belong to the old contents. Every connection to either file is closed
/// before the move.
async fn replace_sqlite(config: &Config, copy: &Path, key: &SigningKey) -> anyhow::Result<Arc<dyn StoreWithRecords>> {
    let copy_url = format!("sqlite://{}", copy.display());
    let checked = SqliteStore::connect(&copy_url, &StoreOptions::default()).await?;
    let verified = match checked.migrate().await {
        Ok(()) => verify_database(&checked, &key.verifying_key(), None).await,
        Err(e) => Err(anyhow::Error::new(e).context("upgrading the backup's schema")),
    };
    checked.close().await;
    verified.context("the backup's audit chain does not verify; the database was left as it was")?;
    let target = backup_db::sqlite_file(&config.database.url)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        match std::fs::remove_file(&side) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    std::fs::rename(copy, &target).with_context(|| format!("replacing {}", target.display()))?;
    open_store(config).await
}

/// Append the restore's entry, sign a checkpoint over it, and move the anchor there.
async fn record_restore(
    store: &dyn Store,
    key: &SigningKey,
    anchor_path: Option<&Path>,
    facts: Vec<String>,
) -> anyhow::Result<u64> {
    let now = Utc::now();
    let record = AuditRecord {
        at: now,
        principal: Principal { kind: PrincipalKind::System, id: "cpniguard restore".to_owned(), role: None },
        action: RESTORE_ACTION.to_owned(),
        account_id: None,
        purpose: None,
        channel: None,
        interaction_id: None,
        legal_ref: None,
        fraud_ref: None,
        decision: Decision::Allow,
        policy_ids: Vec::new(),
        policy_set_hash: String::new(),
        request_id: None,
        record_refs: facts,
    };
    let entry = store.append_audit(&[record]).await?.pop().context("the restore entry was not recorded")?;
    let checkpoint = Checkpoint::sign(entry.seq, entry.hash, now, key);
    store.add_audit_checkpoint(&checkpoint).await?;
    if let Some(path) = anchor_path {
        anchor::replace(path, &checkpoint)?;
    }
    Ok(entry.seq)
}

fn restore_spool(archive: &mut zip::ZipArchive<File>, config: &Config) -> anyhow::Result<usize> {
    let spool = Path::new(&config.notices.postal.spool_dir);
    let mut restored = 0;
    for index in 0..archive.len() {
        let mut file = archive.by_index(index)?;
        let Some(relative) = file.enclosed_name().and_then(|n| n.strip_prefix(SPOOL_DIR).ok().map(Path::to_owned))
        else {
            continue;
        };
        let target = spool.join(relative);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut out = std::fs::File::create(&target).with_context(|| format!("writing {}", target.display()))?;
        std::io::copy(&mut file, &mut out)?;
        restored += 1;
    }
    Ok(restored)
}

/// The backup's configuration file, written only where asked (`--write-config`) and
/// never over an existing file: the configuration in use stays as it is.
fn restore_config(
    archive: &mut zip::ZipArchive<File>,
    manifest: &Manifest,
    write_to: Option<&Path>,
) -> anyhow::Result<String> {
    let Some(name) = &manifest.config_file else { return Ok("the backup holds no configuration file".to_owned()) };
    let member = format!("{CONFIG_DIR}{name}");
    match write_to {
        Some(path) => {
            std::io::copy(&mut archive.by_name(&member)?, &mut private_file(path)?)?;
            Ok(format!("written to {}", path.display()))
        }
        None => Ok(format!("kept the configuration in use; the backup's copy is the archive member {member}")),
    }
}
