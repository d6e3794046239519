//! Opt-out mail the ingester could not apply on its own (no matching account, several,
//! a message it could not read) waits in a quarantine for the privacy office, who files
//! it as the opt-out of the accounts whose customer sent it, or discards it with a
//! reason. The JSON API (`/consent/mail-quarantine`) and the privacy-office screen both
//! call these.

use crate::application::accounts::load as load_account;
use crate::application::consent_change::{self as change, Request};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use cpniguard_core::ValidationError;
use cpniguard_core::consent::{ConsentChannel, ConsentEventKind, Evidence};
use cpniguard_core::ids::AccountId;
use cpniguard_core::staff::Staff;
use cpniguard_store::consent::{ConsentChange, QuarantineResolution, QuarantinedMail};
use uuid::Uuid;

/// Quarantined mail, the open entries only unless `all`.
pub async fn list(state: &AppState, all: bool) -> ApiResult<Vec<QuarantinedMail>> {
    Ok(state.store.list_quarantine(!all).await?)
}

/// One entry, with its raw message.
pub async fn get(state: &AppState, id: Uuid) -> ApiResult<QuarantinedMail> {
    state.store.get_quarantined(id).await?.ok_or_else(|| Problem::not_found("quarantined message"))
}

/// File the message as the opt-out of these accounts, effective when the message was
/// received (not when it was reviewed), with the message as evidence.
pub async fn file_as_opt_out(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    accounts: &[AccountId],
    note: Option<&str>,
) -> ApiResult<QuarantinedMail> {
    if accounts.is_empty() {
        return Err(ValidationError::new("account_ids", "at least one account").into());
    }
    let q = get(state, id).await?;
    let now = state.now();
    let mut all = ConsentChange::default();
    for account in accounts {
        let acct = load_account(state, *account).await?;
        let request = Request {
            account: &acct,
            scopes: change::marketing_scopes(&state.config),
            kind: ConsentEventKind::OptOut,
            channel: ConsentChannel::Email,
            at: q.received_at,
            recorded_by: format!("staff:{}", staff.id),
            evidence: Evidence {
                message_id: q.message_id.clone(),
                message_sha256: Some(q.sha256.clone()),
                ..Evidence::default()
            },
            idempotency_base: Some(format!("mail:{}", q.sha256)),
        };
        let c = change::build(&state.config, &request, now);
        all.events.extend(c.events);
        all.notices.extend(c.notices);
    }
    let by = format!("staff:{}", staff.id);
    let resolution = QuarantineResolution::Applied { change: Box::new(all) };
    let done = state.store.resolve_quarantine(id, &resolution, &by, note, now).await?;
    tracing::info!(quarantine = %id, staff = %staff.id, accounts = accounts.len(), "quarantined opt-out applied");
    Ok(done)
}

/// Discard the message, saying why (spam, not an opt-out request, ...).
pub async fn dismiss(state: &AppState, staff: &Staff, id: Uuid, note: &str) -> ApiResult<QuarantinedMail> {
    if note.trim().is_empty() {
        return Err(ValidationError::new("note", "say why the message is discarded").into());
    }
    let by = format!("staff:{}", staff.id);
    Ok(state.store.resolve_quarantine(id, &QuarantineResolution::Dismissed, &by, Some(note), state.now()).await?)
}
