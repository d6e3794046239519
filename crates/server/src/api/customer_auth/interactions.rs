//! Interactions a CSR opens for an account and channel, the evidence recorded in them,
//! and the summary of what that evidence opens (`core::authn::what_proof_opens`).

use super::{Actor, CheckFailure, ClientIp, check_secret, load_account, record_signal, recovery_only, store_secret};
use crate::auth::CurrentStaff;
use crate::auth::roles::Capability;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::account::Account;
use cpniguard_core::authn::{
    EvidenceKind, InteractionChannel, PhotoId, ProofSummary, Secret, SecretKind, only_recovery_remains,
    rests_on_attestation, what_proof_opens,
};
use cpniguard_core::contact::ContactValue;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::NoticeId;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_core::staff::Role;
use cpniguard_store::auth::{Evidence, Interaction};
use cpniguard_store::auth_limits::AttestedChange;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One piece of evidence recorded in an interaction (or a failed check: `*_failed`
/// kinds open nothing). `detail` is a short reference, never a secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    pub kind: EvidenceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub recorded_at: DateTime<Utc>,
    /// Only the staff member's word stands behind it (a photo ID they checked, a call
    /// back they confirmed), as opposed to a secret the customer gave.
    pub staff_attested: bool,
}

impl From<Evidence> for EvidenceView {
    fn from(e: Evidence) -> Self {
        Self {
            staff_attested: super::call_back::staff_attested(&e),
            kind: e.kind,
            detail: e.detail,
            recorded_at: e.recorded_at,
        }
    }
}

/// An interaction, its evidence and what that evidence opens.
#[derive(Debug, Serialize, ToSchema)]
pub struct InteractionView {
    pub id: Uuid,
    pub account_id: AccountId,
    pub channel: InteractionChannel,
    pub opened_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// In the order recorded, failed checks included.
    pub evidence: Vec<EvidenceView>,
    /// What the evidence opens, with reasons.
    pub summary: ProofSummary,
    /// The password and the back-up answer have both failed in this interaction: no
    /// further secret is checked; the customer must use recovery
    /// (`POST /api/v1/portal/recovery`).
    pub only_recovery_remains: bool,
    /// The back-up question to ask, when the account has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_question: Option<String>,
}

pub(crate) fn actor(staff: &CurrentStaff, ip: std::net::IpAddr) -> Actor {
    Actor { staff: Some(staff.0.id), ip }
}

/// The interaction, if it is this staff member's (or they are an admin or supervisor)
/// and still open.
pub(crate) async fn owned(state: &AppState, staff: &CurrentStaff, id: Uuid) -> ApiResult<(Interaction, Account)> {
    let i = state.store.get_interaction(id).await?.ok_or_else(|| Problem::not_found("interaction"))?;
    let privileged = staff.0.has_role(Role::Admin) || staff.0.has_role(Role::Supervisor);
    if i.staff_id != Some(staff.0.id) && !privileged {
        return Err(Problem::forbidden("an interaction belongs to the CSR who opened it"));
    }
    if i.expires_at <= state.now() {
        return Err(Problem::new(
            StatusCode::GONE,
            "interaction_expired",
            "Interaction expired",
            "the interaction has expired; open a new one and authenticate the customer again",
        ));
    }
    let account = load_account(state, i.account_id).await?;
    Ok((i, account))
}

pub(crate) async fn view_of(state: &AppState, i: &Interaction, account: &Account) -> ApiResult<InteractionView> {
    let evidence = state.store.list_evidence(i.id).await?;
    let kinds: Vec<EvidenceKind> = evidence.iter().map(|e| e.kind).collect();
    let summary = what_proof_opens(i.channel, &kinds, account.profile.business_exemption.is_some());
    let only_recovery_remains = only_recovery_remains(&kinds);
    let backup_question =
        state.store.get_credential(account.id, SecretKind::BackupAnswer).await?.and_then(|c| c.question);
    Ok(InteractionView {
        id: i.id,
        account_id: i.account_id,
        channel: i.channel,
        opened_at: i.opened_at,
        expires_at: i.expires_at,
        evidence: evidence.into_iter().map(EvidenceView::from).collect(),
        summary,
        only_recovery_remains,
        backup_question,
    })
}

