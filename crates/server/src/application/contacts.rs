//! Changing an account's contact points (email, postal address, telephone numbers),
//! from the API or a CSR's screen: one all-or-nothing store call that queues the
//! account-change notices to the contact points of record *before* the change (never
//! the new ones), and any privacy-office task when no channel can reach the customer.

use crate::api::accounts::contact_change_effects;
use crate::problem::ApiResult;
use crate::state::AppState;
use cpniguard_core::contact::ContactChange;
use cpniguard_core::ids::AccountId;
use cpniguard_store::ContactChangeOutcome;

/// Apply `change` to the account, made `by` a staff member (`staff:<id>`) or the
/// customer (`customer`). A retry carrying the same `idempotency_key` queues no second
/// notice.
pub async fn change(
    state: &AppState,
    by: &str,
    account: AccountId,
    change: &ContactChange,
    idempotency_key: Option<&str>,
) -> ApiResult<ContactChangeOutcome> {
    let now = state.now();
    let change_ref = match idempotency_key {
        Some(key) => format!("{account}:key:{key}"),
        None => format!("{account}:change:{}", uuid::Uuid::now_v7()),
    };
    let effects = contact_change_effects(state, &change_ref, now);
    let outcome = state.store.change_contact_points(account, change, now, &effects).await?;
    // Kinds only: contact values are personal data and stay out of logs.
    tracing::info!(
        account = %account, by, change = %outcome.plan,
        notices = outcome.notices.len(), tasks = outcome.tasks.len(), "contact points changed"
    );
    Ok(outcome)
}
