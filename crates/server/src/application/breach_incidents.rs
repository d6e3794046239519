//! A breach incident as the privacy office works on it: loading it, its view with every
//! clock, the versioned write's preparation, and its list of affected accounts — for the
//! breach API, the affected-account import (API and `cpniguard breach import-affected`)
//! and the privacy-office screen.

use crate::application::breach_clocks::{self as clocks, blocked_until, clocks_of};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use chrono::NaiveDate;
use cpniguard_core::breach::{Deadlines, record};
use cpniguard_core::ids::AccountId;
use cpniguard_store::StoreError;
use cpniguard_store::breach::{BreachIncident, MAX_ROWS_PAGE};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// An incident with every clock, whether customer notice is blocked today, and the
/// progress of the notices queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    #[schema(value_type = Object)]
    pub incident: BreachIncident,
    pub deadlines: Deadlines,
    /// Customer notice may not be sent before this day (a waiting period or a delay
    /// order); absent when it may be sent today.
    pub customer_notice_blocked_until: Option<NaiveDate>,
    /// The breach notices queued, by delivery status (queued, sending, sent, failed,
    /// abandoned); each account's is at `…/notices`.
    pub notice_counts: BTreeMap<String, u64>,
}

pub async fn load(state: &AppState, id: Uuid) -> ApiResult<BreachIncident> {
    state.store.get_breach_incident(id).await?.ok_or_else(|| Problem::not_found("breach incident"))
}

pub async fn view(state: &AppState, incident: BreachIncident) -> ApiResult<IncidentView> {
    let clocks = clocks_of(state, &incident)?;
    let today = clocks::calendar(state)?.local_date(state.now());
    let notice_counts = state.store.breach_notice_counts(incident.id).await?;
    Ok(IncidentView {
        customer_notice_blocked_until: blocked_until(&clocks, today),
        deadlines: clocks.deadlines,
        incident,
        notice_counts: notice_counts.into_iter().map(|(status, n)| (status.as_str().to_owned(), n)).collect(),
    })
}

/// Bump the version and recompute the retention date, which every write stores so
/// the store can refuse an early deletion by itself. The date only moves later.
pub fn prepare(state: &AppState, incident: &mut BreachIncident) -> ApiResult<()> {
    incident.version += 1;
    let computed = clocks_of(state, incident)?.deadlines.records_retain_until;
    incident.retain_until = record::retain_until_after_change(incident.retain_until, computed);
    Ok(())
}

pub fn version_conflict(e: StoreError) -> Problem {
    match e {
        StoreError::Conflict(_) => {
            Problem::conflict("version_conflict", "the incident changed meanwhile; reload and retry")
        }
        other => other.into(),
    }
}

/// Every affected account of the incident, by id.
pub async fn all_affected(state: &AppState, id: Uuid) -> ApiResult<Vec<AccountId>> {
    let mut all = Vec::new();
    loop {
        let page = state.store.breach_affected_accounts(id, all.last().copied(), MAX_ROWS_PAGE).await?;
        let full = page.len() == MAX_ROWS_PAGE;
        all.extend(page);
        if !full {
            return Ok(all);
        }
    }
}

/// Of `found` (sorted, distinct), the accounts the incident does not list yet.
pub async fn not_yet_listed(
    state: &AppState,
    id: Uuid,
    found: impl IntoIterator<Item = AccountId>,
) -> ApiResult<Vec<AccountId>> {
    let listed: HashSet<AccountId> = all_affected(state, id).await?.into_iter().collect();
    Ok(found.into_iter().filter(|a| !listed.contains(a)).collect())
}
