use super::*;

pub(crate) fn sample_postal() -> PostalAddress {
    PostalAddress {
        line1: "10 Main St".into(),
        line2: None,
        city: "Salt Lake City".into(),
        state: "UT".into(),
        zip: "84101".into(),
        country: "US".into(),
    }
}

fn profile(kind: AccountKind) -> AccountProfile {
    AccountProfile {
        account_number: AccountNumber::parse("ac-100200").unwrap(),
        kind,
        name: "María López".into(),
        language: Language::Es,
        time_zone: TimeZoneName::parse("America/Denver").unwrap(),
        status: AccountStatus::Active,
        pic_freeze: PicFreeze::default(),
        directory_listing: DirectoryListing::Listed,
        business_exemption: None,
    }
}

#[test]
fn account_numbers_are_normalised_and_checked() {
    assert_eq!(AccountNumber::parse(" ac-100200 ").unwrap().as_str(), "AC-100200");
    for bad in ["", "abc", "-1234", "12 34", "x".repeat(33).as_str()] {
        assert!(AccountNumber::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn us_addresses_need_state_and_zip() {
    assert!(sample_postal().validate().is_ok());
    let mut a = sample_postal();
    a.zip = "8410".into();
    assert_eq!(a.validate().unwrap_err().field, "zip");
    a.zip = "84101-1234".into();
    assert!(a.validate().is_ok());
    assert_eq!(a.zip5(), "84101");
    a.state = "Utah".into();
    assert_eq!(a.validate().unwrap_err().field, "state");
}

#[test]
fn only_business_accounts_carry_a_contract_exemption() {
    let mut p = profile(AccountKind::Residential);
    p.business_exemption = Some(BusinessExemption { contract_reference: "MSA-7".into() });
    assert_eq!(p.validate().unwrap_err().field, "business_exemption");
    p.kind = AccountKind::Business;
    assert!(p.validate().is_ok());
}

#[test]
fn a_new_account_needs_a_number_of_service() {
    let mut n = NewAccount {
        profile: profile(AccountKind::Residential),
        postal_address: sample_postal(),
        email: None,
        telephone_numbers: vec![],
    };
    assert_eq!(n.validate().unwrap_err().field, "telephone_numbers");
    let num = PhoneNumber::parse("8015550100").unwrap();
    n.telephone_numbers = vec![num.clone(), num];
    assert!(n.validate().is_err(), "duplicates are refused");
}

#[test]
fn time_zones_come_from_the_tz_database() {
    assert_eq!(TimeZoneName::parse("America/Chicago").unwrap().as_str(), "America/Chicago");
    assert!(TimeZoneName::parse("Mars/Olympus").is_err());
}

#[test]
fn enums_use_their_wire_names() {
    assert_eq!(serde_json::to_string(&DirectoryListing::NonPublished).unwrap(), "\"non_published\"");
    assert_eq!(DirectoryListing::parse("non_published"), Some(DirectoryListing::NonPublished));
    assert_eq!(Language::parse("es"), Some(Language::Es));
}
