//! Call detail: how often a customer calls, when (daytime in their own time zone),
//! whom (local, long distance, abroad, toll-free, 411), for how long, and what each
//! call costs on the customer's rate plan.

use crate::account::Customer;
use crate::places::{CITIES, City, Country, LATIN_AMERICA, OTHER_COUNTRIES, TOLL_FREE_CODES, random_nanp};
use crate::services::{DIRECTORY_ASSISTANCE_FEE, Line, LineRole};
use crate::{BillingMonth, DemoSpec};
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, TimeZone, Utc, Weekday};
use cpniguard_core::cpni::{CallDetailRecord, CallType, Direction};
use cpniguard_core::money::Cents;
use rand::Rng;
use rand::seq::IndexedRandom;

pub(crate) fn generate(
    rng: &mut impl Rng,
    spec: &DemoSpec,
    customer: &Customer,
    lines: &[Line],
    months: &[BillingMonth],
) -> Vec<CallDetailRecord> {
    let caller = Caller::new(rng, customer, lines);
    let mut calls = Vec::new();
    for month in months {
        let days = (month.last - month.first).num_days() as f64 + 1.0;
        let share = days / f64::from(month.days_in_calendar_month());
        let expected = f64::from(spec.calls_per_month) * caller.multiplier * share * rng.random_range(0.85..1.15);
        // Round at random so light users' fractional calls still add up on average.
        let count = expected.floor() as u32 + u32::from(rng.random_bool(expected.fract()));
        calls.reserve(count as usize);
        for _ in 0..count {
            calls.extend(caller.call(rng, month).filter(|c| c.ended_at() < spec.now));
        }
    }
    // Switches number their records in time order.
    calls.sort_by_key(|c| c.started_at);
    for (seq, call) in calls.iter_mut().enumerate() {
        call.source_record_id = format!("{:07}-{:06}", customer.index, seq + 1);
    }
    calls
}

/// One customer's calling habits.
struct Caller<'a> {
    customer: &'a Customer,
    lines: &'a [Line],
    home: String,
    /// Calls relative to the spec's average: light and heavy users, businesses more.
    multiplier: f64,
    /// Countries this customer calls, if any.
    countries: Vec<&'static Country>,
    uses_directory_assistance: bool,
}

enum Party {
    Local,
    Domestic(&'static City),
    Abroad(&'static Country),
    TollFree,
    DirectoryAssistance,
}

impl<'a> Caller<'a> {
    fn new(rng: &mut impl Rng, customer: &'a Customer, lines: &'a [Line]) -> Self {
        // Erlang-2 with mean 1 (few near-silent lines, a tail of heavy users), scaled so
        // that 20% businesses at 2.6 and 80% households at 0.6 average to 1.
        let spread = -((1.0 - rng.random::<f64>()).ln() + (1.0 - rng.random::<f64>()).ln()) / 2.0;
        let multiplier = spread * if customer.business() { 2.6 } else { 0.6 };
        // Spanish-speaking households call Mexico and Latin America far more often.
        let abroad = match (customer.spanish(), customer.business()) {
            (true, false) => 0.45,
            (true, true) => 0.30,
            (false, false) => 0.08,
            (false, true) => 0.12,
        };
        let countries = if rng.random_bool(abroad) {
            let list = if customer.spanish() { LATIN_AMERICA } else { OTHER_COUNTRIES };
            let how_many = rng.random_range(1..=2);
            list.choose_multiple(rng, how_many).collect()
        } else {
            Vec::new()
        };
        Caller {
            customer,
            lines,
            home: customer.city.label(),
            multiplier,
            countries,
            uses_directory_assistance: rng.random_bool(if customer.business() { 0.10 } else { 0.15 }),
        }
    }

    fn call(&self, rng: &mut impl Rng, month: &BillingMonth) -> Option<CallDetailRecord> {
        let started_at = self.start_time(rng, month)?;
        let toll_free_line = self.lines.iter().find(|l| l.role == LineRole::TollFree);
        let outbound = rng.random_bool(0.6);
        let (line, party) = match toll_free_line {
            Some(tf) if !outbound && rng.random_bool(0.35) => (tf, Party::Domestic(other_city(rng, None))),
            _ => (self.pick_line(rng), self.pick_party(rng, outbound)),
        };
        let duration_secs = duration(rng, &party);
        let minutes = i64::from(duration_secs.div_ceil(60));
        let rating = line.rating;
        // Received calls are free (except on toll-free numbers) and record where they
        // came from as their destination, as the switch rates the incoming leg.
        let (call_type, other_party, destination, charge) = match party {
            Party::Local => {
                let charge = if outbound { rating.local_per_call } else { 0 };
                (CallType::Local, random_nanp(rng, self.customer.city.area_codes), self.home.clone(), charge)
            }
            Party::Domestic(city) if line.role == LineRole::TollFree => {
                let charge = minutes * rating.toll_free_per_minute;
                (CallType::TollFree, random_nanp(rng, city.area_codes), city.label(), charge)
            }
            Party::Domestic(city) => {
                let charge = if outbound { minutes * rating.long_distance_per_minute } else { 0 };
                (CallType::LongDistance, random_nanp(rng, city.area_codes), city.label(), charge)
            }
            Party::Abroad(country) => {
                let charge = if outbound { minutes * country.cents_per_minute } else { 0 };
                (CallType::International, country.random_number(rng), country.name.to_owned(), charge)
            }
            Party::TollFree => (CallType::TollFree, random_nanp(rng, TOLL_FREE_CODES), "Toll-free".to_owned(), 0),
            Party::DirectoryAssistance => {
                let destination = "Directory assistance".to_owned();
                (CallType::DirectoryAssistance, "411".to_owned(), destination, DIRECTORY_ASSISTANCE_FEE)
            }
        };
        Some(CallDetailRecord {
            id: None,
            account_id: self.customer.id,
            service_number: line.number.clone(),
            started_at,
            duration_secs,
            direction: if outbound { Direction::Outbound } else { Direction::Inbound },
            other_party,
            destination,
            call_type,
            charge: Some(Cents(charge)),
            source_system: line.source_system.clone(),
            // Numbered once the account's calls are in time order.
            source_record_id: String::new(),
        })
    }

    /// A moment in the month, weighted to waking (households) or office (businesses)
    /// hours in the customer's own time zone.
    fn start_time(&self, rng: &mut impl Rng, month: &BillingMonth) -> Option<DateTime<Utc>> {
        let business = self.customer.business();
        let span = (month.last - month.first).num_days().unsigned_abs();
        let day = loop {
            let day = month.first + Days::new(rng.random_range(0..=span));
            // Offices are mostly closed at weekends.
            if !business || !is_weekend(day) || rng.random_bool(0.2) {
                break day;
            }
        };
        let hours = match (business, is_weekend(day)) {
            (true, _) => &OFFICE_HOURS,
            (false, false) => &HOUSEHOLD_WEEKDAY_HOURS,
            (false, true) => &HOUSEHOLD_WEEKEND_HOURS,
        };
        let local = day.and_hms_opt(weighted_hour(rng, hours), rng.random_range(0..60), rng.random_range(0..60))?;
        // In the hour clocks skip in spring, move the call an hour on.
        let tz = self.customer.tz;
        let at = tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(local + Duration::hours(1))).earliest())?;
        Some(at.with_timezone(&Utc))
    }

