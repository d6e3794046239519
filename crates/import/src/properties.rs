//! Property tests of the parsers (issue 20, item 7): whatever a line holds, reading it
//! ends in a row or a precise reason, never a panic; rows written from generated fields
//! the way each switch writes them read back to the same fields; numbers normalise to
//! E.164 idempotently; local times go to UTC consistently across DST changes.

use crate::billing::BillingColumns;
use crate::config::{CsvMapping, Format};
use crate::csv_line;
use crate::formats::{Layout, SwitchCall, detect};
use crate::rules::{normalise, to_utc};
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use cpniguard_core::account::TimeZoneName;
use proptest::prelude::*;
use proptest::sample::select;

/// What a reason for a malformed row says: the CSV rule broken, the column count, the
/// value that is not a time or a number, or the time that never happened.
const ROW_REASONS: [&str; 7] =
    ["not CSV: ", " columns where ", " time \"", "billsec \"", "billable seconds \"", "never happened in ", "start \""];

fn assert_precise(reason: &str) {
    assert!(ROW_REASONS.iter().any(|r| reason.contains(r)), "an imprecise reason: {reason:?}");
}

/// Text a switch may put in a field: anything but a line end (a record is one line).
fn text() -> impl Strategy<Value = String> {
    "[^\r\n]{0,24}"
}

/// A field per the quoting rule: text in double quotes with inner quotes doubled.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// Zones whose clocks change (Lord Howe by half an hour) and UTC.
fn zone() -> impl Strategy<Value = Tz> {
    select(vec![
        chrono_tz::UTC,
        chrono_tz::America::Chicago,
        chrono_tz::America::New_York,
        chrono_tz::Europe::London,
        chrono_tz::Australia::Lord_Howe,
    ])
}

/// An instant, half of the time within hours of a DST change of the zones above.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let changes = vec![
        "2024-03-10T08:00:00Z", // Chicago springs forward
        "2024-11-03T07:00:00Z", // Chicago falls back
        "2024-11-03T06:00:00Z", // New York falls back
        "2024-10-27T01:00:00Z", // London falls back
        "2024-04-06T15:00:00Z", // Lord Howe falls back half an hour
    ];
    let near = (select(changes), -4 * 3600i64..4 * 3600)
        .prop_map(|(at, offset)| at.parse::<DateTime<Utc>>().unwrap() + Duration::seconds(offset));
    let any = (946_684_800i64..2_145_916_800).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap());
    prop_oneof![near, any]
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A valid North American number as its ten national digits.
fn nanp() -> impl Strategy<Value = String> {
    "[2-9][0-9]{2}[2-9][0-9]{6}"
}

/// One call's fields as a switch would log them.
#[derive(Debug, Clone)]
struct Call {
    accountcode: String,
    src: String,
    dst: String,
    caller_name: String,
    at: DateTime<Utc>,
    ring_secs: u32,
    billsec: Option<u32>,
    uniqueid: String,
    userfield: String,
    sequence: Option<u32>,
}

fn call() -> impl Strategy<Value = Call> {
    (
        (text(), prop_oneof![nanp(), "[0-9]{3,4}"], text(), "[^\r\n<>]{0,16}"),
        (instant(), 0u32..120, proptest::option::of(0u32..100_000)),
        ("[0-9]{10}\\.[0-9]{1,6}", text(), proptest::option::of(0u32..1000)),
    )
        .prop_map(
            |((accountcode, src, dst, caller_name), (at, ring_secs, billsec), (uniqueid, userfield, sequence))| Call {
                accountcode,
                src,
                dst,
                caller_name,
                at,
                ring_secs,
                billsec,
                uniqueid,
                userfield,
                sequence,
            },
        )
}

impl Call {
    /// Local start, answer (empty when unanswered), end and duration in `tz`.
    fn times(&self, tz: Tz) -> (String, String, String, u32) {
        let local = |t: DateTime<Utc>| stamp(t.with_timezone(&tz).naive_local());
        let talk = self.billsec.unwrap_or(0);
        let answer = self.billsec.map(|_| local(self.at + Duration::seconds(i64::from(self.ring_secs))));
        let end = self.at + Duration::seconds(i64::from(self.ring_secs + talk));
        (local(self.at), answer.unwrap_or_default(), local(end), self.ring_secs + talk)
    }

