//! The summary of a call-detail import: how every row read ended. `cpniguard import
//! cdr` prints it and `POST /api/v1/imports/cdr` answers with it; both run the importer
//! of the `cpniguard_import` crate.

use cpniguard_import::Counts;
use serde::Serialize;
use std::time::Instant;
use utoipa::ToSchema;

/// How the rows of an import ended: every row read is exactly one of inserted,
/// duplicates, unmatched or malformed. The CLI prints the same object.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportSummary {
    pub read: u64,
    pub inserted: u64,
    pub duplicates: u64,
    pub unmatched: u64,
    pub malformed: u64,
    pub source: String,
    pub seconds: f64,
    /// Files refused whole because their first line is not of the format.
    pub not_the_format: Vec<String>,
}

impl ImportSummary {
    pub fn new(counts: &Counts, source: &str, started: Instant, not_the_format: Vec<String>) -> Self {
        Self {
            read: counts.read,
            inserted: counts.inserted,
            duplicates: counts.duplicates,
            unmatched: counts.unmatched,
            malformed: counts.malformed,
            source: source.to_owned(),
            seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            not_the_format,
        }
    }
}
