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

/// The contact points after `change` made at `at`, as the store applies a plan.
fn apply(points: &[ContactPoint], change: ContactChange, at: DateTime<Utc>) -> Vec<ContactPoint> {
    let plan = plan_contact_change(points, &change).unwrap();
    let mut after: Vec<ContactPoint> = points
        .iter()
        .cloned()
        .map(|mut c| {
            if c.is_current() && plan.ended.contains(&c.value) {
                c.dissociated_at = Some(at);
            }
            c
        })
        .collect();
    after.extend(plan.started.into_iter().map(|value| ContactPoint { value, associated_at: at, dissociated_at: None }));
    after
}

/// The notices a password change at `at` owes, as (channel, destination).
fn password_change(points: &[ContactPoint], routing: &NoticeRouting, at: DateTime<Utc>) -> Vec<(Channel, Destination)> {
    let effects = account_change_notices(
        &before(points),
        &[NoticeKind::PasswordChanged],
        routing,
        OfRecordRule::default(),
        "p",
        at,
    );
    assert!(effects.tasks.is_empty(), "{:?}", effects.tasks);
    effects.notices.into_iter().map(|n| (n.channel, n.destination)).collect()
}

fn email_to(s: &str) -> (Channel, Destination) {
    (Channel::Email, Destination::Email { address: EmailAddress::parse(s).unwrap() })
}

fn text_to(s: &str) -> (Channel, Destination) {
    (Channel::Sms, Destination::Phone { number: PhoneNumber::parse(s).unwrap() })
}

fn letter_to(value: ContactValue) -> (Channel, Destination) {
    let ContactValue::Postal(address) = value else { panic!("a postal address") };
    (Channel::Postal, Destination::Postal { name: "Rosa Díaz".into(), address })
}

fn other_postal(line1: &str) -> PostalAddress {
    PostalAddress {
        line1: line1.into(),
        line2: None,
        city: "Orem".into(),
        state: "UT".into(),
        zip: "84057".into(),
        country: "US".into(),
    }
}

/// The pretexter's sequence: change the email, then the password. The second notice
/// goes neither to the new email (minutes old, not of record) nor to the old one (no
/// longer on the account), but by letter to the postal address of record and by text.
#[test]
fn after_an_email_change_the_next_notice_never_goes_to_the_new_email() {
    let points = vec![point(postal(), 400), point(email("old@example.com"), 400), point(phone("+18015550100"), 400)];
    let change = |to: &str| ContactChange { email: Some(Some(EmailAddress::parse(to).unwrap())), ..Default::default() };
    let first = plan(&points, change("new@example.com"));
    let sent: Vec<_> = first.notices.iter().map(|n| (n.channel, n.destination.clone())).collect();
    assert_eq!(sent, [email_to("old@example.com"), text_to("+18015550100")]);

    let changed = apply(&points, change("new@example.com"), now());
    let later = now() + Days::minutes(5);
    let routing = NoticeRouting::default();
    assert_eq!(password_change(&changed, &routing, later), [letter_to(postal()), text_to("+18015550100")]);
    // Another email change right after: the same, never the address just set.
    let again = apply(&changed, change("newer@example.com"), later);
    assert_eq!(password_change(&again, &routing, later), [letter_to(postal()), text_to("+18015550100")]);
    // Thirty days on, the new address is of record.
    assert_eq!(
        password_change(&changed, &routing, now() + Days::days(30)),
        [email_to("new@example.com"), text_to("+18015550100")]
    );
}

#[test]
fn after_a_postal_change_the_next_letter_never_goes_to_the_new_address() {
    let routing = NoticeRouting { default_channels: vec![Channel::Postal, Channel::Sms], ..Default::default() };
    let points = vec![point(postal(), 400), point(phone("+18015550100"), 400)];
    let change = |line1: &str| ContactChange { postal_address: Some(other_postal(line1)), ..Default::default() };
    let changed = apply(&points, change("2 Oak Ave"), now());
    let later = now() + Days::hours(1);
    assert_eq!(password_change(&points, &routing, now()), [letter_to(postal()), text_to("+18015550100")]);
    assert_eq!(password_change(&changed, &routing, later), [text_to("+18015550100")], "no letter to 2 Oak Ave");
    let again = apply(&changed, change("3 Pine Rd"), later);
    assert_eq!(password_change(&again, &routing, later), [text_to("+18015550100")]);
}

/// A telephone number of service is the carrier's own: a new one is reached at once.
#[test]
fn after_a_number_change_the_text_goes_to_the_number_of_service() {
    let points = vec![point(email("a@example.com"), 400), point(phone("+18015550100"), 400)];
    let change = ContactChange {
        add_telephone_numbers: vec![PhoneNumber::parse("+18015550199").unwrap()],
        remove_telephone_numbers: vec![PhoneNumber::parse("+18015550100").unwrap()],
        ..Default::default()
    };
    let changed = apply(&points, change, now());
    let later = now() + Days::minutes(5);
    assert_eq!(
        password_change(&changed, &NoticeRouting::default(), later),
        [email_to("a@example.com"), text_to("+18015550199")]
    );
}

/// An account younger than 30 days has no address of record: the telephone number of
/// record is the channel, even when the routing names only email.
#[test]
fn a_young_account_is_told_by_text_to_its_number() {
    let points = vec![point(postal(), 10), point(email("a@example.com"), 10), point(phone("+18015550100"), 10)];
    assert_eq!(password_change(&points, &NoticeRouting::default(), now()), [text_to("+18015550100")]);
    let mut email_only = NoticeRouting { default_channels: vec![Channel::Email], ..Default::default() };
    email_only.per_event.insert(NoticeKind::OptOutNotice, vec![Channel::Voice]);
    assert_eq!(
        password_change(&points, &email_only, now()),
        [(Channel::Voice, Destination::Phone { number: PhoneNumber::parse("+18015550100").unwrap() })],
        "the only phone channel the carrier routes"
    );
    assert_eq!(NoticeRouting::default().phone_channel(), Some(Channel::Sms));
}

/// An opt-out notice is not a change the customer must be warned of: a young account's
/// own email receives it.
#[test]
fn notices_other_than_account_changes_reach_a_young_accounts_own_address() {
    assert!(NoticeKind::PasswordChanged.is_account_change() && NoticeKind::EmailAddressChanged.is_account_change());
    assert!(!NoticeKind::OptOutNotice.is_account_change() && !NoticeKind::ComplaintAcknowledged.is_account_change());
    let points = vec![point(email("a@example.com"), 10), point(phone("+18015550100"), 10)];
    let routing = NoticeRouting { default_channels: vec![Channel::Email], ..Default::default() };
    let effects = account_change_notices(
        &before(&points),
        &[NoticeKind::OptOutNotice],
        &routing,
        OfRecordRule::default(),
        "o",
        now(),
    );
    assert_eq!(
        effects.notices.iter().map(|n| n.destination.clone()).collect::<Vec<_>>(),
        [email_to("a@example.com").1]
    );
}
