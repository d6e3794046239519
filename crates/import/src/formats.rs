//! The file formats: what each column of a row means, told from the first line of a
//! file (Asterisk's optional columns by count, a generic CSV's header), and one row
//! read into a [`SwitchCall`].
//!
//! Asterisk cdr_csv (cdr/cdr_csv.c) writes, with no header: accountcode, src, dst,
//! dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end,
//! duration, billsec, disposition, amaflags; then uniqueid if `loguniqueid`, userfield
//! if `loguserfield`, then peeraccount, linkedid, sequence if `newcdrcolumns`. Times
//! are `%Y-%m-%d %H:%M:%S`, in UTC with `usegmtime` and local time otherwise; an
//! unanswered call has an empty answer time.
//!
//! FreeSWITCH mod_cdr_csv's stock `example` template: caller_id_name,
//! caller_id_number, destination_number, context, start_stamp, answer_stamp,
//! end_stamp, duration, billsec, hangup_cause, uuid, bleg_uuid, accountcode,
//! read_codec, write_codec, in local time.

use crate::config::{AsteriskColumn, CsvMapping, Format};
use crate::csv_line;
use crate::rules::to_utc;
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One switch record, read but not yet matched to accounts. Kept (as JSON) with an
/// unmatched row so a later match needs no re-parsing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchCall {
    /// The switch's own unique id (with Asterisk's sequence), or a hash of the row.
    pub record_id: String,
    pub started_at: DateTime<Utc>,
    /// Seconds after answer; 0 when unanswered.
    pub billable_secs: u32,
    /// The calling party as written (`src`, `caller_id_number`).
    pub caller: String,
    /// The number in Asterisk's caller ID (`"Name" <number>`), when there is one.
    pub caller_id: String,
    pub called: String,
    pub accountcode: String,
}

const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.f";
const ASTERISK_BASE_COLUMNS: usize = 16;
const FREESWITCH_COLUMNS: usize = 15;

/// What the columns of a file mean, decided from its first line.
#[derive(Debug, Clone)]
pub enum Layout {
    Asterisk { uniqueid: Option<usize>, sequence: Option<usize>, columns: usize },
    Freeswitch,
    Csv(CsvColumns),
}

#[derive(Debug, Clone)]
pub struct CsvColumns {
    record_id: Option<usize>,
    caller: usize,
    called: usize,
    start: usize,
    billable_secs: Option<usize>,
    accountcode: Option<usize>,
    time_format: String,
    width: usize,
}

/// The layout and whether the first line was a header (not a row).
pub fn detect(
    format: Format,
    asterisk_columns: Option<&[AsteriskColumn]>,
    mapping: Option<&CsvMapping>,
    first_line: &str,
) -> Result<(Layout, bool), String> {
    let fields = csv_line::split(first_line).map_err(|e| format!("the first line is not CSV: {e}"))?;
    match format {
        Format::AsteriskCsv => {
            let optional = match asterisk_columns {
                Some(configured) => configured.to_vec(),
                None => asterisk_columns_from_count(fields.len())?,
            };
            let layout = asterisk_layout(&optional);
            let Layout::Asterisk { columns, .. } = layout else { unreachable!("asterisk_layout") };
            if fields.len() != columns {
                return Err(format!("the first row has {} columns, the configured layout {columns}", fields.len()));
            }
            looks_like_time(&fields[9])?;
            Ok((layout, false))
        }
        Format::FreeswitchCsv => {
            if fields.len() < FREESWITCH_COLUMNS {
                return Err(format!(
                    "the first row has {} columns, the example template {FREESWITCH_COLUMNS}",
                    fields.len()
                ));
            }
            looks_like_time(&fields[4])?;
            Ok((Layout::Freeswitch, false))
        }
        Format::Csv => {
            let mapping = mapping.ok_or("a csv source needs a column mapping in its configuration")?;
            Ok((Layout::Csv(csv_columns(mapping, &fields)?), true))
        }
    }
}

fn looks_like_time(value: &str) -> Result<(), String> {
    NaiveDateTime::parse_from_str(value, TIME_FORMAT)
        .map(|_| ())
        .map_err(|_| "the first row's start time is not a time of the format".to_owned())
}

/// Counts where the optional columns are unambiguous: 17 and 20 could be either
/// uniqueid or userfield alone, so those need `asterisk_columns` configured.
fn asterisk_columns_from_count(count: usize) -> Result<Vec<AsteriskColumn>, String> {
    use AsteriskColumn::{Newcdrcolumns, Uniqueid, Userfield};
    match count {
        16 => Ok(vec![]),
        18 => Ok(vec![Uniqueid, Userfield]),
        19 => Ok(vec![Newcdrcolumns]),
        21 => Ok(vec![Uniqueid, Userfield, Newcdrcolumns]),
        17 | 20 => {
            Err(format!("{count} columns could be uniqueid or userfield alone: set the source's asterisk_columns"))
        }
        other => Err(format!("an Asterisk cdr_csv row has 16 to 21 columns, the first row has {other}")),
    }
}

fn asterisk_layout(optional: &[AsteriskColumn]) -> Layout {
    let mut next = ASTERISK_BASE_COLUMNS;
    let mut uniqueid = None;
    let mut sequence = None;
    // Asterisk writes them in this order whatever order the configuration lists them.
    if optional.contains(&AsteriskColumn::Uniqueid) {
        uniqueid = Some(next);
        next += 1;
    }
    if optional.contains(&AsteriskColumn::Userfield) {
        next += 1;
    }
    if optional.contains(&AsteriskColumn::Newcdrcolumns) {
        sequence = Some(next + 2);
        next += 3;
    }
    Layout::Asterisk { uniqueid, sequence, columns: next }
}

