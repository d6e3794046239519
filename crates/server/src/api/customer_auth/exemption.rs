//! The business-account contract exemption (64.2010(g)) under separation of duties
//! (issue 18): only the privacy office or an administrator sets, changes or removes it
//! (`Capability::SetBusinessExemption`), naming the contract and the dedicated account
//! representative; every change is kept with who made it, and the customer is told as
//! of any account change. Nobody may then authenticate a caller under an exemption
//! they set or changed themselves ([`self_granted`]).

use super::load_account;
use crate::application::contacts::of_record_rule;
use crate::auth::CurrentStaff;
use crate::auth::roles::Capability;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::account::AccountKind;
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::notice::{AccountBefore, NoticeId, NoticeKind, account_change_notices};
use cpniguard_store::auth_limits::ExemptionGrant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExemptionRequest {
    /// The contract that provides for authenticating the business customer.
    pub contract_reference: String,
    /// The carrier's dedicated account representative named in that contract.
    pub dedicated_representative: String,
}

/// One setting, change or removal of the exemption.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExemptionChangeView {
    /// `null`: the exemption was removed.
    pub contract_reference: Option<String>,
    pub dedicated_representative: Option<String>,
    pub set_by: StaffId,
    pub set_at: DateTime<Utc>,
}

impl From<ExemptionGrant> for ExemptionChangeView {
    fn from(g: ExemptionGrant) -> Self {
        Self {
            contract_reference: g.contract_reference,
            dedicated_representative: g.dedicated_representative,
            set_by: g.set_by,
            set_at: g.set_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExemptionHistory {
    /// Oldest first; the last one is in force.
    pub changes: Vec<ExemptionChangeView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExemptionSetView {
    pub change: ExemptionChangeView,
    /// The account-change notices queued to the contact points of record.
    pub notices_queued: Vec<NoticeId>,
}

/// The refusal for anyone without the capability (a CSR, a supervisor).
pub(crate) fn not_allowed() -> Problem {
    let roles: Vec<&str> = Capability::SetBusinessExemption.roles().iter().map(|r| r.as_str()).collect();
    Problem::forbidden(format!(
        "a contract exemption is set or changed only by: {} (separation of duties: whoever grants it must not be the one who authenticates callers under it); use PUT /api/v1/accounts/{{id}}/business-exemption",
        roles.join(", ")
    ))
}

fn text(field: &'static str, value: &str) -> Result<String, ValidationError> {
    let v = value.trim();
    if (1..=100).contains(&v.chars().count()) {
        Ok(v.to_owned())
    } else {
        Err(ValidationError::new(field, "1 to 100 characters"))
    }
}

/// Whether `staff` set or changed the exemption now in force (any change since it was
/// last removed).
pub(crate) async fn self_granted(state: &AppState, account: AccountId, staff: StaffId) -> ApiResult<bool> {
    let history = state.store.exemption_history(account).await?;
    let mut in_force = history.iter().rev().take_while(|g| g.contract_reference.is_some());
    Ok(in_force.any(|g| g.set_by == staff))
}

async fn apply(
    state: &AppState,
    staff: &CurrentStaff,
    id: AccountId,
    contract_reference: Option<String>,
    dedicated_representative: Option<String>,
) -> ApiResult<Json<ExemptionSetView>> {
    let account = load_account(state, id).await?;
    if contract_reference.is_some() && account.profile.kind != AccountKind::Business {
        return Err(ValidationError::new(
            "contract_reference",
            "only business accounts can be authenticated under a contract",
        )
        .into());
    }
    let now = state.now();
    let before = AccountBefore {
        account_id: account.id,
        name: &account.profile.name,
        language: account.profile.language,
        contact_points: &account.contact_points,
    };
    let change_ref = format!("{id}:exemption:{}", uuid::Uuid::now_v7());
    let effects = account_change_notices(
        &before,
        &[NoticeKind::BusinessExemptionChanged],
        &state.config.notices.routing,
        of_record_rule(state),
        &change_ref,
        now,
    );
    let grant = ExemptionGrant {
        account_id: id,
        contract_reference,
        dedicated_representative,
        set_by: staff.0.id,
        set_at: now,
    };
    let notices = state.store.set_business_exemption(&grant, &effects).await?;
    tracing::info!(account = %id, staff = %staff.0.id, removed = grant.contract_reference.is_none(), "business exemption changed");
    let action =
        if grant.contract_reference.is_some() { "business_exemption.set" } else { "business_exemption.removed" };
    state
        .gate
        .record_staff_change(&staff.0, action, Some(id), vec![format!("exemption_change:{change_ref}")], now)
        .await?;
    Ok(Json(ExemptionSetView { change: grant.into(), notices_queued: notices }))
}

/// Set or change the account's contract exemption.
#[utoipa::path(
    put, path = "/api/v1/accounts/{id}/business-exemption", tag = "customer_authentication",
    params(("id" = AccountId, Path, description = "Account id")),
    request_body = ExemptionRequest,
    responses(
        (status = 200, description = "Set; who set it is recorded and the account-change notice is queued", body = ExemptionSetView),
        (status = 403, description = "Not the privacy office or an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a business account, or a field is empty or too long", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn set(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<AccountId>,
    ApiJson(req): ApiJson<ExemptionRequest>,
) -> ApiResult<Json<ExemptionSetView>> {
    let contract = text("contract_reference", &req.contract_reference)?;
    let representative = text("dedicated_representative", &req.dedicated_representative)?;
    apply(&state, &staff, id, Some(contract), Some(representative)).await
}

/// Remove the account's contract exemption.
#[utoipa::path(
    delete, path = "/api/v1/accounts/{id}/business-exemption", tag = "customer_authentication",
    params(("id" = AccountId, Path, description = "Account id")),
    responses(
        (status = 200, description = "Removed; recorded and notified", body = ExemptionSetView),
        (status = 403, description = "Not the privacy office or an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<AccountId>,
) -> ApiResult<Json<ExemptionSetView>> {
    apply(&state, &staff, id, None, None).await
}

/// Every change of the account's exemption and who made it.
#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/business-exemption/history", tag = "customer_authentication",
    params(("id" = AccountId, Path, description = "Account id")),
    responses(
        (status = 200, body = ExemptionHistory),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn history(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<AccountId>,
) -> ApiResult<Json<ExemptionHistory>> {
    load_account(&state, id).await?;
    let changes = state.store.exemption_history(id).await?;
    Ok(Json(ExemptionHistory { changes: changes.into_iter().map(Into::into).collect() }))
}

/// Refuse contract authentication by the person who granted the exemption.
pub(crate) fn refused_self_granted() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "exemption_self_granted",
        "Exemption set by you",
        "you set or changed this account's contract exemption yourself: under separation of duties someone else must authenticate the customer under it (or use the password, PIN or a call back)",
    )
}
