//! Actions against data brokers and pretexters: appended with the day, the party, what
//! was done and the pretexting signals (customer authentication) or complaint that led
//! to it; later, their outcome. Listed by the day they were taken.

use super::handlers::by;
use crate::application::complaint_intake::{MAX_DESCRIPTION, required_text};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use cpniguard_core::ValidationError;
use cpniguard_core::account::TimeZoneName;
use cpniguard_store::complaints::{BrokerAction, BrokerActionKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Today in the carrier's time zone.
fn carrier_today(state: &AppState) -> ApiResult<NaiveDate> {
    let tz = TimeZoneName::parse(&state.config.carrier.time_zone).map_err(Problem::validation)?;
    Ok(state.now().with_timezone(&tz.tz()).date_naive())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrokerActionRequest {
    /// The day the action was taken (YYYY-MM-DD), not after today.
    pub taken_on: NaiveDate,
    /// The data broker or pretexter it was taken against.
    pub party: String,
    /// `cease_and_desist`, `law_enforcement_referral`, `lawsuit`, `account_block` or `other`.
    pub action: BrokerActionKind,
    pub description: String,
    /// Pretexting signals (`GET /api/v1/pretexting-signals`) that led to it.
    #[serde(default)]
    pub signal_ids: Vec<Uuid>,
    /// A complaint that led to it.
    pub complaint_id: Option<Uuid>,
    /// The outcome, when already known.
    pub outcome: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BrokerActionView {
    pub action: BrokerAction,
}

#[utoipa::path(
    post, path = "/api/v1/broker-actions", tag = "complaints", request_body = BrokerActionRequest,
    responses((status = 201, body = BrokerActionView),
        (status = 404, description = "A linked signal or complaint does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn record(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiJson(req): ApiJson<BrokerActionRequest>,
) -> ApiResult<(StatusCode, Json<BrokerActionView>)> {
    let now = state.now();
    if req.taken_on > carrier_today(&state)? {
        return Err(ValidationError::new("taken_on", "cannot be in the future").into());
    }
    let mut signal_ids = req.signal_ids;
    signal_ids.sort();
    signal_ids.dedup();
    let by = by(&staff);
    let outcome = req.outcome.map(|o| o.trim().to_owned()).filter(|o| !o.is_empty());
    let action = BrokerAction {
        id: Uuid::now_v7(),
        taken_on: req.taken_on,
        party: required_text("party", &req.party, 200)?,
        action: req.action,
        description: required_text("description", &req.description, MAX_DESCRIPTION)?,
        signal_ids,
        complaint_id: req.complaint_id,
        recorded_at: now,
        recorded_by: by.clone(),
        outcome_at: outcome.as_ref().map(|_| now),
        outcome_by: outcome.as_ref().map(|_| by),
        outcome,
    };
    state.store.record_broker_action(&action).await?;
    let stored = state.store.get_broker_action(action.id).await?.ok_or_else(|| Problem::not_found("broker action"))?;
    Ok((StatusCode::CREATED, Json(BrokerActionView { action: stored })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BetweenParams {
    /// First day (YYYY-MM-DD); default: no lower bound.
    pub from: Option<NaiveDate>,
    /// Last day, included; default: no upper bound.
    pub to: Option<NaiveDate>,
}

#[utoipa::path(
    get, path = "/api/v1/broker-actions", tag = "complaints", params(BetweenParams),
    responses((status = 200, description = "Oldest first", body = [BrokerActionView]),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<BetweenParams>,
) -> ApiResult<Json<Vec<BrokerActionView>>> {
    let (from, to) = (p.from.unwrap_or(NaiveDate::MIN), p.to.unwrap_or(NaiveDate::MAX));
    if to < from {
        return Err(ValidationError::new("to", "must not be before from").into());
    }
    let actions = state.store.broker_actions_between(from, to).await?;
    Ok(Json(actions.into_iter().map(|action| BrokerActionView { action }).collect()))
}

#[utoipa::path(
    get, path = "/api/v1/broker-actions/{id}", tag = "complaints",
    params(("id" = Uuid, Path, description = "Action id")),
    responses((status = 200, body = BrokerActionView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiPath(id): ApiPath<Uuid>) -> ApiResult<Json<BrokerActionView>> {
    let action = state.store.get_broker_action(id).await?.ok_or_else(|| Problem::not_found("broker action"))?;
    Ok(Json(BrokerActionView { action }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    pub outcome: String,
}

#[utoipa::path(
    post, path = "/api/v1/broker-actions/{id}/outcome", tag = "complaints",
    params(("id" = Uuid, Path, description = "Action id")), request_body = OutcomeRequest,
    responses((status = 200, body = BrokerActionView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn outcome(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<OutcomeRequest>,
) -> ApiResult<Json<BrokerActionView>> {
    let outcome = required_text("outcome", &req.outcome, MAX_DESCRIPTION)?;
    let action = state.store.record_broker_outcome(id, &outcome, &by(&staff), state.now()).await?;
    Ok(Json(BrokerActionView { action }))
}
