//! Legal holds (issue 19): the privacy office places a hold on an account or a breach
//! incident (with a reason and a reference) and lifts it; while it is active, retention
//! deletes none of the call detail it covers. Placing and lifting are audited.

use crate::auth::CurrentStaff;
use crate::auth::guarded;
use crate::auth::roles::Capability;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use cpniguard_core::ids::AccountId;
use cpniguard_store::retention::{HoldTarget, LegalHold};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

#[derive(OpenApi)]
#[openapi(
    paths(place, list, lift),
    components(schemas(LegalHoldRequest, LegalHoldView)),
    tags((name = "legal holds", description = "Holds that keep call detail from retention"))
)]
pub struct Doc;

/// Staff routes, for the privacy office (the legal-process capability).
pub fn routes() -> Router<AppState> {
    guarded(
        Capability::ManageSpecialPurposes,
        Router::new().route("/legal-holds", get(list).post(place)).route("/legal-holds/{id}/lift", post(lift)),
    )
}

/// Exactly one of `account_id` and `incident_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalHoldRequest {
    pub account_id: Option<AccountId>,
    /// A breach incident: every account it affected is held.
    pub incident_id: Option<Uuid>,
    pub reason: String,
    /// The matter, order or case number.
    pub reference: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalHoldView {
    pub id: Uuid,
    pub account_id: Option<AccountId>,
    pub incident_id: Option<Uuid>,
    pub reason: String,
    pub reference: String,
    pub placed_by: String,
    pub placed_at: DateTime<Utc>,
    pub lifted_by: Option<String>,
    pub lifted_at: Option<DateTime<Utc>>,
}

impl From<LegalHold> for LegalHoldView {
    fn from(h: LegalHold) -> Self {
        let (account_id, incident_id) = match h.target {
            HoldTarget::Account(a) => (Some(a), None),
            HoldTarget::Incident(i) => (None, Some(i)),
        };
        Self {
            id: h.id,
            account_id,
            incident_id,
            reason: h.reason,
            reference: h.reference,
            placed_by: h.placed_by,
            placed_at: h.placed_at,
            lifted_by: h.lifted_by,
            lifted_at: h.lifted_at,
        }
    }
}

/// Record a hold event in the audit log; a hold that cannot be recorded is a 503.
async fn audit(
    state: &AppState,
    staff: &cpniguard_core::staff::Staff,
    action: &str,
    hold: &LegalHold,
) -> ApiResult<()> {
    let (account, target) = match hold.target {
        HoldTarget::Account(a) => (Some(a), format!("account:{a}")),
        HoldTarget::Incident(i) => (None, format!("breach_incident:{i}")),
    };
    let refs = vec![format!("legal_hold:{}", hold.id), target];
    state.gate.record_staff_change(staff, action, account, refs, state.now()).await?;
    Ok(())
}

#[utoipa::path(
    post, path = "/api/v1/legal-holds", tag = "legal holds", request_body = LegalHoldRequest,
    responses((status = 201, body = LegalHoldView),
        (status = 404, description = "No such account or incident", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn place(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    ApiJson(req): ApiJson<LegalHoldRequest>,
) -> ApiResult<(StatusCode, Json<LegalHoldView>)> {
    let target = match (req.account_id, req.incident_id) {
        (Some(a), None) => HoldTarget::Account(a),
        (None, Some(i)) => HoldTarget::Incident(i),
        _ => {
            return Err(cpniguard_core::ValidationError::new(
                "account_id",
                "give exactly one of account_id and incident_id",
            )
            .into());
        }
    };
    let hold = LegalHold {
        id: Uuid::now_v7(),
        target,
        reason: req.reason.trim().to_owned(),
        reference: req.reference.trim().to_owned(),
        placed_by: staff.username.as_str().to_owned(),
        placed_at: state.now(),
        lifted_by: None,
        lifted_at: None,
    };
    state.store.place_legal_hold(&hold).await?;
    audit(&state, &staff, "legal_hold.placed", &hold).await?;
    Ok((StatusCode::CREATED, Json(hold.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HoldFilter {
    /// Only holds not lifted.
    #[serde(default)]
    pub active: bool,
}

#[utoipa::path(
    get, path = "/api/v1/legal-holds", tag = "legal holds", params(HoldFilter),
    responses((status = 200, description = "Newest first", body = [LegalHoldView])),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<HoldFilter>,
) -> ApiResult<Json<Vec<LegalHoldView>>> {
    let holds = state.store.list_legal_holds(filter.active).await?;
    Ok(Json(holds.into_iter().map(LegalHoldView::from).collect()))
}

#[utoipa::path(
    post, path = "/api/v1/legal-holds/{id}/lift", tag = "legal holds",
    params(("id" = Uuid, Path, description = "Legal hold id")),
    responses((status = 200, body = LegalHoldView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Lifted already", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn lift(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<LegalHoldView>> {
    let hold = state.store.lift_legal_hold(id, staff.username.as_str(), state.now()).await?;
    audit(&state, &staff, "legal_hold.lifted", &hold).await?;
    Ok(Json(hold.into()))
}
