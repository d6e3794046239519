//! Conformance: staff CPNI training and discipline records, the annual certification
//! filings, and the counts the certification is built from.

use super::fixtures::{DAY, at, date, email};
use crate::training::{Certification, DisciplinaryRecord, FilingStatus, TrainingImportReject, TrainingRecord};
use crate::{Store, StoreError};
use cpniguard_core::account::Language;
use cpniguard_core::ids::StaffId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use cpniguard_core::staff::{NewStaff, Role, Staff, Username};
use std::collections::BTreeMap;
use uuid::Uuid;

async fn staff(store: &dyn Store, username: &str) -> Staff {
    let new = NewStaff {
        username: Username::parse(username).unwrap(),
        display_name: username.to_owned(),
        roles: [Role::Csr].into(),
        training_completed_on: Some(date("2024-06-01")),
    };
    store.create_staff(StaffId::new(), &new, at(0)).await.unwrap()
}

fn record(staff: StaffId, course: &str, completed: &str) -> TrainingRecord {
    let completed_on = date(completed);
    TrainingRecord {
        id: Uuid::now_v7(),
        staff_id: staff,
        course: course.to_owned(),
        completed_on,
        expires_on: completed_on.checked_add_months(chrono::Months::new(12)).unwrap(),
        source: "api".to_owned(),
        recorded_by: "privacy.officer".to_owned(),
        recorded_at: at(0),
    }
}

async fn trained_on(store: &dyn Store, username: &str) -> Option<chrono::NaiveDate> {
    store.get_staff_by_username(&Username::parse(username).unwrap()).await.unwrap().unwrap().training_completed_on
}

/// Recording a completion raises the gate's input in the same unit of work (never
/// lowers it); an unknown staff member writes nothing at all; rejects are kept.
pub async fn training_records_update_the_gate_input(store: &dyn Store) {
    let ana = staff(store, "ana.csr").await;
    let ben = staff(store, "ben.csr").await;
    let reject = TrainingImportReject {
        id: Uuid::now_v7(),
        import_id: Uuid::now_v7(),
        line: 3,
        raw: "nobody,CPNI basics,2025-01-10".to_owned(),
        reason: "no staff member nobody".to_owned(),
        recorded_by: "privacy.officer".to_owned(),
        recorded_at: at(0),
    };
    let records = [record(ana.id, "CPNI basics", "2025-01-10"), record(ben.id, "CPNI basics", "2024-01-10")];
    store.record_training(&records, std::slice::from_ref(&reject)).await.unwrap();
    assert_eq!(trained_on(store, "ana.csr").await, Some(date("2025-01-10")));
    // An older completion does not move the date back.
    assert_eq!(trained_on(store, "ben.csr").await, Some(date("2024-06-01")));

    let ghost = record(StaffId::new(), "CPNI basics", "2025-02-01");
    let later = record(ana.id, "CPNI refresher", "2025-02-01");
    let err = store.record_training(&[later, ghost], &[]).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound("staff")), "{err:?}");
    assert_eq!(trained_on(store, "ana.csr").await, Some(date("2025-01-10")), "all or nothing");

    let all = store.list_training(None).await.unwrap();
    assert_eq!(all.iter().map(|r| r.completed_on).collect::<Vec<_>>(), [date("2025-01-10"), date("2024-01-10")]);
    assert_eq!(store.list_training(Some(ben.id)).await.unwrap(), vec![records[1].clone()]);
    assert_eq!(store.list_training_rejects(10).await.unwrap(), vec![reject]);

    let discipline = DisciplinaryRecord {
        id: Uuid::now_v7(),
        staff_id: ben.id,
        occurred_on: date("2025-01-12"),
        misuse: "looked up a relative's call detail".to_owned(),
        action: "suspension".to_owned(),
        recorded_by: "privacy.officer".to_owned(),
        recorded_at: at(DAY),
    };
    store.record_discipline(&discipline).await.unwrap();
    let stranger = DisciplinaryRecord { id: Uuid::now_v7(), staff_id: StaffId::new(), ..discipline.clone() };
    let err = store.record_discipline(&stranger).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound("staff")), "{err:?}");
    assert_eq!(store.list_discipline(Some(ben.id)).await.unwrap(), vec![discipline.clone()]);
    assert!(store.list_discipline(Some(ana.id)).await.unwrap().is_empty());
    assert_eq!(store.list_discipline(None).await.unwrap().len(), 1);
}

fn draft(year: i32, officer: &str) -> Certification {
    Certification {
        year,
        status: FilingStatus::Draft,
        due_on: date(&format!("{}-03-01", year + 1)),
        officer_name: officer.to_owned(),
        officer_title: "Chief Privacy Officer".to_owned(),
        figures: serde_json::json!({"training": {"completions": 2}}),
        drafted_at: at(0),
        signed_by: None,
        signed_at: None,
        filing_reference: None,
        filed_on: None,
    }
}

