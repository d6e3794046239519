//! An affected-account list resolved against the accounts a batch at a time and added
//! to a breach incident in one versioned write: the streamed upload
//! (`POST …/affected-accounts`) and `cpniguard breach import-affected` both feed it
//! lines. Lines that name no account are kept on the incident for the privacy office,
//! never dropped; importing the same list again adds nothing.

use crate::application::breach_incidents::{IncidentView, load, not_yet_listed, prepare, version_conflict, view};
use crate::problem::ApiResult;
use crate::state::AppState;
use cpniguard_core::ids::AccountId;
use cpniguard_store::breach::{AffectedChange, BreachEvent, MAX_REFS, UnknownAffected};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

/// Unknown lines listed in the answer (all of them are kept on the incident).
const REPORTED_UNKNOWN: usize = 100;

/// A first line with one of these names is a CSV header, not an account.
const HEADERS: [&str; 5] = ["account", "account_number", "account_id", "id", "number"];

#[derive(Debug, Serialize, ToSchema)]
pub struct UnknownLine {
    pub line: u64,
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Lines read, the header and blank lines included.
    pub lines: u64,
    /// Lines naming an account.
    pub resolved: u64,
    /// Accounts new to the incident's list.
    pub added: u64,
    /// Lines naming no account.
    pub unknown: u64,
    /// The first unknown lines.
    pub unknown_first: Vec<UnknownLine>,
    /// Accounts the incident now lists.
    pub affected_total: u64,
    pub incident: IncidentView,
}

/// The lines of one import, resolved a batch at a time.
pub struct AffectedImport {
    state: AppState,
    lines: u64,
    pending: Vec<(u64, String)>,
    found: BTreeSet<AccountId>,
    resolved: u64,
    unknown: Vec<(u64, String)>,
}

/// The account in a CSV line: its first field, unquoted.
fn first_field(line: &str) -> &str {
    line.split(',').next().unwrap_or("").trim().trim_matches('"').trim()
}

impl AffectedImport {
    pub fn new(state: &AppState) -> Self {
        Self {
            state: state.clone(),
            lines: 0,
            pending: Vec::new(),
            found: BTreeSet::new(),
            resolved: 0,
            unknown: Vec::new(),
        }
    }

    /// One line of the list (without its line break).
    pub async fn push_line(&mut self, line: &str) -> ApiResult<()> {
        self.lines += 1;
        let value = first_field(line);
        if value.is_empty() || (self.lines == 1 && HEADERS.contains(&value.to_ascii_lowercase().as_str())) {
            return Ok(());
        }
        self.pending.push((self.lines, value.to_owned()));
        if self.pending.len() >= MAX_REFS { self.resolve().await } else { Ok(()) }
    }

    async fn resolve(&mut self) -> ApiResult<()> {
        let batch = std::mem::take(&mut self.pending);
        let refs: Vec<String> = batch.iter().map(|(_, v)| v.clone()).collect();
        let found: HashMap<String, AccountId> =
            self.state.store.resolve_account_refs(&refs).await?.into_iter().collect();
        for (line, value) in batch {
            match found.get(&value) {
                Some(id) => {
                    self.resolved += 1;
                    self.found.insert(*id);
                }
                None => self.unknown.push((line, value)),
            }
        }
        Ok(())
    }

    /// Resolve what is left and add the accounts (and the unknown lines) to the
    /// incident in one versioned write with an `affected_imported` event.
    pub async fn finish(mut self, incident_id: Uuid, actor: &str) -> ApiResult<ImportReport> {
        self.resolve().await?;
        let state = self.state.clone();
        let mut incident = load(&state, incident_id).await?;
        let expected = incident.version;
        let now = state.now();
        let new_accounts = not_yet_listed(&state, incident_id, self.found.iter().copied()).await?;
        let added = new_accounts.len() as u64;
        incident.affected_count += added;
        let known: BTreeSet<String> = incident.unknown_affected.iter().map(|u| u.value.clone()).collect();
        let mut new_unknown = BTreeSet::new();
        for (line, value) in &self.unknown {
            if !known.contains(value) && new_unknown.insert(value.clone()) {
                incident.unknown_affected.push(UnknownAffected { line: *line, value: value.clone(), imported_at: now });
            }
        }
        prepare(&state, &mut incident)?;
        let event = BreachEvent {
            id: Uuid::now_v7(),
            incident_id,
            at: now,
            actor: actor.to_owned(),
            kind: "affected_imported".to_owned(),
            detail: serde_json::json!({
                "lines": self.lines, "resolved": self.resolved, "added": added, "unknown": self.unknown.len(),
            }),
        };
        state
            .store
            .update_breach_incident(&incident, expected, &event, AffectedChange::Add(&new_accounts))
            .await
            .map_err(version_conflict)?;
        tracing::info!(incident = %incident_id, lines = self.lines, added, unknown = self.unknown.len(), "affected accounts imported");
        let affected_total = incident.affected_count;
        Ok(ImportReport {
            lines: self.lines,
            resolved: self.resolved,
            added,
            unknown: self.unknown.len() as u64,
            unknown_first: self
                .unknown
                .iter()
                .take(REPORTED_UNKNOWN)
                .map(|(line, value)| UnknownLine { line: *line, value: value.clone() })
                .collect(),
            affected_total,
            incident: view(&state, incident).await?,
        })
    }
}
