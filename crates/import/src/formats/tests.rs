use super::*;

const UTC: Tz = chrono_tz::UTC;

/// A row as Asterisk writes it with the sample cdr.conf (uniqueid and userfield on).
const ASTERISK_18: &str = r#""acme","2125550143","3125550199","from-internal","""Smith, Jo"" <2125550143>","SIP/201-00000001","SIP/trunk-00000002","Dial","SIP/trunk/3125550199,30","2024-03-10 06:59:00","2024-03-10 06:59:05","2024-03-10 07:01:05",125,120,"ANSWERED","DOCUMENTATION","1710053940.1","""#;

#[test]
fn asterisk_layout_is_told_from_the_column_count() {
    let (layout, header) = detect(Format::AsteriskCsv, None, None, ASTERISK_18).unwrap();
    assert!(!header);
    let call = layout.read(ASTERISK_18, UTC).unwrap();
    assert_eq!(call.record_id, "1710053940.1");
    assert_eq!(call.billable_secs, 120);
    assert_eq!(call.caller_id, "2125550143");
    assert_eq!(call.started_at.to_rfc3339(), "2024-03-10T06:59:00+00:00");
    let seventeen = "\"a\",".repeat(16) + "\"b\"";
    assert!(detect(Format::AsteriskCsv, None, None, &seventeen).unwrap_err().contains("asterisk_columns"));
}

#[test]
fn asterisk_sequence_joins_the_uniqueid() {
    let row = ASTERISK_18.to_owned() + r#","peer","1710053940.1",3"#;
    let (layout, _) = detect(Format::AsteriskCsv, None, None, &row).unwrap();
    assert_eq!(layout.read(&row, UTC).unwrap().record_id, "1710053940.1/3");
}

#[test]
fn unanswered_calls_bill_nothing_and_short_rows_are_malformed() {
    let unanswered = ASTERISK_18.replace(r#""2024-03-10 06:59:05""#, "");
    let (layout, _) = detect(Format::AsteriskCsv, None, None, ASTERISK_18).unwrap();
    assert_eq!(layout.read(&unanswered, UTC).unwrap().billable_secs, 0);
    assert!(layout.read(r#""acme","2125550143""#, UTC).unwrap_err().contains("columns"));
}

#[test]
fn freeswitch_example_template() {
    let row = r#""Jo Smith","2125550143","3125550199","default","2024-11-03 01:30:00","2024-11-03 01:30:02","2024-11-03 02:00:00","1800","1798","NORMAL_CLEARING","a1b2c3d4-0000-4000-8000-000000000001","","acme","PCMU","PCMU""#;
    let (layout, _) = detect(Format::FreeswitchCsv, None, None, row).unwrap();
    let chicago: Tz = "America/Chicago".parse().unwrap();
    let call = layout.read(row, chicago).unwrap();
    assert_eq!(call.record_id, "a1b2c3d4-0000-4000-8000-000000000001");
    // 01:30 to 02:00 lasting 1800 s is the second (CST) 01:30 of the fall-back night.
    assert_eq!(call.started_at.to_rfc3339(), "2024-11-03T07:30:00+00:00");
    assert!(detect(Format::AsteriskCsv, None, None, row).is_err(), "15 columns are not Asterisk's");
}

#[test]
fn generic_csv_maps_header_names() {
    let mapping = CsvMapping {
        record_id: None,
        caller: "from".into(),
        called: "to".into(),
        start: "start".into(),
        billable_secs: Some("secs".into()),
        accountcode: None,
        time_format: "rfc3339".into(),
    };
    let (layout, header) = detect(Format::Csv, None, Some(&mapping), "start,from,to,secs").unwrap();
    assert!(header);
    let row = "2024-01-02T03:04:05Z,2125550143,3125550199,61";
    let call = layout.read(row, UTC).unwrap();
    assert_eq!((call.billable_secs, call.record_id.clone()), (61, row_hash(row)));
    assert!(detect(Format::Csv, None, Some(&mapping), "start,from,secs").unwrap_err().contains("\"to\""));
}