    /// The row cdr_csv writes (loguniqueid and loguserfield on, newcdrcolumns when the
    /// call has a sequence): text quoted, numbers and an empty answer bare.
    fn asterisk_row(&self, tz: Tz) -> String {
        let (start, answer, end, duration) = self.times(tz);
        let answer = if answer.is_empty() { answer } else { quoted(&answer) };
        let clid = format!("\"{}\" <{}>", self.caller_name, self.src);
        let mut row =
            [&self.accountcode, &self.src, &self.dst, "from-internal", &clid, "PJSIP/201-0001", "", "Dial", ""]
                .map(quoted)
                .join(",");
        let disposition = if self.billsec.is_some() { "ANSWERED" } else { "NO ANSWER" };
        row += &format!(
            ",{},{answer},{},{duration},{},{},\"DOCUMENTATION\",{},{}",
            quoted(&start),
            quoted(&end),
            self.billsec.unwrap_or(0),
            quoted(disposition),
            quoted(&self.uniqueid),
            quoted(&self.userfield)
        );
        if let Some(sequence) = self.sequence {
            row += &format!(",\"\",{},{sequence}", quoted(&self.uniqueid));
        }
        row
    }

    /// The row of mod_cdr_csv's `example` template: every field quoted.
    fn freeswitch_row(&self, tz: Tz) -> String {
        let (start, answer, end, duration) = self.times(tz);
        let billsec = self.billsec.unwrap_or(0).to_string();
        let fields = [
            self.caller_name.as_str(),
            &self.src,
            &self.dst,
            "default",
            &start,
            &answer,
            &end,
            &duration.to_string(),
            &billsec,
            "NORMAL_CLEARING",
            &self.uniqueid,
            "",
            &self.accountcode,
            "PCMU",
            "PCMU",
        ];
        fields.map(quoted).join(",")
    }

    fn expected(&self, caller_id: &str) -> SwitchCall {
        SwitchCall {
            record_id: match self.sequence {
                Some(seq) => format!("{}/{seq}", self.uniqueid),
                None => self.uniqueid.clone(),
            },
            started_at: self.at,
            billable_secs: self.billsec.unwrap_or(0),
            caller: self.src.clone(),
            caller_id: caller_id.to_owned(),
            called: self.dst.clone(),
            accountcode: self.accountcode.clone(),
        }
    }
}

/// Whether `tz` leaves the written start of `call` open to two readings that both fit
/// its end and duration (both in a repeated hour): then either reading is the switch's.
fn both_readings_fit(call: &Call, tz: Tz) -> bool {
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).naive_local();
    let end = call.at + Duration::seconds(i64::from(call.ring_secs + call.billsec.unwrap_or(0)));
    matches!(tz.from_local_datetime(&local(call.at)), LocalResult::Ambiguous(..))
        && matches!(tz.from_local_datetime(&local(end)), LocalResult::Ambiguous(..))
}

fn check_read(got: SwitchCall, call: &Call, tz: Tz, caller_id: &str) {
    let mut want = call.expected(caller_id);
    if both_readings_fit(call, tz) {
        // The other reading is the same wall-clock time an offset change away.
        assert_eq!(got.started_at.with_timezone(&tz).naive_local(), call.at.with_timezone(&tz).naive_local());
        want.started_at = got.started_at;
    }
    assert_eq!(got, want);
}

/// A change to one line: what a cut file, a bad editor or a broken switch does.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Insert(usize, char),
    Delete(usize),
    DropField(usize),
    DuplicateField(usize),
    ReplaceField(usize, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop_oneof![Just('"'), Just(','), Just(' '), any::<char>()])
            .prop_map(|(at, c)| Mutation::Insert(at, c)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::DropField),
        any::<usize>().prop_map(Mutation::DuplicateField),
        (any::<usize>(), "[^\r\n]{0,12}").prop_map(|(i, v)| Mutation::ReplaceField(i, v)),
    ]
}

