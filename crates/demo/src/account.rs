//! Who a demo customer is: kind, language, name, address, contact points, status and
//! the account-level choices (directory listing, PIC freeze, contract exemption).

use crate::names::{self, ascii_slug};
use crate::places::{self, City};
use crate::{DemoSpec, uuid_at};
use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use cpniguard_core::account::{
    AccountKind, AccountNumber, AccountProfile, AccountStatus, BusinessExemption, DirectoryListing, Language,
    NewAccount, PicFreeze, PostalAddress, TimeZoneName,
};
use cpniguard_core::contact::ContactChange;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_core::phone::PhoneNumber;
use rand::Rng;
use rand::seq::IndexedRandom;

/// Everything decided about a customer before services and usage.
pub(crate) struct Customer {
    pub id: AccountId,
    pub index: u32,
    pub profile: AccountProfile,
    pub city: &'static City,
    pub tz: Tz,
    pub postal_address: PostalAddress,
    pub email: Option<EmailAddress>,
    pub opened_at: DateTime<Utc>,
    /// The last day of service of a closed account.
    pub closed_on: Option<NaiveDate>,
    /// UCaaS seats and trunk size scale with this; 0 for households.
    pub seats: u32,
}

impl Customer {
    pub fn business(&self) -> bool {
        self.profile.kind == AccountKind::Business
    }

    pub fn spanish(&self) -> bool {
        self.profile.language == Language::Es
    }

    pub fn opened_on(&self) -> NaiveDate {
        self.opened_at.with_timezone(&self.tz).date_naive()
    }

    pub fn new_account(&self, telephone_numbers: Vec<PhoneNumber>) -> NewAccount {
        NewAccount {
            profile: self.profile.clone(),
            postal_address: self.postal_address.clone(),
            email: self.email.clone(),
            telephone_numbers,
        }
    }
}

const DAYS_PER_MONTH: f64 = 30.44;

pub(crate) fn customer(rng: &mut impl Rng, spec: &DemoSpec, index: u32, number: AccountNumber) -> Customer {
    let business = rng.random_bool(0.20);
    let spanish = rng.random_bool(0.30);
    let city = places::pick_city(rng, spanish);
    let tz: Tz = city.time_zone.parse().expect("city time zones are valid");
    // Opened 7 to 60 months ago, so the first contact points are long of record.
    let age_secs = rng.random_range(7.0 * DAYS_PER_MONTH * 86_400.0..=60.0 * DAYS_PER_MONTH * 86_400.0) as i64;
    let opened_at = spec.now - Duration::seconds(age_secs);
    // Skewed towards small offices: median about 17 seats, a few near 200.
    let seats = if business { 5 + (195.0 * rng.random::<f64>().powi(4)).round() as u32 } else { 0 };

    let (name, email) =
        if business { business_identity(rng, spanish, index) } else { household_identity(rng, spanish, index) };
    let status = match rng.random_range(0..100) {
        0..95 => AccountStatus::Active,
        95..98 => AccountStatus::Suspended,
        _ => AccountStatus::Closed,
    };
    let closed_on = (status == AccountStatus::Closed).then(|| closing_day(rng, spec, tz, opened_at));
    let profile = AccountProfile {
        account_number: number,
        kind: if business { AccountKind::Business } else { AccountKind::Residential },
        name,
        language: if spanish { Language::Es } else { Language::En },
        time_zone: TimeZoneName::parse(city.time_zone).expect("city time zones are valid"),
        status,
        pic_freeze: pic_freeze(rng),
        directory_listing: match rng.random_range(0..100) {
            0..75 => DirectoryListing::Listed,
            75..90 => DirectoryListing::Unlisted,
            _ => DirectoryListing::NonPublished,
        },
        // Only large customers get a dedicated representative and a contract that
        // covers CPNI, so only a handful qualify.
        business_exemption: (seats >= 75 && rng.random_bool(0.15)).then(|| BusinessExemption {
            contract_reference: format!("MSA-{}-{:05}", opened_at.format("%Y"), index % 100_000),
        }),
    };
    Customer {
        id: AccountId(uuid_at(rng, opened_at)),
        index,
        profile,
        city,
        tz,
        postal_address: postal_address(rng, city, business),
        email: (rng.random_bool(0.85)).then_some(email),
        opened_at,
        closed_on,
        seats,
    }
}

fn household_identity(rng: &mut impl Rng, spanish: bool, index: u32) -> (String, EmailAddress) {
    let (firsts, lasts) =
        if spanish { (names::SPANISH_FIRST, names::SPANISH_LAST) } else { (names::ENGLISH_FIRST, names::ENGLISH_LAST) };
    let first = *firsts.choose(rng).expect("names listed");
    let last = *lasts.choose(rng).expect("names listed");
    let name = if spanish && rng.random_bool(0.35) {
        // Many Spanish-speaking customers give both surnames.
        format!("{first} {last} {}", lasts.choose(rng).expect("names listed"))
    } else if !spanish && rng.random_bool(0.10) {
        format!("{first} {}. {last}", char::from(rng.random_range(b'A'..=b'Z')))
    } else {
        format!("{first} {last}")
    };
    let (f, l) = (ascii_slug(first, None), ascii_slug(last, None));
    // The account index in the mailbox keeps every household's address unique.
    let mailbox = match rng.random_range(0..4) {
        0 => format!("{f}.{l}{index}"),
        1 => format!("{}{l}{index}", &f[..1]),
        2 => format!("{l}.{f}{index}"),
        _ => format!("{f}{index}"),
    };
    let domain = HOUSEHOLD_DOMAINS.choose(rng).expect("domains listed");
    (name, email(&format!("{mailbox}@{domain}")))
}

