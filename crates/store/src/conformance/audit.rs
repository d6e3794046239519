//! The audit chain: appends form one gap-free, verifiable chain (also when many
//! tasks append at once), reads by range and by filter, checkpoints, and retention
//! truncation only behind a checkpoint.

use super::fixtures::at;
use crate::audit::AuditQuery;
use crate::{Store, StoreError};
use cpniguard_core::audit::{
    AuditEntry, AuditRecord, ChainHash, Checkpoint, Decision, Principal, PrincipalKind, SigningKey, verify_chain,
};
use cpniguard_core::ids::AccountId;
use std::sync::Arc;

/// A decision about account `n % 4` by staff member `n % 3`, at `at(n)` (references
/// only, like every real entry). Public for other crates' audit tests.
pub fn audit_record(n: u32) -> AuditRecord {
    AuditRecord {
        at: at(i64::from(n)),
        principal: Principal { kind: PrincipalKind::Staff, id: format!("staff-{}", n % 3), role: Some("csr".into()) },
        action: "read_call_detail".into(),
        account_id: Some(AccountId(uuid::Uuid::from_u128(u128::from(n % 4) + 1))),
        purpose: Some("customer_support".into()),
        channel: Some("phone".into()),
        interaction_id: Some(format!("interaction-{n}")),
        legal_ref: None,
        fraud_ref: None,
        decision: if n.is_multiple_of(5) { Decision::Deny } else { Decision::Allow },
        policy_ids: vec!["support-with-password".into(), "training-current".into()],
        policy_set_hash: "policy-set-1".into(),
        request_id: Some(format!("req-{n}")),
        record_refs: vec![format!("call:{n}"), format!("call:{}", n + 1)],
    }
}

/// The signing key of the suite (fixed, so failures reproduce).
pub fn audit_test_key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

