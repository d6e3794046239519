//! Limits that hold across processes and the records behind separation of duties
//! (issue 18): per-source counters, exemption grants, lifted locks, attested changes.

use super::fixtures::{at, create};
use crate::Store;
use crate::auth::{FailedAttempt, PretextingSignal};
use crate::auth_limits::{AttestedChange, ExemptionGrant, LockLift, SourceRule};
use chrono::Duration;
use cpniguard_core::authn::{EvidenceKind, LockoutPolicy, SecretKind};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::notice::SideEffects;

fn rule() -> SourceRule {
    SourceRule { allowed: 3, window: Duration::seconds(60), block: Duration::seconds(300) }
}

/// Failures add up per limit and key within the window, block at `allowed` for
/// `block`, start afresh after the window, and stale counters are swept.
pub async fn auth_limits_source_counters_block_and_expire(store: &dyn Store) {
    let (limit, key) = ("portal_source", "192.0.2.1");
    assert_eq!(store.source_blocked_until(limit, key, at(0)).await.unwrap(), None);
    assert_eq!(store.record_source_failure(limit, key, &rule(), at(0)).await.unwrap().failures, 1);
    assert_eq!(store.record_source_failure(limit, key, &rule(), at(70)).await.unwrap().failures, 1, "new window");
    assert_eq!(store.record_source_failure(limit, key, &rule(), at(80)).await.unwrap().failures, 2);
    let third = store.record_source_failure(limit, key, &rule(), at(90)).await.unwrap();
    assert_eq!((third.failures, third.blocked_until), (3, Some(at(390))));
    assert_eq!(store.source_blocked_until(limit, key, at(100)).await.unwrap(), Some(at(390)));
    assert_eq!(store.source_blocked_until("staff_token_source", key, at(100)).await.unwrap(), None, "per limit");
    assert_eq!(store.source_blocked_until(limit, "192.0.2.2", at(100)).await.unwrap(), None, "per key");
    assert_eq!(store.source_blocked_until(limit, key, at(390)).await.unwrap(), None, "the block ends");
    store.record_source_failure(limit, "192.0.2.3", &rule(), at(0)).await.unwrap();
    assert_eq!(store.sweep_source_limits(limit, at(200), at(200)).await.unwrap(), 1, "only the stale, unblocked one");
    assert_eq!(store.sweep_source_limits(limit, at(1000), at(1000)).await.unwrap(), 1);
}

/// Failures recorded at once by many callers (as by several servers) all count.
pub async fn auth_limits_concurrent_failures_all_count(store: std::sync::Arc<dyn Store>) {
    let wide = SourceRule { allowed: 1000, window: Duration::seconds(600), block: Duration::seconds(60) };
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(
                async move { store.record_source_failure("portal_source", "198.51.100.9", &wide, at(5)).await },
            )
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let next = store.record_source_failure("portal_source", "198.51.100.9", &wide, at(6)).await.unwrap();
    assert_eq!(next.failures, 17);
}

/// Exemption changes are kept with who made them, set and clear the account's
/// exemption, and an unknown account is `NotFound`.
pub async fn auth_limits_exemption_grants_recorded(store: &dyn Store) {
    let a = create(store, "EXEMPT-1", "Biz", &["+18015552001"]).await;
    let (po, admin) = (StaffId::new(), StaffId::new());
    let grant = |by, contract: Option<&str>, secs| ExemptionGrant {
        account_id: a.id,
        contract_reference: contract.map(str::to_owned),
        dedicated_representative: contract.map(|_| "Rosa Diaz".to_owned()),
        set_by: by,
        set_at: at(secs),
    };
    store.set_business_exemption(&grant(po, Some("MSA-1"), 10), &SideEffects::default()).await.unwrap();
    let account = store.get_account(a.id).await.unwrap().unwrap();
    assert_eq!(account.profile.business_exemption.unwrap().contract_reference, "MSA-1");
    store.set_business_exemption(&grant(admin, None, 20), &SideEffects::default()).await.unwrap();
    assert_eq!(store.get_account(a.id).await.unwrap().unwrap().profile.business_exemption, None);
    let history = store.exemption_history(a.id).await.unwrap();
    assert_eq!(history, vec![grant(po, Some("MSA-1"), 10), grant(admin, None, 20)]);
    let missing = ExemptionGrant { account_id: AccountId::new(), ..grant(po, Some("X"), 30) };
    assert!(store.set_business_exemption(&missing, &SideEffects::default()).await.is_err());
}

/// Lifting a lock clears it and records who and why; no lock, nothing recorded.
pub async fn auth_limits_lock_lifts_recorded(store: &dyn Store) {
    let a = create(store, "LIFT-1", "Locked Out", &["+18015552002"]).await;
    let lift = LockLift {
        account_id: a.id,
        lifted_by: StaffId::new(),
        reason: "identified in store".into(),
        lifted_at: at(50),
    };
    assert!(!store.lift_lock(&lift).await.unwrap());
    let attempt =
        FailedAttempt { account_id: a.id, staff_id: None, source: "192.0.2.9".into(), kind: SecretKind::Password };
    let policy = LockoutPolicy { max_failures: 1, ..LockoutPolicy::default() };
    assert!(store.record_auth_failure(&attempt, &policy, at(10)).await.unwrap().is_locked(at(11)));
    assert!(store.lift_lock(&lift).await.unwrap());
    assert!(!store.lock_state(a.id).await.unwrap().is_locked(at(51)));
    assert_eq!(store.lock_lifts(a.id).await.unwrap(), vec![lift]);
}

/// Attested changes count distinct accounts per staff member since a time; staff
/// signals count by staff member and kind.
pub async fn auth_limits_attested_changes_and_staff_signals(store: &dyn Store) {
    let a = create(store, "ATTEST-1", "One", &["+18015552003"]).await;
    let b = create(store, "ATTEST-2", "Two", &["+18015552004"]).await;
    let (csr, other) = (StaffId::new(), StaffId::new());
    let change = |staff, account, secs| AttestedChange {
        staff_id: staff,
        account_id: account,
        evidence: EvidenceKind::PhotoIdChecked,
        at: at(secs),
    };
    assert_eq!(store.record_attested_change(&change(csr, a.id, 10), at(0)).await.unwrap(), 1);
    assert_eq!(store.record_attested_change(&change(csr, a.id, 20), at(0)).await.unwrap(), 1, "distinct accounts");
    assert_eq!(store.record_attested_change(&change(csr, b.id, 30), at(0)).await.unwrap(), 2);
    assert_eq!(store.record_attested_change(&change(csr, b.id, 40), at(25)).await.unwrap(), 1, "since");
    assert_eq!(store.record_attested_change(&change(other, a.id, 50), at(0)).await.unwrap(), 1, "per staff member");

    let signal = |kind: &str, staff, secs| PretextingSignal {
        id: uuid::Uuid::now_v7(),
        kind: kind.to_owned(),
        account_id: Some(a.id),
        staff_id: Some(staff),
        source: None,
        detail: "d".into(),
        created_at: at(secs),
    };
    store.record_signal(&signal("staff_failures_across_accounts", csr, 100)).await.unwrap();
    store.record_signal(&signal("other_kind", csr, 100)).await.unwrap();
    assert_eq!(store.count_staff_signals(csr, "staff_failures_across_accounts", at(0)).await.unwrap(), 1);
    assert_eq!(store.count_staff_signals(csr, "staff_failures_across_accounts", at(101)).await.unwrap(), 0);
    assert_eq!(store.count_staff_signals(other, "staff_failures_across_accounts", at(0)).await.unwrap(), 0);
}
