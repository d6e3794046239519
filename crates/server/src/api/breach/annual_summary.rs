//! The 2023 order's annual summary: an incident below the threshold with no likely
//! harm is reported to the FCC in a yearly summary instead of customer notice. Once
//! the privacy office records the filing that included it, its annual-summary clock
//! stops (and with it the daily reminder).

use super::handlers::change;
use crate::application::breach_clocks::clocks_of;
use crate::application::breach_incidents::{IncidentView, load};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{Datelike, NaiveDate};
use cpniguard_core::ValidationError;
use cpniguard_store::breach::{AffectedChange, AnnualSummaryFiling};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnualSummaryRequest {
    /// The calendar year the summary covers.
    pub year: i32,
    /// The filing's reference (the FCC's confirmation number).
    pub reference: String,
    pub filed_on: NaiveDate,
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/annual-summary-filed", tag = "breach",
    request_body = AnnualSummaryRequest, params(("id" = Uuid, Path, description = "Incident id")),
    responses(
        (status = 200, body = IncidentView),
        (status = 409, description = "The incident has no annual-summary clock, or its filing is recorded", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn annual_summary_filed(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<AnnualSummaryRequest>,
) -> ApiResult<Json<IncidentView>> {
    let invalid = |field: &str, reason: &str| Problem::validation(ValidationError::new(field, reason));
    if req.reference.trim().is_empty() {
        return Err(invalid("reference", "required"));
    }
    if req.filed_on.year() < req.year {
        return Err(invalid("filed_on", "a summary is filed after the year it covers"));
    }
    let incident = load(&state, id).await?;
    let due = clocks_of(&state, &incident)?.deadlines.annual_summary;
    let Some(due) = due else {
        return Err(Problem::conflict("no_annual_summary", "this incident does not go to an annual summary"));
    };
    let by = staff.0.username.to_string();
    change(&state, &staff, id, "annual_summary_filed", AffectedChange::Keep, |incident, now| {
        if let Some(f) = &incident.annual_summary_filing {
            return Err(Problem::conflict(
                "already_filed",
                format!("included in the {} summary filed on {} ({})", f.year, f.filed_on, f.reference),
            ));
        }
        let filing = AnnualSummaryFiling {
            year: req.year,
            reference: req.reference,
            filed_on: req.filed_on,
            recorded_by: by,
            recorded_at: now,
        };
        let detail = serde_json::json!({ "filing": filing, "was_due": due });
        incident.annual_summary_filing = Some(filing);
        Ok(detail)
    })
    .await
}
