//! The auditor's screen: the audit log searched by account, staff member, date range
//! and decision, and the same search exported as CSV. Entries hold references, never
//! CPNI values, so reading them is not a CPNI read; the screen is for the privacy
//! office and auditors.

use super::pages::{Chrome, message_page, ok};
use super::session::ConsoleStaff;
use crate::problem::Problem;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{NaiveDate, TimeZone, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::account::AccountNumber;
use cpniguard_core::audit::{AuditEntry, Decision, PrincipalKind};
use cpniguard_core::staff::Username;
use cpniguard_store::audit::AuditQuery;
use serde::Deserialize;

/// Rows per screen and per export.
const SCREEN_ROWS: u32 = 200;
const EXPORT_ROWS: u32 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/audit", get(page))
        .route("/console/audit/export", get(export))
        .route("/console/audit/sealed-export", get(sealed_export))
}

/// The audit chain itself for the search's dates (all of it when none are given), as
/// the signed, sealed JSON Lines file `cpniguard audit verify --file` checks.
pub async fn sealed_export(State(state): State<AppState>, Query(filter): Query<Filter>) -> Response {
    let range = async {
        let q = filter.resolve(&state, 1).await?;
        let from = q.from.unwrap_or(chrono::DateTime::UNIX_EPOCH);
        let to = q.to.unwrap_or_else(|| state.now() + chrono::Duration::seconds(1));
        crate::api::audit_log::export::sealed(&state, from, to).await
    };
    match range.await {
        Ok(response) => response,
        Err(p) => message_page(p.status_code(), "Audit log", &p.detail),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    #[serde(default)]
    account: String,
    #[serde(default)]
    staff: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    decision: String,
}

impl Filter {
    fn is_empty(&self) -> bool {
        [&self.account, &self.staff, &self.from, &self.to, &self.decision].iter().all(|f| f.trim().is_empty())
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("account", &self.account),
            ("staff", &self.staff),
            ("from", &self.from),
            ("to", &self.to),
            ("decision", &self.decision),
        ])
        .unwrap_or_default()
    }

    /// The store query this filter asks for: account numbers and user names resolved.
    async fn resolve(&self, state: &AppState, limit: u32) -> Result<AuditQuery, Problem> {
        let day = |field: &str, text: &str| -> Result<Option<chrono::DateTime<Utc>>, ValidationError> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            let d = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| ValidationError::new(field, "a date, YYYY-MM-DD"))?;
            Ok(Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())))
        };
        let account = match self.account.trim() {
            "" => None,
            n => {
                let number = AccountNumber::parse(n).map_err(|e| e.within("account"))?;
                Some(state.store.get_account_by_number(&number).await?.ok_or_else(|| Problem::not_found("account"))?.id)
            }
        };
        let principal = match self.staff.trim() {
            "" => None,
            u => {
                let name = Username::parse(u).map_err(|e| e.within("staff"))?;
                let s = state
                    .store
                    .get_staff_by_username(&name)
                    .await?
                    .ok_or_else(|| Problem::not_found("staff member"))?;
                Some((PrincipalKind::Staff, s.id.to_string()))
            }
        };
        let decision = match self.decision.trim() {
            "" => None,
            "allow" => Some(Decision::Allow),
            "deny" => Some(Decision::Deny),
            _ => return Err(ValidationError::new("decision", "allow or deny").into()),
        };
        // The "to" day is included: the range ends at the start of the next day.
        let to = day("to", &self.to)?.map(|t| t + chrono::Duration::days(1));
        Ok(AuditQuery {
            account,
            principal,
            from: day("from", &self.from)?,
            to,
            decision,
            action: None,
            after_seq: None,
            limit,
        })
    }
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    chrome: Chrome,
    filter: Filter,
    export_query: String,
    entries: Vec<AuditEntry>,
    error: Option<String>,
    searched: bool,
}

pub async fn page(State(state): State<AppState>, who: ConsoleStaff, Query(filter): Query<Filter>) -> Response {
    let searched = !filter.is_empty();
    let (entries, error) = match filter.resolve(&state, SCREEN_ROWS).await {
        Ok(q) => match state.store.search_audit(&q).await {
            Ok(page) => (page.entries, None),
            Err(e) => (Vec::new(), Some(Problem::from(e).detail)),
        },
        Err(p) => (Vec::new(), Some(p.detail)),
    };
    let export_query = filter.query_string();
    ok(&AuditPage { chrome: Chrome::new(&who, "Audit log"), filter, export_query, entries, error, searched })
}

/// The search as CSV, for a regulator or a spreadsheet.
pub async fn export(State(state): State<AppState>, Query(filter): Query<Filter>) -> Response {
    let page = match filter.resolve(&state, EXPORT_ROWS).await {
        Ok(q) => state.store.search_audit(&q).await.map_err(Problem::from),
        Err(p) => Err(p),
    };
    match page {
        Ok(page) => {
            let mut csv =
                String::from("seq,at,principal_kind,principal_id,action,account_id,purpose,decision,policy_ids,hash\n");
            for e in &page.entries {
                let r = &e.record;
                let cells = [
                    e.seq.to_string(),
                    r.at.to_rfc3339(),
                    r.principal.kind.as_str().to_owned(),
                    r.principal.id.clone(),
                    r.action.clone(),
                    r.account_id.map(|a| a.to_string()).unwrap_or_default(),
                    r.purpose.clone().unwrap_or_default(),
                    r.decision.as_str().to_owned(),
                    r.policy_ids.join(" "),
                    e.hash.to_string(),
                ];
                let quoted: Vec<String> = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
                csv.push_str(&quoted.join(","));
                csv.push('\n');
            }
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""),
                ],
                csv,
            )
                .into_response()
        }
        Err(p) => message_page(p.status_code(), "Audit log", &p.detail),
    }
}
