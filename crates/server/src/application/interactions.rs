//! A CSR's interaction with a customer: opening it for an account and channel, the
//! evidence presented in it (secrets checked, a call back to the number of record, a
//! photo ID in store, details the caller volunteered), and what that evidence opens
//! (`core::authn::what_proof_opens`). The JSON API (`api/customer_auth/interactions`)
//! and the console's live-call screen both call these.

use super::StaffCaller;
use crate::application::accounts::load as load_account;
use crate::application::call_back;
use crate::application::delivery::{self, DeliveryRequest, DeliveryView, Document, call_detail_without_password};
use crate::application::secret_checks::{Actor, CheckFailure, check_secret, record_signal, recovery_only};
use crate::gate::{GateRequest, RequestId, Target};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::account::Account;
use cpniguard_core::authn::{
    EvidenceKind, InteractionChannel, PhotoId, ProofSummary, Secret, SecretKind, only_recovery_remains,
    what_proof_opens,
};
use cpniguard_core::contact::ContactValue;
use cpniguard_core::ids::AccountId;
use cpniguard_core::ids::InteractionId;
use cpniguard_core::notice::NoticeId;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_core::staff::{Role, Staff};
use cpniguard_policy::{Action, Purpose};
use cpniguard_store::auth::{Evidence, Interaction};
use serde::Serialize;
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
            staff_attested: call_back::staff_attested(&e),
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

pub(crate) fn actor(caller: StaffCaller<'_>) -> Actor {
    Actor { staff: Some(caller.staff.id), ip: caller.client }
}

