//! The JSON adapters for a CSR's interactions: extract, call the operation in
//! `application::interactions`, answer JSON. Setting secrets and the contract
//! exemption check still live here.

use super::{ClientIp, record_signal, store_secret};
use crate::application::StaffCaller;
use crate::application::interactions::{self as ops, CallBackView, InteractionView, actor, owned, record, view_of};
use crate::auth::CurrentStaff;
use crate::auth::roles::Capability;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};
use cpniguard_core::ValidationError;
use cpniguard_core::authn::{EvidenceKind, InteractionChannel, PhotoId, Secret, SecretKind, rests_on_attestation};
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::NoticeId;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_store::auth_limits::AttestedChange;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

fn caller(staff: &CurrentStaff, client: ClientIp) -> StaffCaller<'_> {
    StaffCaller { staff: &staff.0, client: client.0 }
}

/// The refusals every route on an existing interaction can give, documented once.
/// Only its OpenAPI description is used; handlers answer with `Problem` directly.
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum InteractionRefusals {
    #[response(status = 401, description = "No or invalid bearer token", content_type = "application/problem+json")]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "Lacks the capability, or the interaction is another CSR's",
        content_type = "application/problem+json"
    )]
    NotYours(Problem),
    #[response(status = 404, description = "No such interaction", content_type = "application/problem+json")]
    NotFound(Problem),
    #[response(status = 410, description = "The interaction has expired", content_type = "application/problem+json")]
    Expired(Problem),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    pub channel: InteractionChannel,
}

