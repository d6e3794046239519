use super::*;
use chrono::TimeZone;

pub(super) fn key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn record(n: u32) -> AuditRecord {
    AuditRecord {
        at: Utc.timestamp_opt(1_700_000_000 + i64::from(n), 123_456_789).unwrap(),
        principal: Principal { kind: PrincipalKind::Staff, id: format!("staff-{n}"), role: Some("csr".into()) },
        action: "read_call_detail".into(),
        account_id: Some(AccountId(uuid::Uuid::from_u128(u128::from(n)))),
        purpose: Some("customer_support".into()),
        channel: Some("phone".into()),
        interaction_id: None,
        legal_ref: None,
        fraud_ref: None,
        decision: if n.is_multiple_of(3) { Decision::Deny } else { Decision::Allow },
        policy_ids: vec!["support-phone-password".into()],
        policy_set_hash: "abc".into(),
        request_id: Some(format!("req-{n}")),
        record_refs: vec![format!("call:{n}")],
    }
}

/// `n` entries from seq 1, with a checkpoint at every seq in `checkpoint_at`.
pub(super) fn chain(n: u32, checkpoint_at: &[u64]) -> (Vec<AuditEntry>, Vec<Checkpoint>) {
    let mut prev = ChainHash::GENESIS;
    let mut entries = Vec::new();
    for i in 1..=n {
        let e = AuditEntry::seal(u64::from(i), prev, record(i));
        prev = e.hash;
        entries.push(e);
    }
    let checkpoints = checkpoint_at
        .iter()
        .map(|&s| Checkpoint::sign(s, entries[s as usize - 1].hash, entries[s as usize - 1].record.at, &key()))
        .collect();
    (entries, checkpoints)
}

fn verify(entries: &[AuditEntry], checkpoints: &[Checkpoint]) -> Result<VerifyReport, VerifyError> {
    verify_chain(entries, checkpoints, &key().verifying_key(), None)
}

#[test]
fn an_intact_chain_verifies_and_reports_what_it_covered() {
    let (entries, checkpoints) = chain(10, &[4, 8]);
    let report = verify(&entries, &checkpoints).unwrap();
    assert_eq!(report.entries, 10);
    assert_eq!(report.first_seq, Some(1));
    assert_eq!(report.last.unwrap().seq, 10);
    assert_eq!((report.checkpoints, report.last_checkpoint, report.unsealed), (2, Some(8), 2));
    assert_eq!(verify(&[], &[]).unwrap().entries, 0);
}

#[test]
fn sealing_truncates_time_to_the_microsecond_and_is_deterministic() {
    let a = AuditEntry::seal(1, ChainHash::GENESIS, record(1));
    assert_eq!(a.record.at.timestamp_subsec_nanos(), 123_456_000);
    assert_eq!(a, AuditEntry::seal(1, ChainHash::GENESIS, record(1)));
    assert_ne!(a.hash, AuditEntry::seal(2, ChainHash::GENESIS, record(1)).hash, "seq is hashed");
}

#[test]
fn the_encoding_is_length_prefixed_so_shifted_text_differs() {
    let mut a = record(1);
    let mut b = record(1);
    a.policy_ids = vec!["ab".into(), "c".into()];
    b.policy_ids = vec!["a".into(), "bc".into()];
    assert_ne!(canonical_entry(1, &a), canonical_entry(1, &b));
    a.purpose = None;
    b.policy_ids = a.policy_ids.clone();
    b.purpose = Some(String::new());
    assert_ne!(canonical_entry(1, &a), canonical_entry(1, &b), "absent differs from empty");
}

#[test]
fn an_edited_entry_is_named() {
    let (mut entries, checkpoints) = chain(6, &[6]);
    entries[2].record.action = "read_invoices".into();
    assert_eq!(verify(&entries, &checkpoints), Err(VerifyError::HashMismatch { seq: 3 }));
}

#[test]
fn an_edit_with_a_recomputed_hash_breaks_the_next_link() {
    let (mut entries, checkpoints) = chain(6, &[6]);
    entries[2].record.decision = Decision::Allow;
    entries[2].record.principal.id = "someone-else".into();
    entries[2].hash = entries[2].computed_hash();
    assert_eq!(verify(&entries, &checkpoints), Err(VerifyError::BrokenLink { seq: 4 }));
}

#[test]
fn a_deleted_entry_is_a_gap() {
    let (mut entries, checkpoints) = chain(6, &[6]);
    entries.remove(3);
    assert_eq!(verify(&entries, &checkpoints), Err(VerifyError::Missing { seq: 4 }));
    let (mut entries, _) = chain(3, &[]);
    entries.remove(0);
    assert_eq!(verify(&entries, &[]), Err(VerifyError::UnanchoredStart { seq: 2 }));
}

