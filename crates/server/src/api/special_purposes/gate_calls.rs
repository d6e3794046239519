//! Every disclosure this module makes passes through one function here per use, so
//! the disclosure gate (issue 5, `crate::gate`, built in parallel) replaces exactly
//! these bodies. Until it lands they record an allowing audit entry, committed before
//! the caller reveals anything, with no policy decision behind it: the route's
//! capability is the only check.

use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use cpniguard_core::account::Account;
use cpniguard_core::audit::{AuditRecord, Decision, Principal, PrincipalKind};
use cpniguard_core::staff::{Role, Staff};

/// Another carrier (a staff row with the `carrier` role) asks whether `account`'s
/// number has a PIC freeze.
pub(super) async fn authorize_pic_freeze_inquiry(
    state: &AppState,
    carrier: &Staff,
    account: &Account,
) -> ApiResult<()> {
    let principal = Principal {
        kind: PrincipalKind::Carrier,
        id: carrier.id.to_string(),
        role: Some(Role::Carrier.as_str().to_owned()),
    };
    record(state, principal, "answer_pic_freeze_inquiry", "pic_freeze_inquiry", account).await
}

/// `staff` exports `account`'s listing to a directory publisher.
pub(super) async fn authorize_directory_export(state: &AppState, staff: &Staff, account: &Account) -> ApiResult<()> {
    let role = staff.roles.iter().next().map(|r| r.as_str().to_owned());
    let principal = Principal { kind: PrincipalKind::Staff, id: staff.id.to_string(), role };
    record(state, principal, "export_directory_listing", "directory_listing", account).await
}

async fn record(
    state: &AppState,
    principal: Principal,
    action: &str,
    purpose: &str,
    account: &Account,
) -> ApiResult<()> {
    let record = AuditRecord {
        at: state.now(),
        principal,
        action: action.to_owned(),
        account_id: Some(account.id),
        purpose: Some(purpose.to_owned()),
        channel: Some("none".to_owned()),
        interaction_id: None,
        legal_ref: None,
        fraud_ref: None,
        decision: Decision::Allow,
        policy_ids: Vec::new(),
        policy_set_hash: String::new(),
        request_id: None,
        record_refs: Vec::new(),
    };
    state.store.append_audit(&[record]).await.map_err(|e| {
        tracing::error!(error = %e, "audit entry not recorded");
        Problem::unavailable("the access could not be recorded in the audit log; nothing was disclosed")
    })?;
    Ok(())
}
