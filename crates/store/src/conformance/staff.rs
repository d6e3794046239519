use super::fixtures::{at, call, create, date, invoice};
use crate::{Store, StoreCounts, StoreError, TokenHash};
use chrono::Duration;
use cpniguard_core::cpni::Service;
use cpniguard_core::ids::{ServiceId, StaffId};
use cpniguard_core::money::Cents;
use cpniguard_core::staff::{NewStaff, Role, Username};

fn new_staff(username: &str, roles: &[Role]) -> NewStaff {
    NewStaff {
        username: Username::parse(username).unwrap(),
        display_name: format!("Staff {username}"),
        roles: roles.iter().copied().collect(),
        training_completed_on: Some(date("2024-11-01")),
    }
}

fn hash(byte: u8) -> TokenHash {
    [byte; 32]
}

/// Staff read back as created (active, by user name, listed by user name); a token
/// finds its owner only while it is unrevoked and the owner active.
pub async fn staff_and_tokens(store: &dyn Store) {
    let bob_id = StaffId::new();
    let bob_new = new_staff("bob.supervisor", &[Role::Supervisor, Role::PrivacyOfficer]);
    let bob = store.create_staff(bob_id, &bob_new, at(0) + Duration::nanoseconds(1_500)).await.unwrap();
    assert_eq!((bob.id, &bob.username, &bob.roles), (bob_id, &bob_new.username, &bob_new.roles));
    assert_eq!(
        (bob.display_name.as_str(), bob.training_completed_on),
        ("Staff bob.supervisor", Some(date("2024-11-01")))
    );
    assert!(bob.active);
    assert_eq!(bob.created_at, at(0) + Duration::microseconds(1));

    let mut ana_new = new_staff("ana.csr", &[Role::Csr]);
    ana_new.training_completed_on = None;
    let ana = store.create_staff(StaffId::new(), &ana_new, at(10)).await.unwrap();

    let refused = store.create_staff(StaffId::new(), &new_staff("ana.csr", &[Role::Auditor]), at(20)).await;
    assert!(matches!(refused, Err(StoreError::Conflict("username"))), "{refused:?}");
    let refused = store.create_staff(StaffId::new(), &new_staff("no.roles", &[]), at(20)).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");

    assert_eq!(store.get_staff_by_username(&Username::parse("ana.csr").unwrap()).await.unwrap().as_ref(), Some(&ana));
    assert_eq!(store.get_staff_by_username(&Username::parse("nobody").unwrap()).await.unwrap(), None);
    assert_eq!(store.list_staff().await.unwrap(), vec![ana.clone(), bob.clone()]);

    store.add_staff_token(ana.id, &hash(1), "laptop", at(30)).await.unwrap();
    store.add_staff_token(ana.id, &hash(2), "phone", at(31)).await.unwrap();
    store.add_staff_token(bob.id, &hash(3), "cli", at(32)).await.unwrap();
    let refused = store.add_staff_token(bob.id, &hash(1), "reused", at(33)).await;
    assert!(matches!(refused, Err(StoreError::Conflict("token"))), "{refused:?}");
    let refused = store.add_staff_token(StaffId::new(), &hash(4), "orphan", at(33)).await;
    assert!(matches!(refused, Err(StoreError::NotFound("staff"))), "{refused:?}");

    assert_eq!(store.staff_by_token_hash(&hash(1)).await.unwrap().as_ref(), Some(&ana));
    assert_eq!(store.staff_by_token_hash(&hash(3)).await.unwrap().as_ref(), Some(&bob));
    assert_eq!(store.staff_by_token_hash(&hash(9)).await.unwrap(), None);

    assert_eq!(store.revoke_staff_tokens(ana.id, at(40)).await.unwrap(), 2);
    assert_eq!(store.revoke_staff_tokens(ana.id, at(41)).await.unwrap(), 0);
    assert_eq!(store.staff_by_token_hash(&hash(1)).await.unwrap(), None);
    assert_eq!(store.staff_by_token_hash(&hash(2)).await.unwrap(), None);
    assert_eq!(store.staff_by_token_hash(&hash(3)).await.unwrap().as_ref(), Some(&bob));

    store.set_staff_active(bob.id, false).await.unwrap();
    assert_eq!(store.staff_by_token_hash(&hash(3)).await.unwrap(), None);
    let inactive = store.get_staff_by_username(&bob.username).await.unwrap().unwrap();
    assert!(!inactive.active);
    store.set_staff_active(bob.id, true).await.unwrap();
    assert_eq!(store.staff_by_token_hash(&hash(3)).await.unwrap().as_ref(), Some(&bob));
    let missing = store.set_staff_active(StaffId::new(), false).await;
    assert!(matches!(missing, Err(StoreError::NotFound("staff"))), "{missing:?}");
}

