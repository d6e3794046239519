//! `cpniguard backup --to FILE`: one ZIP archive (mode 0600: it holds CPNI) with
//!
//! - `manifest.json`: the format, version, backend, time and the audit chain's head
//!   and last checkpoint at the time of the copy;
//! - `database.sqlite` or `database.pgdump` (see [`super::backup_db`]), which holds
//!   every record, the audit chain and the mail quarantines;
//! - `config/<name>`: the configuration file, when one was given;
//! - `spool/…`: the letter spool (`[notices.postal].spool_dir`), PDFs and manifests;
//! - `audit-anchor.json`: the external anchor at the time, for the record.
//!
//! The audit signing key is not included: it is backed up separately (the docs say
//! how), so that whoever holds a backup cannot sign a forged chain. The archive is
//! written beside its destination, in a private work directory, and renamed into
//! place when complete; with `--recipient` the file put in place is the archive
//! encrypted to those keys (see [`super::backup_crypt`]) and the plain archive is
//! removed with the work directory.

use super::{backup_crypt, backup_db};
use crate::commands::audit::anchor_file;
use crate::context::{DbArgs, open_store};
use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use cpniguard_store::Backend;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use zip::write::SimpleFileOptions;

pub const FORMAT: &str = "cpniguard-backup/1";
pub const MANIFEST: &str = "manifest.json";
pub const CONFIG_DIR: &str = "config/";
pub const SPOOL_DIR: &str = "spool/";
pub const ANCHOR: &str = "audit-anchor.json";

#[derive(Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The archive to write (refused if it exists).
    #[arg(long)]
    pub to: PathBuf,
    /// Encrypt the backup to this age recipient (`age1…`); repeat for several keys,
    /// any one of whose identities can then restore it.
    #[arg(long = "recipient", value_name = "AGE_RECIPIENT", value_parser = backup_crypt::parse_recipient)]
    pub recipients: Vec<age::x25519::Recipient>,
}

/// What a backup says about itself.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: String,
    pub created_at: DateTime<Utc>,
    pub backend: String,
    pub database: String,
    /// The seq of the chain's last entry (0: empty).
    pub audit_head: u64,
    pub last_checkpoint: Option<u64>,
    pub config_file: Option<String>,
    pub spool_files: usize,
}

pub async fn run(args: BackupArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let config = args.db.load_config()?;
    if args.to.exists() {
        bail!("{} exists; choose a new file for the backup", args.to.display());
    }
    let store = open_store(&config).await?;
    let backend = store.backend();
    let dir = args.to.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let work = tempfile::Builder::new().prefix(".cpniguard-backup").tempdir_in(dir).context("a work directory")?;
    let dump = work.path().join(backup_db::member(backend));
    backup_db::dump(&config.database.url, &dump).await.context("copying the database")?;
    // The copy is consistent on its own; the head read afterwards is at least as new,
    // so the manifest's head is only a hint (restore reads the copy itself).
    let audit_head = store.audit_head().await?.map_or(0, |h| h.seq);
    let last_checkpoint = store.last_audit_checkpoint().await?.map(|c| c.seq);

    let partial = work.path().join("backup.zip");
    let mut zip = zip::ZipWriter::new(private_file(&partial)?);
    let options = SimpleFileOptions::default().unix_permissions(0o600).large_file(true);
    zip.start_file(backup_db::member(backend), options)?;
    std::io::copy(&mut File::open(&dump)?, &mut zip).context("archiving the database")?;
    std::fs::remove_file(&dump)?;
    let config_file = match &args.db.config {
        Some(path) => {
            let name = path.file_name().context("the configuration path names no file")?.to_string_lossy();
            add_file(&mut zip, &format!("{CONFIG_DIR}{name}"), path, options)?;
            Some(name.into_owned())
        }
        None => None,
    };
    let spool = Path::new(&config.notices.postal.spool_dir);
    let mut spool_files = 0;
    if config.notices.postal.enabled && spool.is_dir() {
        for (relative, path) in files_under(spool)? {
            add_file(&mut zip, &format!("{SPOOL_DIR}{relative}"), &path, options)?;
            spool_files += 1;
        }
    }
    if let Some(anchor) = anchor_file(&config).filter(|p| p.exists()) {
        add_file(&mut zip, ANCHOR, anchor, options)?;
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: Utc::now(),
        backend: backend_name(backend).to_owned(),
        database: backup_db::member(backend).to_owned(),
        audit_head,
        last_checkpoint,
        config_file,
        spool_files,
    };
    zip.start_file(MANIFEST, options)?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
    zip.finish()?.sync_all()?;
    let finished = if args.recipients.is_empty() {
        partial
    } else {
        let encrypted = work.path().join("backup.zip.age");
        backup_crypt::encrypt(&partial, &encrypted, &args.recipients)?;
        encrypted
    };
    std::fs::rename(&finished, &args.to).with_context(|| format!("moving the backup to {}", args.to.display()))?;
    let size = std::fs::metadata(&args.to)?.len();
    let report = serde_json::json!({
        "backup": args.to,
        "bytes": size,
        "backend": manifest.backend,
        "audit_head": manifest.audit_head,
        "spool_files": spool_files,
        "config_file": manifest.config_file,
        "encrypted_to": args.recipients.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "seconds": started.elapsed().as_secs_f64(),
        "signing_key": "not included: back up the audit signing key separately",
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

pub fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// A new file only its owner can read, whatever the umask.
pub fn private_file(path: &Path) -> anyhow::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).read(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).with_context(|| format!("creating {}", path.display()))
}

fn add_file(zip: &mut zip::ZipWriter<File>, name: &str, path: &Path, options: SimpleFileOptions) -> anyhow::Result<()> {
    let mut source = File::open(path).with_context(|| format!("reading {}", path.display()))?;
    zip.start_file(name, options)?;
    std::io::copy(&mut source, zip).with_context(|| format!("archiving {}", path.display()))?;
    Ok(())
}

/// Every regular file below `root`, as (`/`-separated relative path, path), sorted.
/// Temporary files the spool writes aside (dot files) are skipped.
fn files_under(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else if entry.file_type()?.is_file() {
                let relative = path.strip_prefix(root)?.components().map(|c| c.as_os_str().to_string_lossy());
                out.push((relative.collect::<Vec<_>>().join("/"), path));
            }
        }
    }
    out.sort();
    Ok(out)
}
