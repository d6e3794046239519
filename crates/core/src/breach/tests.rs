use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn facts(determined: &str) -> IncidentFacts {
    IncidentFacts {
        determined_on: d(determined),
        agencies_notified_on: None,
        delay_until: None,
        urgent_need: false,
        affected: None,
        harm: Harm::Unknown,
        inadvertent: false,
        last_notice_on: None,
    }
}

fn under(regime: Regime, facts: &IncidentFacts) -> Deadlines {
    deadlines(&regime.params(), facts, &FederalCalendar::default()).unwrap()
}

fn earliest(dl: &Deadlines) -> Option<(NaiveDate, EarliestBasis)> {
    dl.customer_notice_earliest.zip(dl.customer_notice_earliest_basis)
}

// --- fcc-2007 ---

#[test]
fn fcc_2007_agency_notice_is_due_seven_business_days_after_determination() {
    // Monday January 5, 2026: Tuesday the 6th is day 1, Wednesday the 14th day 7.
    let dl = under(Regime::Fcc2007, &facts("2026-01-05"));
    assert!(dl.reportable && dl.individual_report_required);
    assert_eq!(dl.agencies, vec![Agency::Usss, Agency::Fbi]);
    assert_eq!(dl.agency_notice_due, Some(d("2026-01-14")));
    assert_eq!(dl.annual_summary, None);
    assert_eq!(dl.customer_notice_due, None, "the 2007 text sets no customer deadline");
    assert!(dl.customer_notice_required);
    assert_eq!(dl.customer_notice_reason, CustomerNoticeReason::EveryBreach);
}

#[test]
fn fcc_2007_before_the_agencies_are_told_the_wait_is_projected_from_their_due_date() {
    // Seven full business days after January 14, skipping MLK Day (the 19th): the 26th
    // is the seventh, so the 27th is the first day customers may be told.
    let dl = under(Regime::Fcc2007, &facts("2026-01-05"));
    assert_eq!(earliest(&dl), Some((d("2026-01-27"), EarliestBasis::AgencyNoticeDue)));
}

#[test]
fn fcc_2007_the_wait_runs_from_the_agency_notice_actually_made() {
    // Told Wednesday January 7: Friday the 16th is the seventh full business day, so
    // customers may be told from Saturday the 17th (the days that must pass have passed).
    let f = IncidentFacts { agencies_notified_on: Some(d("2026-01-07")), ..facts("2026-01-05") };
    let dl = under(Regime::Fcc2007, &f);
    assert_eq!(dl.agency_notice_due, Some(d("2026-01-14")), "the due date stays, to show the notice was on time");
    assert_eq!(earliest(&dl), Some((d("2026-01-17"), EarliestBasis::AgencyNotice)));
}

#[test]
fn fcc_2007_counts_over_thanksgiving_and_the_year_end() {
    let dl = under(Regime::Fcc2007, &facts("2026-11-20"));
    assert_eq!(dl.agency_notice_due, Some(d("2026-12-02")), "Thanksgiving, the 26th, is skipped");

    // December 24 and 31, 2027 are both observed holidays (Christmas and New Year's Day
    // 2028 fall on Saturdays).
    let dl = under(Regime::Fcc2007, &facts("2027-12-22"));
    assert_eq!(dl.agency_notice_due, Some(d("2028-01-04")));
    let f = IncidentFacts { agencies_notified_on: Some(d("2028-01-04")), ..facts("2027-12-22") };
    assert_eq!(earliest(&under(Regime::Fcc2007, &f)), Some((d("2028-01-14"), EarliestBasis::AgencyNotice)));
}

#[test]
fn fcc_2007_a_determination_on_a_weekend_counts_from_the_next_business_day() {
    // Saturday July 4, 2026, observed Friday the 3rd: Monday the 6th is day 1.
    let dl = under(Regime::Fcc2007, &facts("2026-07-04"));
    assert_eq!(dl.agency_notice_due, Some(d("2026-07-14")));
}

#[test]
fn fcc_2007_urgent_need_lifts_the_waiting_period() {
    let f = IncidentFacts { agencies_notified_on: Some(d("2026-01-07")), urgent_need: true, ..facts("2026-01-05") };
    assert_eq!(earliest(&under(Regime::Fcc2007, &f)), Some((d("2026-01-07"), EarliestBasis::AgencyNotice)));
}