/// `ping` answers and `counts` counts each table.
pub async fn counts_and_ping(store: &dyn Store) {
    store.ping().await.unwrap();
    assert_eq!(store.counts().await.unwrap(), StoreCounts::default());

    let a = create(store, "ACC-9901", "Counted", &["+18015559901"]).await.id;
    create(store, "ACC-9902", "Counted Too", &["+18015559902"]).await;
    store
        .add_service(&Service {
            id: ServiceId::new(),
            account_id: a,
            service_type: "voip_line".to_owned(),
            service_number: None,
            quantity: 1,
            configuration: serde_json::Value::Null,
            rate_plan: "Basic".to_owned(),
            monthly_rate: Cents(1_000),
            since: date("2024-01-01"),
            until: None,
        })
        .await
        .unwrap();
    let calls: Vec<_> = (0..3).map(|seq| call(a, at(i64::from(seq)), seq, "switch")).collect();
    store.insert_calls(&calls).await.unwrap();
    store.insert_invoices(&[invoice(a, "2025-01-01", &[100])]).await.unwrap();
    store.create_staff(StaffId::new(), &new_staff("carol.audit", &[Role::Auditor]), at(0)).await.unwrap();

    let expected = StoreCounts { accounts: 2, services: 1, calls: 3, invoices: 1, staff: 1 };
    assert_eq!(store.counts().await.unwrap(), expected);
}

/// A staff password is kept as given and replaced; a console session lives until it
/// ends, expires or idles, and never for an inactive staff member.
pub async fn console_passwords_and_sessions(store: &dyn Store) {
    let ana = store.create_staff(StaffId::new(), &new_staff("ana.console", &[Role::Csr]), at(0)).await.unwrap();
    assert_eq!(store.staff_password(ana.id).await.unwrap(), None);
    store.set_staff_password(ana.id, "$argon2id$first", at(1)).await.unwrap();
    store.set_staff_password(ana.id, "$argon2id$second", at(2)).await.unwrap();
    assert_eq!(store.staff_password(ana.id).await.unwrap().as_deref(), Some("$argon2id$second"));
    let missing = store.set_staff_password(StaffId::new(), "$argon2id$x", at(3)).await;
    assert!(matches!(missing, Err(StoreError::NotFound("staff"))), "{missing:?}");

    let expires = at(0) + Duration::hours(8);
    store.create_console_session(&hash(7), ana.id, at(10), expires).await.unwrap();
    let live = store.touch_console_session(&hash(7), at(20), at(0)).await.unwrap().unwrap();
    assert_eq!((live.staff.id, live.created_at, live.expires_at), (ana.id, at(10), expires));
    // A use within the minute is not written back: the last use is still 10.
    assert_eq!(store.touch_console_session(&hash(7), at(30), at(11)).await.unwrap(), None);
    // A use a minute or more later is: last use 100, so idle only from after 100.
    assert!(store.touch_console_session(&hash(7), at(100), at(10)).await.unwrap().is_some());
    assert_eq!(store.touch_console_session(&hash(7), at(110), at(101)).await.unwrap(), None);
    assert!(store.touch_console_session(&hash(7), at(110), at(100)).await.unwrap().is_some());
    // Past the absolute expiry, never; an unknown session, never.
    assert_eq!(store.touch_console_session(&hash(7), expires, at(0)).await.unwrap(), None);
    assert_eq!(store.touch_console_session(&hash(8), at(30), at(0)).await.unwrap(), None);

    store.create_console_session(&hash(9), ana.id, at(40), expires).await.unwrap();
    store.set_staff_active(ana.id, false).await.unwrap();
    assert_eq!(store.touch_console_session(&hash(9), at(41), at(0)).await.unwrap(), None);
    store.set_staff_active(ana.id, true).await.unwrap();
    assert!(store.end_console_session(&hash(9), at(42)).await.unwrap());
    assert!(!store.end_console_session(&hash(9), at(43)).await.unwrap());
    assert_eq!(store.touch_console_session(&hash(9), at(44), at(0)).await.unwrap(), None);
}
