//! Staff CPNI training records (one at a time, or a CSV import whose refused rows are
//! kept with their reasons), who is lapsing, and disciplinary records for misuse
//! (47 CFR 64.2009(b)). Recording a completion also moves the staff member's
//! `training_completed_on`, the disclosure gate's input, in the same transaction.

use crate::application::training::{self, ImportView, LapsingView};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::ids::StaffId;
use cpniguard_core::staff::Username;
use cpniguard_store::training::{DisciplinaryRecord, TrainingRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Disciplinary actions a record may name.
pub const ACTIONS: [&str; 5] = ["warning", "retraining", "suspension", "termination", "other"];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingRequest {
    #[schema(value_type = String)]
    pub username: Username,
    pub course: String,
    pub completed_on: NaiveDate,
    /// Default: `completed_on` plus `[rules].training_validity_months`.
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingView {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub username: Username,
    pub course: String,
    pub completed_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub source: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantinedRowView {
    pub import_id: Uuid,
    pub line: u64,
    /// The row as sent.
    pub raw: String,
    pub reason: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// An active staff member whose CPNI training has lapsed or lapses within
/// `[certification].reminder_lead_days`, by the disclosure gate's own arithmetic.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisciplineRequest {
    #[schema(value_type = String)]
    pub username: Username,
    pub occurred_on: NaiveDate,
    /// What was misused and how (describe, never copy, the CPNI).
    pub misuse: String,
    /// warning, retraining, suspension, termination or other.
    pub action: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisciplineView {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub username: Username,
    pub occurred_on: NaiveDate,
    pub misuse: String,
    pub action: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StaffFilter {
    /// Only this staff member's records.
    pub username: Option<String>,
}

fn invalid(field: &str, reason: impl Into<String>) -> Problem {
    Problem::validation(ValidationError::new(field, reason))
}

async fn usernames(state: &AppState) -> ApiResult<BTreeMap<StaffId, Username>> {
    Ok(state.store.list_staff().await?.into_iter().map(|s| (s.id, s.username)).collect())
}

fn training_view(names: &BTreeMap<StaffId, Username>, r: TrainingRecord) -> Option<TrainingView> {
    Some(TrainingView {
        id: r.id,
        username: names.get(&r.staff_id)?.clone(),
        course: r.course,
        completed_on: r.completed_on,
        expires_on: r.expires_on,
        source: r.source,
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at,
    })
}

async fn filter_staff(state: &AppState, filter: &StaffFilter) -> ApiResult<Option<StaffId>> {
    let Some(name) = &filter.username else { return Ok(None) };
    let username = Username::parse(name).map_err(Problem::validation)?;
    let staff =
        state.store.get_staff_by_username(&username).await?.ok_or_else(|| Problem::not_found("staff member"))?;
    Ok(Some(staff.id))
}

#[utoipa::path(
    post, path = "/api/v1/privacy-office/training", tag = "privacy-office", request_body = TrainingRequest,
    responses((status = 201, body = TrainingView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn record(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiJson(req): ApiJson<TrainingRequest>,
) -> ApiResult<(StatusCode, Json<TrainingView>)> {
    let record = training::record(
        &state,
        &req.username,
        &req.course,
        req.completed_on,
        req.expires_on,
        staff.0.username.as_str(),
    )
    .await?;
    let view = TrainingView {
        id: record.id,
        username: req.username,
        course: record.course,
        completed_on: record.completed_on,
        expires_on: record.expires_on,
        source: record.source,
        recorded_by: record.recorded_by,
        recorded_at: record.recorded_at,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(
    get, path = "/api/v1/privacy-office/training", tag = "privacy-office", params(StaffFilter),
    responses((status = 200, body = [TrainingView])),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<StaffFilter>,
) -> ApiResult<Json<Vec<TrainingView>>> {
    let staff = filter_staff(&state, &filter).await?;
    let names = usernames(&state).await?;
    let records = state.store.list_training(staff).await?;
    Ok(Json(records.into_iter().filter_map(|r| training_view(&names, r)).collect()))
}

#[utoipa::path(
    post, path = "/api/v1/privacy-office/training/import", tag = "privacy-office",
    request_body(content = String, content_type = "text/csv",
        description = "Header `username,course,completed_on[,expires_on]`, dates YYYY-MM-DD"),
    responses(
        (status = 200, body = ImportView, description = "Good rows imported; refused rows listed and kept"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn import(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportView>> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.trim_start().to_ascii_lowercase().starts_with("text/csv") {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "send the file with Content-Type: text/csv",
        ));
    }
    let text = std::str::from_utf8(&body).map_err(|_| Problem::bad_request("bad_csv", "the file is not UTF-8"))?;
    Ok(Json(training::import(&state, text, staff.0.username.as_str()).await?))
}

#[utoipa::path(
    get, path = "/api/v1/privacy-office/training/import-rejects", tag = "privacy-office",
    responses((status = 200, body = [QuarantinedRowView], description = "Refused import rows, newest first")),
    security(("bearer" = []))
)]
pub async fn rejects(State(state): State<AppState>) -> ApiResult<Json<Vec<QuarantinedRowView>>> {
    let rows = state.store.list_training_rejects(cpniguard_store::MAX_PAGE).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| QuarantinedRowView {
                import_id: r.import_id,
                line: r.line,
                raw: r.raw,
                reason: r.reason,
                recorded_by: r.recorded_by,
                recorded_at: r.recorded_at,
            })
            .collect(),
    ))
}

#[utoipa::path(
    get, path = "/api/v1/privacy-office/training/lapsing", tag = "privacy-office",
    responses((status = 200, body = [LapsingView])),
    security(("bearer" = []))
)]
pub async fn lapsing_list(State(state): State<AppState>) -> ApiResult<Json<Vec<LapsingView>>> {
    let today = training::today(&state)?;
    Ok(Json(training::lapsing(&state, today).await?))
}

#[utoipa::path(
    post, path = "/api/v1/privacy-office/discipline", tag = "privacy-office", request_body = DisciplineRequest,
    responses((status = 201, body = DisciplineView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn record_discipline(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiJson(req): ApiJson<DisciplineRequest>,
) -> ApiResult<(StatusCode, Json<DisciplineView>)> {
    if !ACTIONS.contains(&req.action.as_str()) {
        return Err(invalid("action", format!("one of {}", ACTIONS.join(", "))));
    }
    let misuse = req.misuse.trim();
    if misuse.is_empty() || misuse.chars().count() > 2000 {
        return Err(invalid("misuse", "1 to 2000 characters"));
    }
    if req.occurred_on > training::today(&state)? {
        return Err(invalid("occurred_on", "in the future"));
    }
    let member = state
        .store
        .get_staff_by_username(&req.username)
        .await?
        .ok_or_else(|| invalid("username", "no such staff member"))?;
    let record = DisciplinaryRecord {
        id: Uuid::now_v7(),
        staff_id: member.id,
        occurred_on: req.occurred_on,
        misuse: misuse.to_owned(),
        action: req.action,
        recorded_by: staff.0.username.to_string(),
        recorded_at: state.now(),
    };
    state.store.record_discipline(&record).await?;
    Ok((StatusCode::CREATED, Json(discipline_view(member.username, record))))
}

fn discipline_view(username: Username, r: DisciplinaryRecord) -> DisciplineView {
    DisciplineView {
        id: r.id,
        username,
        occurred_on: r.occurred_on,
        misuse: r.misuse,
        action: r.action,
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at,
    }
}

#[utoipa::path(
    get, path = "/api/v1/privacy-office/discipline", tag = "privacy-office", params(StaffFilter),
    responses((status = 200, body = [DisciplineView])),
    security(("bearer" = []))
)]
pub async fn list_discipline(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<StaffFilter>,
) -> ApiResult<Json<Vec<DisciplineView>>> {
    let staff = filter_staff(&state, &filter).await?;
    let names = usernames(&state).await?;
    let records = state.store.list_discipline(staff).await?;
    Ok(Json(records.into_iter().filter_map(|r| Some(discipline_view(names.get(&r.staff_id)?.clone(), r))).collect()))
}
