//! The billing system's account export (`cpniguard import accounts --format csv`): one
//! row per account with its profile, its contact points and the dates they were
//! associated with the account (which decide what is "of record"), and its telephone
//! numbers with the dates they took effect. Columns are found by header name:
//!
//! required: `account_number, name, kind, status, postal_line1, postal_city,
//! postal_state, postal_zip, postal_since, telephone_numbers`; optional:
//! `postal_line2, postal_country` (default US), `email, email_since, language`
//! (default en), `business_exemption` (the contract reference of a business
//! exemption). `telephone_numbers` lists `NUMBER@YYYY-MM-DD` separated by `;`.

use crate::csv_line;
use crate::rules::normalise;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::account::{
    AccountKind, AccountNumber, AccountProfile, AccountStatus, BusinessExemption, DirectoryListing, Language,
    NewAccount, PicFreeze, PostalAddress, TimeZoneName,
};
use cpniguard_core::contact::ContactValue;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::phone::PhoneNumber;
use std::collections::HashMap;

const REQUIRED: [&str; 10] = [
    "account_number",
    "name",
    "kind",
    "status",
    "postal_line1",
    "postal_city",
    "postal_state",
    "postal_zip",
    "postal_since",
    "telephone_numbers",
];
const OPTIONAL: [&str; 6] =
    ["postal_line2", "postal_country", "email", "email_since", "language", "business_exemption"];

/// One account as the billing system has it.
#[derive(Debug, Clone, PartialEq)]
pub struct BillingAccount {
    pub new: NewAccount,
    /// When each contact point was associated with the account.
    pub contact_since: Vec<(ContactValue, DateTime<Utc>)>,
    /// Each telephone number with the date its service took effect.
    pub numbers: Vec<(PhoneNumber, NaiveDate)>,
}

/// Where each column is, from the header.
#[derive(Debug, Clone)]
pub struct BillingColumns {
    index: HashMap<&'static str, usize>,
    width: usize,
}

impl BillingColumns {
    /// The header, or why the file is not a billing export.
    pub fn from_header(line: &str) -> Result<Self, String> {
        let names = csv_line::split(line).map_err(|e| format!("the header is not CSV: {e}"))?;
        let mut index = HashMap::new();
        for name in REQUIRED.iter().chain(OPTIONAL.iter()) {
            if let Some(i) = names.iter().position(|n| n.trim() == *name) {
                index.insert(*name, i);
            }
        }
        let missing: Vec<&str> = REQUIRED.iter().copied().filter(|n| !index.contains_key(n)).collect();
        if !missing.is_empty() {
            return Err(format!("the header lacks {}", missing.join(", ")));
        }
        Ok(Self { index, width: names.len() })
    }

    /// One row, or why it is malformed. New accounts get `time_zone`.
    pub fn read(&self, line: &str, time_zone: &TimeZoneName, country_code: u16) -> Result<BillingAccount, String> {
        let fields = csv_line::split(line).map_err(|e| format!("not CSV: {e}"))?;
        if fields.len() != self.width {
            return Err(format!("{} columns where the header has {}", fields.len(), self.width));
        }
        let get = |name: &str| self.index.get(name).map(|&i| fields[i].trim()).unwrap_or_default();
        let invalid = |name: &str, why: String| format!("{name}: {why}");
        let postal = PostalAddress {
            line1: get("postal_line1").to_owned(),
            line2: Some(get("postal_line2").to_owned()).filter(|l| !l.is_empty()),
            city: get("postal_city").to_owned(),
            state: get("postal_state").to_owned(),
            zip: get("postal_zip").to_owned(),
            country: Some(get("postal_country")).filter(|c| !c.is_empty()).unwrap_or("US").to_owned(),
        };
        let email = match get("email") {
            "" => None,
            e => Some(EmailAddress::parse(e).map_err(|e| invalid("email", e.to_string()))?),
        };
        let mut contact_since = vec![(ContactValue::Postal(postal.clone()), day_start(date(get("postal_since"))?))];
        if let Some(email) = &email {
            contact_since.push((ContactValue::Email(email.clone()), day_start(date(get("email_since"))?)));
        }
        let mut numbers = Vec::new();
        for item in get("telephone_numbers").split(';').map(str::trim).filter(|i| !i.is_empty()) {
            let (raw, since) = item.split_once('@').ok_or_else(|| format!("telephone number {item:?} has no @date"))?;
            let number = normalise(raw, country_code).ok_or_else(|| format!("{raw:?} is not a telephone number"))?;
            let since = date(since)?;
            contact_since.push((ContactValue::Phone(number.clone()), day_start(since)));
            numbers.push((number, since));
        }
        let kind = AccountKind::parse(get("kind")).ok_or_else(|| invalid("kind", "residential or business".into()))?;
        let profile = AccountProfile {
            account_number: AccountNumber::parse(get("account_number"))
                .map_err(|e| invalid("account_number", e.to_string()))?,
            kind,
            name: get("name").to_owned(),
            language: match get("language") {
                "" => Language::En,
                l => Language::parse(l).ok_or_else(|| invalid("language", "en or es".into()))?,
            },
            time_zone: time_zone.clone(),
            status: AccountStatus::parse(get("status"))
                .ok_or_else(|| invalid("status", "active, suspended or closed".into()))?,
            pic_freeze: PicFreeze::default(),
            directory_listing: DirectoryListing::Listed,
            business_exemption: match get("business_exemption") {
                "" => None,
                reference => Some(BusinessExemption { contract_reference: reference.to_owned() }),
            },
        };
        let new = NewAccount {
            profile,
            postal_address: postal,
            email,
            telephone_numbers: numbers.iter().map(|(n, _)| n.clone()).collect(),
        };
        new.validate().map_err(|e| e.to_string())?;
        Ok(BillingAccount { new, contact_since, numbers })
    }
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))
}

/// An association date as the start of that day (UTC).
fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "account_number,name,kind,status,email,email_since,postal_line1,postal_city,postal_state,postal_zip,postal_since,telephone_numbers,business_exemption";

    #[test]
    fn a_row_with_its_dates() {
        let columns = BillingColumns::from_header(HEADER).unwrap();
        let row = r#"BIL-0001,"Lee, Ann",residential,active,ann@example.com,2023-02-01,100 Main St,Denver,CO,80202,2021-06-15,"2125550143@2021-06-15; +13125550199@2024-01-10","#;
        let tz = TimeZoneName::parse("America/Denver").unwrap();
        let account = columns.read(row, &tz, 1).unwrap();
        assert_eq!(account.new.profile.name, "Lee, Ann");
        assert_eq!(account.numbers.len(), 2);
        assert_eq!(account.numbers[1].1, NaiveDate::from_ymd_opt(2024, 1, 10).unwrap());
        assert_eq!(account.contact_since.len(), 4);
        assert!(columns.read("BIL-2,x", &tz, 1).unwrap_err().contains("columns"));
        assert!(BillingColumns::from_header("account_number,name").unwrap_err().contains("kind"));
    }
}
