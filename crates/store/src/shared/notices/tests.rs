use super::*;
use chrono::DateTime;

fn row() -> NoticeRow {
    let t = DbTime::from(DateTime::UNIX_EPOCH);
    NoticeRow {
        id: Uuid::now_v7(),
        account_id: None,
        kind: "email_address_changed".into(),
        channel: "email".into(),
        destination: Json(serde_json::json!({ "type": "email", "address": "secret@example.com" })),
        template: "account-change".into(),
        language: "es".into(),
        params: Json(serde_json::json!({ "change": "email_address_changed" })),
        idempotency_key: "k".into(),
        status: "queued".into(),
        attempts: 0,
        next_attempt_at: t,
        lease_until: None,
        last_error: None,
        provider_message_id: None,
        created_at: t,
        updated_at: t,
        sent_at: None,
    }
}

/// The error a corrupt row gives: in the notices table, and never echoing a value.
fn assert_corrupt(row: NoticeRow, value: &str) {
    match row.into_notice() {
        Err(StoreError::Corrupt { table: "notices", reason }) => {
            assert!(!reason.contains(value), "{reason}");
        }
        other => panic!("expected a corrupt row, got {other:?}"),
    }
}

#[test]
fn a_stored_row_reads_back() {
    let notice = row().into_notice().unwrap();
    assert_eq!(notice.kind, NoticeKind::EmailAddressChanged);
    assert_eq!(notice.language, Language::Es);
    assert!(matches!(notice.destination, Destination::Email { .. }));
    assert_eq!(notice.params.get("change").map(String::as_str), Some("email_address_changed"));
}

#[test]
fn values_that_do_not_parse_are_corrupt_without_the_value() {
    assert_corrupt(NoticeRow { status: "lost-in-the-mail".into(), ..row() }, "lost-in-the-mail");
    assert_corrupt(NoticeRow { kind: "gossip".into(), ..row() }, "gossip");
    assert_corrupt(NoticeRow { channel: "pigeon".into(), ..row() }, "pigeon");
    assert_corrupt(NoticeRow { language: "tlh".into(), ..row() }, "tlh");
    assert_corrupt(NoticeRow { attempts: -7, ..row() }, "-7");
    let bad_address = serde_json::json!({ "type": "email", "address": "not-an-address@@x" });
    assert_corrupt(NoticeRow { destination: Json(bad_address), ..row() }, "not-an-address");
    let not_strings = serde_json::json!({ "name": 12345 });
    assert_corrupt(NoticeRow { params: Json(not_strings), ..row() }, "12345");
}

#[test]
fn status_counts_list_every_status_in_order() {
    let counts = status_counts(vec![("sent".into(), 4), ("queued".into(), 2)]).unwrap();
    let expected: Vec<(NoticeStatus, u64)> = NoticeStatus::ALL
        .iter()
        .map(|&s| {
            let n = match s {
                NoticeStatus::Sent => 4,
                NoticeStatus::Queued => 2,
                _ => 0,
            };
            (s, n)
        })
        .collect();
    assert_eq!(counts, expected);
    let err = status_counts(vec![("misplaced".into(), 1)]).unwrap_err();
    assert!(matches!(&err, StoreError::Corrupt { table: "notices", reason } if !reason.contains("misplaced")));
}

#[test]
fn errors_are_cut_at_a_character_boundary() {
    let long = "é".repeat(MAX_ERROR_CHARS + 5);
    assert_eq!(truncate_error(&long).chars().count(), MAX_ERROR_CHARS);
    assert_eq!(truncate_error("short"), "short");
}

#[test]
fn both_claims_share_the_due_condition() {
    assert!(CLAIM_SKIP_LOCKED.starts_with(CLAIM.split(" LIMIT $4").next().unwrap()));
    assert!(CLAIM_SKIP_LOCKED.contains("LIMIT $4 FOR UPDATE SKIP LOCKED)"));
    assert!(!CLAIM.contains("FOR UPDATE"));
}
