//! `import watch`: follow a directory the switch writes into. Two kinds of file live
//! there:
//!
//! - the file the switch appends to for ever (Asterisk's `Master.csv`), *followed*: each
//!   pass imports the complete lines added since the last one and never a half-written
//!   last line. Where it got to (the file's inode, the byte offset, the lines before it,
//!   and its first line, which says the layout) is kept in a state file in the directory,
//!   written after every imported piece, so a restart goes on from there;
//! - *finished* files (a rotated `Master.csv.1`, FreeSWITCH's renamed file, anything
//!   dropped in): imported whole once nobody has written to them for a while, then moved
//!   to `done/`, or to `failed/` when they are not of the format.
//!
//! Rotation. Renamed (logrotate `create`, FreeSWITCH `rotate-on-hup`): the followed
//! inode turns up under another name in the directory; it is finished from the offset
//! reached, and the new file is followed from its start. Copied and truncated
//! (`copytruncate`): the followed file is shorter than the offset, or no longer starts
//! with the line it started with; it is followed from its start again, and the copy is
//! a finished file whose rows already imported count as duplicates. A crash between a
//! piece's import and the state write re-reads that piece only: its rows are stored
//! once (every call has its de-duplication key).

use crate::run::{Counts, ImportError, Source, StreamStart, import_stream, import_stream_from};
use cpniguard_store::Store;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// One directory, one source.
#[derive(Debug)]
pub struct Watch {
    pub dir: PathBuf,
    /// The followed file's name in `dir` (`Master.csv`).
    pub follow: String,
    pub source: Source,
    /// A finished file is imported once it has not changed for this long.
    pub settle: Duration,
    /// Most bytes of the followed file read into memory at once.
    pub piece_bytes: usize,
}

/// What one pass did with one file.
#[derive(Debug, Clone, Serialize)]
pub struct WatchStep {
    pub file: String,
    #[serde(flatten)]
    pub counts: Counts,
    /// Where a finished file went (`done/…` or `failed/…`); none for the followed file.
    pub moved_to: Option<String>,
    /// Why a file went to `failed/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// Where following got to, kept across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct FollowState {
    inode: u64,
    offset: u64,
    lines: u64,
    first_line: Option<String>,
}

impl Watch {
    fn state_path(&self) -> PathBuf {
        self.dir.join(format!(".cpniguard-watch-{}.json", self.source.rules.source))
    }

    fn load_state(&self) -> Result<FollowState, ImportError> {
        match std::fs::read(self.state_path()) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                ImportError::Config(format!("{}: {e}; remove it to start over", self.state_path().display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FollowState::default()),
            Err(e) => Err(read_error(&self.state_path(), e)),
        }
    }

