//! The customer's own marketing consent, from the portal (JSON or web): the status of
//! every scope now, and opting out (effective at once), opting in or revoking — in
//! their password-authenticated session, which is the evidence an opt-in needs.

use crate::application::accounts::load as load_account;
use crate::application::consent_change::{self as change, Action, RecordView, Request, StatusView};
use crate::auth::customer::CurrentCustomer;
use crate::problem::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::consent::{ConsentChannel, Evidence, statuses};
use cpniguard_core::ids::AccountId;

/// Every scope's approval status at `at`, from the account's consent history.
pub async fn status_at(state: &AppState, id: AccountId, at: DateTime<Utc>) -> ApiResult<StatusView> {
    let history = state.store.consent_history(id).await?;
    Ok(StatusView { account_id: id, at, scopes: statuses(&history, at, &state.config.consent.policy()) })
}

/// Record the customer's own choice: `opt_out` (every marketing scope when none is
/// named), `opt_in` or `revoke` of one scope. One-time approvals are given on a call.
pub async fn change_own(
    state: &AppState,
    customer: &CurrentCustomer,
    scope: Option<String>,
    action: Action,
) -> ApiResult<RecordView> {
    let acct = load_account(state, customer.account_id).await?;
    let policy = state.config.consent.policy();
    if action == Action::OneTimeApproval {
        return Err(ValidationError::new("action", "one-time approval is given on a call").into());
    }
    let scopes = match &scope {
        Some(s) => vec![s.clone()],
        None if action != Action::OptIn => change::marketing_scopes(&state.config),
        None => return Err(ValidationError::new("scope", "which scope is approved").into()),
    };
    let now = state.now();
    // The portal session was opened by a password login: an authenticated interaction.
    let request = Request {
        account: &acct,
        scopes,
        kind: action.kind(),
        channel: ConsentChannel::Portal,
        at: now,
        recorded_by: "customer".to_owned(),
        evidence: Evidence { interaction_id: Some(customer.interaction_id.to_string()), ..Evidence::default() },
        idempotency_base: None,
    };
    let change = change::build(&state.config, &request, now);
    for e in &change.events {
        e.validate(&policy)?;
    }
    let out = state.store.record_consent(&change, now).await?;
    let status = status_at(state, customer.account_id, now).await?;
    Ok(RecordView { recorded: out.recorded, notices_queued: out.notices, status })
}