/// The interaction, if it is this staff member's (or they are an admin or supervisor)
/// and still open.
pub(crate) async fn open_of(state: &AppState, staff: &Staff, id: Uuid) -> ApiResult<Interaction> {
    let i = state.store.get_interaction(id).await?.ok_or_else(|| Problem::not_found("interaction"))?;
    let privileged = staff.has_role(Role::Admin) || staff.has_role(Role::Supervisor);
    if i.staff_id != Some(staff.id) && !privileged {
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
    Ok(i)
}

/// [`open_of`], with the interaction's account.
pub(crate) async fn owned(state: &AppState, staff: &Staff, id: Uuid) -> ApiResult<(Interaction, Account)> {
    let i = open_of(state, staff, id).await?;
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

/// Record evidence in an interaction and answer with what it now opens.
pub(crate) async fn record(
    state: &AppState,
    i: &Interaction,
    account: &Account,
    kind: EvidenceKind,
    detail: Option<String>,
) -> ApiResult<InteractionView> {
    let e = Evidence { kind, detail, recorded_at: state.now() };
    state.store.add_evidence(i.id, &e).await?;
    tracing::info!(interaction = %i.id, evidence = kind.as_str(), "evidence recorded");
    view_of(state, i, account).await
}

/// Open an interaction for an account on a channel; it belongs to the CSR who opens it
/// and expires after `customer_auth.interaction_minutes`.
pub async fn open(
    state: &AppState,
    staff: &Staff,
    account: AccountId,
    channel: InteractionChannel,
) -> ApiResult<InteractionView> {
    let account = load_account(state, account).await?;
    let now = state.now();
    let i = Interaction {
        id: Uuid::now_v7(),
        account_id: account.id,
        channel,
        staff_id: Some(staff.id),
        opened_at: now,
        expires_at: now + Duration::minutes(state.config.customer_auth.interaction_minutes.into()),
    };
    state.store.open_interaction(&i).await?;
    view_of(state, &i, &account).await
}

/// The interaction, its evidence and what that evidence opens.
pub async fn view(state: &AppState, staff: &Staff, id: Uuid) -> ApiResult<InteractionView> {
    let (i, account) = owned(state, staff, id).await?;
    view_of(state, &i, &account).await
}

/// Check a password, PIN or back-up answer the customer gave (Argon2id, constant time).
/// A failure is recorded in the interaction; once the password and the back-up answer
/// have both failed in it, no further secret is checked: only recovery remains. Never
/// limited by network address: a staff member failing on many distinct accounts raises
/// a pretexting signal and is answered after a growing delay (`customer_auth.staff_*`).
pub async fn verify(
    state: &AppState,
    caller: StaffCaller<'_>,
    id: Uuid,
    kind: SecretKind,
    secret: Secret,
) -> ApiResult<InteractionView> {
    let (i, account) = owned(state, caller.staff, id).await?;
    let mut kinds: Vec<EvidenceKind> = state.store.list_evidence(i.id).await?.iter().map(|e| e.kind).collect();
    if only_recovery_remains(&kinds) {
        return Err(recovery_only());
    }
    let who = actor(caller);
    match check_secret(state, Some(account.id), kind, secret, &who).await {
        Ok(()) => record(state, &i, &account, kind.evidence(), None).await,
        Err(f) => {
            if let CheckFailure::Mismatch(after) = &f {
                crate::application::secret_checks::staff_limits::after_failure(
                    state,
                    caller.staff,
                    i.channel,
                    &who,
                    account.id,
                    *after,
                )
                .await;
                let failed = kind.failure_evidence();
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
            Err(f.problem(kind, state.config.customer_auth.lockout_failures))
        }
    }
}

/// Record a valid, unexpired government photo ID whose name matches the account
/// holder's (in store only), as staff-attested: only the CSR's word stands behind it.
pub async fn photo_id(state: &AppState, staff: &Staff, id: Uuid, photo: PhotoId) -> ApiResult<InteractionView> {
    let (i, account) = owned(state, staff, id).await?;
    if i.channel != InteractionChannel::InStore {
        return Err(ValidationError::new("channel", "a photo ID is checked in store only").into());
    }
    photo.validate(state.now().date_naive())?;
    let detail = format!(
        "staff-attested: {} ending {}, expires {}, name matched the account holder's",
        photo.id_type, photo.last4, photo.expires_on
    );
    record(state, &i, &account, EvidenceKind::PhotoIdChecked, Some(detail)).await
}

/// The number to dial for a call back: a telephone number of record (the one named, if
/// it is the account's, else the longest held), never one the caller offers. A number
/// associated less than 30 days ago raises a pretexting signal. With a voice channel
/// configured, the call is placed.
pub async fn call_back(
    state: &AppState,
    caller: StaffCaller<'_>,
    id: Uuid,
    requested: Option<&PhoneNumber>,
) -> ApiResult<CallBackView> {
    let (i, account) = owned(state, caller.staff, id).await?;
    let phones: Vec<_> = account.contact_points.iter().filter(|c| matches!(c.value, ContactValue::Phone(_))).collect();
    let chosen = match requested {
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
            state,
            "call_back_to_recent_number",
            Some(account.id),
            &actor(caller),
            "a call back was requested to a telephone number associated less than 30 days ago".to_owned(),
        )
        .await;
    }
    let ContactValue::Phone(number) = &chosen.value else { return Err(Problem::internal()) };
    let call_placed =
        if call_back::by_telephony(state) { Some(call_back::place(state, &i, &account, number).await?) } else { None };
    Ok(CallBackView { number_to_dial: number.clone(), call_placed })
}

/// Confirm the call back to a telephone number of record was completed (by the CSR;
/// refused when a voice channel is configured: then only the telephony platform
/// confirms).
pub async fn confirm_call_back(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    number: &PhoneNumber,
) -> ApiResult<InteractionView> {
    let (i, account) = owned(state, staff, id).await?;
    if call_back::by_telephony(state) {
        return Err(call_back::confirmed_by_telephony_only());
    }
    if !account.telephone_numbers().any(|n| n == number) {
        return Err(ValidationError::new(
            "number",
            "the call back must be to a telephone number of record of the account",
        )
        .into());
    }
    let last4: String = number.as_str().chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    let detail = format!("staff-attested: call back to the number ending {last4} confirmed by the staff member");
    record(state, &i, &account, EvidenceKind::CallBackCompleted, Some(detail)).await
}

/// Record that the customer stated call details unprompted (only those may be discussed).
pub async fn volunteered(state: &AppState, staff: &Staff, id: Uuid) -> ApiResult<InteractionView> {
    let (i, account) = owned(state, staff, id).await?;
    record(state, &i, &account, EvidenceKind::VolunteeredCallDetails, None).await
}

/// End the interaction now: from then on its evidence opens nothing, whatever a screen
/// still shows. The account it was about.
pub async fn end(state: &AppState, staff: &Staff, id: Uuid) -> ApiResult<AccountId> {
    let i = open_of(state, staff, id).await?;
    state.store.end_interaction(i.id, state.now()).await?;
    tracing::info!(interaction = %i.id, "interaction ended");
    Ok(i.account_id)
}

/// Send a document (call detail of a period, an invoice) to the account's address of
/// record — what a caller who cannot give the password may always have. The gate
/// decides and records it; the content goes to the outbox only, never to the screen.
/// Call detail asked for on the phone or in a chat without the password is kept as a
/// pretexting signal when repeated.
pub async fn deliver(
    state: &AppState,
    caller: StaffCaller<'_>,
    request_id: RequestId,
    id: Uuid,
    req: &DeliveryRequest,
) -> ApiResult<DeliveryView> {
    let (i, account) = owned(state, caller.staff, id).await?;
    if matches!(req.document, Document::CallDetail { .. })
        && matches!(i.channel, InteractionChannel::Phone | InteractionChannel::Chat)
    {
        let evidence = state.store.list_evidence(i.id).await?;
        if !evidence.iter().any(|e| e.kind == EvidenceKind::PasswordVerified) {
            call_detail_without_password(state, &account, &actor(caller)).await?;
        }
    }
    let target = Target::Account(account.id);
    let grounds =
        GateRequest::staff(caller.staff, Action::DeliverToAddressOfRecord, Purpose::ServiceAndSupport, target)
            .interaction(Some(InteractionId(i.id)))
            .request_id(request_id.0);
    delivery::deliver(state, &account, req, grounds).await
}
