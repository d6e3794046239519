//! The import itself: lines read from a file or stream, batched, matched against the
//! services holding their numbers, and written one batch per transaction, each row
//! ending as exactly one of inserted, duplicate, unmatched or malformed.

use crate::config::{Format, ImportConfig, SourceConfig};
use crate::formats::{self, Layout, SwitchCall};
use crate::matching::MatchRules;
use crate::rules::{check_source_name, time_zone};
use chrono::Utc;
use cpniguard_core::account::AccountNumber;
use cpniguard_core::cpni::CallDetailRecord;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_store::call_import::{CallImportBatch, NewQuarantineEntry, NumberHolder, QuarantineKind};
use cpniguard_store::{Store, StoreError};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// How the rows of one run ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub read: u64,
    pub inserted: u64,
    pub duplicates: u64,
    pub unmatched: u64,
    pub malformed: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.read += other.read;
        self.inserted += other.inserted;
        self.duplicates += other.duplicates;
        self.unmatched += other.unmatched;
        self.malformed += other.malformed;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not of the format at all; nothing of it was imported.
    #[error("{file} is not a {format} file: {reason}")]
    NotTheFormat { file: String, format: &'static str, reason: String },
    #[error("reading {file}: {source}")]
    Read { file: String, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The source's configuration does not work (an unknown zone or account number).
    #[error("{0}")]
    Config(String),
}

/// One source's format and rules, ready to import with.
#[derive(Debug, Clone)]
pub struct Source {
    pub format: Format,
    config: SourceConfig,
    pub rules: MatchRules,
    batch_rows: usize,
}

impl Source {
    /// The source `name` as configured, with `--format` and `--timezone` taking
    /// precedence.
    pub async fn resolve(
        store: &dyn Store,
        config: &ImportConfig,
        name: &str,
        format: Option<Format>,
        timezone: Option<&str>,
    ) -> Result<Source, ImportError> {
        let rules = match_rules(store, config, name, timezone).await?;
        let source = config.sources.get(name).cloned().unwrap_or_default();
        let format = format
            .or(source.format)
            .ok_or_else(|| ImportError::Config(format!("give --format (source {name:?} names none)")))?;
        Ok(Source { format, config: source, rules, batch_rows: config.batch_rows })
    }

    fn detect(&self, first_line: &str) -> Result<(Layout, bool), String> {
        formats::detect(self.format, self.config.asterisk_columns.as_deref(), self.config.csv.as_ref(), first_line)
    }
}

/// How the rows of source `name` are matched; the account codes' account numbers are
/// looked up now.
pub async fn match_rules(
    store: &dyn Store,
    config: &ImportConfig,
    name: &str,
    timezone: Option<&str>,
) -> Result<MatchRules, ImportError> {
    check_source_name(name).map_err(ImportError::Config)?;
    let source = config.sources.get(name).cloned().unwrap_or_default();
    let zone = timezone.or(source.timezone.as_deref()).unwrap_or("UTC");
    let tz = time_zone(zone).map_err(ImportError::Config)?;
    let mut accountcodes = HashMap::new();
    for (code, number) in &source.accountcodes {
        let parsed =
            AccountNumber::parse(number).map_err(|e| ImportError::Config(format!("account code {code:?}: {e}")))?;
        let account = store
            .get_account_by_number(&parsed)
            .await?
            .ok_or_else(|| ImportError::Config(format!("account code {code:?}: no account {number}")))?;
        accountcodes.insert(code.clone(), account.id);
    }
    Ok(MatchRules {
        source: name.to_owned(),
        tz,
        country_code: config.default_country_code,
        caller_id_from_clid: source.caller_id_from_clid,
        accountcodes,
    })
}

/// A row read and waiting for its batch.
struct Pending {
    line_number: u64,
    text: String,
    read: Result<SwitchCall, String>,
}

/// Where a stream starts in its file: at the beginning (the default), or part way
/// through a file that is being followed, whose first line was read before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamStart {
    /// The file's first line, which says the layout (a header row, or the column count),
    /// when the stream starts after it. It is not imported again.
    pub first_line: Option<String>,
    /// Lines of the file before the stream (quarantined rows keep their line in the file).
    pub lines_before: u64,
}

