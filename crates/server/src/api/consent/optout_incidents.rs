//! Opt-out failure incidents (issue 6, item 7; 47 CFR 64.2009(f)), opened by the health
//! check in `consent_jobs`: the privacy office reads each with its letter to the
//! Commission drafted and its due date, records the remedy and whether the state
//! commissions were told, then that the letter was sent, and closes it. Every change
//! is versioned; a closed incident is a record and changes no more.

use super::optout_letter::{self, LetterDraft};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::calendar::FederalCalendar;
use cpniguard_store::StoreError;
use cpniguard_store::consent::{
    OptOutIncident, OptOutIncidentStatus, OptOutLetterSent, OptOutRemedy, StateCommissionsNotice,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct OptOutIncidentView {
    #[schema(value_type = Object)]
    pub incident: OptOutIncident,
    /// The letter is due and not sent.
    pub overdue: bool,
    pub letter: LetterDraft,
}

fn view(state: &AppState, incident: OptOutIncident) -> ApiResult<OptOutIncidentView> {
    let cal = FederalCalendar::for_time_zone(&state.config.carrier.time_zone).map_err(Problem::validation)?;
    let overdue = incident.letter_sent.is_none() && cal.local_date(state.now()) > incident.due_on;
    let letter = optout_letter::draft(&state.config, &incident);
    Ok(OptOutIncidentView { incident, overdue, letter })
}

/// Load, refuse a closed incident, apply `f`, and store the next version.
async fn change(
    state: &AppState,
    id: Uuid,
    f: impl FnOnce(&mut OptOutIncident, DateTime<Utc>) -> ApiResult<()>,
) -> ApiResult<Json<OptOutIncidentView>> {
    let mut incident =
        state.store.get_optout_incident(id).await?.ok_or_else(|| Problem::not_found("opt-out incident"))?;
    if incident.status == OptOutIncidentStatus::Closed {
        return Err(Problem::conflict("closed", "the incident is closed"));
    }
    let expected = incident.version;
    f(&mut incident, state.now())?;
    incident.version += 1;
    state.store.update_optout_incident(&incident, expected).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            Problem::conflict("version_conflict", "the incident changed meanwhile; reload and retry")
        }
        other => other.into(),
    })?;
    Ok(Json(view(state, incident)?))
}

fn required(field: &str, value: &str) -> ApiResult<()> {
    if value.trim().is_empty() {
        return Err(Problem::validation(ValidationError::new(field, "required")));
    }
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only open incidents (default false).
    #[serde(default)]
    pub open: bool,
}

#[utoipa::path(
    get, path = "/api/v1/consent/optout-incidents", tag = "consent", params(ListQuery),
    responses((status = 200, body = [OptOutIncidentView])),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<OptOutIncidentView>>> {
    let incidents = state.store.list_optout_incidents(q.open).await?;
    Ok(Json(incidents.into_iter().map(|i| view(&state, i)).collect::<ApiResult<_>>()?))
}

#[utoipa::path(
    get, path = "/api/v1/consent/optout-incidents/{id}", tag = "consent",
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, body = OptOutIncidentView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiPath(id): ApiPath<Uuid>) -> ApiResult<Json<OptOutIncidentView>> {
    let incident = state.store.get_optout_incident(id).await?.ok_or_else(|| Problem::not_found("opt-out incident"))?;
    Ok(Json(view(&state, incident)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemedyRequest {
    pub description: String,
    /// When the remedy was (or will be) implemented.
    pub implemented_on: NaiveDate,
}

#[utoipa::path(
    post, path = "/api/v1/consent/optout-incidents/{id}/remedy", tag = "consent", request_body = RemedyRequest,
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, body = OptOutIncidentView), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn remedy(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<RemedyRequest>,
) -> ApiResult<Json<OptOutIncidentView>> {
    required("description", &req.description)?;
    let by = staff.0.username.to_string();
    change(&state, id, |i, now| {
        i.remedy = Some(OptOutRemedy {
            description: req.description,
            implemented_on: req.implemented_on,
            recorded_by: by,
            recorded_at: now,
        });
        Ok(())
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateCommissionsRequest {
    pub notified: bool,
    /// Which commissions, and when (required when notified).
    #[serde(default)]
    pub commissions: String,
    /// Any action they have taken.
    #[serde(default)]
    pub action_taken: String,
}

#[utoipa::path(
    post, path = "/api/v1/consent/optout-incidents/{id}/state-commissions", tag = "consent",
    request_body = StateCommissionsRequest, params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, body = OptOutIncidentView), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn state_commissions(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<StateCommissionsRequest>,
) -> ApiResult<Json<OptOutIncidentView>> {
    if req.notified {
        required("commissions", &req.commissions)?;
    }
    let by = staff.0.username.to_string();
    change(&state, id, |i, now| {
        i.state_commissions = Some(StateCommissionsNotice {
            notified: req.notified,
            commissions: req.commissions,
            action_taken: req.action_taken,
            recorded_by: by,
            recorded_at: now,
        });
        Ok(())
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LetterSentRequest {
    pub sent_on: NaiveDate,
    /// The filing or mail reference.
    pub reference: String,
}

#[utoipa::path(
    post, path = "/api/v1/consent/optout-incidents/{id}/letter-sent", tag = "consent",
    request_body = LetterSentRequest, params(("id" = Uuid, Path, description = "Incident id")),
    responses(
        (status = 200, body = OptOutIncidentView),
        (status = 409, description = "The letter still lacks facts, or the incident is closed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn letter_sent(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<LetterSentRequest>,
) -> ApiResult<Json<OptOutIncidentView>> {
    required("reference", &req.reference)?;
    let by = staff.0.username.to_string();
    let config = state.config.clone();
    change(&state, id, |i, now| {
        let missing = optout_letter::draft(&config, i).missing;
        if !missing.is_empty() {
            return Err(Problem::conflict("letter_incomplete", format!("record first: {}", missing.join(", "))));
        }
        if req.sent_on < i.detected_at.date_naive() {
            return Err(Problem::validation(ValidationError::new("sent_on", "not before the detection")));
        }
        i.letter_sent = Some(OptOutLetterSent {
            sent_on: req.sent_on,
            reference: req.reference,
            recorded_by: by,
            recorded_at: now,
        });
        Ok(())
    })
    .await
}

#[utoipa::path(
    post, path = "/api/v1/consent/optout-incidents/{id}/close", tag = "consent",
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, body = OptOutIncidentView), (status = 409, description = "The letter is not sent yet", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn close(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OptOutIncidentView>> {
    let by = staff.0.username.to_string();
    change(&state, id, |i, now| {
        if i.letter_sent.is_none() {
            return Err(Problem::conflict("letter_not_sent", "record the letter to the Commission first"));
        }
        i.status = OptOutIncidentStatus::Closed;
        i.closed_at = Some(now);
        i.closed_by = Some(by);
        Ok(())
    })
    .await
}