#[test]
fn reordered_and_inserted_entries_are_found() {
    let (mut entries, checkpoints) = chain(6, &[6]);
    entries.swap(1, 2);
    assert_eq!(verify(&entries, &checkpoints), Err(VerifyError::Missing { seq: 2 }));
    entries.swap(1, 2);
    entries.insert(2, entries[1].clone());
    assert_eq!(verify(&entries, &checkpoints), Err(VerifyError::OutOfOrder { seq: 2, after: 2 }));

    let (mut entries, _) = chain(6, &[]);
    // Swap contents but keep seqs in place, as an edit of two rows would.
    let (a, b) = (entries[1].clone(), entries[2].clone());
    entries[1] = AuditEntry { seq: 2, ..b };
    entries[2] = AuditEntry { seq: 3, ..a };
    assert_eq!(verify(&entries, &[]), Err(VerifyError::BrokenLink { seq: 2 }));

    let (mut entries, _) = chain(6, &[]);
    let forged = AuditEntry::seal(4, entries[2].hash, record(99));
    entries.insert(3, forged);
    for (i, e) in entries.iter_mut().enumerate().skip(4) {
        e.seq = i as u64 + 1;
    }
    assert_eq!(verify(&entries, &[]), Err(VerifyError::BrokenLink { seq: 5 }));
}

#[test]
fn a_truncated_tail_is_found_through_checkpoints_or_the_recorded_head() {
    let (mut entries, checkpoints) = chain(10, &[5, 8]);
    let head = ChainHead { seq: 10, hash: entries[9].hash };
    entries.truncate(7);
    assert_eq!(verify(&entries, &checkpoints), Err(VerifyError::TruncatedTail { seq: 8, checkpoint: 8 }));

    let (mut entries, checkpoints) = chain(10, &[5, 8]);
    entries.truncate(9);
    let mut v = ChainVerifier::new(&checkpoints, &key().verifying_key(), None).unwrap();
    entries.iter().for_each(|e| v.push(e).unwrap());
    assert_eq!(v.finish(Some(head)), Err(VerifyError::HeadMismatch { seq: 10, head_seq: 10, last_seq: 9 }));
}

#[test]
fn a_forged_or_foreign_checkpoint_is_refused() {
    let (entries, mut checkpoints) = chain(6, &[3, 6]);
    checkpoints[0].signature[0] ^= 1;
    assert_eq!(verify(&entries, &checkpoints), Err(VerifyError::BadSignature { seq: 3 }));

    let (entries, _) = chain(6, &[]);
    let other = SigningKey::from_bytes(&[8; 32]);
    let foreign = Checkpoint::sign(6, entries[5].hash, entries[5].record.at, &other);
    assert_eq!(verify(&entries, &[foreign]), Err(VerifyError::BadSignature { seq: 6 }));

    let wrong = Checkpoint::sign(4, entries[2].hash, entries[2].record.at, &key());
    assert_eq!(verify(&entries, &[wrong]), Err(VerifyError::CheckpointMismatch { seq: 4 }));
}

#[test]
fn a_chain_truncated_for_retention_verifies_from_a_checkpoint_or_an_anchor() {
    let (entries, checkpoints) = chain(10, &[4, 8]);
    let kept = &entries[4..];
    let report = verify(kept, &checkpoints).unwrap();
    assert_eq!((report.first_seq, report.entries), (Some(5), 6));
    // Without the checkpoint at 4 the start is not anchored...
    assert_eq!(verify(kept, &checkpoints[1..]), Err(VerifyError::UnanchoredStart { seq: 5 }));
    // ...unless the caller supplies the anchor.
    let anchor = Some((5, entries[3].hash));
    assert!(verify_chain(kept, &checkpoints[1..], &key().verifying_key(), anchor).is_ok());
    let wrong = Some((5, entries[2].hash));
    assert!(verify_chain(kept, &[], &key().verifying_key(), wrong).is_err());
}

#[test]
fn export_lines_round_trip_through_json() {
    let (entries, checkpoints) = chain(2, &[2]);
    let lines = [
        ExportLine::PublicKey { key: hex(key().verifying_key().as_bytes()) },
        ExportLine::Checkpoint(checkpoints[0].clone()),
        ExportLine::Entry(Box::new(entries[1].clone())),
    ];
    for line in lines {
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(serde_json::from_str::<ExportLine>(&json).unwrap(), line, "{json}");
    }
    assert_eq!(unhex("0aFf"), Some(vec![10, 255]));
    assert_eq!(unhex("abc"), None);
}

#[test]
fn retention_cuts_after_the_latest_checkpoint_older_than_the_period() {
    let (entries, checkpoints) = chain(10, &[4, 8]);
    // Entry n is at 1_700_000_000 + n seconds (November 2023).
    let now = entries[9].record.at + chrono::Months::new(24) + chrono::TimeDelta::seconds(1);
    assert_eq!(retention_cut(&checkpoints, now, 2), Some(9));
    assert_eq!(retention_cut(&checkpoints, now, 3), None);
    let between = checkpoints[0].at + chrono::Months::new(24) + chrono::TimeDelta::seconds(1);
    let early = Checkpoint { at: checkpoints[1].at + chrono::TimeDelta::days(1), ..checkpoints[1].clone() };
    assert_eq!(retention_cut(&[checkpoints[0].clone(), early], between, 2), Some(5));
}