async fn record(
    state: &AppState,
    i: &Interaction,
    account: &Account,
    kind: EvidenceKind,
    detail: Option<String>,
) -> ApiResult<Json<InteractionView>> {
    let e = Evidence { kind, detail, recorded_at: state.now() };
    state.store.add_evidence(i.id, &e).await?;
    tracing::info!(interaction = %i.id, evidence = kind.as_str(), "evidence recorded");
    Ok(Json(view_of(state, i, account).await?))
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
    let account = load_account(&state, id).await?;
    let now = state.now();
    let i = Interaction {
        id: Uuid::now_v7(),
        account_id: id,
        channel: req.channel,
        staff_id: Some(staff.0.id),
        opened_at: now,
        expires_at: now + Duration::minutes(state.config.customer_auth.interaction_minutes.into()),
    };
    state.store.open_interaction(&i).await?;
    Ok((StatusCode::CREATED, Json(view_of(&state, &i, &account).await?)))
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
    let (i, account) = owned(&state, &staff, id).await?;
    Ok(Json(view_of(&state, &i, &account).await?))
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
    ClientIp(client): ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> ApiResult<Json<InteractionView>> {
    let (i, account) = owned(&state, &staff, id).await?;
    let mut kinds: Vec<EvidenceKind> = state.store.list_evidence(i.id).await?.iter().map(|e| e.kind).collect();
    if only_recovery_remains(&kinds) {
        return Err(recovery_only());
    }
    let who = actor(&staff, client);
    match check_secret(&state, Some(account.id), req.kind, req.secret, &who).await {
        Ok(()) => record(&state, &i, &account, req.kind.evidence(), None).await,
        Err(f) => {
            if let CheckFailure::Mismatch(after) = &f {
                super::staff_checks::after_failure(&state, &staff.0, i.channel, &who, account.id, *after).await;
                let failed = req.kind.failure_evidence();
                state
                    .store
                    .add_evidence(i.id, &Evidence { kind: failed, detail: None, recorded_at: state.now() })
                    .await?;
                tracing::info!(interaction = %i.id, evidence = failed.as_str(), "failed check recorded");
                kinds.push(failed);
                if only_recovery_remains(&kinds) {
                    return Err(recovery_only());
                }
            }
            Err(f.problem(req.kind, state.config.customer_auth.lockout_failures))
        }
    }
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
    let (i, account) = owned(&state, &staff, id).await?;
    if i.channel != InteractionChannel::InStore {
        return Err(ValidationError::new("channel", "a photo ID is checked in store only").into());
    }
    req.validate(state.now().date_naive())?;
    let detail = format!(
        "staff-attested: {} ending {}, expires {}, name matched the account holder's",
        req.id_type, req.last4, req.expires_on
    );
    record(&state, &i, &account, EvidenceKind::PhotoIdChecked, Some(detail)).await
}

/// The number to dial for a call back: a telephone number of record of the account —
/// the number of a service, never one the caller offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallBackView {
    pub number_to_dial: PhoneNumber,
    /// When a voice channel is configured: the voice call placed through it (a notice
    /// in the outbox). The call back then completes when the telephony platform reports
    /// it answered, not on the CSR's word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_placed: Option<NoticeId>,
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
    ClientIp(client): ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    body: Option<axum::Json<CallBackRequest>>,
) -> ApiResult<Json<CallBackView>> {
    let (i, account) = owned(&state, &staff, id).await?;
    let req = body.map(|b| b.0).unwrap_or_default();
    let phones: Vec<_> = account.contact_points.iter().filter(|c| matches!(c.value, ContactValue::Phone(_))).collect();
    let chosen = match &req.requested_number {
        Some(n) => phones.iter().find(|c| c.value == ContactValue::Phone(n.clone())).copied().ok_or_else(|| {
            ValidationError::new(
                "requested_number",
                "a call back goes only to a telephone number of record of the account",
            )
        })?,
        None => phones
            .iter()
            .min_by_key(|c| c.associated_at)
            .copied()
            .ok_or_else(|| Problem::not_found("telephone number"))?,
    };
    let now = state.now();
    if now - chosen.associated_at < Duration::days(30) {
        record_signal(
            &state,
            "call_back_to_recent_number",
            Some(account.id),
            &actor(&staff, client),
            "a call back was requested to a telephone number associated less than 30 days ago".to_owned(),
        )
        .await;
    }
    let ContactValue::Phone(number) = &chosen.value else { return Err(Problem::internal()) };
    let call_placed = if super::call_back::by_telephony(&state) {
        Some(super::call_back::place(&state, &i, &account, number).await?)
    } else {
        None
    };
    Ok(Json(CallBackView { number_to_dial: number.clone(), call_placed }))
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
    let (i, account) = owned(&state, &staff, id).await?;
    if super::call_back::by_telephony(&state) {
        return Err(super::call_back::confirmed_by_telephony_only());
    }
    if !account.telephone_numbers().any(|n| *n == req.number) {
        return Err(ValidationError::new(
            "number",
            "the call back must be to a telephone number of record of the account",
        )
        .into());
    }
    let last4: String = req.number.as_str().chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    let detail = format!("staff-attested: call back to the number ending {last4} confirmed by the staff member");
    record(&state, &i, &account, EvidenceKind::CallBackCompleted, Some(detail)).await
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
    let (i, account) = owned(&state, &staff, id).await?;
    record(&state, &i, &account, EvidenceKind::VolunteeredCallDetails, None).await
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
    let (i, account) = owned(&state, &staff, id).await?;
    match &account.profile.business_exemption {
        Some(_) if super::exemption::self_granted(&state, account.id, staff.0.id).await? => {
            Err(super::exemption::refused_self_granted())
        }
        Some(ex) if ex.contract_reference == req.contract_reference.trim() => {
            record(&state, &i, &account, EvidenceKind::AuthenticatedUnderContract, Some(ex.contract_reference.clone()))
                .await
        }
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
    let (i, account) = owned(&state, &staff, id).await?;
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
        record_signal(state, KIND, Some(account), &actor(staff, client.0), detail).await;
    }
    Ok(())
}
