//! Interactions a CSR opens for an account and channel, the evidence recorded in them,
//! and the summary of what that evidence opens (`core::authn::what_proof_opens`).

use super::{Actor, ClientIp, check_secret, load_account, record_signal, store_secret};
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
    EvidenceKind, InteractionChannel, PhotoId, ProofSummary, Secret, SecretKind, what_proof_opens,
};
use cpniguard_core::contact::ContactValue;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::NoticeId;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_core::staff::Role;
use cpniguard_store::auth::{Evidence, Interaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Serialize)]
pub struct InteractionView {
    pub id: Uuid,
    pub account_id: AccountId,
    pub channel: InteractionChannel,
    pub opened_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub evidence: Vec<Evidence>,
    /// What the evidence opens, with reasons.
    pub summary: ProofSummary,
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
    let backup_question =
        state.store.get_credential(account.id, SecretKind::BackupAnswer).await?.and_then(|c| c.question);
    Ok(InteractionView {
        id: i.id,
        account_id: i.account_id,
        channel: i.channel,
        opened_at: i.opened_at,
        expires_at: i.expires_at,
        evidence,
        summary,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    pub channel: InteractionChannel,
}

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

pub async fn get(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<InteractionView>> {
    let (i, account) = owned(&state, &staff, id).await?;
    Ok(Json(view_of(&state, &i, &account).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub kind: SecretKind,
    pub secret: Secret,
}

/// Check a password, PIN or back-up answer the customer gave.
pub async fn verify(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ClientIp(client): ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> ApiResult<Json<InteractionView>> {
    let (i, account) = owned(&state, &staff, id).await?;
    let who = actor(&staff, client);
    match check_secret(&state, account.id, req.kind, req.secret, &who).await {
        Ok(()) => record(&state, &i, &account, req.kind.evidence(), None).await,
        Err(f) => Err(f.problem(req.kind, state.config.customer_auth.lockout_failures)),
    }
}

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
    let detail = format!("{} ending {}, expires {}", req.id_type, req.last4, req.expires_on);
    record(&state, &i, &account, EvidenceKind::PhotoIdChecked, Some(detail)).await
}

/// The number to dial for a call back: a telephone number of record of the account —
/// the number of a service, never one the caller offers.
#[derive(Debug, Serialize)]
pub struct CallBackView {
    pub number_to_dial: PhoneNumber,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CallBackRequest {
    /// A number the caller asked to be called at: accepted only if it is one of the
    /// account's numbers.
    #[serde(default)]
    pub requested_number: Option<PhoneNumber>,
}

pub async fn call_back(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ClientIp(client): ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    body: Option<axum::Json<CallBackRequest>>,
) -> ApiResult<Json<CallBackView>> {
    let (_i, account) = owned(&state, &staff, id).await?;
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
    Ok(Json(CallBackView { number_to_dial: number.clone() }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmCallBackRequest {
    /// The number that was dialled and answered.
    pub number: PhoneNumber,
}

pub async fn confirm_call_back(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ConfirmCallBackRequest>,
) -> ApiResult<Json<InteractionView>> {
    let (i, account) = owned(&state, &staff, id).await?;
    if !account.telephone_numbers().any(|n| *n == req.number) {
        return Err(ValidationError::new(
            "number",
            "the call back must be to a telephone number of record of the account",
        )
        .into());
    }
    let last4: String = req.number.as_str().chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    record(&state, &i, &account, EvidenceKind::CallBackCompleted, Some(format!("number ending {last4}"))).await
}

pub async fn volunteered(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<InteractionView>> {
    let (i, account) = owned(&state, &staff, id).await?;
    record(&state, &i, &account, EvidenceKind::VolunteeredCallDetails, None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractRequest {
    pub contract_reference: String,
}

pub async fn contract(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ContractRequest>,
) -> ApiResult<Json<InteractionView>> {
    let (i, account) = owned(&state, &staff, id).await?;
    match &account.profile.business_exemption {
        Some(ex) if ex.contract_reference == req.contract_reference.trim() => {
            record(&state, &i, &account, EvidenceKind::AuthenticatedUnderContract, Some(ex.contract_reference.clone()))
                .await
        }
        Some(_) => Err(ValidationError::new("contract_reference", "does not match the account's contract").into()),
        None => Err(ValidationError::new("contract_reference", "the account is not business-exempt").into()),
    }
}

#[derive(Deserialize)]
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

#[derive(Debug, Serialize)]
pub struct SecretSetView {
    pub kind: SecretKind,
    pub notices_queued: Vec<NoticeId>,
}

/// Set a secret within an interaction whose evidence authenticates the customer.
pub async fn set_credential(
    State(state): State<AppState>,
    staff: CurrentStaff,
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
    Ok(Json(SecretSetView { kind: req.kind, notices_queued: notices }))
}
