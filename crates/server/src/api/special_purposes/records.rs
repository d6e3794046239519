//! Legal process and fraud cases as the privacy office records them. A legal process
//! is immutable once recorded (a corrected document is a new record, so there is no
//! edit or delete route); a fraud case is opened, then closed.

use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::account::one_line_text;
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_store::special_purposes::{FraudCase, LegalProcess, LegalProcessKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The most accounts one fraud case may name: a bigger investigation is several cases.
const MAX_CASE_ACCOUNTS: usize = 1000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalProcessRequest {
    /// `subpoena`, `court_order`, `warrant` or `other`.
    pub kind: String,
    /// The court, agency or official who issued it.
    pub issuing_authority: String,
    /// The docket, case or order number.
    pub reference: String,
    pub issued_on: NaiveDate,
    /// The one account it covers.
    pub account_id: AccountId,
    /// The records covered are those dated in `[scope_from, scope_to)`.
    pub scope_from: DateTime<Utc>,
    pub scope_to: DateTime<Utc>,
    /// SHA-256 of the scanned document, 64 hex digits.
    pub document_sha256: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalProcessView {
    #[schema(value_type = String)]
    pub id: Uuid,
    pub kind: String,
    pub issuing_authority: String,
    pub reference: String,
    pub issued_on: NaiveDate,
    pub account_id: AccountId,
    pub scope_from: DateTime<Utc>,
    pub scope_to: DateTime<Utc>,
    pub document_sha256: String,
    pub recorded_by: StaffId,
    pub recorded_at: DateTime<Utc>,
}

impl From<LegalProcess> for LegalProcessView {
    fn from(p: LegalProcess) -> Self {
        LegalProcessView {
            id: p.id,
            kind: p.kind.as_str().to_owned(),
            issuing_authority: p.issuing_authority,
            reference: p.reference,
            issued_on: p.issued_on,
            account_id: p.account_id,
            scope_from: p.scope_from,
            scope_to: p.scope_to,
            document_sha256: p.document_sha256,
            recorded_by: p.recorded_by,
            recorded_at: p.recorded_at,
        }
    }
}

fn legal_process(
    req: LegalProcessRequest,
    staff: StaffId,
    now: DateTime<Utc>,
) -> Result<LegalProcess, ValidationError> {
    let kind = LegalProcessKind::parse(&req.kind)
        .ok_or_else(|| ValidationError::new("kind", "one of subpoena, court_order, warrant, other"))?;
    if req.scope_from >= req.scope_to {
        return Err(ValidationError::new("scope_to", "must be after scope_from"));
    }
    let hash = req.document_sha256.trim().to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ValidationError::new("document_sha256", "the document's SHA-256 as 64 hexadecimal digits"));
    }
    if req.issued_on > now.date_naive() {
        return Err(ValidationError::new("issued_on", "cannot be in the future"));
    }
    Ok(LegalProcess {
        id: Uuid::now_v7(),
        kind,
        issuing_authority: one_line_text("issuing_authority", &req.issuing_authority, 200)?,
        reference: one_line_text("reference", &req.reference, 200)?,
        issued_on: req.issued_on,
        account_id: req.account_id,
        scope_from: req.scope_from,
        scope_to: req.scope_to,
        document_sha256: hash,
        recorded_by: staff,
        recorded_at: now,
    })
}

#[utoipa::path(
    post, path = "/api/v1/legal-processes", tag = "special purposes", request_body = LegalProcessRequest,
    responses((status = 201, body = LegalProcessView),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Recorded already (same authority and reference)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn record_legal_process(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    ApiJson(req): ApiJson<LegalProcessRequest>,
) -> ApiResult<(StatusCode, Json<LegalProcessView>)> {
    let process = legal_process(req, staff.id, state.now())?;
    state.store.record_legal_process(&process).await?;
    // As stored (times kept to the microsecond), so it reads back the same later.
    let stored = state.store.legal_process(process.id).await?.ok_or_else(|| Problem::not_found("legal process"))?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LegalProcessFilter {
    /// Only the processes covering this account.
    pub account_id: Option<AccountId>,
}

#[utoipa::path(
    get, path = "/api/v1/legal-processes", tag = "special purposes", params(LegalProcessFilter),
    responses((status = 200, description = "Newest first", body = [LegalProcessView])),
    security(("bearer" = []))
)]
pub async fn list_legal_processes(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<LegalProcessFilter>,
) -> ApiResult<Json<Vec<LegalProcessView>>> {
    let processes = state.store.list_legal_processes(filter.account_id).await?;
    Ok(Json(processes.into_iter().map(Into::into).collect()))
}