#[test]
fn fcc_2007_a_delay_order_holds_customers_back_until_the_day_after_it_ends() {
    let notified = IncidentFacts { agencies_notified_on: Some(d("2026-01-07")), ..facts("2026-01-05") };
    let long = IncidentFacts { delay_until: Some(d("2026-02-06")), ..notified.clone() };
    assert_eq!(earliest(&under(Regime::Fcc2007, &long)), Some((d("2026-02-07"), EarliestBasis::DelayOrder)));

    // A delay that ends within the waiting period changes nothing.
    let short = IncidentFacts { delay_until: Some(d("2026-01-10")), ..notified.clone() };
    assert_eq!(earliest(&under(Regime::Fcc2007, &short)), Some((d("2026-01-17"), EarliestBasis::AgencyNotice)));

    // An urgent need does not override the agency's order.
    let both = IncidentFacts { urgent_need: true, ..long };
    assert_eq!(earliest(&under(Regime::Fcc2007, &both)), Some((d("2026-02-07"), EarliestBasis::DelayOrder)));
}

#[test]
fn fcc_2007_ignores_size_and_harm_and_does_not_cover_inadvertent_access() {
    let small = IncidentFacts { affected: Some(3), harm: Harm::Unlikely, ..facts("2026-01-05") };
    let dl = under(Regime::Fcc2007, &small);
    assert!(dl.individual_report_required && dl.customer_notice_required);
    assert_eq!(dl.annual_summary, None);

    let inadvertent = IncidentFacts { inadvertent: true, ..facts("2026-01-05") };
    let dl = under(Regime::Fcc2007, &inadvertent);
    assert!(!dl.reportable && !dl.individual_report_required && !dl.customer_notice_required);
    assert_eq!(dl.customer_notice_reason, CustomerNoticeReason::NotABreach);
    assert_eq!((dl.agency_notice_due, earliest(&dl)), (None, None));
    assert!(dl.agencies.is_empty());
    assert_eq!(dl.records_retain_until, d("2028-01-05"), "the record is kept all the same");
}

// --- fcc-2023 ---

#[test]
fn fcc_2023_likely_harm_means_an_individual_report_and_customer_notice_within_30_days() {
    let f = IncidentFacts { affected: Some(10), harm: Harm::Likely, ..facts("2026-11-20") };
    let dl = under(Regime::Fcc2023, &f);
    assert!(dl.reportable && dl.individual_report_required);
    assert_eq!(dl.agencies, vec![Agency::Fcc, Agency::Usss, Agency::Fbi]);
    assert_eq!(dl.agency_notice_due, Some(d("2026-12-02")));
    assert_eq!(dl.customer_notice_reason, CustomerNoticeReason::HarmReasonablyLikely);
    assert_eq!(dl.customer_notice_due, Some(d("2026-12-20")), "calendar days: a Sunday stays a Sunday");
    assert_eq!(earliest(&dl), None, "no waiting period");
    assert_eq!(dl.annual_summary, None);
}

#[test]
fn fcc_2023_the_500_threshold_decides_between_a_report_and_the_annual_summary() {
    let at = |affected| IncidentFacts { affected, harm: Harm::Unlikely, ..facts("2025-03-10") };

    let small = under(Regime::Fcc2023, &at(Some(499)));
    assert!(!small.individual_report_required);
    assert!(small.agencies.is_empty());
    assert_eq!(small.agency_notice_due, None);
    // February 1, 2026 is a Sunday: the filing is due Monday the 2nd.
    assert_eq!(small.annual_summary, Some(d("2026-02-02")));
    assert!(!small.customer_notice_required);
    assert_eq!(small.customer_notice_reason, CustomerNoticeReason::NoHarmReasonablyLikely);
    assert_eq!((small.customer_notice_due, earliest(&small)), (None, None));

    for affected in [Some(500), None] {
        let dl = under(Regime::Fcc2023, &at(affected));
        assert!(dl.individual_report_required, "{affected:?}");
        assert_eq!(dl.agency_notice_due, Some(d("2025-03-19")), "{affected:?}");
        assert_eq!(dl.annual_summary, None, "{affected:?}");
        assert!(!dl.customer_notice_required, "no harm is reasonably likely: {affected:?}");
    }
}

#[test]
fn fcc_2023_the_summary_is_due_on_february_1_when_that_is_a_business_day() {
    let f = IncidentFacts { affected: Some(12), harm: Harm::Unlikely, ..facts("2026-12-31") };
    assert_eq!(under(Regime::Fcc2023, &f).annual_summary, Some(d("2027-02-01")));
}

