//! Importing an affected-account list too large for the incident's JSON (a million
//! accounts is ~40 MB): `POST …/affected-accounts` streams `text/csv` or one account
//! number (or account id) per line, under its own body limit
//! (`[breach].max_import_bytes`), resolving lines against the accounts in batches.
//! Lines that name no account are reported (count, and the first few with their line
//! numbers) and kept on the incident (`unknown_affected`) for the privacy office —
//! never dropped. Importing the same list again adds nothing. `cpniguard breach
//! import-affected` runs the same [`AffectedImport`] from a file.

use super::handlers::{IncidentView, load, prepare, version_conflict, view};
use super::lists::not_yet_listed;
use crate::auth::CurrentStaff;
use crate::extract::ApiPath;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use cpniguard_core::ids::AccountId;
use cpniguard_store::breach::{AffectedChange, BreachEvent, MAX_REFS, UnknownAffected};
use futures::StreamExt;
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
    #[schema(value_type = Object)]
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

fn too_large(limit: u64) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "import_too_large",
        "Payload Too Large",
        format!(
            "an import is at most {limit} bytes ([breach].max_import_bytes); use `cpniguard breach import-affected`"
        ),
    )
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/affected-accounts", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id")),
    request_body(content = String, description = "One account number or account id per line (text/plain), or CSV whose first column is one (text/csv); a header line is skipped", content_type = "text/csv"),
    responses(
        (status = 200, body = ImportReport),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn import_affected(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    body: Body,
) -> ApiResult<Json<ImportReport>> {
    // Before reading a byte: the incident exists.
    load(&state, id).await?;
    let limit = state.config.breach.max_import_bytes;
    let mut import = AffectedImport::new(&state);
    let mut stream = body.into_data_stream();
    let (mut read, mut rest) = (0u64, Vec::new());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Problem::bad_request("body", format!("reading the list: {e}")))?;
        read += chunk.len() as u64;
        if read > limit {
            return Err(too_large(limit));
        }
        rest.extend_from_slice(&chunk);
        let Some(last_break) = rest.iter().rposition(|b| *b == b'\n') else { continue };
        let complete: Vec<u8> = rest.drain(..=last_break).collect();
        // Without its final break, every piece is a whole line.
        for line in complete[..last_break].split(|b| *b == b'\n') {
            push(&mut import, line).await?;
        }
    }
    if !rest.is_empty() {
        push(&mut import, &rest).await?;
    }
    Ok(Json(import.finish(id, &staff.0.username.to_string()).await?))
}

async fn push(import: &mut AffectedImport, line: &[u8]) -> ApiResult<()> {
    let line = std::str::from_utf8(line)
        .map_err(|_| Problem::validation(cpniguard_core::ValidationError::new("body", "the list is not UTF-8")))?;
    import.push_line(line.trim_end_matches('\r')).await
}
