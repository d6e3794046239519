use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn cal() -> FederalCalendar {
    FederalCalendar::default()
}

/// The observed federal holidays as OPM publishes them, written out by hand (not
/// computed), one line per year. A year that ends with December 31 carries the next
/// year's New Year's Day, observed that Friday; that next year then has ten.
#[rustfmt::skip]
const OFFICIAL: &[(i32, &[&str])] = &[
    (2020, &["2020-01-01", "2020-01-20", "2020-02-17", "2020-05-25", "2020-07-03", "2020-09-07", "2020-10-12", "2020-11-11", "2020-11-26", "2020-12-25"]),
    (2021, &["2021-01-01", "2021-01-18", "2021-02-15", "2021-05-31", "2021-06-18", "2021-07-05", "2021-09-06", "2021-10-11", "2021-11-11", "2021-11-25", "2021-12-24", "2021-12-31"]),
    (2022, &["2022-01-17", "2022-02-21", "2022-05-30", "2022-06-20", "2022-07-04", "2022-09-05", "2022-10-10", "2022-11-11", "2022-11-24", "2022-12-26"]),
    (2023, &["2023-01-02", "2023-01-16", "2023-02-20", "2023-05-29", "2023-06-19", "2023-07-04", "2023-09-04", "2023-10-09", "2023-11-10", "2023-11-23", "2023-12-25"]),
    (2024, &["2024-01-01", "2024-01-15", "2024-02-19", "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02", "2024-10-14", "2024-11-11", "2024-11-28", "2024-12-25"]),
    (2025, &["2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25"]),
    (2026, &["2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25"]),
    (2027, &["2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06", "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-31"]),
    (2028, &["2028-01-17", "2028-02-21", "2028-05-29", "2028-06-19", "2028-07-04", "2028-09-04", "2028-10-09", "2028-11-10", "2028-11-23", "2028-12-25"]),
    (2029, &["2029-01-01", "2029-01-15", "2029-02-19", "2029-05-28", "2029-06-19", "2029-07-04", "2029-09-03", "2029-10-08", "2029-11-12", "2029-11-22", "2029-12-25"]),
    (2030, &["2030-01-01", "2030-01-21", "2030-02-18", "2030-05-27", "2030-06-19", "2030-07-04", "2030-09-02", "2030-10-14", "2030-11-11", "2030-11-28", "2030-12-25"]),
];

#[test]
fn holidays_match_the_official_tables_2020_to_2030() {
    for &(year, expected) in OFFICIAL {
        let got: Vec<String> = cal().holidays(year).iter().map(|(date, _)| date.to_string()).collect();
        assert_eq!(got, expected, "{year}");
    }
}

#[test]
fn every_statutory_holiday_is_observed_exactly_once() {
    // Eleven holidays a year from 2021 (ten in 2020), wherever their observed dates fall.
    let all: Vec<(NaiveDate, &str)> = (2019..=2031).flat_map(|y| cal().holidays(y)).collect();
    for year in 2020..=2030 {
        let names: Vec<&str> = all
            .iter()
            .filter(|(date, name)| match *name {
                // New Year's Day observed on December 31 is the next year's.
                "New Year's Day" => date.succ_opt().unwrap().year() == year,
                _ => date.year() == year,
            })
            .map(|(_, name)| *name)
            .collect();
        assert_eq!(names.len(), if year == 2020 { 10 } else { 11 }, "{year}: {names:?}");
    }
}

#[test]
fn juneteenth_starts_in_2021_and_is_observed_on_a_friday_when_on_a_saturday() {
    assert_eq!(cal().is_holiday(d("2020-06-19")), None);
    assert_eq!(cal().is_holiday(d("2021-06-18")), Some("Juneteenth National Independence Day"));
    assert_eq!(cal().is_holiday(d("2021-06-19")), None, "the Saturday itself is not the observed day");
    assert!(cal().is_business_day(d("2020-06-19")));
}

#[test]
fn a_saturday_new_years_day_is_observed_on_december_31_of_the_year_before() {
    assert_eq!(cal().is_holiday(d("2021-12-31")), Some("New Year's Day"));
    assert_eq!(cal().is_holiday(d("2027-12-31")), Some("New Year's Day"));
    assert!(!cal().holidays(2022).iter().any(|(_, name)| *name == "New Year's Day"));
    assert_eq!(cal().is_holiday(d("2023-01-02")), Some("New Year's Day"), "a Sunday one moves to Monday");
}

#[test]
fn names_are_the_statutory_ones() {
    let names: Vec<&str> = cal().holidays(2024).into_iter().map(|(_, n)| n).collect();
    assert_eq!(
        names,
        [
            "New Year's Day",
            "Birthday of Martin Luther King, Jr.",
            "Washington's Birthday",
            "Memorial Day",
            "Juneteenth National Independence Day",
            "Independence Day",
            "Labor Day",
            "Columbus Day",
            "Veterans Day",
            "Thanksgiving Day",
            "Christmas Day",
        ]
    );
}

#[test]
fn weekends_and_observed_holidays_are_not_business_days() {
    assert!(!cal().is_business_day(d("2026-01-03")), "Saturday");
    assert!(!cal().is_business_day(d("2026-01-04")), "Sunday");
    assert!(!cal().is_business_day(d("2026-07-03")), "Independence Day observed");
    assert!(cal().is_business_day(d("2026-01-05")));
    assert!(cal().is_business_day(d("2026-12-24")), "Christmas Eve is a working day");
}

