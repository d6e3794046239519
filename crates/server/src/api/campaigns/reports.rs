//! Reports for the privacy officer: the campaigns of a period with what 47 CFR
//! 64.2009(c) requires of each record (description, the specific CPNI used, the
//! products and services offered) plus its review, and the third-party access log —
//! every disclosure of CPNI to, or access by, a third party in a period, read from the
//! audit chain.

use super::audience::ExportFormat;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::audit::{AuditEntry, Decision};
use cpniguard_notify::channels::postal::csv_row;
use cpniguard_store::MAX_PAGE;
use cpniguard_store::audit::AuditQuery;
use cpniguard_store::campaigns::Campaign;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// First day (UTC), included.
    pub from: NaiveDate,
    /// Last day (UTC), included.
    pub to: NaiveDate,
    /// json (default) or csv.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub format: ExportFormat,
}

impl PeriodQuery {
    /// `[from, to + 1 day)` in UTC.
    fn bounds(&self) -> Result<(DateTime<Utc>, DateTime<Utc>), ValidationError> {
        if self.to < self.from {
            return Err(ValidationError::new("to", "before from"));
        }
        let start = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        let end = self.to.succ_opt().ok_or_else(|| ValidationError::new("to", "out of range"))?;
        Ok((start(self.from), start(end)))
    }
}

/// One campaign of the report.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignReportRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub sponsor: String,
    pub sponsor_name: Option<String>,
    /// The specific CPNI used.
    pub cpni_categories: Vec<String>,
    /// The products and services offered.
    pub offers: Vec<String>,
    pub channels: Vec<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub state: String,
    pub created_by: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_reason: Option<String>,
    /// Audiences computed, and accounts in the latest one.
    pub audiences: u64,
    pub latest_audience_size: Option<u64>,
    pub closed_at: Option<DateTime<Utc>>,
    pub retain_until: Option<NaiveDate>,
}

fn name_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

async fn report_row(state: &AppState, c: Campaign) -> ApiResult<CampaignReportRow> {
    let audiences = state.store.audience_snapshots(c.id).await?;
    Ok(CampaignReportRow {
        id: c.id.to_string(),
        sponsor: name_of(&c.sponsor),
        channels: c.channels.iter().map(name_of).collect(),
        state: c.state.as_str().to_owned(),
        audiences: audiences.len() as u64,
        latest_audience_size: audiences.last().map(|a| a.included),
        name: c.name,
        description: c.description,
        sponsor_name: c.sponsor_name,
        cpni_categories: c.cpni_categories,
        offers: c.offers,
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        created_by: c.created_by,
        submitted_at: c.submitted_at,
        reviewed_by: c.reviewed_by,
        reviewed_at: c.reviewed_at,
        review_reason: c.review_reason,
        closed_at: c.closed_at,
        retain_until: c.retain_until,
    })
}

/// A report row as CSV: its header and its fields in the same order.
trait CsvRecord {
    const HEADER: &'static [&'static str];
    fn fields(&self) -> Vec<String>;
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

impl CsvRecord for CampaignReportRow {
    const HEADER: &'static [&'static str] = &[
        "id",
        "name",
        "description",
        "sponsor",
        "sponsor_name",
        "cpni_categories",
        "offers",
        "channels",
        "starts_on",
        "ends_on",
        "state",
        "created_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_reason",
        "audiences",
        "latest_audience_size",
        "closed_at",
        "retain_until",
    ];

    fn fields(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.description.clone(),
            self.sponsor.clone(),
            opt(&self.sponsor_name),
            self.cpni_categories.join("; "),
            self.offers.join("; "),
            self.channels.join("; "),
            self.starts_on.to_string(),
            self.ends_on.to_string(),
            self.state.clone(),
            self.created_by.clone(),
            opt(&self.submitted_at.map(|t| t.to_rfc3339())),
            opt(&self.reviewed_by),
            opt(&self.reviewed_at.map(|t| t.to_rfc3339())),
            opt(&self.review_reason),
            self.audiences.to_string(),
            opt(&self.latest_audience_size),
            opt(&self.closed_at.map(|t| t.to_rfc3339())),
            opt(&self.retain_until),
        ]
    }
}