    fn pick_line(&self, rng: &mut impl Rng) -> &'a Line {
        let total: u32 = self.lines.iter().map(|l| l.weight).sum();
        let mut ticket = rng.random_range(0..total);
        for line in self.lines {
            if ticket < line.weight {
                return line;
            }
            ticket -= line.weight;
        }
        unreachable!("the ticket is below the total weight")
    }

    fn pick_party(&self, rng: &mut impl Rng, outbound: bool) -> Party {
        let abroad = match (self.countries.is_empty(), self.customer.spanish()) {
            (true, _) => 0,
            (false, true) => 14,
            (false, false) => 8,
        };
        let long_distance = if self.customer.business() { 30 } else { 26 };
        let (toll_free, directory) = match (outbound, self.uses_directory_assistance) {
            (true, true) => (8, 3),
            (true, false) => (8, 0),
            (false, _) => (0, 0),
        };
        let local = if outbound { 60 } else { 68 };
        let mut ticket = rng.random_range(0..local + long_distance + abroad + toll_free + directory);
        for (weight, kind) in [(local, 0), (long_distance, 1), (abroad, 2), (toll_free, 3)] {
            if ticket < weight {
                return match kind {
                    0 => Party::Local,
                    1 => Party::Domestic(other_city(rng, Some(self.customer.city))),
                    2 => Party::Abroad(self.countries.choose(rng).expect("weight 0 without countries")),
                    _ => Party::TollFree,
                };
            }
            ticket -= weight;
        }
        Party::DirectoryAssistance
    }
}

fn other_city(rng: &mut impl Rng, not: Option<&City>) -> &'static City {
    loop {
        let city = CITIES.choose(rng).expect("cities listed");
        if not.is_none_or(|n| n.name != city.name) {
            return city;
        }
    }
}

/// Most calls are short, a few run for an hour or more; calls abroad run longer and
/// 411 calls are brief.
fn duration(rng: &mut impl Rng, party: &Party) -> u32 {
    if let Party::DirectoryAssistance = party {
        return rng.random_range(25..=120);
    }
    let secs = match rng.random_range(0..100) {
        0..12 => rng.random_range(3..30),
        12..55 => rng.random_range(30..180),
        55..85 => rng.random_range(180..600),
        85..97 => rng.random_range(600..1800),
        _ => rng.random_range(1800..5400),
    };
    if let Party::Abroad(_) = party { secs * 3 / 2 } else { secs }
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

// Relative call volume per local hour, midnight first.
const HOUSEHOLD_WEEKDAY_HOURS: [u32; 24] = [1, 1, 0, 0, 0, 1, 2, 4, 6, 7, 8, 8, 9, 9, 8, 8, 9, 11, 12, 12, 10, 7, 4, 2];
const HOUSEHOLD_WEEKEND_HOURS: [u32; 24] = [2, 1, 1, 0, 0, 0, 1, 2, 4, 7, 9, 10, 10, 10, 9, 9, 9, 9, 9, 8, 7, 5, 4, 3];
const OFFICE_HOURS: [u32; 24] = [0, 0, 0, 0, 0, 0, 1, 4, 10, 14, 15, 14, 11, 13, 14, 13, 10, 6, 3, 2, 1, 1, 0, 0];

fn weighted_hour(rng: &mut impl Rng, weights: &[u32; 24]) -> u32 {
    let mut ticket = rng.random_range(0..weights.iter().sum::<u32>());
    for (hour, weight) in (0u32..).zip(weights) {
        if ticket < *weight {
            return hour;
        }
        ticket -= weight;
    }
    unreachable!("the ticket is below the total weight")
}
