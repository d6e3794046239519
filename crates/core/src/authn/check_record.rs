//! Every check of a customer's secret is an entry in the audit chain with its outcome
//! (issue 20): a staff member verifying a caller's password, PIN or back-up answer,
//! or a portal sign-in against an account. An auditor then sees failed attempts on
//! an account beside its disclosures, not only a counter in a metric. The entry holds
//! references — which secret, the outcome, the client address — never the secret.

use super::SecretKind;
use crate::audit::{AuditRecord, Decision, Principal, PrincipalKind};
use crate::ids::{AccountId, StaffId};
use chrono::{DateTime, Utc};

/// The audit action of a staff member checking a caller's secret.
pub const STAFF_CHECK_ACTION: &str = "customer_auth.staff_check";
/// The audit action of a sign-in on the portal (a customer, or whoever claims to be).
pub const PORTAL_SIGN_IN_ACTION: &str = "customer_auth.portal_sign_in";

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    Verified,
    Mismatch,
    /// Refused unchecked: the account is locked.
    Locked,
    /// The account has no such secret set.
    NoSuchSecret,
}

impl CheckOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Verified => "verified",
            CheckOutcome::Mismatch => "mismatch",
            CheckOutcome::Locked => "locked",
            CheckOutcome::NoSuchSecret => "no_such_secret",
        }
    }
}

/// The audit record of one check of `kind` on `account`: by `staff` for a caller, or
/// (without staff) a portal sign-in, whose principal is the account claimed. `source`
/// is the client address the check came from.
pub fn check_record(
    account: AccountId,
    staff: Option<StaffId>,
    kind: SecretKind,
    outcome: CheckOutcome,
    source: &str,
    at: DateTime<Utc>,
) -> AuditRecord {
    let (principal, action) = match staff {
        Some(staff) => {
            (Principal { kind: PrincipalKind::Staff, id: staff.to_string(), role: None }, STAFF_CHECK_ACTION)
        }
        None => {
            (Principal { kind: PrincipalKind::Customer, id: account.to_string(), role: None }, PORTAL_SIGN_IN_ACTION)
        }
    };
    AuditRecord {
        at,
        principal,
        action: action.to_owned(),
        account_id: Some(account),
        purpose: None,
        channel: None,
        interaction_id: None,
        legal_ref: None,
        fraud_ref: None,
        decision: if outcome == CheckOutcome::Verified { Decision::Allow } else { Decision::Deny },
        policy_ids: Vec::new(),
        policy_set_hash: String::new(),
        request_id: None,
        record_refs: vec![
            format!("secret:{}", kind.as_str()),
            format!("outcome:{}", outcome.as_str()),
            format!("source:{source}"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_is_recorded_by_reference_with_its_outcome() {
        let account = AccountId::new();
        let staff = StaffId::new();
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let r = check_record(account, Some(staff), SecretKind::Pin, CheckOutcome::Mismatch, "10.0.0.7", at);
        assert_eq!((r.action.as_str(), r.decision, r.account_id), (STAFF_CHECK_ACTION, Decision::Deny, Some(account)));
        assert_eq!((r.principal.kind, r.principal.id.clone()), (PrincipalKind::Staff, staff.to_string()));
        assert_eq!(r.record_refs, ["secret:pin", "outcome:mismatch", "source:10.0.0.7"]);
        let r = check_record(account, None, SecretKind::Password, CheckOutcome::Verified, "192.0.2.1", at);
        assert_eq!((r.action.as_str(), r.decision), (PORTAL_SIGN_IN_ACTION, Decision::Allow));
        assert_eq!(r.principal.id, account.to_string());
    }
}