/// draft (replaceable) → signed (frozen) → filed, and nothing out of order.
pub async fn certification_filing_moves_forward_only(store: &dyn Store) {
    assert_eq!(store.get_certification(2024).await.unwrap(), None);
    store.save_certification_draft(&draft(2024, "First Officer")).await.unwrap();
    let replaced = store.save_certification_draft(&draft(2024, "Second Officer")).await.unwrap();
    assert_eq!(replaced, draft(2024, "Second Officer"));

    let err = store.file_certification(2024, "FCC-1", date("2025-02-01")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict("certification status")), "{err:?}");
    let signed = store.sign_certification(2024, "ana.officer", at(DAY)).await.unwrap();
    assert_eq!(
        (signed.status, signed.signed_by.as_deref(), signed.signed_at),
        (FilingStatus::Signed, Some("ana.officer"), Some(at(DAY)))
    );
    let err = store.save_certification_draft(&draft(2024, "Third Officer")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict("signed certification")), "{err:?}");
    assert!(matches!(store.sign_certification(2024, "x", at(DAY)).await, Err(StoreError::Conflict(_))));

    let filed = store.file_certification(2024, "EB-DOCKET-06-36-123", date("2025-02-20")).await.unwrap();
    assert_eq!(filed.status, FilingStatus::Filed);
    assert_eq!(filed.filing_reference.as_deref(), Some("EB-DOCKET-06-36-123"));
    assert_eq!(filed.filed_on, Some(date("2025-02-20")));
    assert_eq!(filed.officer_name, "Second Officer");
    assert!(matches!(store.sign_certification(2030, "x", at(0)).await, Err(StoreError::NotFound("certification"))));

    store.save_certification_draft(&draft(2025, "Second Officer")).await.unwrap();
    let years: Vec<i32> = store.list_certifications().await.unwrap().iter().map(|c| c.year).collect();
    assert_eq!(years, [2025, 2024]);
}

fn staff_notice(kind: NoticeKind, key: &str) -> NewNotice {
    NewNotice {
        id: NoticeId::new(),
        account_id: None,
        kind,
        channel: Channel::Email,
        destination: Destination::Email { address: email("privacy@carrier.example") },
        template: kind.template().to_owned(),
        language: Language::En,
        params: BTreeMap::new(),
        idempotency_key: key.to_owned(),
        not_before: at(0),
    }
}

/// The counts cover `[from, to)` exactly, for timestamps and for dates.
pub async fn certification_counts_cover_the_period(store: &dyn Store) {
    let ana = staff(store, "ana.csr").await;
    let in_range = [record(ana.id, "CPNI basics", "2025-01-01"), record(ana.id, "CPNI refresher", "2025-12-31")];
    let outside = [record(ana.id, "CPNI basics", "2024-12-31"), record(ana.id, "CPNI basics", "2026-01-01")];
    store.record_training(&[in_range.clone(), outside].concat(), &[]).await.unwrap();
    let action = |on: &str, action: &str| DisciplinaryRecord {
        id: Uuid::now_v7(),
        staff_id: ana.id,
        occurred_on: date(on),
        misuse: "browsing".to_owned(),
        action: action.to_owned(),
        recorded_by: "po".to_owned(),
        recorded_at: at(0),
    };
    for (on, what) in [("2025-03-01", "warning"), ("2025-04-01", "warning"), ("2026-01-01", "termination")] {
        store.record_discipline(&action(on, what)).await.unwrap();
    }
    let notices = [
        staff_notice(NoticeKind::TrainingReminder, "a"),
        staff_notice(NoticeKind::TrainingReminder, "b"),
        staff_notice(NoticeKind::CertificationReminder, "c"),
    ];
    store.enqueue_notices(&notices[..2], at(0)).await.unwrap();
    store.enqueue_notices(&notices[2..], at(10 * DAY)).await.unwrap();

    let counts = store.record_counts(at(0), at(10 * DAY), date("2025-01-01"), date("2026-01-01")).await.unwrap();
    assert_eq!(counts.training_completions, 2);
    assert_eq!(counts.disciplinary_by_action, BTreeMap::from([("warning".to_owned(), 2)]));
    assert_eq!(counts.notices_by_kind, BTreeMap::from([("training_reminder".to_owned(), 2)]));
    assert!(counts.consent_events.is_empty() && counts.auth_interactions_by_channel.is_empty());
    assert_eq!(store.open_quarantine_count().await.unwrap(), 0);
}
