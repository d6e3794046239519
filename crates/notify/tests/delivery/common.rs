//! Fixtures shared by the delivery tests.

use chrono::{DateTime, Duration as Days, TimeZone, Utc};
use cpniguard_core::account::{
    Account, AccountKind, AccountNumber, AccountProfile, AccountStatus, DirectoryListing, Language, NewAccount,
    PicFreeze, PostalAddress, TimeZoneName,
};
use cpniguard_core::contact::OfRecordRule;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{
    AccountBefore, Channel, Destination, NewNotice, NoticeId, NoticeKind, NoticeRouting, SideEffects,
    account_change_notices,
};
use cpniguard_core::phone::PhoneNumber;
use cpniguard_notify::CarrierInfo;
use cpniguard_notify::config::NotifyConfig;
use cpniguard_store::Store;
use cpniguard_store::testing::{fresh_postgres, fresh_sqlite};
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A fresh store and what keeps its database alive.
pub struct Backend {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    _database: Box<dyn Any + Send>,
}

/// SQLite always; PostgreSQL too when the test server is configured.
pub async fn backends() -> Vec<Backend> {
    let (dir, store) = fresh_sqlite().await;
    let mut all = vec![Backend { name: "sqlite", store, _database: Box::new(dir) }];
    if let Some((db, store)) = fresh_postgres().await {
        all.push(Backend { name: "postgres", store, _database: Box::new(db) });
    }
    all
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

pub fn carrier() -> CarrierInfo {
    CarrierInfo {
        name: "Example Carrier".into(),
        support_phone: "+1 800 555 0100".into(),
        website: "https://carrier.example".into(),
        privacy_email: "privacy@carrier.example".into(),
        privacy_postal_address: "The Privacy Office, 100 Main Street, Salt Lake City, UT 84101".into(),
    }
}

/// Every channel off, short retry delays (tests move `now` past them).
pub fn config() -> NotifyConfig {
    let mut c = NotifyConfig::default();
    c.worker.poll_interval_ms = 10;
    c.worker.retry_base_secs = 1;
    c.worker.retry_max_secs = 2;
    c
}

pub fn address() -> PostalAddress {
    PostalAddress {
        line1: "1 Elm St".into(),
        line2: Some("Apt 5, Rear".into()),
        city: "Ogden".into(),
        state: "UT".into(),
        zip: "84401".into(),
        country: "US".into(),
    }
}

/// An account created long enough ago that its contact points are of record.
pub async fn account(store: &dyn Store, number: &str, email: Option<&str>, language: Language) -> Account {
    let new = NewAccount {
        profile: AccountProfile {
            account_number: AccountNumber::parse(number).unwrap(),
            kind: AccountKind::Residential,
            name: "Rosa Díaz".into(),
            language,
            time_zone: TimeZoneName::parse("America/Denver").unwrap(),
            status: AccountStatus::Active,
            pic_freeze: PicFreeze::default(),
            directory_listing: DirectoryListing::Listed,
            business_exemption: None,
        },
        postal_address: address(),
        email: email.map(|e| EmailAddress::parse(e).unwrap()),
        telephone_numbers: vec![PhoneNumber::parse("+18015550100").unwrap()],
    };
    store.create_account(AccountId::new(), &new, t0() - Days::days(400)).await.unwrap()
}

/// The notices the core owes for `kind` on `account` at `t0`, as the server plans them.
pub fn owed(account: &Account, kind: NoticeKind, routing: &NoticeRouting) -> SideEffects {
    let before = AccountBefore {
        account_id: account.id,
        name: &account.profile.name,
        language: account.profile.language,
        contact_points: &account.contact_points,
    };
    account_change_notices(&before, &[kind], routing, OfRecordRule::default(), "chg-1", t0())
}

/// A password-change notice to `destination`, due at `at`.
pub fn notice(channel: Channel, destination: Destination, language: Language, at: DateTime<Utc>) -> NewNotice {
    let id = NoticeId::new();
    NewNotice {
        id,
        account_id: None,
        kind: NoticeKind::PasswordChanged,
        channel,
        destination,
        template: "account-change".into(),
        language,
        params: BTreeMap::from([
            ("change".to_owned(), NoticeKind::PasswordChanged.as_str().to_owned()),
            ("changed_at".to_owned(), at.to_rfc3339()),
            ("name".to_owned(), "Rosa Díaz".to_owned()),
        ]),
        idempotency_key: format!("test:{id}"),
        not_before: at,
    }
}

pub fn email_to(address: &str) -> Destination {
    Destination::Email { address: EmailAddress::parse(address).unwrap() }
}

pub fn phone() -> Destination {
    Destination::Phone { number: PhoneNumber::parse("+18015550100").unwrap() }
}