#[utoipa::path(
    get, path = "/api/v1/legal-processes/{id}", tag = "special purposes",
    params(("id" = Uuid, Path, description = "Legal process id")),
    responses((status = 200, body = LegalProcessView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn get_legal_process(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<LegalProcessView>> {
    let process = state.store.legal_process(id).await?.ok_or_else(|| Problem::not_found("legal process"))?;
    Ok(Json(process.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FraudCaseRequest {
    /// The case reference (internal or law-enforcement).
    pub reference: String,
    /// Why CPNI of these accounts is needed to protect the carrier or its customers.
    pub reason: String,
    /// The accounts under investigation (at least one).
    pub account_ids: Vec<AccountId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FraudCaseView {
    #[schema(value_type = String)]
    pub id: Uuid,
    pub reference: String,
    pub reason: String,
    pub account_ids: Vec<AccountId>,
    pub opened_by: StaffId,
    pub opened_at: DateTime<Utc>,
    /// Absent while the case is open.
    pub closed_at: Option<DateTime<Utc>>,
    pub open: bool,
}

impl From<FraudCase> for FraudCaseView {
    fn from(c: FraudCase) -> Self {
        FraudCaseView {
            open: c.closed_at.is_none(),
            id: c.id,
            reference: c.reference,
            reason: c.reason,
            account_ids: c.account_ids,
            opened_by: c.opened_by,
            opened_at: c.opened_at,
            closed_at: c.closed_at,
        }
    }
}

#[utoipa::path(
    post, path = "/api/v1/fraud-cases", tag = "special purposes", request_body = FraudCaseRequest,
    responses((status = 201, body = FraudCaseView),
        (status = 404, description = "An account does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An open case has this reference", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn open_fraud_case(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    ApiJson(req): ApiJson<FraudCaseRequest>,
) -> ApiResult<(StatusCode, Json<FraudCaseView>)> {
    // Sorted and without repeats: the order the store gives them back in.
    let accounts: BTreeSet<AccountId> = req.account_ids.into_iter().collect();
    if accounts.is_empty() || accounts.len() > MAX_CASE_ACCOUNTS {
        return Err(ValidationError::new("account_ids", format!("1 to {MAX_CASE_ACCOUNTS} accounts")).into());
    }
    let case = FraudCase {
        id: Uuid::now_v7(),
        reference: one_line_text("reference", &req.reference, 200)?,
        reason: one_line_text("reason", &req.reason, 2000)?,
        account_ids: accounts.into_iter().collect(),
        opened_by: staff.id,
        opened_at: state.now(),
        closed_at: None,
    };
    state.store.open_fraud_case(&case).await?;
    // As stored (times kept to the microsecond), so it reads back the same later.
    Ok((StatusCode::CREATED, Json(load_case(&state, case.id).await?.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FraudCaseFilter {
    /// Only open cases (default: all).
    #[serde(default)]
    pub open_only: bool,
}

#[utoipa::path(
    get, path = "/api/v1/fraud-cases", tag = "special purposes", params(FraudCaseFilter),
    responses((status = 200, description = "Newest first", body = [FraudCaseView])),
    security(("bearer" = []))
)]
pub async fn list_fraud_cases(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<FraudCaseFilter>,
) -> ApiResult<Json<Vec<FraudCaseView>>> {
    let cases = state.store.list_fraud_cases(filter.open_only).await?;
    Ok(Json(cases.into_iter().map(Into::into).collect()))
}

async fn load_case(state: &AppState, id: Uuid) -> ApiResult<FraudCase> {
    state.store.fraud_case(id).await?.ok_or_else(|| Problem::not_found("fraud case"))
}

#[utoipa::path(
    get, path = "/api/v1/fraud-cases/{id}", tag = "special purposes",
    params(("id" = Uuid, Path, description = "Fraud case id")),
    responses((status = 200, body = FraudCaseView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn get_fraud_case(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<FraudCaseView>> {
    Ok(Json(load_case(&state, id).await?.into()))
}

#[utoipa::path(
    post, path = "/api/v1/fraud-cases/{id}/close", tag = "special purposes",
    params(("id" = Uuid, Path, description = "Fraud case id")),
    responses((status = 200, body = FraudCaseView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Closed already", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn close_fraud_case(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<FraudCaseView>> {
    let case = load_case(&state, id).await?;
    if let Some(at) = case.closed_at {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "fraud_case_closed",
            "Closed already",
            format!("the fraud case was closed at {at}"),
        ));
    }
    state.store.close_fraud_case(id, state.now()).await?;
    Ok(Json(load_case(&state, id).await?.into()))
}