fn csv_columns(mapping: &CsvMapping, header: &[String]) -> Result<CsvColumns, String> {
    let find = |name: &str| {
        header.iter().position(|h| h.trim() == name).ok_or_else(|| format!("the header has no column {name:?}"))
    };
    let optional = |name: &Option<String>| name.as_deref().map(find).transpose();
    Ok(CsvColumns {
        record_id: optional(&mapping.record_id)?,
        caller: find(&mapping.caller)?,
        called: find(&mapping.called)?,
        start: find(&mapping.start)?,
        billable_secs: optional(&mapping.billable_secs)?,
        accountcode: optional(&mapping.accountcode)?,
        time_format: mapping.time_format.clone(),
        width: header.len(),
    })
}

/// A hash of the row, for formats or rows without a unique id: the same bytes (a
/// re-import, Asterisk's per-accountcode copy) give the same key.
pub fn row_hash(line: &str) -> String {
    let digest = Sha256::digest(line.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("row:{hex}")
}

impl Layout {
    /// One row (not the header) into a call, or why it is malformed.
    pub fn read(&self, line: &str, tz: Tz) -> Result<SwitchCall, String> {
        let f = csv_line::split(line).map_err(|e| format!("not CSV: {e}"))?;
        match self {
            Layout::Asterisk { uniqueid, sequence, columns } => {
                if f.len() != *columns {
                    return Err(format!("{} columns where this source writes {columns}", f.len()));
                }
                let id = uniqueid.map(|i| f[i].trim()).filter(|id| !id.is_empty());
                let record_id = match (id, sequence) {
                    (Some(id), Some(seq)) => format!("{id}/{}", f[*seq].trim()),
                    (Some(id), None) => id.to_owned(),
                    (None, _) => row_hash(line),
                };
                let started_at = local_time(tz, &f[9], &f[11], &f[12])?;
                Ok(SwitchCall {
                    record_id,
                    started_at,
                    billable_secs: billable(&f[10], &f[13])?,
                    caller: f[1].clone(),
                    caller_id: clid_number(&f[4]).to_owned(),
                    called: f[2].clone(),
                    accountcode: f[0].clone(),
                })
            }
            Layout::Freeswitch => {
                if f.len() < FREESWITCH_COLUMNS {
                    return Err(format!("{} columns where the example template writes {FREESWITCH_COLUMNS}", f.len()));
                }
                let uuid = f[10].trim();
                Ok(SwitchCall {
                    record_id: if uuid.is_empty() { row_hash(line) } else { uuid.to_owned() },
                    started_at: local_time(tz, &f[4], &f[6], &f[7])?,
                    billable_secs: billable(&f[5], &f[8])?,
                    caller: f[1].clone(),
                    caller_id: String::new(),
                    called: f[2].clone(),
                    accountcode: f[12].clone(),
                })
            }
            Layout::Csv(c) => {
                if f.len() != c.width {
                    return Err(format!("{} columns where the header has {}", f.len(), c.width));
                }
                let text = |i: Option<usize>| i.map(|i| f[i].trim().to_owned()).unwrap_or_default();
                let record_id = text(c.record_id);
                Ok(SwitchCall {
                    record_id: if record_id.is_empty() { row_hash(line) } else { record_id },
                    started_at: csv_time(tz, f[c.start].trim(), &c.time_format)?,
                    billable_secs: match c.billable_secs {
                        Some(i) => seconds("billable seconds", &f[i])?,
                        None => 0,
                    },
                    caller: f[c.caller].clone(),
                    caller_id: String::new(),
                    called: f[c.called].clone(),
                    accountcode: text(c.accountcode),
                })
            }
        }
    }
}

fn seconds(what: &str, value: &str) -> Result<u32, String> {
    value.trim().parse::<u32>().map_err(|_| format!("{what} {value:?} is not a whole number of seconds"))
}

/// Billable seconds; an empty answer time means unanswered, 0 billable.
fn billable(answer: &str, billsec: &str) -> Result<u32, String> {
    if answer.trim().is_empty() { Ok(0) } else { seconds("billsec", billsec) }
}

fn parse_local(what: &str, value: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(value.trim(), TIME_FORMAT)
        .map_err(|_| format!("{what} time {value:?} is not YYYY-MM-DD HH:MM:SS"))
}

fn local_time(tz: Tz, start: &str, end: &str, duration: &str) -> Result<DateTime<Utc>, String> {
    let start = parse_local("start", start)?;
    let end = if end.trim().is_empty() { None } else { Some(parse_local("end", end)?) };
    let duration = duration.trim().parse::<i64>().ok();
    to_utc(tz, start, end, duration)
}

fn csv_time(tz: Tz, value: &str, format: &str) -> Result<DateTime<Utc>, String> {
    match format {
        "rfc3339" => DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| format!("start {value:?} is not an RFC 3339 time")),
        "unix" => value
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or_else(|| format!("start {value:?} is not a Unix time")),
        pattern => {
            let local = NaiveDateTime::parse_from_str(value, pattern)
                .map_err(|_| format!("start {value:?} does not match {pattern:?}"))?;
            to_utc(tz, local, None, None)
        }
    }
}

/// The number in `"Name" <number>`, or the whole caller ID when it has no brackets.
fn clid_number(clid: &str) -> &str {
    match (clid.rfind('<'), clid.rfind('>')) {
        (Some(open), Some(close)) if open < close => &clid[open + 1..close],
        _ => clid.trim(),
    }
}

#[cfg(test)]
mod tests;
