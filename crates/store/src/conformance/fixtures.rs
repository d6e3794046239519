//! Test data for the conformance suite. Times are fixed, never the clock.

use crate::Store;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use cpniguard_core::account::{
    Account, AccountKind, AccountNumber, AccountProfile, AccountStatus, DirectoryListing, Language, NewAccount,
    PicFreeze, PostalAddress, TimeZoneName,
};
use cpniguard_core::cpni::{CallDetailRecord, CallType, Direction, Invoice, InvoiceLine, LineCategory, Service};
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::{AccountId, InvoiceId, ServiceId};
use cpniguard_core::money::Cents;
use cpniguard_core::phone::PhoneNumber;
use serde_json::json;

/// `secs` seconds after the suite's reference time, 2025-01-15 12:00:00 UTC.
pub(super) fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 15, 12, 0, 0).unwrap() + Duration::seconds(secs)
}

pub(super) const DAY: i64 = 86_400;

pub(super) fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(super) fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).unwrap()
}

pub(super) fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

pub(super) fn number(s: &str) -> AccountNumber {
    AccountNumber::parse(s).unwrap()
}

pub(super) fn postal(line1: &str) -> PostalAddress {
    PostalAddress {
        line1: line1.to_owned(),
        line2: None,
        city: "Salt Lake City".to_owned(),
        state: "UT".to_owned(),
        zip: "84101".to_owned(),
        country: "US".to_owned(),
    }
}

/// A residential account with a postal address, no email, and `phones`.
pub fn new_account(account_number: &str, name: &str, phones: &[&str]) -> NewAccount {
    NewAccount {
        profile: AccountProfile {
            account_number: number(account_number),
            kind: AccountKind::Residential,
            name: name.to_owned(),
            language: Language::En,
            time_zone: TimeZoneName::parse("America/Denver").unwrap(),
            status: AccountStatus::Active,
            pic_freeze: PicFreeze::default(),
            directory_listing: DirectoryListing::Listed,
            business_exemption: None,
        },
        postal_address: postal("100 Main St"),
        email: None,
        telephone_numbers: phones.iter().map(|p| phone(p)).collect(),
    }
}

/// Create an account with [`new_account`] at `at(0)`.
pub(super) async fn create(store: &dyn Store, account_number: &str, name: &str, phones: &[&str]) -> Account {
    store
        .create_account(AccountId::new(), &new_account(account_number, name, phones), at(0))
        .await
        .expect("create a test account")
}

/// The `seq`th call of a feed: varied directions, types, charges and destinations,
/// the latter with characters that need escaping in bulk-load formats.
pub(super) fn call(account: AccountId, started_at: DateTime<Utc>, seq: u32, source_system: &str) -> CallDetailRecord {
    const DESTINATIONS: [&str; 5] = ["Denver, CO", "São Paulo \"centro\"", "C:\\lines\\7", "", "Mexico; DF | 100%"];
    const TYPES: [CallType; 5] = [
        CallType::Local,
        CallType::LongDistance,
        CallType::International,
        CallType::TollFree,
        CallType::DirectoryAssistance,
    ];
    let i = seq as usize;
    CallDetailRecord {
        id: None,
        account_id: account,
        service_number: phone("+18015550100"),
        started_at,
        duration_secs: seq % 3600,
        direction: if seq.is_multiple_of(2) { Direction::Outbound } else { Direction::Inbound },
        other_party: if i % 5 == 4 { "411".to_owned() } else { format!("+1303555{:04}", seq % 10_000) },
        destination: DESTINATIONS[i % DESTINATIONS.len()].to_owned(),
        call_type: TYPES[i % TYPES.len()],
        charge: Some(Cents(i64::from(seq % 250))),
        source_system: source_system.to_owned(),
        source_record_id: format!("rec-{seq:08}"),
    }
}

/// `calls` as the store returns them: the given records with their stored ids.
pub(super) fn without_ids(calls: &[CallDetailRecord]) -> Vec<CallDetailRecord> {
    calls.iter().map(|c| CallDetailRecord { id: None, ..c.clone() }).collect()
}

/// An invoice for `[period_start, period_start + 1 month)` whose total is the sum of
/// `amounts`, one line per amount.
pub(super) fn invoice(account: AccountId, period_start: &str, amounts: &[i64]) -> Invoice {
    let start = date(period_start);
    let end = start.checked_add_months(chrono::Months::new(1)).unwrap().pred_opt().unwrap();
    let categories = [LineCategory::Recurring, LineCategory::LongDistance, LineCategory::TaxesAndFees];
    let lines: Vec<InvoiceLine> = amounts
        .iter()
        .enumerate()
        .map(|(i, &amount)| InvoiceLine {
            category: categories[i % categories.len()],
            description: format!("line {i} of {period_start}"),
            amount: Cents(amount),
        })
        .collect();
    Invoice {
        id: InvoiceId::new(),
        account_id: account,
        period_start: start,
        period_end: end,
        issued_on: end.succ_opt().unwrap(),
        due_on: end + Duration::days(21),
        total: lines.iter().map(|l| l.amount).sum(),
        lines,
    }
}

/// A service of `account` from `since`.
pub(super) fn service(account: AccountId, service_type: &str, since: &str) -> Service {
    Service {
        id: ServiceId::new(),
        account_id: account,
        service_type: service_type.to_owned(),
        service_number: Some(phone("+18015557001")),
        quantity: 1,
        configuration: json!({}),
        rate_plan: "Basic".to_owned(),
        monthly_rate: Cents(2_999),
        since: date(since),
        until: None,
    }
}