fn mutate(line: &str, m: &Mutation) -> String {
    let boundary = |at: usize| {
        let chars: Vec<usize> = line.char_indices().map(|(i, _)| i).chain([line.len()]).collect();
        chars[at % chars.len()]
    };
    let mut fields = csv_line::split(line).unwrap_or_default();
    let count = fields.len().max(1);
    let field = |at: usize| at % count;
    match m {
        Mutation::Truncate(at) => line[..boundary(*at)].to_owned(),
        Mutation::Insert(at, c) => {
            let mut out = line.to_owned();
            out.insert(boundary(*at), *c);
            out
        }
        Mutation::Delete(at) => {
            let mut out = line.to_owned();
            let i = boundary(*at);
            if i < out.len() {
                out.remove(i);
            }
            out
        }
        Mutation::DropField(at) => {
            let i = field(*at);
            if i < fields.len() {
                fields.remove(i);
            }
            fields.iter().map(|f| quoted(f)).collect::<Vec<_>>().join(",")
        }
        Mutation::DuplicateField(at) => {
            let i = field(*at);
            let copy = fields.get(i).cloned().unwrap_or_default();
            fields.insert(i.min(fields.len()), copy);
            fields.iter().map(|f| quoted(f)).collect::<Vec<_>>().join(",")
        }
        Mutation::ReplaceField(at, value) => {
            let i = field(*at);
            if i < fields.len() {
                fields[i] = value.clone();
            }
            fields.iter().map(|f| quoted(f)).collect::<Vec<_>>().join(",")
        }
    }
}

fn generic_mapping() -> CsvMapping {
    CsvMapping {
        record_id: Some("id".into()),
        caller: "from".into(),
        called: "to".into(),
        start: "start".into(),
        billable_secs: Some("secs".into()),
        accountcode: Some("account".into()),
        time_format: "%Y-%m-%d %H:%M:%S".into(),
    }
}

const GENERIC_HEADER: &str = "id,start,from,to,secs,account";