/// Open an interaction for an account on a channel; it belongs to the CSR who opens it
/// and expires after the configured lifetime (`customer_auth.interaction_minutes`).
#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/interactions", tag = "customer_authentication",
    params(("id" = AccountId, Path, description = "Account id")),
    request_body = OpenRequest,
    responses(
        (status = 201, description = "Opened, with no evidence yet", body = InteractionView),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Lacks the capability", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn open(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<AccountId>,
    ApiJson(req): ApiJson<OpenRequest>,
) -> ApiResult<(StatusCode, Json<InteractionView>)> {
    let view = ops::open(&state, &staff.0, id, req.channel).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The interaction, its evidence and what that evidence opens.
#[utoipa::path(
    get, path = "/api/v1/interactions/{id}", tag = "customer_authentication",
    params(("id" = Uuid, Path, description = "Interaction id")),
    responses(
        (status = 200, body = InteractionView),
        InteractionRefusals,
    ),
    security(("bearer" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<InteractionView>> {
    Ok(Json(ops::view(&state, &staff.0, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub kind: SecretKind,
    pub secret: Secret,
}

/// Check a password, PIN or back-up answer the customer gave (Argon2id, constant time).
/// A failure is recorded in the interaction; once the password and the back-up answer
/// have both failed in it, no further secret is checked: only recovery remains. Never
/// limited by network address: a staff member failing on many distinct accounts raises
/// a pretexting signal and is answered after a growing delay (`customer_auth.staff_*`).
#[utoipa::path(
    post, path = "/api/v1/interactions/{id}/verify", tag = "customer_authentication",
    params(("id" = Uuid, Path, description = "Interaction id")),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Verified: the evidence is recorded", body = InteractionView),
        InteractionRefusals,
        (status = 403, description = "`verification_failed`: the secret does not match; `recovery_required`: the password and the back-up answer have both failed in this interaction, only recovery (POST /api/v1/portal/recovery) remains", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_credential`: the account has no such secret", body = Problem, content_type = "application/problem+json"),
        (status = 423, description = "`account_locked`: too many failed checks", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn verify(
    State(state): State<AppState>,
    staff: CurrentStaff,
    client: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> ApiResult<Json<InteractionView>> {
    Ok(Json(ops::verify(&state, caller(&staff, client), id, req.kind, req.secret).await?))
}

/// Record a valid, unexpired government photo ID whose name matches the account holder's
/// (in store only). It is recorded as staff-attested: only the CSR's word stands behind it.
#[utoipa::path(
    post, path = "/api/v1/interactions/{id}/photo-id", tag = "customer_authentication",
    params(("id" = Uuid, Path, description = "Interaction id")),
    request_body = PhotoId,
    responses(
        (status = 200, description = "Recorded", body = InteractionView),
        InteractionRefusals,
        (status = 422, description = "Not in store, unknown ID type, bad last 4, or an expired ID", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn photo_id(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<PhotoId>,
) -> ApiResult<Json<InteractionView>> {
    Ok(Json(ops::photo_id(&state, &staff.0, id, req).await?))
}

#[derive(Debug, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallBackRequest {
    /// A number the caller asked to be called at: accepted only if it is one of the
    /// account's numbers.
    #[serde(default)]
    pub requested_number: Option<PhoneNumber>,
}

/// The number to dial for a call back: a telephone number of record, never one the
/// caller offers. A number associated less than 30 days ago raises a pretexting signal.
#[utoipa::path(
    post, path = "/api/v1/interactions/{id}/call-back", tag = "customer_authentication",
    params(("id" = Uuid, Path, description = "Interaction id")),
    request_body = Option<CallBackRequest>,
    responses(
        (status = 200, body = CallBackView),
        InteractionRefusals,
        (status = 422, description = "The requested number is not a number of the account", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn call_back(
    State(state): State<AppState>,
    staff: CurrentStaff,
    client: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    body: Option<ApiJson<CallBackRequest>>,
) -> ApiResult<Json<CallBackView>> {
    let req = body.map(|b| b.0).unwrap_or_default();
    Ok(Json(ops::call_back(&state, caller(&staff, client), id, req.requested_number.as_ref()).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmCallBackRequest {
    /// The number that was dialled and answered.
    pub number: PhoneNumber,
}

/// Confirm the call back to a telephone number of record was completed (by the CSR or
/// a telephony webhook).
#[utoipa::path(
    post, path = "/api/v1/interactions/{id}/call-back/confirm", tag = "customer_authentication",
    params(("id" = Uuid, Path, description = "Interaction id")),
    request_body = ConfirmCallBackRequest,
    responses(
        (status = 200, description = "Recorded", body = InteractionView),
        InteractionRefusals,
        (status = 409, description = "`call_back_by_telephony`: a voice channel is configured, so only the telephony platform confirms call backs", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a telephone number of record of the account", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn confirm_call_back(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ConfirmCallBackRequest>,
) -> ApiResult<Json<InteractionView>> {
    Ok(Json(ops::confirm_call_back(&state, &staff.0, id, &req.number).await?))
}

/// Record that the customer stated call details unprompted (only those may be discussed).
#[utoipa::path(
    post, path = "/api/v1/interactions/{id}/volunteered", tag = "customer_authentication",
    params(("id" = Uuid, Path, description = "Interaction id")),
    responses(
        (status = 200, description = "Recorded", body = InteractionView),
        InteractionRefusals,
    ),
    security(("bearer" = []))
)]
pub async fn volunteered(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<InteractionView>> {
    Ok(Json(ops::volunteered(&state, &staff.0, id).await?))
}

/// End the interaction: its evidence opens nothing from now on, so a screen still
/// showing it can read no more CPNI on it. Ending an ended interaction is a 410.
#[utoipa::path(
    post, path = "/api/v1/interactions/{id}/end", tag = "customer_authentication",
    params(("id" = Uuid, Path, description = "Interaction id")),
    responses(
        (status = 204, description = "Ended"),
        InteractionRefusals,
    ),
    security(("bearer" = []))
)]
pub async fn end(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    ops::end(&state, &staff.0, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractRequest {
    pub contract_reference: String,
}

/// Record "authenticated under contract" for a business-exempt account (64.2010(g)).
#[utoipa::path(
    post, path = "/api/v1/interactions/{id}/contract", tag = "customer_authentication",
    params(("id" = Uuid, Path, description = "Interaction id")),
    request_body = ContractRequest,
    responses(
        (status = 200, description = "Recorded", body = InteractionView),
        InteractionRefusals,
        (status = 403, description = "`exemption_self_granted`: the caller set or changed the exemption in force (separation of duties)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The account is not business-exempt or the reference does not match", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn contract(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ContractRequest>,
) -> ApiResult<Json<InteractionView>> {
    let (i, account) = owned(&state, &staff.0, id).await?;
    match &account.profile.business_exemption {
        Some(_) if super::exemption::self_granted(&state, account.id, staff.0.id).await? => {
            Err(super::exemption::refused_self_granted())
        }
        Some(ex) if ex.contract_reference == req.contract_reference.trim() => Ok(Json(
            record(&state, &i, &account, EvidenceKind::AuthenticatedUnderContract, Some(ex.contract_reference.clone()))
                .await?,
        )),
        Some(_) => Err(ValidationError::new("contract_reference", "does not match the account's contract").into()),
        None => Err(ValidationError::new("contract_reference", "the account is not business-exempt").into()),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSecretRequest {
    pub kind: SecretKind,
    pub secret: Secret,
    /// The back-up question, with `kind = backup_answer`.
    #[serde(default)]
    pub question: Option<String>,
    /// A date of birth the customer gave, checked so it is not used as the secret.
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
}

/// The secret was set (it is never returned); its change notices were queued to the
/// contact points of record.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecretSetView {
    pub kind: SecretKind,
    pub notices_queued: Vec<NoticeId>,
}

/// Set a secret within an interaction whose evidence authenticates the customer.
#[utoipa::path(
    post, path = "/api/v1/interactions/{id}/credentials", tag = "customer_authentication",
    params(("id" = Uuid, Path, description = "Interaction id")),
    request_body = SetSecretRequest,
    responses(
        (status = 200, description = "Set; the account-change notice is queued", body = SecretSetView),
        InteractionRefusals,
        (status = 422, description = "A trivial or biographical secret, with why", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn set_credential(
    State(state): State<AppState>,
    staff: CurrentStaff,
    client: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SetSecretRequest>,
) -> ApiResult<Json<SecretSetView>> {
    let (i, account) = owned(&state, &staff.0, id).await?;
    let view = view_of(&state, &i, &account).await?;
    if !view.summary.may_set_secrets || !Capability::AuthenticateCustomers.allows(&staff.0) {
        return Err(Problem::forbidden(
            "setting a secret needs an authenticated customer in this interaction (see its summary)",
        ));
    }
    let notices = store_secret(&state, &account, req.kind, req.secret, req.question, req.date_of_birth, None).await?;
    let attested: Vec<(EvidenceKind, bool)> = view.evidence.iter().map(|e| (e.kind, e.staff_attested)).collect();
    if let Some(evidence) = rests_on_attestation(&attested) {
        attested_change_signal(&state, &staff, &client, account.id, evidence).await?;
    }
    Ok(Json(SecretSetView { kind: req.kind, notices_queued: notices }))
}

/// The signal for a staff member who sets secrets on several accounts, each time on
/// the strength of evidence only their own word stands behind (once per window).
async fn attested_change_signal(
    state: &AppState,
    staff: &CurrentStaff,
    client: &ClientIp,
    account: AccountId,
    evidence: EvidenceKind,
) -> ApiResult<()> {
    const KIND: &str = "attested_then_credentials_set";
    let c = &state.config.customer_auth;
    let now = state.now();
    let since = now - Duration::hours(c.attested_signal_window_hours.into());
    let change = AttestedChange { staff_id: staff.0.id, account_id: account, evidence, at: now };
    let accounts = state.store.record_attested_change(&change, since).await?;
    if accounts >= u64::from(c.attested_signal_accounts)
        && state.store.count_staff_signals(staff.0.id, KIND, since).await? == 0
    {
        let detail = format!(
            "staff member {} set or reset secrets on {accounts} accounts within {} hours, each authenticated only by evidence they attested themselves (latest: {})",
            staff.0.username.as_str(),
            c.attested_signal_window_hours,
            evidence.as_str()
        );
        record_signal(state, KIND, Some(account), &actor(caller(staff, *client)), detail).await;
    }
    Ok(())
}
