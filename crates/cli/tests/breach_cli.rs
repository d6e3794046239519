//! `breach deadlines` and `calendar add-business-days` as a user runs them: exact JSON
//! for both regimes, the carrier's time zone, and precise errors for bad input.

use serde_json::{Value, json};
use std::process::{Command, Output};

fn cpniguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cpniguard")).args(args).env_remove("CPNIGUARD_CONFIG").output().unwrap()
}

fn json_of(args: &[&str]) -> Value {
    let out = cpniguard(args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn refused(args: &[&str]) -> String {
    let out = cpniguard(args);
    assert!(!out.status.success(), "accepted: {args:?}");
    assert!(out.stdout.is_empty());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn fcc_2007_deadlines_after_the_agencies_were_told() {
    let got = json_of(&[
        "breach",
        "deadlines",
        "--regime",
        "fcc-2007",
        "--determined",
        "2026-01-05",
        "--agencies-notified",
        "2026-01-07",
    ]);
    assert_eq!(
        got,
        json!({
            "regime": "fcc-2007",
            "reportable": true,
            "individual_report_required": true,
            "agencies": ["usss", "fbi"],
            "agency_notice_due": "2026-01-14",
            "customer_notice_required": true,
            "customer_notice_reason": "every_breach",
            "customer_notice_earliest": "2026-01-17",
            "customer_notice_earliest_basis": "agency_notice",
            "records_retain_until": "2028-01-07",
            "records_retention_basis": "last_notice",
        })
    );
}

#[test]
fn fcc_2023_deadlines_over_thanksgiving() {
    let got = json_of(&[
        "breach",
        "deadlines",
        "--regime",
        "fcc-2023",
        "--determined",
        "2026-11-20",
        "--affected",
        "10",
        "--harm",
        "likely",
    ]);
    assert_eq!(
        got,
        json!({
            "regime": "fcc-2023",
            "reportable": true,
            "individual_report_required": true,
            "agencies": ["fcc", "usss", "fbi"],
            "agency_notice_due": "2026-12-02",
            "customer_notice_required": true,
            "customer_notice_reason": "harm_reasonably_likely",
            "customer_notice_due": "2026-12-20",
            "records_retain_until": "2028-11-20",
            "records_retention_basis": "determination",
        })
    );
}

#[test]
fn fcc_2023_small_harmless_breaches_go_to_the_annual_summary() {
    let args = ["breach", "deadlines", "--regime", "fcc-2023", "--determined", "2025-03-10", "--harm", "unlikely"];
    let small = json_of(&[&args[..], &["--affected", "499"]].concat());
    assert_eq!(small["annual_summary"], "2026-02-02", "February 1, 2026 is a Sunday");
    assert_eq!(small["individual_report_required"], false);
    assert!(small.get("agency_notice_due").is_none() && small.get("customer_notice_due").is_none());

    let large = json_of(&[&args[..], &["--affected", "500"]].concat());
    assert_eq!(large["agency_notice_due"], "2025-03-19");
    assert!(large.get("annual_summary").is_none());
    let unknown = json_of(&args);
    assert_eq!(unknown["agency_notice_due"], "2025-03-19", "an unknown number is reported individually");
}

#[test]
fn times_are_placed_on_the_carriers_calendar() {
    // 03:00 UTC on Tuesday January 6 is still Monday the 5th in New York.
    let args = ["breach", "deadlines", "--determined", "2026-01-06T03:00:00Z"];
    assert_eq!(json_of(&args)["agency_notice_due"], "2026-01-14");
    let utc = json_of(&[&args[..], &["--time-zone", "UTC"]].concat());
    assert_eq!(utc["agency_notice_due"], "2026-01-15");
}

#[test]
fn add_business_days_skips_thanksgiving() {
    for (date, n, expected) in [("2026-11-25", "1", "2026-11-27"), ("2026-11-20", "5", "2026-11-30")] {
        let out = cpniguard(&["calendar", "add-business-days", date, n]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{expected}\n"));
    }
}

#[test]
fn bad_input_is_refused_naming_the_argument() {
    let err = refused(&["breach", "deadlines", "--determined", "2026-02-30"]);
    assert!(err.contains("--determined") && err.contains("2026-02-30 is not a day of the calendar"), "{err}");

    let err = refused(&["breach", "deadlines", "--determined", "2026-01-05", "--agencies-notified", "2026-01-02"]);
    assert!(err.contains("--agencies-notified") && err.contains("before the determination"), "{err}");

    let err = refused(&["breach", "deadlines", "--determined", "2026-01-05", "--regime", "fcc-2024"]);
    assert!(err.contains("--regime") && err.contains("fcc-2007, fcc-2023"), "{err}");

    let err = refused(&["breach", "deadlines", "--determined", "2026-01-05", "--harm", "maybe"]);
    assert!(err.contains("--harm") && err.contains("likely, unlikely, unknown"), "{err}");

    let err = refused(&["breach", "deadlines", "--determined", "1985-06-01"]);
    assert!(err.contains("--determined") && err.contains("1986"), "{err}");

    let err = refused(&["calendar", "add-business-days", "2026-1-5", "1"]);
    assert!(err.contains("<DATE>") && err.contains("YYYY-MM-DD"), "{err}");

    let err = refused(&["calendar", "add-business-days", "2026-01-05", "-1"]);
    assert!(err.contains("<N>"), "{err}");
}
