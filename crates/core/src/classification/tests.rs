use super::*;
use crate::account::*;
use crate::contact::{ContactPoint, ContactValue};
use crate::cpni::*;
use crate::ids::*;
use crate::money::Cents;
use crate::phone::PhoneNumber;
use chrono::{NaiveDate, Utc};

fn keys(value: &serde_json::Value) -> Vec<String> {
    value.as_object().expect("a record serialises to an object").keys().cloned().collect()
}

fn assert_all_classified(record: &str, value: serde_json::Value) {
    for key in keys(&value) {
        assert!(classify(record, &key).is_some(), "{record}.{key} has no classification");
    }
}

#[test]
fn every_serialised_field_is_classified() {
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let number = PhoneNumber::parse("+12125550143").unwrap();
    let account_id = AccountId::new();
    let account = Account {
        id: account_id,
        profile: AccountProfile {
            account_number: AccountNumber::parse("A-1000").unwrap(),
            kind: AccountKind::Business,
            name: "Acme".into(),
            language: Language::En,
            time_zone: TimeZoneName::parse("America/New_York").unwrap(),
            status: AccountStatus::Active,
            pic_freeze: PicFreeze::default(),
            directory_listing: DirectoryListing::Listed,
            business_exemption: Some(BusinessExemption { contract_reference: "C".into() }),
        },
        contact_points: vec![],
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    assert_all_classified("account", serde_json::to_value(&account).unwrap());
    let contact = ContactPoint {
        value: ContactValue::Phone(number.clone()),
        associated_at: Utc::now(),
        dissociated_at: Some(Utc::now()),
    };
    let v = serde_json::to_value(&contact).unwrap();
    for key in keys(&v) {
        if key != "value" {
            assert!(classify("contact_point", &key).is_some(), "contact_point.{key}");
        }
    }
    let service = Service {
        id: ServiceId::new(),
        account_id,
        service_type: "voip_line".into(),
        service_number: Some(number.clone()),
        quantity: 1,
        configuration: serde_json::json!({}),
        rate_plan: "Basic".into(),
        monthly_rate: Cents(1000),
        since: day,
        until: Some(day),
    };
    assert_all_classified("service", serde_json::to_value(&service).unwrap());
    let call = CallDetailRecord {
        id: Some(CallId(1)),
        account_id,
        service_number: number,
        started_at: Utc::now(),
        duration_secs: 60,
        direction: Direction::Outbound,
        other_party: "+13035550100".into(),
        destination: "Denver, CO".into(),
        call_type: CallType::LongDistance,
        charge: Some(Cents(10)),
        source_system: "switch".into(),
        source_record_id: "1".into(),
    };
    assert_all_classified("call", serde_json::to_value(&call).unwrap());
    let line = InvoiceLine { category: LineCategory::Recurring, description: "Line".into(), amount: Cents(1) };
    assert_all_classified("invoice_line", serde_json::to_value(&line).unwrap());
    let invoice = Invoice {
        id: InvoiceId::new(),
        account_id,
        period_start: day,
        period_end: day,
        issued_on: day,
        due_on: day,
        total: Cents(1),
        lines: vec![line],
    };
    assert_all_classified("invoice", serde_json::to_value(&invoice).unwrap());
}

#[test]
fn name_address_and_number_are_not_cpni() {
    assert_eq!(classify("account", "name"), Some(DataClass::SubscriberList));
    assert_eq!(classify("contact_point", "postal"), Some(DataClass::SubscriberList));
    assert_eq!(classify("contact_point", "phone"), Some(DataClass::SubscriberList));
    assert!(!classify("contact_point", "email").unwrap().is_cpni());
}

#[test]
fn call_detail_and_bills_are_cpni() {
    assert_eq!(classify("call", "other_party"), Some(DataClass::Cpni(CpniCategory::CallDetail)));
    assert_eq!(categories_of("call"), vec![CpniCategory::CallDetail]);
    assert_eq!(categories_of("service"), vec![CpniCategory::ServicesAndConfiguration, CpniCategory::Rates]);
    assert_eq!(categories_of("invoice"), vec![CpniCategory::Billing]);
    assert!(categories_of("account").is_empty());
}

#[test]
fn unknown_fields_are_unclassified() {
    assert_eq!(classify("call", "mystery"), None);
}
