use super::*;
use chrono::TimeZone;
use serde_json::json;

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn facts() -> ProtectedFacts {
    ProtectedFacts {
        determined_at: t(2),
        agency_notices: Vec::new(),
        customers_notified_at: None,
        retain_until: d(2028, 3, 2),
    }
}

fn notified() -> ProtectedFacts {
    ProtectedFacts { agency_notices: vec![("usss".into(), t(5))], ..facts() }
}

#[test]
fn before_any_notification_the_facts_may_be_corrected_but_retention_never_shrinks() {
    let before = facts();
    let corrected = ProtectedFacts { determined_at: t(1), ..facts() };
    assert_eq!(check_change(&before, &corrected), Ok(()));
    let shortened = ProtectedFacts { determined_at: t(1), retain_until: d(2022, 1, 1), ..facts() };
    assert_eq!(
        check_change(&before, &shortened),
        Err(RecordRefusal::RetentionShortened { was: d(2028, 3, 2), proposed: d(2022, 1, 1) })
    );
    assert_eq!(retain_until_after_change(d(2028, 3, 2), d(2022, 1, 1)), d(2028, 3, 2));
    assert_eq!(retain_until_after_change(d(2028, 3, 2), d(2028, 6, 1)), d(2028, 6, 1));
}

#[test]
fn after_a_notification_the_determination_and_notification_times_are_fixed() {
    let before = notified();
    assert!(before.notified() && !facts().notified());
    let moved = ProtectedFacts { determined_at: t(1), ..notified() };
    assert_eq!(check_change(&before, &moved), Err(RecordRefusal::DeterminationFixed { was: t(2) }));
    assert_eq!(check_change(&before, &moved).unwrap_err().field(), "determined_at");

    let retimed = ProtectedFacts { agency_notices: vec![("usss".into(), t(4))], ..notified() };
    assert!(matches!(check_change(&before, &retimed), Err(RecordRefusal::NotificationFixed { .. })));
    let dropped = ProtectedFacts { agency_notices: Vec::new(), ..notified() };
    assert!(check_change(&before, &dropped).is_err(), "a notice removed");
    let added = ProtectedFacts { agency_notices: vec![("usss".into(), t(5)), ("fbi".into(), t(6))], ..notified() };
    assert_eq!(check_change(&before, &added), Ok(()), "another notice is appended");

    let customers = ProtectedFacts { customers_notified_at: Some(t(9)), ..facts() };
    assert!(customers.notified());
    let unset = ProtectedFacts { customers_notified_at: None, ..facts() };
    assert!(check_change(&customers, &unset).is_err());
    let later = ProtectedFacts { customers_notified_at: Some(t(10)), ..facts() };
    assert!(check_change(&customers, &later).is_err());
}

#[test]
fn changed_fields_names_what_an_amendment_changed() {
    let before =
        json!({"version": 3, "description": "laptop stolen", "categories": ["call_detail"], "harm": "unknown"});
    let after =
        json!({"version": 4, "description": "laptop stolen from a car", "categories": ["call_detail"], "notes": "x"});
    let changes = changed_fields(&before, &after, &["version"]);
    let named: Vec<(&str, &Value, &Value)> = changes.iter().map(|c| (c.field.as_str(), &c.before, &c.after)).collect();
    assert_eq!(
        named,
        [
            ("description", &json!("laptop stolen"), &json!("laptop stolen from a car")),
            ("harm", &json!("unknown"), &Value::Null),
            ("notes", &Value::Null, &json!("x")),
        ]
    );
    assert!(changed_fields(&before, &before, &[]).is_empty());
}

#[test]
fn deletion_waits_for_the_retention_date_and_every_hold() {
    let until = d(2028, 3, 2);
    assert_eq!(check_deletion(until, until, &[]), Err(DeletionRefusal::Retained { until }));
    assert_eq!(check_deletion(until, d(2028, 3, 3), &[]), Ok(()));
    let holds = [
        HoldInForce { reference: "later".into(), placed_at: t(9) },
        HoldInForce { reference: "CASE-1".into(), placed_at: t(3) },
    ];
    assert_eq!(
        check_deletion(until, d(2028, 3, 3), &holds),
        Err(DeletionRefusal::LegalHold { reference: "CASE-1".into(), placed_at: t(3) })
    );
    // Before the date, the date is the answer (holds only matter once it has passed).
    assert!(matches!(check_deletion(until, d(2027, 1, 1), &holds), Err(DeletionRefusal::Retained { .. })));
}