#[test]
fn fcc_2023_small_breaches_go_to_the_summary_only_when_harm_is_ruled_out() {
    for (harm, reason) in [
        (Harm::Likely, CustomerNoticeReason::HarmReasonablyLikely),
        (Harm::Unknown, CustomerNoticeReason::HarmNotRuledOut),
    ] {
        let f = IncidentFacts { affected: Some(3), harm, ..facts("2026-03-02") };
        let dl = under(Regime::Fcc2023, &f);
        assert!(dl.individual_report_required && dl.customer_notice_required, "{harm}");
        assert_eq!(dl.customer_notice_reason, reason);
        assert_eq!(dl.customer_notice_due, Some(d("2026-04-01")));
    }
}

#[test]
fn fcc_2023_a_delay_order_moves_the_customer_deadline() {
    let base = IncidentFacts { harm: Harm::Likely, ..facts("2026-03-02") };
    let long = IncidentFacts { delay_until: Some(d("2026-04-15")), ..base.clone() };
    let dl = under(Regime::Fcc2023, &long);
    assert_eq!(earliest(&dl), Some((d("2026-04-16"), EarliestBasis::DelayOrder)));
    assert_eq!(dl.customer_notice_due, Some(d("2026-04-16")), "due as soon as the order ends");

    let short = IncidentFacts { delay_until: Some(d("2026-03-20")), ..base };
    let dl = under(Regime::Fcc2023, &short);
    assert_eq!(earliest(&dl), Some((d("2026-03-21"), EarliestBasis::DelayOrder)));
    assert_eq!(dl.customer_notice_due, Some(d("2026-04-01")));
}

#[test]
fn fcc_2023_counts_over_the_new_year_and_covers_inadvertent_access() {
    let f = IncidentFacts { inadvertent: true, harm: Harm::Likely, ..facts("2026-12-28") };
    let dl = under(Regime::Fcc2023, &f);
    assert!(dl.reportable);
    assert_eq!(dl.agency_notice_due, Some(d("2027-01-07")), "January 1, 2027 is skipped");
    assert_eq!(dl.customer_notice_due, Some(d("2027-01-27")));
}

#[test]
fn a_rule_change_is_a_configuration_change() {
    let mut params = RegimeParams::fcc_2023();
    params.annual_summary = Some(AnnualSummary { threshold: 1_000, due: MonthDay::parse("03-01").unwrap() });
    params.agency_notice_business_days = 5;
    let f = IncidentFacts { affected: Some(700), harm: Harm::Unlikely, ..facts("2026-03-02") };
    let dl = deadlines(&params, &f, &FederalCalendar::default()).unwrap();
    assert_eq!(dl.annual_summary, Some(d("2027-03-01")));
    let f = IncidentFacts { affected: Some(1_000), ..f };
    let dl = deadlines(&params, &f, &FederalCalendar::default()).unwrap();
    assert_eq!(dl.agency_notice_due, Some(d("2026-03-09")));
}

// --- records ---

#[test]
fn records_are_kept_two_years_after_the_last_notice_or_provisionally_after_determination() {
    let dl = under(Regime::Fcc2007, &facts("2026-01-05"));
    assert_eq!((dl.records_retain_until, dl.records_retention_basis), (d("2028-01-05"), RetentionBasis::Determination));

    let notified = IncidentFacts { agencies_notified_on: Some(d("2026-01-07")), ..facts("2026-01-05") };
    let dl = under(Regime::Fcc2007, &notified);
    assert_eq!((dl.records_retain_until, dl.records_retention_basis), (d("2028-01-07"), RetentionBasis::LastNotice));

    let customers_told = IncidentFacts { last_notice_on: Some(d("2026-03-02")), ..notified };
    assert_eq!(under(Regime::Fcc2023, &customers_told).records_retain_until, d("2028-03-02"));
}

#[test]
fn records_from_february_29_run_to_march_1_never_short_of_the_period() {
    let dl = under(Regime::Fcc2007, &facts("2024-02-29"));
    assert_eq!(dl.records_retain_until, d("2026-03-01"));
}

// --- input ---

