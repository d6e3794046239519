//! Changing an account's contact points (email, postal address, telephone numbers),
//! from the API or a CSR's screen: one all-or-nothing store call that queues the
//! account-change notices to the contact points of record *before* the change (never
//! the new ones), and any privacy-office task when no channel can reach the customer.

use crate::config::Config;
use crate::problem::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use cpniguard_core::account::Account;
use cpniguard_core::contact::{ContactChange, ContactChangePlan, OfRecordRule};
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{
    AccountBefore, Channel, NoticeKind, NoticeRouting, SideEffects, account_change_notices, contact_change_events,
};
use cpniguard_store::ContactChangeOutcome;
use std::collections::BTreeMap;

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

/// What a contact change owes the customer, for [`cpniguard_store::Store::change_contact_points`]:
/// the account-change notices, addressed to the contact points of record before the
/// change (never the new ones), or a privacy-office task when none can be reached.
/// The API and the billing sync (`cpniguard import accounts`) both change contacts
/// through it. `change_ref` makes the notices' idempotency keys.
pub fn contact_change_effects<'a>(
    state: &'a AppState,
    change_ref: &'a str,
    now: chrono::DateTime<chrono::Utc>,
) -> impl Fn(&Account, &ContactChangePlan) -> SideEffects + Send + Sync + 'a {
    let (routing, rule) = (&state.config.notices.routing, of_record_rule(state));
    move |before: &Account, plan: &ContactChangePlan| {
        let before = AccountBefore {
            account_id: before.id,
            name: &before.profile.name,
            language: before.profile.language,
            contact_points: &before.contact_points,
        };
        account_change_notices(&before, &contact_change_events(plan), routing, rule, change_ref, now)
    }
}

pub fn of_record_rule(state: &AppState) -> OfRecordRule {
    OfRecordRule { min_age: chrono::Duration::days(state.config.rules.of_record_days.into()) }
}

/// A confirmation the customer is owed (of a consent choice, of a complaint received):
/// by email to the address of record, else a letter to the postal address of record,
/// in the customer's language. With no contact point of record, nothing.
pub fn confirmation(
    config: &Config,
    account: &Account,
    kind: NoticeKind,
    change_ref: &str,
    now: DateTime<Utc>,
) -> SideEffects {
    let routing = NoticeRouting {
        default_channels: vec![Channel::Email],
        per_event: BTreeMap::new(),
        postal_when_no_email: true,
    };
    let rule = OfRecordRule { min_age: chrono::Duration::days(config.rules.of_record_days.into()) };
    let before = AccountBefore {
        account_id: account.id,
        name: &account.profile.name,
        language: account.profile.language,
        contact_points: &account.contact_points,
    };
    account_change_notices(&before, &[kind], &routing, rule, change_ref, now)
}