async fn all_entries(store: &dyn Store) -> Vec<AuditEntry> {
    let mut out: Vec<AuditEntry> = Vec::new();
    loop {
        let from = out.last().map_or(1, |e| e.seq + 1);
        let page = store.audit_entries(from, 100).await.unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

fn sign_at(entry: &AuditEntry) -> Checkpoint {
    Checkpoint::sign(entry.seq, entry.hash, entry.record.at, &audit_test_key())
}

pub async fn audit_appends_form_a_verifiable_chain(store: &dyn Store) {
    assert_eq!(store.audit_head().await.unwrap(), None);
    assert!(store.append_audit(&[]).await.unwrap().is_empty());
    let first = store.append_audit(&[audit_record(1)]).await.unwrap();
    assert_eq!((first[0].seq, first[0].prev_hash), (1, ChainHash::GENESIS));
    let records: Vec<AuditRecord> = (2..=700).map(audit_record).collect();
    let batch = store.append_audit(&records).await.unwrap();
    assert_eq!(batch.len(), 699, "more rows than one INSERT statement holds");
    assert_eq!(batch[0].prev_hash, first[0].hash);
    let head = store.audit_head().await.unwrap().unwrap();
    assert_eq!((head.seq, head.hash), (700, batch[698].hash));

    let stored = all_entries(store).await;
    assert_eq!(stored.len(), 700);
    assert_eq!(stored[0], first[0], "read back exactly as sealed");
    assert_eq!(stored[1..], batch[..]);
    let report = verify_chain(&stored, &[], &audit_test_key().verifying_key(), None).unwrap();
    assert_eq!(report.last.unwrap(), head);
    assert_eq!(store.audit_entries(699, 10).await.unwrap().len(), 2);
}

/// The benchmark's raw insert writes only a run that continues the head: anything else
/// is refused with nothing written, and what it wrote verifies like an append.
pub async fn audit_sealed_insert_continues_the_head_only(store: &dyn Store) {
    let first = store.append_audit(&[audit_record(1)]).await.unwrap().remove(0);
    let mut prev = first.clone();
    let run: Vec<AuditEntry> = (2..=600)
        .map(|n| {
            prev = AuditEntry::seal(prev.seq + 1, prev.hash, audit_record(n));
            prev.clone()
        })
        .collect();
    let stale = AuditEntry::seal(1, ChainHash::GENESIS, audit_record(9));
    assert!(matches!(store.insert_sealed_audit(&[stale]).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.insert_sealed_audit(&run[1..]).await, Err(StoreError::Conflict(_))), "a gap");
    let unlinked = [run[0].clone(), run[2].clone()];
    assert!(matches!(store.insert_sealed_audit(&unlinked).await, Err(StoreError::Invalid(_))));
    assert_eq!(all_entries(store).await, std::slice::from_ref(&first), "nothing written by a refused run");

    store.insert_sealed_audit(&run).await.unwrap();
    assert_eq!(store.audit_head().await.unwrap().unwrap().seq, 600);
    let stored = all_entries(store).await;
    assert_eq!(stored[1..], run[..]);
    verify_chain(&stored, &[], &audit_test_key().verifying_key(), None).unwrap();
    let next = store.append_audit(&[audit_record(601)]).await.unwrap();
    assert_eq!(next[0].prev_hash, run[598].hash, "appends continue after it");
}

pub async fn audit_search_filters_and_pages(store: &dyn Store) {
    let records: Vec<AuditRecord> = (1..=40).map(audit_record).collect();
    store.append_audit(&records).await.unwrap();
    let account = AccountId(uuid::Uuid::from_u128(2));
    let mut query = AuditQuery { account: Some(account), limit: 4, ..AuditQuery::default() };
    let mut seen = Vec::new();
    loop {
        let page = store.search_audit(&query).await.unwrap();
        seen.extend(page.entries.iter().map(|e| e.seq));
        match page.next_after {
            Some(after) => query.after_seq = Some(after),
            None => break,
        }
    }
    assert_eq!(seen, (1..=40u64).filter(|n| n % 4 == 1).collect::<Vec<_>>());

    let denied = AuditQuery {
        principal: Some((PrincipalKind::Staff, "staff-0".into())),
        decision: Some(Decision::Deny),
        from: Some(at(10)),
        to: Some(at(30)),
        limit: 100,
        ..AuditQuery::default()
    };
    let page = store.search_audit(&denied).await.unwrap();
    let seqs: Vec<u64> = page.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![15], "n % 3 == 0, n % 5 == 0, 10 ≤ n < 30");
    assert_eq!(page.next_after, None);
}

pub async fn audit_checkpoints_and_retention(store: &dyn Store) {
    let entries = store.append_audit(&(1..=30).map(audit_record).collect::<Vec<_>>()).await.unwrap();
    let key = audit_test_key().verifying_key();
    // Truncation only behind a checkpoint.
    assert!(matches!(store.truncate_audit_before(11).await, Err(StoreError::Invalid(_))));
    assert_eq!(store.truncate_audit_before(1).await.unwrap(), 0);

    let mut wrong = sign_at(&entries[9]);
    wrong.hash = entries[8].hash;
    assert!(matches!(store.add_audit_checkpoint(&wrong).await, Err(StoreError::Invalid(_))));
    let mut beyond = sign_at(&entries[9]);
    beyond.seq = 31;
    assert!(matches!(store.add_audit_checkpoint(&beyond).await, Err(StoreError::Invalid(_))));
    for i in [9, 19] {
        store.add_audit_checkpoint(&sign_at(&entries[i])).await.unwrap();
    }
    assert!(matches!(store.add_audit_checkpoint(&sign_at(&entries[9])).await, Err(StoreError::Conflict(_))));
    let checkpoints = store.audit_checkpoints(0, u64::MAX).await.unwrap();
    assert_eq!(checkpoints, vec![sign_at(&entries[9]), sign_at(&entries[19])]);
    assert_eq!(store.audit_checkpoints(11, 20).await.unwrap().len(), 1);
    assert_eq!(store.last_audit_checkpoint().await.unwrap().unwrap().seq, 20);

    assert_eq!(store.truncate_audit_before(11).await.unwrap(), 10);
    let remaining = all_entries(store).await;
    assert_eq!(remaining.first().map(|e| e.seq), Some(11));
    let report = verify_chain(&remaining, &checkpoints, &key, None).unwrap();
    assert_eq!((report.first_seq, report.entries, report.unsealed), (Some(11), 20, 10));
    // The head survives truncation, and appends go on from it.
    let next = store.append_audit(&[audit_record(31)]).await.unwrap();
    assert_eq!((next[0].seq, next[0].prev_hash), (31, entries[29].hash));
}

pub async fn audit_concurrent_appends_keep_one_chain(store: Arc<dyn Store>) {
    const TASKS: u32 = 8;
    const ROUNDS: u32 = 15;
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let store = Arc::clone(&store);
        handles.push(tokio::spawn(async move {
            let mut written = 0;
            for round in 0..ROUNDS {
                let size = (task + round) % 3 + 1;
                let records: Vec<AuditRecord> = (0..size).map(|i| audit_record(task * 1000 + round * 10 + i)).collect();
                let entries = store.append_audit(&records).await.unwrap();
                // A batch is contiguous: nobody else's entry lands inside it.
                assert!(entries.windows(2).all(|w| w[1].seq == w[0].seq + 1 && w[1].prev_hash == w[0].hash));
                written += entries.len();
            }
            written
        }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    let stored = all_entries(&*store).await;
    assert_eq!(stored.len(), total);
    let report = verify_chain(&stored, &[], &audit_test_key().verifying_key(), None).unwrap();
    assert_eq!(report.last.unwrap().seq, total as u64);
    assert_eq!(store.audit_head().await.unwrap(), report.last);
}
