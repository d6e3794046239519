//! The federal business-day calendar. A business day is any day that is not a Saturday,
//! a Sunday or a US federal legal holiday (5 U.S.C. 6103(a)) as observed: a holiday on
//! a Saturday is observed the Friday before (so New Year's Day on a Saturday is
//! observed on December 31 of the previous year), one on a Sunday the Monday after
//! (Executive Order 11582). Counting starts the day after the event, as 47 CFR 1.4
//! counts periods.
//!
//! The holiday rules are statute, not configuration, and are implemented here rather
//! than taken from a financial-calendar crate so that they can be read against the law
//! and checked against the official tables (see `tests.rs`). What is configurable is
//! the carrier's time zone, which decides on which calendar day an instant falls.
//!
//! The table is the one in force since 1986, the first year Martin Luther King Jr. Day
//! was observed, with Juneteenth from 2021. Earlier years are outside the calendar:
//! [`check_supported`] refuses them, as it refuses years of more than four digits.
//! Inauguration Day (5 U.S.C. 6103(c)) is a holiday only for employees in the
//! Washington area and is not in the table, nor are one-off closures by executive
//! order.

use crate::ValidationError;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

/// The first year the calendar answers for: the first observance of Martin Luther
/// King Jr. Day. Every other rule in the table is older.
pub const FIRST_YEAR: i32 = 1986;
/// The last year the calendar answers for: dates keep the `YYYY-MM-DD` form.
pub const LAST_YEAR: i32 = 9999;
/// Juneteenth National Independence Day became a legal holiday on June 17, 2021
/// (Pub. L. 117-17), in time for its first observance on Friday June 18, 2021.
const JUNETEENTH_FROM: i32 = 2021;

/// The carrier's business-day calendar: the federal holidays, and the time zone in
/// which instants become calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FederalCalendar {
    time_zone: Tz,
}

impl Default for FederalCalendar {
    /// Eastern time, where the federal agencies that receive breach reports sit.
    fn default() -> Self {
        Self::new(chrono_tz::America::New_York)
    }
}

impl FederalCalendar {
    pub fn new(time_zone: Tz) -> Self {
        Self { time_zone }
    }

    /// The calendar for an IANA time zone name such as `America/Denver`.
    pub fn for_time_zone(name: &str) -> Result<Self, ValidationError> {
        name.parse::<Tz>().map(Self::new).map_err(|_| {
            ValidationError::new("time_zone", format!("an IANA time zone such as America/New_York, not {name:?}"))
        })
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The calendar day on which `at` falls in the carrier's time zone: an event at
    /// 23:30 in New York on a Wednesday happened on Wednesday, although it is Thursday
    /// in UTC.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.time_zone).date_naive()
    }

    /// The name of the holiday observed on `date`, if any. Only observed dates count: a
    /// Saturday July 4 is not a holiday here, the Friday before is.
    pub fn is_holiday(&self, date: NaiveDate) -> Option<&'static str> {
        // An observed date lies in its statutory year or, for New Year's Day on a
        // Saturday, in the year before.
        [date.year(), date.year().saturating_add(1)]
            .into_iter()
            .flat_map(observed)
            .find(|&(observed_on, _)| observed_on == date)
            .map(|(_, name)| name)
    }

    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && self.is_holiday(date).is_none()
    }

    /// The `n`th business day after `date`. Counting starts the day after `date`, so
    /// one business day after a Friday is the Monday (or the Tuesday when Monday is a
    /// holiday), and `date` itself never counts even when it is a business day. With
    /// `n == 0` the answer is `date` itself.
    ///
    /// # Panics
    /// If the answer lies past chrono's last date (year 262142); dates that passed
    /// [`check_supported`] with `n` up to a million are far from it.
    pub fn add_business_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().expect("business-day arithmetic stays within chrono's range");
            if self.is_business_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// How many business days lie after `start` up to and including `end`: the `n`
    /// for which `add_business_days(start, n)` is the last business day on or before
    /// `end`. Negative when `end` is before `start` (the same count, going back).
    pub fn business_days_between(&self, start: NaiveDate, end: NaiveDate) -> i64 {
        if end < start {
            return -self.business_days_between(end, start);
        }
        start.iter_days().skip(1).take_while(|&d| d <= end).filter(|&d| self.is_business_day(d)).count() as i64
    }

    /// The holidays observed in `year`, in date order. New Year's Day of the next year
    /// belongs here when it is observed on December 31; New Year's Day of `year` does
    /// not when it was observed on December 31 of the year before.
    pub fn holidays(&self, year: i32) -> Vec<(NaiveDate, &'static str)> {
        let mut list: Vec<_> =
            [year, year.saturating_add(1)].into_iter().flat_map(observed).filter(|(d, _)| d.year() == year).collect();
        list.sort();
        list
    }
}

/// Refuses a date outside the years the calendar answers for, naming `field`.
pub fn check_supported(field: &str, date: NaiveDate) -> Result<(), ValidationError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("{date} is outside the business-day calendar, which covers {FIRST_YEAR} to {LAST_YEAR}"),
        ))
    }
}

/// The holidays of statutory `year` with the dates they are observed on. Years chrono
/// cannot represent have none rather than a panic.
fn observed(year: i32) -> impl Iterator<Item = (NaiveDate, &'static str)> {
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day).and_then(observe);
    let nth = |month, weekday, n| NaiveDate::from_weekday_of_month_opt(year, month, weekday, n);
    let last_monday_of_may = nth(5, Weekday::Mon, 5).or_else(|| nth(5, Weekday::Mon, 4));
    let juneteenth = if year >= JUNETEENTH_FROM { fixed(6, 19) } else { None };
    [
        (fixed(1, 1), "New Year's Day"),
        (nth(1, Weekday::Mon, 3), "Birthday of Martin Luther King, Jr."),
        (nth(2, Weekday::Mon, 3), "Washington's Birthday"),
        (last_monday_of_may, "Memorial Day"),
        (juneteenth, "Juneteenth National Independence Day"),
        (fixed(7, 4), "Independence Day"),
        (nth(9, Weekday::Mon, 1), "Labor Day"),
        (nth(10, Weekday::Mon, 2), "Columbus Day"),
        (fixed(11, 11), "Veterans Day"),
        (nth(11, Weekday::Thu, 4), "Thanksgiving Day"),
        (fixed(12, 25), "Christmas Day"),
    ]
    .into_iter()
    .filter_map(|(date, name)| date.map(|d| (d, name)))
}

/// The weekday a fixed-date holiday is observed on.
fn observe(date: NaiveDate) -> Option<NaiveDate> {
    match date.weekday() {
        Weekday::Sat => date.checked_sub_days(Days::new(1)),
        Weekday::Sun => date.checked_add_days(Days::new(1)),
        _ => Some(date),
    }
}

#[cfg(test)]
mod tests;