    /// Written to a temporary file, synced and renamed over the old one: a crash leaves
    /// the old state or the new, never half of one.
    fn save_state(&self, state: &FollowState) -> Result<(), ImportError> {
        let path = self.state_path();
        let temp = path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            let file = std::fs::File::create(&temp)?;
            serde_json::to_writer(&file, state)?;
            file.sync_all()?;
            std::fs::rename(&temp, &path)
        };
        write().map_err(|e| read_error(&path, e))
    }

    /// One pass: the finished files, oldest first, then what the followed file gained.
    pub async fn pass(&self, store: &Arc<dyn Store>, now: SystemTime) -> Result<Vec<WatchStep>, ImportError> {
        let mut state = self.load_state()?;
        let mut steps = Vec::new();
        for (path, inode) in self.finished_files(now)? {
            let resume = (inode == state.inode && state.inode != 0).then(|| state.clone());
            steps.push(self.finish(store, &path, resume.as_ref()).await?);
            if resume.is_some() {
                state = FollowState::default();
                self.save_state(&state)?;
            }
        }
        if let Some(step) = self.follow(store, &mut state).await? {
            steps.push(step);
        }
        Ok(steps)
    }

    /// Files of the directory other than the followed one and hidden ones, unchanged
    /// for `settle`, oldest first.
    fn finished_files(&self, now: SystemTime) -> Result<Vec<(PathBuf, u64)>, ImportError> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(|e| read_error(&self.dir, e))? {
            let entry = entry.map_err(|e| read_error(&self.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let meta = entry.metadata().map_err(|e| read_error(&entry.path(), e))?;
            if !meta.is_file() || name.starts_with('.') || name == self.follow {
                continue;
            }
            let modified = meta.modified().unwrap_or(now);
            if now.duration_since(modified).unwrap_or_default() < self.settle {
                continue;
            }
            found.push((modified, name, entry.path(), meta.ino()));
        }
        found.sort();
        Ok(found.into_iter().map(|(_, _, path, inode)| (path, inode)).collect())
    }

    /// Import a finished file whole (or from where following left it), then move it to
    /// `done/`; one not of the format goes to `failed/`.
    async fn finish(
        &self,
        store: &Arc<dyn Store>,
        path: &Path,
        resume: Option<&FollowState>,
    ) -> Result<WatchStep, ImportError> {
        let file_name = path.display().to_string();
        let mut file = tokio::fs::File::open(path).await.map_err(|e| read_error(path, e))?;
        let start = match resume {
            Some(state) => {
                file.seek(std::io::SeekFrom::Start(state.offset)).await.map_err(|e| read_error(path, e))?;
                StreamStart { first_line: state.first_line.clone(), lines_before: state.lines }
            }
            None => StreamStart::default(),
        };
        let reader = tokio::io::BufReader::with_capacity(1 << 16, file);
        let outcome = import_stream_from(store, &self.source, &file_name, reader, &start, &mut |_| {}).await;
        let (counts, folder, failure) = match outcome {
            Ok(counts) => (counts, "done", None),
            Err(ImportError::NotTheFormat { reason, .. }) => (Counts::default(), "failed", Some(reason)),
            Err(other) => return Err(other),
        };
        let moved = move_into(path, &self.dir.join(folder))?;
        Ok(WatchStep { file: file_name, counts, moved_to: Some(moved.display().to_string()), failure })
    }

    /// Import the complete lines the followed file gained, a piece at a time, saving
    /// where it got to after each.
    async fn follow(&self, store: &Arc<dyn Store>, state: &mut FollowState) -> Result<Option<WatchStep>, ImportError> {
        let path = self.dir.join(&self.follow);
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(read_error(&path, e)),
        };
        if meta.ino() != state.inode && state.inode != 0 && self.holds_inode(state.inode)? {
            // Renamed, and the switch may still be finishing its last write to it: the
            // new file waits until the old one is finished from where following left it.
            return Ok(None);
        }
        let mut file = tokio::fs::File::open(&path).await.map_err(|e| read_error(&path, e))?;
        let restarted = meta.ino() != state.inode
            || meta.len() < state.offset
            || (state.first_line.is_some() && self.read_first_line(&mut file, &path).await? != state.first_line);
        if restarted {
            *state = FollowState { inode: meta.ino(), ..FollowState::default() };
            self.save_state(state)?;
        }
        let file_name = path.display().to_string();
        let mut total = Counts::default();
        let mut buffer = vec![0u8; self.piece_bytes];
        loop {
            file.seek(std::io::SeekFrom::Start(state.offset)).await.map_err(|e| read_error(&path, e))?;
            let filled = read_full(&mut file, &mut buffer).await.map_err(|e| read_error(&path, e))?;
            // Only complete lines: a last line without its line end is still being written.
            let Some(end) = buffer[..filled].iter().rposition(|b| *b == b'\n').map(|i| i + 1) else { break };
            let piece = &buffer[..end];
            let start = StreamStart { first_line: state.first_line.clone(), lines_before: state.lines };
            let counts = if state.offset == 0 {
                import_stream(store, &self.source, &file_name, piece, &mut |_| {}).await?
            } else {
                import_stream_from(store, &self.source, &file_name, piece, &start, &mut |_| {}).await?
            };
            total.add(counts);
            if state.offset == 0 {
                state.first_line = first_line(piece);
            }
            state.offset += end as u64;
            state.lines += piece.iter().filter(|b| **b == b'\n').count() as u64;
            self.save_state(state)?;
            if filled < buffer.len() {
                break;
            }
        }
        Ok((total.read > 0).then_some(WatchStep { file: file_name, counts: total, moved_to: None, failure: None }))
    }

    /// Whether a file of the directory (other than the followed one) has this inode.
    fn holds_inode(&self, inode: u64) -> Result<bool, ImportError> {
        for entry in std::fs::read_dir(&self.dir).map_err(|e| read_error(&self.dir, e))? {
            let entry = entry.map_err(|e| read_error(&self.dir, e))?;
            let meta = entry.metadata().map_err(|e| read_error(&entry.path(), e))?;
            if meta.is_file() && meta.ino() == inode && entry.file_name() != self.follow.as_str() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn read_first_line(&self, file: &mut tokio::fs::File, path: &Path) -> Result<Option<String>, ImportError> {
        let mut head = vec![0u8; self.piece_bytes.min(1 << 16)];
        file.seek(std::io::SeekFrom::Start(0)).await.map_err(|e| read_error(path, e))?;
        let n = read_full(file, &mut head).await.map_err(|e| read_error(path, e))?;
        Ok(first_line(&head[..n]))
    }
}

/// The first complete line of `bytes`, without its line end.
fn first_line(bytes: &[u8]) -> Option<String> {
    let end = bytes.iter().position(|b| *b == b'\n')?;
    let line = bytes[..end].strip_suffix(b"\r").unwrap_or(&bytes[..end]);
    Some(String::from_utf8_lossy(line).into_owned())
}

/// Fill `buffer` from the file, short only at its end.
async fn read_full(file: &mut tokio::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let n = file.read(&mut buffer[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// Move `path` into `folder` (created if need be) under its own name, or with `.1`,
/// `.2`, … appended when a file of that name is there already.
fn move_into(path: &Path, folder: &Path) -> Result<PathBuf, ImportError> {
    std::fs::create_dir_all(folder).map_err(|e| read_error(folder, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut target = folder.join(&name);
    let mut n = 0;
    while target.exists() {
        n += 1;
        target = folder.join(format!("{name}.{n}"));
    }
    std::fs::rename(path, &target).map_err(|e| read_error(path, e))?;
    Ok(target)
}

fn read_error(path: &Path, source: std::io::Error) -> ImportError {
    ImportError::Read { file: path.display().to_string(), source }
}
