//! Call detail in from the carrier's switches (issue 19): Asterisk cdr_csv, FreeSWITCH
//! mod_cdr_csv and mapped CSV exports, read a line at a time, numbers normalised to
//! E.164, times to UTC in the source's zone, rows matched to the accounts whose
//! services held the numbers at the time, and written in small batches through
//! [`cpniguard_store::CallImportStore`]. Rows that cannot be stored as calls go to the
//! quarantine with their reason; nothing read is lost.
#![forbid(unsafe_code)]

pub mod billing;
pub mod config;
mod csv_line;
pub mod formats;
pub mod matching;
pub mod rematch;
pub mod rules;
pub mod run;
pub mod watch;

#[cfg(test)]
mod properties;

pub use config::{Format, ImportConfig, SourceConfig};
pub use rematch::{RematchCounts, rematch};
pub use run::{Counts, ImportError, Source, StreamStart, import_stream, import_stream_from, match_rules};
pub use watch::{Watch, WatchStep};
