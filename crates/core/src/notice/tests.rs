use super::*;
use crate::account::PostalAddress;
use crate::contact::{ContactChange, plan_contact_change};
use chrono::{Duration as Days, TimeZone};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn point(value: ContactValue, days_ago: i64) -> ContactPoint {
    ContactPoint { value, associated_at: now() - Days::days(days_ago), dissociated_at: None }
}

fn email(s: &str) -> ContactValue {
    ContactValue::Email(EmailAddress::parse(s).unwrap())
}

fn phone(s: &str) -> ContactValue {
    ContactValue::Phone(PhoneNumber::parse(s).unwrap())
}

fn postal() -> ContactValue {
    ContactValue::Postal(PostalAddress {
        line1: "1 Elm St".into(),
        line2: None,
        city: "Ogden".into(),
        state: "UT".into(),
        zip: "84401".into(),
        country: "US".into(),
    })
}

fn before(points: &[ContactPoint]) -> AccountBefore<'_> {
    AccountBefore { account_id: AccountId::new(), name: "Rosa Díaz", language: Language::Es, contact_points: points }
}

fn plan(points: &[ContactPoint], change: ContactChange) -> SideEffects {
    let plan = plan_contact_change(points, &change).unwrap();
    let events = contact_change_events(&plan);
    account_change_notices(&before(points), &events, &NoticeRouting::default(), OfRecordRule::default(), "chg-1", now())
}

#[test]
fn an_email_change_notifies_the_old_email_and_the_number_of_record_never_the_new_address() {
    let points = vec![point(postal(), 400), point(email("old@example.com"), 400), point(phone("+18015550100"), 400)];
    let change =
        ContactChange { email: Some(Some(EmailAddress::parse("new@example.com").unwrap())), ..Default::default() };
    let effects = plan(&points, change);
    assert!(effects.tasks.is_empty());
    let dests: Vec<(Channel, Destination)> =
        effects.notices.iter().map(|n| (n.channel, n.destination.clone())).collect();
    assert_eq!(
        dests,
        vec![
            (Channel::Email, Destination::Email { address: EmailAddress::parse("old@example.com").unwrap() }),
            (Channel::Sms, Destination::Phone { number: PhoneNumber::parse("+18015550100").unwrap() }),
        ]
    );
    for n in &effects.notices {
        assert_eq!(n.kind, NoticeKind::EmailAddressChanged);
        assert_eq!(n.language, Language::Es);
        assert!(!n.params.values().any(|v| v.contains("new@example.com")), "the new value is never a parameter");
        assert!(n.idempotency_key.starts_with("chg-1:email_address_changed:"));
    }
}

#[test]
fn without_an_email_of_record_a_letter_goes_to_the_postal_address_of_record() {
    let points = vec![point(postal(), 400), point(phone("+18015550100"), 400)];
    let change =
        ContactChange { email: Some(Some(EmailAddress::parse("first@example.com").unwrap())), ..Default::default() };
    let effects = plan(&points, change);
    let channels: Vec<Channel> = effects.notices.iter().map(|n| n.channel).collect();
    assert_eq!(channels, vec![Channel::Postal, Channel::Sms]);
    assert!(matches!(&effects.notices[0].destination, Destination::Postal { name, .. } if name == "Rosa Díaz"));
}

#[test]
fn an_email_of_record_is_preferred_over_a_younger_one() {
    // Two current emails cannot happen through the API, but stored data may hold them.
    let points = vec![
        point(email("young@example.com"), 5),
        point(email("old@example.com"), 90),
        point(phone("+18015550100"), 90),
    ];
    let effects = account_change_notices(
        &before(&points),
        &[NoticeKind::PasswordChanged],
        &NoticeRouting::default(),
        OfRecordRule::default(),
        "c",
        now(),
    );
    assert_eq!(
        effects.notices[0].destination,
        Destination::Email { address: EmailAddress::parse("old@example.com").unwrap() }
    );
}

#[test]
fn nothing_to_reach_raises_a_privacy_task() {
    let routing =
        NoticeRouting { default_channels: vec![Channel::Email], postal_when_no_email: false, ..Default::default() };
    let points = vec![point(phone("+18015550100"), 400)];
    let effects = account_change_notices(
        &before(&points),
        &[NoticeKind::PinChanged],
        &routing,
        OfRecordRule::default(),
        "c",
        now(),
    );
    assert!(effects.notices.is_empty());
    assert_eq!(effects.tasks.len(), 1);
    assert!(effects.tasks[0].detail.contains("pin_changed"));
}

#[test]
fn per_event_channels_replace_the_default() {
    let mut routing = NoticeRouting::default();
    routing.per_event.insert(NoticeKind::PasswordChanged, vec![Channel::Voice, Channel::Postal]);
    let points = vec![point(postal(), 400), point(email("a@example.com"), 400), point(phone("+18015550100"), 400)];
    let effects = account_change_notices(
        &before(&points),
        &[NoticeKind::PasswordChanged],
        &routing,
        OfRecordRule::default(),
        "c",
        now(),
    );
    let channels: Vec<Channel> = effects.notices.iter().map(|n| n.channel).collect();
    assert_eq!(channels, vec![Channel::Voice, Channel::Postal]);
}

#[test]
fn events_follow_the_kinds_changed() {
    let points = vec![point(postal(), 400), point(phone("+18015550100"), 400)];
    let change = ContactChange {
        add_telephone_numbers: vec![PhoneNumber::parse("+18015550101").unwrap()],
        email: Some(Some(EmailAddress::parse("x@example.com").unwrap())),
        ..Default::default()
    };
    let p = plan_contact_change(&points, &change).unwrap();
    assert_eq!(contact_change_events(&p), vec![NoticeKind::EmailAddressChanged, NoticeKind::TelephoneNumberChanged]);
}

#[test]
fn retry_delays_grow_and_are_capped_with_bounded_jitter() {
    let base = Duration::from_secs(10);
    let max = Duration::from_secs(600);
    assert_eq!(retry_delay(1, base, max, 0.0), Duration::from_secs(5));
    assert_eq!(retry_delay(1, base, max, 1.0), Duration::from_secs(10));
    assert_eq!(retry_delay(3, base, max, 0.0), Duration::from_secs(20));
    assert_eq!(retry_delay(30, base, max, 0.5), Duration::from_secs(450));
    assert_eq!(retry_delay(u32::MAX, base, max, 1.0), max);
}