const HOUSEHOLD_DOMAINS: &[&str] = &["example.com", "example.com", "example.net", "example.org"];
const BUSINESS_MAILBOXES: &[&str] = &["billing", "office", "accounts", "admin", "it", "telecom"];

fn business_identity(rng: &mut impl Rng, spanish: bool, index: u32) -> (String, EmailAddress) {
    let base = if spanish {
        let trade = names::SPANISH_TRADES.choose(rng).expect("trades listed");
        format!("{trade} {}", names::SPANISH_BUSINESS_STEMS.choose(rng).expect("stems listed"))
    } else {
        let trade = names::TRADES.choose(rng).expect("trades listed");
        match rng.random_range(0..10) {
            0..5 => format!("{} {trade}", names::BUSINESS_STEMS.choose(rng).expect("stems listed")),
            5..8 => format!("{} {trade}", names::ENGLISH_LAST.choose(rng).expect("names listed")),
            _ => {
                let a = names::ENGLISH_LAST.choose(rng).expect("names listed");
                format!("{a} & {} {trade}", names::ENGLISH_LAST.choose(rng).expect("names listed"))
            }
        }
    };
    let suffix = names::BUSINESS_SUFFIXES.choose(rng).expect("suffixes listed");
    let name = if suffix.is_empty() || base.ends_with(suffix) { base.clone() } else { format!("{base} {suffix}") };
    let mut label = ascii_slug(&base, Some('-'));
    label.truncate(50);
    let label = label.trim_end_matches('-');
    let mailbox = BUSINESS_MAILBOXES.choose(rng).expect("mailboxes listed");
    // Two businesses may share a name; the index keeps their domains apart.
    (name, email(&format!("{mailbox}@{label}-{index}.example")))
}

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).expect("generated email addresses are well-formed")
}

fn postal_address(rng: &mut impl Rng, city: &City, business: bool) -> PostalAddress {
    let line2 = if business {
        rng.random_bool(0.5).then(|| format!("Suite {}", rng.random_range(1..=9) * 100 + rng.random_range(0..40)))
    } else {
        rng.random_bool(0.2)
            .then(|| format!("Apt {}{}", rng.random_range(1..=30), char::from(rng.random_range(b'A'..=b'F'))))
    };
    PostalAddress {
        line1: places::street_line(rng),
        line2,
        city: city.name.to_owned(),
        state: city.state.to_owned(),
        zip: places::zip_in(rng, city),
        country: "US".to_owned(),
    }
}

fn pic_freeze(rng: &mut impl Rng) -> PicFreeze {
    if !rng.random_bool(0.05) {
        return PicFreeze::default();
    }
    match rng.random_range(0..3) {
        0 => PicFreeze { local: true, intralata: true, interlata: true },
        1 => PicFreeze { interlata: true, ..PicFreeze::default() },
        _ => PicFreeze { intralata: true, interlata: true, ..PicFreeze::default() },
    }
}

/// A closed account stopped service within the demo's months, at least six weeks
/// after it opened and before yesterday, so its last invoice is usually in the data.
fn closing_day(rng: &mut impl Rng, spec: &DemoSpec, tz: Tz, opened_at: DateTime<Utc>) -> NaiveDate {
    let today = spec.now.with_timezone(&tz).date_naive();
    let latest = today - Days::new(2);
    let window_start = today - Days::new(u64::from(spec.months) * 30 + 15);
    let earliest = (opened_at.with_timezone(&tz).date_naive() + Days::new(45)).max(window_start).min(latest);
    earliest + Days::new(rng.random_range(0..=(latest - earliest).num_days()).unsigned_abs())
}

/// About 3% of open accounts changed their email or postal address 1 to 29 days ago.
pub(crate) fn recent_contact_change(
    rng: &mut impl Rng,
    spec: &DemoSpec,
    customer: &Customer,
) -> Option<(DateTime<Utc>, ContactChange)> {
    if customer.closed_on.is_some() || !rng.random_bool(0.03) {
        return None;
    }
    let at = spec.now - Duration::seconds(rng.random_range(86_400..29 * 86_400));
    let change = match &customer.email {
        Some(current) if rng.random_bool(0.5) => {
            ContactChange { email: Some(Some(new_email(rng, current))), ..Default::default() }
        }
        _ => {
            // Moved within the same city.
            let mut moved = postal_address(rng, customer.city, customer.business());
            if moved == customer.postal_address {
                moved.line1.insert(0, '1');
            }
            ContactChange { postal_address: Some(moved), ..Default::default() }
        }
    };
    Some((at, change))
}

/// The same mailbox at another domain, or another mailbox of the same business.
fn new_email(rng: &mut impl Rng, current: &EmailAddress) -> EmailAddress {
    let (mailbox, domain) = current.as_str().split_once('@').expect("an email address has an @");
    let text = if domain.ends_with(".example") {
        let other = BUSINESS_MAILBOXES.iter().filter(|m| **m != mailbox).collect::<Vec<_>>();
        format!("{}@{domain}", other.choose(rng).expect("several mailboxes"))
    } else {
        let other = HOUSEHOLD_DOMAINS.iter().filter(|d| **d != domain).collect::<Vec<_>>();
        format!("{mailbox}@{}", other.choose(rng).expect("several domains"))
    };
    email(&text)
}
