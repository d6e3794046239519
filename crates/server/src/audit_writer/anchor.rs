//! The external anchor: the latest signed checkpoint, kept as a file outside the
//! database (`[audit].anchor_file`).
//!
//! Checkpoints stored in the database cannot reveal a rollback of that database:
//! whoever deletes the newest entries can delete their checkpoints and rewrite the
//! chain head with them, and a restored backup is such a rollback too. A copy of the
//! latest checkpoint held elsewhere can: `audit verify` and `restore` compare the
//! chain with it, and entries up to its seq were acknowledged (committed and signed),
//! so a chain ending before it has lost them.
//!
//! The file is the checkpoint as JSON. Writers only move it forward (several server
//! processes on one host share it under a lock file); `restore` replaces it with the
//! checkpoint that seals its own audit entry. It is written aside and renamed into
//! place, mode 0600.

use cpniguard_core::audit::Checkpoint;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("the audit anchor {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the audit anchor {0} is not a signed checkpoint (JSON)")]
    Malformed(PathBuf),
    #[error("the audit anchor update was interrupted: {0}")]
    Interrupted(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AnchorError + '_ {
    move |source| AnchorError::Io { path: path.to_owned(), source }
}

/// The anchored checkpoint, or `None` when the file does not exist. Its signature is
/// not checked here: the reader has the public key.
pub fn read(path: &Path) -> Result<Option<Checkpoint>, AnchorError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|_| AnchorError::Malformed(path.to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
}

/// Anchor `checkpoint` unless the file already holds one at the same or a later seq
/// (another process got further). Returns whether the file was written.
pub fn advance(path: &Path, checkpoint: &Checkpoint) -> Result<bool, AnchorError> {
    let _lock = lock(path)?;
    if read(path)?.is_some_and(|held| held.seq >= checkpoint.seq) {
        return Ok(false);
    }
    write(path, checkpoint)?;
    Ok(true)
}

/// Anchor `checkpoint` whatever the file held: only after a restore, which has
/// recorded in the chain what it rolled back.
pub fn replace(path: &Path, checkpoint: &Checkpoint) -> Result<(), AnchorError> {
    let _lock = lock(path)?;
    write(path, checkpoint)
}

/// An exclusive lock on `<anchor>.lock`, released when the file is dropped. The anchor
/// itself is replaced by rename, so it cannot carry the lock.
fn lock(path: &Path) -> Result<File, AnchorError> {
    let lock_path = sibling(path, ".lock");
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let file = private_options().create(true).truncate(false).open(&lock_path).map_err(io(&lock_path))?;
    file.lock().map_err(io(&lock_path))?;
    Ok(file)
}

fn write(path: &Path, checkpoint: &Checkpoint) -> Result<(), AnchorError> {
    let temp = sibling(path, &format!(".{:08x}.tmp", rand::random::<u32>()));
    let body = serde_json::to_vec_pretty(checkpoint).expect("a checkpoint serialises");
    let written = private_options()
        .create_new(true)
        .open(&temp)
        .and_then(|mut f| f.write_all(&body).and_then(|()| f.write_all(b"\n")).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io(path)(e)
    })
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpniguard_core::audit::ChainHash;

    fn checkpoint(seq: u64) -> Checkpoint {
        let key = crate::audit_writer::keys::generate();
        Checkpoint::sign(seq, ChainHash([seq as u8; 32]), chrono::Utc::now(), &key)
    }

    #[test]
    fn the_anchor_only_moves_forward_unless_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("anchor.json");
        assert_eq!(read(&path).unwrap(), None);
        assert!(advance(&path, &checkpoint(10)).unwrap());
        assert!(!advance(&path, &checkpoint(7)).unwrap(), "an older checkpoint does not move it back");
        assert_eq!(read(&path).unwrap().unwrap().seq, 10);
        assert!(advance(&path, &checkpoint(12)).unwrap());
        replace(&path, &checkpoint(5)).unwrap();
        assert_eq!(read(&path).unwrap().unwrap().seq, 5);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(read(&path), Err(AnchorError::Malformed(_))));
    }
}