#[test]
fn dates_before_the_determination_or_outside_the_calendar_are_refused() {
    let early = IncidentFacts { agencies_notified_on: Some(d("2026-01-02")), ..facts("2026-01-05") };
    let err = deadlines(&RegimeParams::fcc_2007(), &early, &FederalCalendar::default()).unwrap_err();
    assert_eq!(err.field, "agencies_notified_on");
    assert!(err.reason.contains("2026-01-05"), "{err}");

    let delay = IncidentFacts { delay_until: Some(d("2025-12-31")), ..facts("2026-01-05") };
    assert_eq!(delay.validate().unwrap_err().field, "delay_until");

    let err = facts("1980-05-01").validate().unwrap_err();
    assert_eq!(err.field, "determined_on");
}

#[test]
fn invalid_parameters_are_refused_with_the_field_named() {
    let check = |edit: fn(&mut RegimeParams), field: &str| {
        let mut p = RegimeParams::fcc_2023();
        edit(&mut p);
        let err = deadlines(&p, &facts("2026-01-05"), &FederalCalendar::default()).unwrap_err();
        assert_eq!(err.field, field);
    };
    check(|p| p.agencies.clear(), "agencies");
    check(|p| p.agencies.push(Agency::Fbi), "agencies");
    check(|p| p.record_years = 0, "record_years");
    check(|p| p.agency_notice_business_days = 100_000, "agency_notice_business_days");
    check(|p| p.customer_notice_days = Some(100_000), "customer_notice_days");
    check(|p| p.annual_summary.as_mut().unwrap().threshold = 0, "annual_summary.threshold");
    assert!(RegimeParams::fcc_2007().validate().is_ok() && RegimeParams::fcc_2023().validate().is_ok());
}

#[test]
fn month_days_exist_every_year() {
    assert_eq!(MonthDay::parse("02-01").unwrap().to_string(), "02-01");
    for bad in ["02-29", "2-1", "13-01", "00-10", "02-30", "+2-01", "0201"] {
        assert!(MonthDay::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn params_read_from_configuration_and_refuse_unknown_keys() {
    let json = serde_json::to_value(RegimeParams::fcc_2023()).unwrap();
    assert_eq!(json["annual_summary"]["due"], "02-01");
    assert_eq!(json["agencies"], serde_json::json!(["fcc", "usss", "fbi"]));
    let back: RegimeParams = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, RegimeParams::fcc_2023());

    let mut extra = json.clone();
    extra["waiting_days"] = 3.into();
    assert!(serde_json::from_value::<RegimeParams>(extra).unwrap_err().to_string().contains("waiting_days"));
    let mut leap = json;
    leap["annual_summary"]["due"] = "02-29".into();
    assert!(serde_json::from_value::<RegimeParams>(leap).is_err());

    let p2007: RegimeParams = serde_json::from_value(serde_json::to_value(RegimeParams::fcc_2007()).unwrap()).unwrap();
    assert_eq!(p2007.customer_notice_days, None);
}

#[test]
fn regimes_are_named_as_in_configuration() {
    assert_eq!(serde_json::to_string(&Regime::Fcc2023).unwrap(), "\"fcc-2023\"");
    assert_eq!(serde_json::from_str::<Regime>("\"fcc-2007\"").unwrap(), Regime::Fcc2007);
    assert_eq!(Regime::parse("fcc-2023"), Some(Regime::Fcc2023));
    assert_eq!(Regime::parse("fcc2023"), None);
    assert_eq!(Regime::default(), Regime::Fcc2007, "the rule in force");
}

#[test]
fn facts_read_from_json_with_conservative_defaults() {
    let f: IncidentFacts = serde_json::from_str(r#"{"determined_on":"2026-01-05"}"#).unwrap();
    assert_eq!(f, facts("2026-01-05"));
    assert!(serde_json::from_str::<IncidentFacts>(r#"{"determined_on":"2026-01-05","harm":"maybe"}"#).is_err());
}

#[test]
fn deadlines_serialise_dates_as_days_and_leave_out_what_does_not_apply() {
    let f = IncidentFacts { affected: Some(10), harm: Harm::Likely, ..facts("2026-11-20") };
    let json = serde_json::to_value(under(Regime::Fcc2023, &f)).unwrap();
    assert_eq!(json["agency_notice_due"], "2026-12-02");
    assert_eq!(json["customer_notice_due"], "2026-12-20");
    assert_eq!(json["records_retain_until"], "2028-11-20");
    assert_eq!(json["customer_notice_reason"], "harm_reasonably_likely");
    let obj = json.as_object().unwrap();
    assert!(!obj.contains_key("customer_notice_earliest") && !obj.contains_key("annual_summary"));
}
