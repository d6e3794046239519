use super::*;
use chrono::TimeZone;

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::days(i64::from(day))
}

fn point(value: ContactValue, day: u32) -> ContactPoint {
    ContactPoint { value, associated_at: t(day), dissociated_at: None }
}

fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).unwrap()
}

fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

fn current() -> Vec<ContactPoint> {
    vec![point(ContactValue::Email(email("old@example.com")), 0), point(ContactValue::Phone(phone("+18015550100")), 0)]
}

#[test]
fn of_record_needs_thirty_days_and_current_association() {
    let p = point(ContactValue::Email(email("a@example.com")), 0);
    let rule = OfRecordRule::default();
    assert!(!p.is_of_record(t(29), rule));
    assert!(p.is_of_record(t(30), rule));
    assert_eq!(p.of_record_from(rule), t(30));
    let ended = ContactPoint { dissociated_at: Some(t(40)), ..p };
    assert!(!ended.is_of_record(t(50), rule));
}

#[test]
fn changing_the_email_ends_the_old_one_and_starts_the_new() {
    let change = ContactChange { email: Some(Some(email("new@example.com"))), ..Default::default() };
    let plan = plan_contact_change(&current(), &change).unwrap();
    assert_eq!(plan.ended, vec![ContactValue::Email(email("old@example.com"))]);
    assert_eq!(plan.started, vec![ContactValue::Email(email("new@example.com"))]);
    assert_eq!(plan.to_string(), "ended [email] started [email]", "display names kinds, never values");
}

#[test]
fn setting_the_same_value_changes_nothing() {
    let change = ContactChange { email: Some(Some(email("old@example.com"))), ..Default::default() };
    assert!(plan_contact_change(&current(), &change).unwrap().is_empty());
}

#[test]
fn removing_the_email_is_a_change() {
    let change = ContactChange { email: Some(None), ..Default::default() };
    let plan = plan_contact_change(&current(), &change).unwrap();
    assert_eq!(plan.ended.len(), 1);
    assert!(plan.started.is_empty());
}

#[test]
fn the_last_number_cannot_be_removed() {
    let change = ContactChange { remove_telephone_numbers: vec![phone("+18015550100")], ..Default::default() };
    assert!(plan_contact_change(&current(), &change).is_err());
    let swap = ContactChange {
        remove_telephone_numbers: vec![phone("+18015550100")],
        add_telephone_numbers: vec![phone("+18015550101")],
        ..Default::default()
    };
    let plan = plan_contact_change(&current(), &swap).unwrap();
    assert_eq!(plan.started, vec![ContactValue::Phone(phone("+18015550101"))]);
}

#[test]
fn removing_an_unknown_number_is_refused() {
    let change = ContactChange {
        remove_telephone_numbers: vec![phone("+18015550199")],
        add_telephone_numbers: vec![phone("+18015550101")],
        ..Default::default()
    };
    assert_eq!(plan_contact_change(&current(), &change).unwrap_err().field, "remove_telephone_numbers");
}

#[test]
fn storage_text_round_trips() {
    let postal = ContactValue::Postal(crate::account::tests::sample_postal());
    for v in [postal, ContactValue::Email(email("x@example.org")), ContactValue::Phone(phone("+12125550143"))] {
        assert_eq!(ContactValue::from_storage(v.kind(), &v.storage_text()).unwrap(), v);
    }
}
