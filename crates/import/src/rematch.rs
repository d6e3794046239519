//! Matching the unmatched rows again, after numbers were assigned (`import rematch`,
//! and after a billing sync): each entry's stored record is matched with its source's
//! current rules; what matches is stored and leaves the quarantine in one transaction.

use crate::config::ImportConfig;
use crate::formats::SwitchCall;
use crate::matching::MatchRules;
use crate::run::{ImportError, holders_of, match_rules};
use chrono::Utc;
use cpniguard_store::Store;
use cpniguard_store::call_import::{
    CallImportBatch, QuarantineEntry, QuarantineKind, QuarantineQuery, QuarantineRecords,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RematchCounts {
    pub examined: u64,
    pub inserted: u64,
    pub duplicates: u64,
    pub still_unmatched: u64,
}

const PAGE: u32 = 500;

/// Match every unmatched entry again. The quarantine's rows are read through
/// `quarantine`, which whoever opened the store hands over (the CLI; in the server, the
/// gate after a recorded decision).
pub async fn rematch(
    store: &Arc<dyn Store>,
    quarantine: &dyn QuarantineRecords,
    config: &ImportConfig,
) -> Result<RematchCounts, ImportError> {
    let mut counts = RematchCounts::default();
    let mut rules: BTreeMap<String, MatchRules> = BTreeMap::new();
    let mut after = None;
    loop {
        let query = QuarantineQuery { kind: Some(QuarantineKind::Unmatched), source: None, after, limit: PAGE };
        let page = quarantine.list_import_quarantine(&query).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let mut by_source: BTreeMap<String, Vec<QuarantineEntry>> = BTreeMap::new();
        for entry in page {
            by_source.entry(entry.entry.source.clone()).or_default().push(entry);
        }
        for (source, entries) in by_source {
            if !rules.contains_key(&source) {
                rules.insert(source.clone(), match_rules(store.as_ref(), config, &source, None).await?);
            }
            let source_rules = &rules[&source];
            counts.add(rematch_entries(store, source_rules, &entries).await?);
        }
    }
    Ok(counts)
}

impl RematchCounts {
    fn add(&mut self, other: RematchCounts) {
        self.examined += other.examined;
        self.inserted += other.inserted;
        self.duplicates += other.duplicates;
        self.still_unmatched += other.still_unmatched;
    }
}

async fn rematch_entries(
    store: &Arc<dyn Store>,
    rules: &MatchRules,
    entries: &[QuarantineEntry],
) -> Result<RematchCounts, ImportError> {
    let mut counts = RematchCounts { examined: entries.len() as u64, ..Default::default() };
    let records: Vec<SwitchCall> = entries
        .iter()
        .filter_map(|e| e.entry.call.as_deref().and_then(|json| serde_json::from_str(json).ok()))
        .collect();
    let holders = holders_of(store, rules, records.iter()).await?;
    let mut calls = Vec::new();
    let mut matched = Vec::new();
    let mut resolved = Vec::new();
    for record in &records {
        match rules.sides(record, &holders) {
            Ok(sides) => {
                let start = calls.len();
                calls.extend(sides);
                matched.push(start..calls.len());
                resolved.push(record.record_id.clone());
            }
            Err(_) => counts.still_unmatched += 1,
        }
    }
    // An entry whose stored record no longer reads stays for a person to look at.
    counts.still_unmatched += (entries.len() - records.len()) as u64;
    if calls.is_empty() {
        return Ok(counts);
    }
    let batch = CallImportBatch { source: &rules.source, calls: &calls, quarantine: &[], resolved: &resolved };
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