#[test]
fn counting_starts_the_day_after_and_skips_weekends_and_holidays() {
    let c = cal();
    assert_eq!(c.add_business_days(d("2026-01-09"), 1), d("2026-01-12"), "Friday + 1 = Monday");
    assert_eq!(c.add_business_days(d("2026-01-16"), 1), d("2026-01-20"), "Friday before MLK Day + 1 = Tuesday");
    assert_eq!(c.add_business_days(d("2026-01-10"), 1), d("2026-01-12"), "from a Saturday");
    assert_eq!(c.add_business_days(d("2026-11-25"), 1), d("2026-11-27"), "over Thanksgiving");
    assert_eq!(c.add_business_days(d("2026-11-25"), 0), d("2026-11-25"));
    assert_eq!(c.add_business_days(d("2026-11-26"), 0), d("2026-11-26"), "zero days is the date itself");
    assert_eq!(c.add_business_days(d("2026-01-05"), 7), d("2026-01-14"));
}

#[test]
fn year_ends_are_crossed_with_their_observed_new_years_days() {
    let c = cal();
    assert_eq!(c.add_business_days(d("2021-12-23"), 1), d("2021-12-27"), "Christmas observed Friday the 24th");
    assert_eq!(c.add_business_days(d("2021-12-30"), 1), d("2022-01-03"), "New Year's observed Friday the 31st");
    assert_eq!(c.add_business_days(d("2022-12-30"), 1), d("2023-01-03"), "New Year's observed Monday the 2nd");
    assert_eq!(c.add_business_days(d("2025-12-24"), 3), d("2025-12-30"));
    assert_eq!(c.add_business_days(d("2027-12-23"), 5), d("2028-01-03"), "over both Friday holidays");
}

#[test]
fn business_days_between_counts_after_the_start_up_to_the_end() {
    let c = cal();
    assert_eq!(c.business_days_between(d("2026-11-20"), d("2026-11-30")), 5, "Thanksgiving and a weekend skipped");
    assert_eq!(c.business_days_between(d("2026-11-30"), d("2026-11-20")), -5);
    assert_eq!(c.business_days_between(d("2026-11-26"), d("2026-11-26")), 0);
    assert_eq!(c.business_days_between(d("2026-01-02"), d("2026-01-04")), 0, "only the weekend follows");
    assert_eq!(c.business_days_between(d("2025-12-31"), d("2026-12-31")), 250);
}

#[test]
fn instants_become_days_in_the_carriers_time_zone() {
    // 23:30 in New York on Wednesday November 25, 2026 is already Thursday in UTC.
    let at = Utc.with_ymd_and_hms(2026, 11, 26, 4, 30, 0).unwrap();
    assert_eq!(cal().local_date(at), d("2026-11-25"));
    let denver = FederalCalendar::for_time_zone("America/Denver").unwrap();
    assert_eq!(denver.local_date(at), d("2026-11-25"));
    assert_eq!(FederalCalendar::for_time_zone("UTC").unwrap().local_date(at), d("2026-11-26"));
    assert_eq!(cal().time_zone(), chrono_tz::America::New_York);
    let err = FederalCalendar::for_time_zone("Mars/Olympus").unwrap_err();
    assert_eq!(err.field, "time_zone");
    assert!(err.reason.contains("Mars/Olympus"), "{err}");
}

#[test]
fn supported_years_are_1986_to_9999() {
    assert!(check_supported("date", d("1986-01-01")).is_ok());
    assert!(check_supported("date", d("9999-12-31")).is_ok());
    let err = check_supported("determined_on", d("1985-12-31")).unwrap_err();
    assert_eq!(err.field, "determined_on");
    assert!(err.reason.contains("1986"), "{err}");
    assert!(check_supported("date", NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap()).is_err());
}

#[test]
fn years_chrono_cannot_hold_have_no_holidays_rather_than_a_panic() {
    assert!(cal().is_holiday(NaiveDate::MAX).is_none());
    assert_eq!(cal().holidays(i32::MAX), vec![]);
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    // 1986 to about 2200: the breach rules' range and well beyond.
    (0u64..78_000).prop_map(|offset| d("1986-01-01") + Days::new(offset))
}

proptest! {
    #[test]
    fn adding_business_days_lands_on_a_later_business_day(start in any_date(), n in 1u32..800) {
        let c = cal();
        let end = c.add_business_days(start, n);
        prop_assert!(end > start);
        prop_assert!(c.is_business_day(end));
        prop_assert_eq!(c.add_business_days(c.add_business_days(start, n - 1), 1), end);
    }

    #[test]
    fn business_days_between_inverts_adding(start in any_date(), n in 0u32..800) {
        let c = cal();
        let end = c.add_business_days(start, n);
        prop_assert_eq!(c.business_days_between(start, end), i64::from(n));
        prop_assert_eq!(c.business_days_between(end, start), -i64::from(n));
    }

    #[test]
    fn holidays_are_weekdays_in_date_order_and_agree_with_is_holiday(year in 1986i32..2200) {
        let c = cal();
        let list = c.holidays(year);
        prop_assert!(list.windows(2).all(|w| w[0].0 < w[1].0));
        for (date, name) in &list {
            prop_assert!(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun));
            prop_assert_eq!(c.is_holiday(*date), Some(*name));
        }
        let count = date_range(year).filter(|&day| c.is_holiday(day).is_some()).count();
        prop_assert_eq!(count, list.len());
    }
}

fn date_range(year: i32) -> impl Iterator<Item = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    first.iter_days().take_while(move |day| day.year() == year)
}