/// The three layouts a file can have, told from a valid first line.
fn layouts() -> Vec<Layout> {
    let sample = Call {
        accountcode: String::new(),
        src: "2125550143".into(),
        dst: "3125550199".into(),
        caller_name: "Jo".into(),
        at: Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap(),
        ring_secs: 5,
        billsec: Some(60),
        uniqueid: "1717243200.1".into(),
        userfield: String::new(),
        sequence: None,
    };
    let utc = chrono_tz::UTC;
    vec![
        detect(Format::AsteriskCsv, None, None, &sample.asterisk_row(utc)).unwrap().0,
        detect(Format::FreeswitchCsv, None, None, &sample.freeswitch_row(utc)).unwrap().0,
        detect(Format::Csv, None, Some(&generic_mapping()), GENERIC_HEADER).unwrap().0,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Fields quoted (inner quotes doubled) or bare, with or without a space after the
    /// comma, split back into the same fields.
    #[test]
    fn csv_fields_round_trip(fields in prop::collection::vec(
        (any::<bool>(), any::<bool>(), "[^\r\n]{0,16}", "[0-9A-Za-z._:/@+-]{0,12}"), 1..24)
    ) {
        let mut line = String::new();
        let mut want = Vec::new();
        for (i, (quote, space, text, bare)) in fields.iter().enumerate() {
            if i > 0 {
                line.push(',');
                if *space {
                    line.push(' ');
                }
            }
            if *quote {
                line += &quoted(text);
                want.push(text.clone());
            } else {
                line += bare;
                want.push(bare.clone());
            }
        }
        prop_assert_eq!(csv_line::split(&line), Ok(want));
    }

    /// Any line: fields or one of the three CSV rules it breaks.
    #[test]
    fn any_line_splits_or_says_which_rule_it_breaks(line in "\\PC{0,200}|[\", a]{0,40}") {
        if let Err(reason) = csv_line::split(&line) {
            let rules = ["a quoted field is not closed", "text after a closing quote", "a quote inside an unquoted field"];
            prop_assert!(rules.contains(&reason), "{reason}");
        }
    }

    /// An Asterisk row written from its fields reads back to them, in any zone.
    #[test]
    fn asterisk_rows_read_back(call in call(), tz in zone()) {
        let row = call.asterisk_row(tz);
        let (layout, header) = detect(Format::AsteriskCsv, None, None, &row).unwrap();
        prop_assert!(!header);
        check_read(layout.read(&row, tz).unwrap(), &call, tz, &call.src);
    }

    /// A FreeSWITCH row written from its fields in the switch's local time reads back
    /// to the same instant, the repeated hour of a fall-back night decided by the end
    /// time and duration.
    #[test]
    fn freeswitch_rows_read_back(call in call(), tz in zone()) {
        // FreeSWITCH's record id is the uuid alone.
        let call = Call { sequence: None, ..call };
        let row = call.freeswitch_row(tz);
        let (layout, _) = detect(Format::FreeswitchCsv, None, None, &row).unwrap();
        check_read(layout.read(&row, tz).unwrap(), &call, tz, "");
    }

    /// A mapped CSV row reads back to its fields; its time in the source's zone.
    #[test]
    fn generic_csv_rows_read_back(call in call(), tz in zone()) {
        let (layout, _) = detect(Format::Csv, None, Some(&generic_mapping()), GENERIC_HEADER).unwrap();
        let start = stamp(call.at.with_timezone(&tz).naive_local());
        let secs = call.billsec.unwrap_or(0);
        let row = [call.uniqueid.as_str(), &start, &call.src, &call.dst, &secs.to_string(), &call.accountcode]
            .map(quoted)
            .join(",");
        let got = layout.read(&row, tz).unwrap();
        let local = call.at.with_timezone(&tz).naive_local();
        // Without an end time, the first of a repeated hour is taken.
        let first = match tz.from_local_datetime(&local) {
            LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
            _ => call.at,
        };
        prop_assert_eq!(got.started_at, first);
        prop_assert_eq!((got.record_id, got.billable_secs), (call.uniqueid.clone(), secs));
        prop_assert_eq!((got.caller, got.called), (call.src.clone(), call.dst.clone()));
        prop_assert_eq!(got.accountcode, call.accountcode.trim());
    }

    /// A valid row changed in any way: a row or a precise reason, never a panic.
    #[test]
    fn mutated_rows_are_read_or_refused_with_a_reason(call in call(), tz in zone(), m in mutation()) {
        let layouts = layouts();
        let rows = [call.asterisk_row(tz), call.freeswitch_row(tz)];
        for (layout, row) in layouts.iter().zip(rows) {
            let changed = mutate(&row, &m);
            if let Err(reason) = layout.read(&changed, tz) {
                assert_precise(&reason);
            }
        }
    }

    /// Any line in any layout, and any first line as the one that says the layout.
    #[test]
    fn any_line_is_a_row_or_a_reason(line in "\\PC{0,300}", tz in zone()) {
        for layout in layouts() {
            if let Err(reason) = layout.read(&line, tz) {
                assert_precise(&reason);
            }
        }
        for format in [Format::AsteriskCsv, Format::FreeswitchCsv, Format::Csv] {
            if let Err(reason) = detect(format, None, Some(&generic_mapping()), &line) {
                prop_assert!(!reason.is_empty());
            }
        }
    }

    /// A start time in the spring-forward gap never happened: refused with that reason.
    #[test]
    fn times_in_the_spring_gap_are_refused(gap in select(vec![
        (chrono_tz::America::Chicago, "2024-03-10 02:00:00", 3600),
        (chrono_tz::Europe::London, "2024-03-31 01:00:00", 3600),
        (chrono_tz::Australia::Lord_Howe, "2024-10-06 02:00:00", 1800),
    ]), into in 0i64..3600) {
        let (tz, from, len) = gap;
        let start = NaiveDateTime::parse_from_str(from, "%Y-%m-%d %H:%M:%S").unwrap()
            + Duration::seconds(into % len);
        let reason = to_utc(tz, start, None, None).unwrap_err();
        prop_assert!(reason.contains("never happened"), "{reason}");
    }

    /// Every form of a North American number is the same E.164 number, and normalising
    /// the result again changes nothing.
    #[test]
    fn nanp_forms_normalise_alike(digits in nanp(), form in 0usize..6) {
        let (area, exchange, line) = (&digits[..3], &digits[3..6], &digits[6..]);
        let written = match form {
            0 => digits.clone(),
            1 => format!("1{digits}"),
            2 => format!("+1{digits}"),
            3 => format!("({area}) {exchange}-{line}"),
            4 => format!("{area}.{exchange}.{line}"),
            _ => format!("0111{digits}"),
        };
        let number = normalise(&written, 1).unwrap();
        prop_assert_eq!(number.as_str(), format!("+1{digits}"));
        prop_assert_eq!(normalise(number.as_str(), 1), Some(number));
    }

    /// Whatever normalises is E.164 that normalises to itself, under any country.
    #[test]
    fn normalising_is_idempotent(raw in "[+]?[0-9 ().\\-]{0,20}|\\PC{0,20}", country in select(vec![1u16, 44, 33, 61])) {
        if let Some(number) = normalise(&raw, country) {
            prop_assert!(number.as_str().starts_with('+'));
            prop_assert_eq!(normalise(number.as_str(), country), Some(number.clone()));
        }
    }

    /// A billing export row written from its fields reads back to them; any change to
    /// it is read or refused with a reason, never a panic.
    #[test]
    fn billing_rows_read_back_and_mutations_are_refused_precisely(
        number in "[A-Z0-9][A-Z0-9-]{3,20}",
        name in "[A-Za-z][A-Za-z ,.'\"-]{0,30}[a-z]",
        phones in prop::collection::btree_map(nanp(), 0i64..20_000, 1..4),
        since in 0i64..20_000,
        m in mutation(),
    ) {
        let columns = BillingColumns::from_header(
            "account_number,name,kind,status,email,email_since,postal_line1,postal_city,postal_state,postal_zip,postal_since,telephone_numbers",
        ).unwrap();
        let day = |d: i64| NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + Duration::days(d);
        let listed: Vec<String> = phones.iter().map(|(n, d)| format!("{n}@{}", day(*d))).collect();
        let row = [
            number.as_str(), &name, "business", "active", "ops@example.com", &day(since).to_string(),
            "1 Main St, Suite 2", "Denver", "CO", "80202", &day(since).to_string(), &listed.join("; "),
        ].map(quoted).join(",");
        let tz = TimeZoneName::parse("America/Denver").unwrap();
        let account = columns.read(&row, &tz, 1).unwrap();
        prop_assert_eq!(account.new.profile.account_number.as_str(), number.as_str());
        prop_assert_eq!(&account.new.profile.name, &name);
        prop_assert_eq!(&account.new.postal_address.line1, "1 Main St, Suite 2");
        let read: Vec<(String, NaiveDate)> =
            account.numbers.iter().map(|(n, d)| (n.as_str().to_owned(), *d)).collect();
        let want: Vec<(String, NaiveDate)> = phones.iter().map(|(n, d)| (format!("+1{n}"), day(*d))).collect();
        prop_assert_eq!(read, want);
        if let Err(reason) = columns.read(&mutate(&row, &m), &tz, 1) {
            prop_assert!(!reason.is_empty());
        }
    }

    /// Any header and any row: a billing export's columns and accounts, or a reason.
    #[test]
    fn any_billing_line_is_an_account_or_a_reason(header in "\\PC{0,200}", line in "\\PC{0,300}") {
        let _ = BillingColumns::from_header(&header);
        let columns = BillingColumns::from_header(
            "account_number,name,kind,status,postal_line1,postal_city,postal_state,postal_zip,postal_since,telephone_numbers,email,email_since,language,business_exemption",
        ).unwrap();
        let tz = TimeZoneName::parse("UTC").unwrap();
        if let Err(reason) = columns.read(&line, &tz, 1) {
            prop_assert!(!reason.is_empty());
        }
    }
}