/// Import one file (or stream) named `file_name` in the quarantine. `progress` is told
/// the bytes consumed. A file whose first line is not of the format is refused before
/// anything of it is written.
pub async fn import_stream<R: AsyncBufRead + Unpin>(
    store: &Arc<dyn Store>,
    source: &Source,
    file_name: &str,
    reader: R,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<Counts, ImportError> {
    import_stream_from(store, source, file_name, reader, &StreamStart::default(), progress).await
}

/// [`import_stream`] of a stream that starts at `start` in its file.
pub async fn import_stream_from<R: AsyncBufRead + Unpin>(
    store: &Arc<dyn Store>,
    source: &Source,
    file_name: &str,
    mut reader: R,
    start: &StreamStart,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<Counts, ImportError> {
    let not_the_format =
        |reason| ImportError::NotTheFormat { file: file_name.to_owned(), format: source.format.as_str(), reason };
    let mut counts = Counts::default();
    let mut layout: Option<Layout> = match &start.first_line {
        Some(line) => Some(source.detect(line).map_err(not_the_format)?.0),
        None => None,
    };
    let mut batch: Vec<Pending> = Vec::with_capacity(source.batch_rows);
    let mut bytes = Vec::with_capacity(1024);
    let mut line_number = start.lines_before;
    loop {
        bytes.clear();
        let n = reader
            .read_until(b'\n', &mut bytes)
            .await
            .map_err(|e| ImportError::Read { file: file_name.to_owned(), source: e })?;
        if n == 0 {
            break;
        }
        progress(n as u64);
        line_number += 1;
        let complete = bytes.ends_with(b"\n");
        let text = String::from_utf8_lossy(trim_line_end(&bytes)).into_owned();
        if text.trim().is_empty() {
            continue;
        }
        let layout = match &layout {
            Some(layout) => layout,
            None => {
                let (found, header) = source.detect(&text).map_err(not_the_format)?;
                let found = layout.insert(found);
                if header {
                    continue;
                }
                found
            }
        };
        let read = if !complete {
            Err("the last line has no line end: the file was cut mid-line".to_owned())
        } else if std::str::from_utf8(trim_line_end(&bytes)).is_err() {
            Err("the line is not UTF-8".to_owned())
        } else {
            layout.read(&text, source.rules.tz)
        };
        counts.read += 1;
        batch.push(Pending { line_number, text, read });
        if batch.len() >= source.batch_rows {
            counts.add(write_batch(store, &source.rules, file_name, std::mem::take(&mut batch)).await?);
        }
    }
    if !batch.is_empty() {
        counts.add(write_batch(store, &source.rules, file_name, batch).await?);
    }
    Ok(counts)
}

fn trim_line_end(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

/// The services holding any number of these calls, by number.
pub(crate) async fn holders_of<'a>(
    store: &Arc<dyn Store>,
    rules: &MatchRules,
    calls: impl Iterator<Item = &'a SwitchCall>,
) -> Result<HashMap<PhoneNumber, Vec<NumberHolder>>, StoreError> {
    let mut numbers: Vec<PhoneNumber> = Vec::new();
    for call in calls {
        let found = rules.numbers(call);
        numbers.extend(found.caller);
        numbers.extend(found.called);
    }
    numbers.sort_unstable();
    numbers.dedup();
    let mut index: HashMap<PhoneNumber, Vec<NumberHolder>> = HashMap::with_capacity(numbers.len());
    for holder in store.number_holders(&numbers).await? {
        index.entry(holder.number.clone()).or_default().push(holder);
    }
    Ok(index)
}

/// Calls for the matched rows, quarantine entries for the rest, written together.
async fn write_batch(
    store: &Arc<dyn Store>,
    rules: &MatchRules,
    file_name: &str,
    rows: Vec<Pending>,
) -> Result<Counts, ImportError> {
    let mut counts = Counts::default();
    // A re-imported or overlapping file: rows whose calls this source already stored are
    // duplicates, known from one probe of the stored keys, before any number lookup,
    // matching or insert is spent on them.
    let ids: Vec<String> = rows.iter().filter_map(|r| r.read.as_ref().ok()).map(|c| c.record_id.clone()).collect();
    let stored: HashSet<String> = store.imported_record_ids(&rules.source, &ids).await?.into_iter().collect();
    let rows: Vec<Pending> = rows
        .into_iter()
        .filter(|r| {
            let known = r.read.as_ref().is_ok_and(|c| stored.contains(&c.record_id));
            counts.duplicates += u64::from(known);
            !known
        })
        .collect();
    if rows.is_empty() {
        return Ok(counts);
    }
    let holders = holders_of(store, rules, rows.iter().filter_map(|r| r.read.as_ref().ok())).await?;
    let mut calls: Vec<CallDetailRecord> = Vec::with_capacity(rows.len() * 2);
    // For each matched row, the range of its calls in `calls`.
    let mut matched: Vec<std::ops::Range<usize>> = Vec::with_capacity(rows.len());
    let mut resolved: Vec<String> = Vec::new();
    let mut quarantine: Vec<NewQuarantineEntry> = Vec::new();
    for row in rows {
        let entry = |kind, reason: String, row_key: String, call: Option<&SwitchCall>| NewQuarantineEntry {
            source: rules.source.clone(),
            row_key,
            kind,
            file_name: file_name.to_owned(),
            line_number: row.line_number,
            reason,
            row_text: row.text.clone(),
            call: call.and_then(|c| serde_json::to_string(c).ok()),
            started_at: call.map(|c| c.started_at),
        };
        match &row.read {
            Err(reason) => {
                counts.malformed += 1;
                let key = format!("malformed:{}", formats::row_hash(&row.text));
                quarantine.push(entry(QuarantineKind::Malformed, reason.clone(), key, None));
            }
            Ok(call) => match rules.sides(call, &holders) {
                Ok(records) => {
                    let start = calls.len();
                    calls.extend(records);
                    matched.push(start..calls.len());
                    resolved.push(call.record_id.clone());
                }
                Err(reason) => {
                    counts.unmatched += 1;
                    quarantine.push(entry(QuarantineKind::Unmatched, reason, call.record_id.clone(), Some(call)));
                }
            },
        }
    }
    let batch = CallImportBatch { source: &rules.source, calls: &calls, quarantine: &quarantine, resolved: &resolved };
    let outcome = store.import_calls(&batch, Utc::now()).await?;
    for range in matched {
        if outcome.inserted[range].iter().any(|stored| *stored) {
            counts.inserted += 1;
        } else {
            counts.duplicates += 1;
        }
    }
    Ok(counts)
}
