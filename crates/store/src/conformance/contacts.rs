use super::fixtures::{DAY, at, email, new_account, phone, postal};
use crate::{ContactChangeOutcome, Store, StoreError, no_effects};
use chrono::{DateTime, Utc};
use cpniguard_core::contact::{ContactChange, ContactPoint, ContactValue};
use cpniguard_core::ids::AccountId;

fn point(value: ContactValue, associated_at: DateTime<Utc>, dissociated_at: Option<DateTime<Utc>>) -> ContactPoint {
    ContactPoint { value, associated_at, dissociated_at }
}

/// Two contact changes end and start the planned points at their times, the
/// history keeps every association in order, a change that changes nothing writes
/// nothing, and a refused change leaves everything as it was.
pub async fn contact_points_change_and_history(store: &dyn Store) {
    let (t0, t1, t2, t3) = (at(0), at(10 * DAY), at(40 * DAY), at(50 * DAY));
    let (p1, p2, p3) = (phone("+18015550301"), phone("+18015550302"), phone("+18015550303"));
    let (e0, e1) = (email("old@example.com"), email("new@example.com"));
    let (a0, a1) = (postal("100 Main St"), postal("200 Oak Ave"));
    let mut new = new_account("ACC-3001", "Contact Changer", &[p2.as_str(), p1.as_str()]);
    new.email = Some(e0.clone());
    let id = AccountId::new();
    store.create_account(id, &new, t0).await.unwrap();

    // First change: a new email address and a third number.
    let change =
        ContactChange { email: Some(Some(e1.clone())), add_telephone_numbers: vec![p3.clone()], ..Default::default() };
    let ContactChangeOutcome { account: after, plan, notices, tasks } =
        store.change_contact_points(id, &change, t1, &no_effects).await.unwrap();
    assert!(notices.is_empty() && tasks.is_empty());
    assert_eq!(plan.ended, vec![ContactValue::Email(e0.clone())]);
    assert_eq!(plan.started, vec![ContactValue::Email(e1.clone()), ContactValue::Phone(p3.clone())]);
    assert_eq!(after.updated_at, t1);
    assert_eq!(
        after.contact_points,
        vec![
            point(ContactValue::Postal(a0.clone()), t0, None),
            point(ContactValue::Email(e1.clone()), t1, None),
            point(ContactValue::Phone(p1.clone()), t0, None),
            point(ContactValue::Phone(p2.clone()), t0, None),
            point(ContactValue::Phone(p3.clone()), t1, None),
        ]
    );

    // Second change: move, drop the email address, give up the first number.
    let change = ContactChange {
        postal_address: Some(a1.clone()),
        email: Some(None),
        remove_telephone_numbers: vec![p1.clone()],
        ..Default::default()
    };
    let ContactChangeOutcome { account: after, plan, .. } =
        store.change_contact_points(id, &change, t2, &no_effects).await.unwrap();
    assert_eq!(
        plan.ended,
        vec![ContactValue::Postal(a0.clone()), ContactValue::Email(e1.clone()), ContactValue::Phone(p1.clone())]
    );
    assert_eq!(plan.started, vec![ContactValue::Postal(a1.clone())]);
    assert_eq!(
        after.contact_points,
        vec![
            point(ContactValue::Postal(a1.clone()), t2, None),
            point(ContactValue::Phone(p2.clone()), t0, None),
            point(ContactValue::Phone(p3.clone()), t1, None),
        ]
    );
    assert_eq!(store.get_account(id).await.unwrap().as_ref(), Some(&after));

    let history = vec![
        point(ContactValue::Postal(a0.clone()), t0, Some(t2)),
        point(ContactValue::Email(e0), t0, Some(t1)),
        point(ContactValue::Phone(p1.clone()), t0, Some(t2)),
        point(ContactValue::Phone(p2.clone()), t0, None),
        point(ContactValue::Email(e1), t1, Some(t2)),
        point(ContactValue::Phone(p3.clone()), t1, None),
        point(ContactValue::Postal(a1.clone()), t2, None),
    ];
    assert_eq!(store.contact_history(id).await.unwrap(), history);

    // Setting what is already there changes nothing and writes nothing.
    let same = ContactChange {
        postal_address: Some(a1),
        email: Some(None),
        add_telephone_numbers: vec![p2.clone()],
        ..Default::default()
    };
    let ContactChangeOutcome { account: unchanged, plan, .. } =
        store.change_contact_points(id, &same, t3, &no_effects).await.unwrap();
    assert!(plan.is_empty(), "{plan}");
    assert_eq!(unchanged, after);
    assert_eq!(store.contact_history(id).await.unwrap(), history);

    // Refused changes leave everything as it was.
    let remove_all = ContactChange { remove_telephone_numbers: vec![p2, p3], ..Default::default() };
    let refused = store.change_contact_points(id, &remove_all, t3, &no_effects).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    let not_there = ContactChange { remove_telephone_numbers: vec![p1], ..Default::default() };
    let refused = store.change_contact_points(id, &not_there, t3, &no_effects).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    assert_eq!(store.contact_history(id).await.unwrap(), history);
    assert_eq!(store.get_account(id).await.unwrap().as_ref(), Some(&after));

    let add = ContactChange { add_telephone_numbers: vec![phone("+18015550309")], ..Default::default() };
    let missing = store.change_contact_points(AccountId::new(), &add, t3, &no_effects).await;
    assert!(matches!(missing, Err(StoreError::NotFound("account"))), "{missing:?}");
    assert!(store.contact_history(AccountId::new()).await.unwrap().is_empty());
}

/// Contact changes to one account made at the same time apply one after the other:
/// of several concurrent email changes exactly one address ends up current, and
/// every other one was started and then ended.
pub async fn contact_changes_serialize(store: &dyn Store) {
    let account = store
        .create_account(AccountId::new(), &new_account("ACC-3101", "Busy Changer", &["+18015553101"]), at(0))
        .await
        .unwrap();
    let addresses: Vec<_> = (0..6).map(|i| email(&format!("user{i}@example.com"))).collect();
    let changes = addresses.iter().enumerate().map(|(i, address)| {
        let change = ContactChange { email: Some(Some(address.clone())), ..Default::default() };
        async move { store.change_contact_points(account.id, &change, at(DAY + i as i64), &no_effects).await }
    });
    for result in futures::future::join_all(changes).await {
        result.unwrap();
    }

    let now = store.get_account(account.id).await.unwrap().unwrap();
    let current = now.email().expect("one email address is current").clone();
    let history = store.contact_history(account.id).await.unwrap();
    let emails: Vec<&ContactPoint> = history.iter().filter(|p| matches!(p.value, ContactValue::Email(_))).collect();
    assert_eq!(emails.len(), addresses.len());
    for point in emails {
        let is_current = point.value == ContactValue::Email(current.clone());
        assert_eq!(point.dissociated_at.is_none(), is_current, "{point:?}");
    }
}
