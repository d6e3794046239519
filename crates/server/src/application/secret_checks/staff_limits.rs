//! Checks a staff member makes for a caller (a CSR entering the password, PIN or
//! back-up answer a caller gives) are limited per staff member and per account, never
//! per network address: a floor of CSRs behind one NAT or CRM server is not one
//! attacker. The account's own lockout applies as everywhere. Beyond it, one staff
//! member failing on many distinct accounts is what pretexting with an insider's help
//! looks like: from `staff_signal_failed_accounts` within the window the privacy
//! office gets a signal naming them, and from `staff_delay_failed_accounts` their
//! failed checks are answered slower and slower — never refused, so real work goes on.
//! The counts come from the failures table, so they hold across servers.

use super::{Actor, record_signal};
use crate::state::AppState;
use chrono::Duration;
use cpniguard_core::authn::{InteractionChannel, LockState};
use cpniguard_core::ids::AccountId;
use cpniguard_core::staff::Staff;

/// The signal kind for one staff member's failures across accounts.
pub(crate) const STAFF_FAILURES_SIGNAL: &str = "staff_failures_across_accounts";

/// After a staff member's failed check on `account` (whose state is now `lock`): raise
/// the signal when they cross the threshold (once per window), then hold the answer for
/// the longer of the account's back-off and the staff member's own delay.
pub(crate) async fn after_failure(
    state: &AppState,
    staff: &Staff,
    channel: InteractionChannel,
    actor: &Actor,
    account: AccountId,
    lock: LockState,
) {
    let c = &state.config.customer_auth;
    let now = state.now();
    let window = c.staff_signal_window_minutes;
    let since = now - Duration::minutes(window.into());
    let accounts = state.store.failed_accounts_since(Some(staff.id), "", since).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "counting a staff member's failed accounts");
        0
    });
    if accounts >= u64::from(c.staff_signal_failed_accounts) {
        let raised = state.store.count_staff_signals(staff.id, STAFF_FAILURES_SIGNAL, since).await.unwrap_or(0);
        if raised == 0 {
            let detail = format!(
                "staff member {} failed credential checks on {accounts} distinct accounts within {window} minutes (channel: {})",
                staff.username.as_str(),
                channel.as_str()
            );
            record_signal(state, STAFF_FAILURES_SIGNAL, Some(account), actor, detail).await;
        }
    }
    let own = c.staff_delay(accounts);
    if !own.is_zero() {
        metrics::counter!("cpniguard_auth_checks_delayed_total", "limit" => "staff_failed_accounts").increment(1);
    }
    tokio::time::sleep(own.max(c.lockout_policy().delay(lock.failures))).await;
}
