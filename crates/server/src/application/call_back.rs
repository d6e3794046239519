//! A call back placed by the system and confirmed by the telephony platform (issue 18),
//! when a voice channel is configured (`[notices.webhook]`): the call to the number of
//! record goes out as a `voice` notice through the messaging webhook, and the platform
//! reports it answered to `POST /api/v1/telephony/call-backs/answered`, authenticated
//! with the webhook's shared secret. The CSR's own word then no longer completes a call
//! back. Without a voice channel the CSR confirms it, and the evidence says so.

use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::http::StatusCode;
use cpniguard_core::account::Account;
use cpniguard_core::authn::{EvidenceKind, is_staff_attested};
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use cpniguard_core::phone::PhoneNumber;
use cpniguard_store::NoticeQuery;
use cpniguard_store::auth::{Evidence, Interaction};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// How the evidence of a call back the platform confirmed begins.
const TELEPHONY_CONFIRMED: &str = "confirmed by the telephony platform";

/// Whether only the staff member's word stands behind `e`: a photo ID, or a call back
/// not confirmed by the telephony platform.
pub fn staff_attested(e: &Evidence) -> bool {
    is_staff_attested(e.kind) && !e.detail.as_deref().is_some_and(|d| d.starts_with(TELEPHONY_CONFIRMED))
}

/// Whether call backs are placed and confirmed by the telephony platform.
pub fn by_telephony(state: &AppState) -> bool {
    state.config.notices.webhook.enabled
}

/// Queue the voice call to `number` for interaction `i`; its notice id.
pub async fn place(state: &AppState, i: &Interaction, account: &Account, number: &PhoneNumber) -> ApiResult<NoticeId> {
    let now = state.now();
    let notice = NewNotice {
        id: NoticeId::new(),
        account_id: Some(account.id),
        kind: NoticeKind::CallBack,
        channel: Channel::Voice,
        destination: Destination::Phone { number: number.clone() },
        template: NoticeKind::CallBack.template().to_owned(),
        language: account.profile.language,
        params: BTreeMap::from([
            ("change".to_owned(), NoticeKind::CallBack.as_str().to_owned()),
            ("changed_at".to_owned(), now.to_rfc3339()),
            ("name".to_owned(), account.profile.name.clone()),
        ]),
        // The platform echoes this key back when the call is answered: it names the
        // interaction the answer completes.
        idempotency_key: format!("{}:call-back:{}", i.id, Uuid::now_v7()),
        not_before: now,
    };
    state.store.enqueue_notices(std::slice::from_ref(&notice), now).await?;
    tracing::info!(interaction = %i.id, notice = %notice.id, "call back placed through the voice channel");
    Ok(notice.id)
}

/// The CSR may not confirm a call back the platform is to confirm.
pub fn confirmed_by_telephony_only() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "call_back_by_telephony",
        "Confirmed by the telephony platform",
        "a voice channel is configured: the call back is placed through it and completed when the telephony platform reports it answered, not by staff",
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnsweredView {
    pub interaction_id: Uuid,
    pub evidence: EvidenceKind,
}

/// The telephony platform (already authenticated by the caller) reports the call back
/// with this idempotency key answered at the number of record: the interaction gets
/// `call_back_completed`, confirmed by the platform.
pub async fn answered(state: &AppState, idempotency_key: &str) -> ApiResult<AnsweredView> {
    let unknown = || Problem::not_found("call back");
    let interaction_id: Uuid = idempotency_key.split(':').next().and_then(|id| id.parse().ok()).ok_or_else(unknown)?;
    let i = state.store.get_interaction(interaction_id).await?.ok_or_else(unknown)?;
    let query = NoticeQuery {
        account: Some(i.account_id),
        status: None,
        kind: Some(NoticeKind::CallBack),
        after: None,
        limit: 1000,
    };
    let placed = state.store.list_notices(&query).await?;
    let call = placed.notices.into_iter().find(|n| n.idempotency_key == idempotency_key).ok_or_else(unknown)?;
    let now = state.now();
    if i.expires_at <= now {
        return Err(Problem::new(
            StatusCode::GONE,
            "interaction_expired",
            "Interaction expired",
            "the interaction has expired",
        ));
    }
    let Destination::Phone { number } = &call.destination else { return Err(unknown()) };
    let last4: String = number.as_str().chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    let detail = format!("{TELEPHONY_CONFIRMED}: call back to the number ending {last4} answered");
    let evidence = Evidence { kind: EvidenceKind::CallBackCompleted, detail: Some(detail), recorded_at: now };
    state.store.add_evidence(i.id, &evidence).await?;
    tracing::info!(interaction = %i.id, "call back confirmed by the telephony platform");
    Ok(AnsweredView { interaction_id: i.id, evidence: EvidenceKind::CallBackCompleted })
}
