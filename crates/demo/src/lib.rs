//! Demo data for CPNI Guard: a synthetic US VoIP/UCaaS and local/long-distance carrier
//! with residential and business customers, their services, months of call detail and
//! the invoices that bill it.
//!
//! Everything is derived from a seed: account `index` is generated from its own random
//! stream, so accounts can be generated in parallel and any one regenerated alone.
//! [`seed`] loads a store with it; [`bench`] measures the bulk load paths against
//! their row-by-row baselines.
#![forbid(unsafe_code)]

mod account;
pub mod bench;
mod calls;
mod invoices;
mod names;
mod places;
mod seed;
mod services;
#[cfg(test)]
mod tests;

pub use invoices::line_category;
pub use seed::{SeedProgress, SeedReport, seed};

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::account::{AccountNumber, NewAccount};
use cpniguard_core::contact::ContactChange;
use cpniguard_core::cpni::{CallDetailRecord, Invoice, Service};
use cpniguard_core::ids::AccountId;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSpec {
    pub accounts: u32,
    pub seed: u64,
    /// The moment the demo is generated for: accounts open before it, calls end before
    /// it, and only calendar months that are over by then are billed.
    pub now: DateTime<Utc>,
    /// Complete calendar months of call detail and invoices before the current month.
    /// The current month also has calls up to `now` (not billed yet).
    pub months: u32,
    /// Average calls per account per month; each account varies around it (light and
    /// heavy users, businesses more than households).
    pub calls_per_month: u32,
}

impl DemoSpec {
    pub const DEFAULT_MONTHS: u32 = 6;
    pub const DEFAULT_CALLS_PER_MONTH: u32 = 100;
    /// Account indexes from here on have no telephone numbers of their own left (the
    /// benchmark accounts use the rest of the numbering space).
    pub const MAX_ACCOUNTS: u32 = 2_600_000;

    pub fn new(accounts: u32, seed: u64, now: DateTime<Utc>) -> Self {
        Self { accounts, seed, now, months: Self::DEFAULT_MONTHS, calls_per_month: Self::DEFAULT_CALLS_PER_MONTH }
    }

    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.accounts > Self::MAX_ACCOUNTS {
            return Err(ValidationError::new("accounts", format!("at most {}", Self::MAX_ACCOUNTS)));
        }
        // Accounts open 7 to 60 months before `now`; more history than that would be
        // mostly empty.
        if self.months > 60 {
            return Err(ValidationError::new("months", "at most 60"));
        }
        if self.calls_per_month > 100_000 {
            return Err(ValidationError::new("calls_per_month", "at most 100000"));
        }
        Ok(())
    }
}

/// One generated customer with everything the store holds about them.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoAccount {
    pub id: AccountId,
    pub new_account: NewAccount,
    /// When the account was opened; its first contact points are associated then.
    pub opened_at: DateTime<Utc>,
    pub services: Vec<Service>,
    /// Oldest first.
    pub calls: Vec<CallDetailRecord>,
    /// Oldest period first.
    pub invoices: Vec<Invoice>,
    /// A contact change made shortly before `now`, so the demo has contact points that
    /// are not yet of record.
    pub recent_contact_change: Option<(DateTime<Utc>, ContactChange)>,
}

/// Generate account `index` (0-based) of the demo described by `spec`. Pure: the same
/// spec and index always give the same account.
///
/// # Panics
/// If `index` is not below [`DemoSpec::MAX_ACCOUNTS`].
pub fn generate_account(spec: &DemoSpec, index: u32) -> DemoAccount {
    assert!(index < DemoSpec::MAX_ACCOUNTS, "demo account index out of range");
    let number = AccountNumber::parse(&format!("CT-{:07}", index + 1)).expect("well-formed account number");
    generate_numbered(spec, index, number, spec.seed)
}

/// The generator behind [`generate_account`], for any index with number slots and any
/// account number; the calls come from `call_seed`'s stream so the benchmarks can vary
/// call detail on accounts that stay the same.
pub(crate) fn generate_numbered(spec: &DemoSpec, index: u32, number: AccountNumber, call_seed: u64) -> DemoAccount {
    let mut rng = stream(spec.seed, index, Stream::Account);
    let customer = account::customer(&mut rng, spec, index, number);
    let offering = services::offering(&mut rng, &customer);
    let months = billing_months(spec, &customer);
    let mut call_rng = stream(call_seed, index, Stream::Calls);
    let calls = calls::generate(&mut call_rng, spec, &customer, &offering.lines, &months);
    let invoices = invoices::generate(&mut rng, &customer, &offering.services, &calls, &months);
    let recent_contact_change = account::recent_contact_change(&mut rng, spec, &customer);
    DemoAccount {
        id: customer.id,
        opened_at: customer.opened_at,
        new_account: customer.new_account(offering.lines.iter().map(|l| l.number.clone()).collect()),
        services: offering.services,
        calls,
        invoices,
        recent_contact_change,
    }
}

#[derive(Clone, Copy)]
enum Stream {
    Account = 1,
    Calls = 2,
}

/// The random stream for one account and purpose. ChaCha keyed by all three, so no
/// two accounts or purposes share a stream whatever the seed.
fn stream(seed: u64, index: u32, purpose: Stream) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..12].copy_from_slice(&index.to_le_bytes());
    key[12] = purpose as u8;
    ChaCha8Rng::from_seed(key)
}

/// A version-7 UUID whose time is `at` and whose random bits come from `rng`, so ids
/// are reproducible and still sort by the time the thing came into being.
fn uuid_at(rng: &mut impl Rng, at: DateTime<Utc>) -> Uuid {
    let mut random = [0u8; 10];
    rng.fill(&mut random);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// A calendar month (in the account's time zone) that has call detail.
#[derive(Debug, Clone, Copy)]
struct BillingMonth {
    first: NaiveDate,
    /// The last day with calls: the month's end, the day the account closed, or today.
    last: NaiveDate,
    /// Over by `now`, so it is billed.
    complete: bool,
}

impl BillingMonth {
    fn days_in_calendar_month(&self) -> u32 {
        u32::from(self.first.num_days_in_month())
    }

    fn calendar_last(&self) -> NaiveDate {
        self.first + Months::new(1) - Days::new(1)
    }
}

/// The months with call detail for this customer: the `spec.months` complete months
/// before the current one and the current month to date, keeping only whole months
/// after the account opened and days up to the day it closed.
fn billing_months(spec: &DemoSpec, customer: &account::Customer) -> Vec<BillingMonth> {
    let today = spec.now.with_timezone(&customer.tz).date_naive();
    let opened = customer.opened_at.with_timezone(&customer.tz).date_naive();
    let this_month = today.with_day(1).expect("day 1 exists");
    (0..=spec.months)
        .rev()
        .filter_map(|back| {
            let first = this_month - Months::new(back);
            let mut month = BillingMonth { first, last: today, complete: back > 0 };
            if month.complete {
                month.last = month.calendar_last();
            }
            if let Some(closed) = customer.closed_on {
                month.last = month.last.min(closed);
            }
            (first > opened && month.last >= first).then_some(month)
        })
        .collect()
}