impl CsvRecord for DisclosureRow {
    const HEADER: &'static [&'static str] = &[
        "seq",
        "at",
        "principal_kind",
        "principal_id",
        "action",
        "purpose",
        "account_id",
        "legal_ref",
        "record_refs",
        "policy_ids",
    ];

    fn fields(&self) -> Vec<String> {
        vec![
            self.seq.to_string(),
            self.at.to_rfc3339(),
            self.principal_kind.clone(),
            self.principal_id.clone(),
            self.action.clone(),
            opt(&self.purpose),
            opt(&self.account_id),
            opt(&self.legal_ref),
            self.record_refs.join("; "),
            self.policy_ids.join("; "),
        ]
    }
}

fn csv_of<T: CsvRecord>(rows: &[T]) -> String {
    let mut out = csv_row(T::HEADER.iter().copied());
    for r in rows {
        let fields = r.fields();
        out.push_str(&csv_row(fields.iter().map(String::as_str)));
    }
    out
}

fn respond<T: Serialize + CsvRecord>(format: ExportFormat, rows: Vec<T>) -> Response {
    match format {
        ExportFormat::Json => Json(rows).into_response(),
        ExportFormat::Csv => ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv_of(&rows)).into_response(),
    }
}

/// The campaigns active in a period, with the fields the record-keeping rule requires.
#[utoipa::path(get, path = "/api/v1/campaigns/report", tag = "campaigns", params(PeriodQuery),
    responses((status = 200, body = Vec<CampaignReportRow>, description = "JSON, or text/csv when asked"), (status = 422, body = Problem, content_type = "application/problem+json", description = "invalid input")),
    security(("bearer" = [])))]
pub async fn report(State(state): State<AppState>, ApiQuery(q): ApiQuery<PeriodQuery>) -> ApiResult<Response> {
    let (from, to) = q.bounds().map_err(Problem::validation)?;
    let mut rows = Vec::new();
    for c in state.store.campaigns_in_period(from, to).await? {
        rows.push(report_row(&state, c).await?);
    }
    Ok(respond(q.format, rows))
}

/// One disclosure of CPNI to, or access by, a third party.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureRow {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub principal_kind: String,
    pub principal_id: String,
    pub action: String,
    pub purpose: Option<String>,
    pub account_id: Option<String>,
    pub legal_ref: Option<String>,
    /// References to what was disclosed (`campaign:…`, `call:…`), never values.
    pub record_refs: Vec<String>,
    pub policy_ids: Vec<String>,
}

/// Actions that are a third party's access by their nature.
const THIRD_PARTY_ACTIONS: [&str; 2] = ["disclose_to_third_party", "answer_pic_freeze_inquiry"];

fn is_third_party_access(e: &AuditEntry) -> bool {
    e.record.decision == Decision::Allow
        && (THIRD_PARTY_ACTIONS.contains(&e.record.action.as_str())
            || e.record.purpose.as_deref() == Some("legal_process"))
}

/// Every allowed disclosure to a third party in a period: partner exports, legal
/// process, other carriers' PIC-freeze inquiries — from the audit chain.
#[utoipa::path(get, path = "/api/v1/campaigns/third-party-disclosures", tag = "campaigns", params(PeriodQuery),
    responses((status = 200, body = Vec<DisclosureRow>, description = "JSON, or text/csv when asked"), (status = 422, body = Problem, content_type = "application/problem+json", description = "invalid input")),
    security(("bearer" = [])))]
pub async fn third_party_disclosures(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Response> {
    let (from, to) = q.bounds().map_err(Problem::validation)?;
    let mut query = AuditQuery { from: Some(from), to: Some(to), limit: MAX_PAGE, ..Default::default() };
    let mut rows = Vec::new();
    loop {
        let page = state.store.search_audit(&query).await?;
        rows.extend(page.entries.into_iter().filter(is_third_party_access).map(|e| DisclosureRow {
            seq: e.seq,
            at: e.record.at,
            principal_kind: e.record.principal.kind.as_str().to_owned(),
            principal_id: e.record.principal.id,
            action: e.record.action,
            purpose: e.record.purpose,
            account_id: e.record.account_id.map(|a| a.to_string()),
            legal_ref: e.record.legal_ref,
            record_refs: e.record.record_refs,
            policy_ids: e.record.policy_ids,
        }));
        match page.next_after {
            Some(after) => query.after_seq = Some(after),
            None => break,
        }
    }
    Ok(respond(q.format, rows))
}
