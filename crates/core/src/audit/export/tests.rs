use super::*;
use crate::audit::tests::{chain, key};
use chrono::TimeZone;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

/// The lines of an export of entries 1..=n with checkpoints at `checkpoint_at`,
/// sealed by a statement of what it holds.
fn export(n: u32, checkpoint_at: &[u64]) -> Vec<ExportLine> {
    let (entries, checkpoints) = chain(n, checkpoint_at);
    let mut tally = ExportTally::default();
    entries.iter().for_each(|e| tally.add(e));
    let mut lines = vec![ExportLine::PublicKey { key: hex(key().verifying_key().as_bytes()) }];
    lines.extend(checkpoints.into_iter().map(ExportLine::Checkpoint));
    lines.extend(entries.into_iter().map(|e| ExportLine::Entry(Box::new(e))));
    lines.push(ExportLine::Statement(ExportStatement::sign(at(0), at(100), &tally, at(200), &key())));
    lines
}

fn check(lines: Vec<ExportLine>) -> Result<ExportReport, ExportError> {
    let mut check = ExportCheck::new(key().verifying_key());
    for line in lines {
        check.push(line)?;
    }
    check.finish()
}

fn entry_position(lines: &[ExportLine], seq: u64) -> usize {
    lines.iter().position(|l| matches!(l, ExportLine::Entry(e) if e.seq == seq)).unwrap()
}

#[test]
fn a_sealed_export_verifies_and_names_its_covering_checkpoint() {
    let report = check(export(25, &[10, 20, 25])).unwrap();
    assert_eq!(report.chain.entries, 25);
    assert_eq!((report.range_from, report.range_to, report.exported_at), (at(0), at(100), at(200)));
    assert_eq!(report.covering_checkpoint.map(|c| c.seq), Some(25));
    assert_eq!(report.newest_checkpoint.map(|c| c.seq), Some(25));

    // Taken while the server runs: the last entries are sealed by the statement only.
    let report = check(export(25, &[10, 20])).unwrap();
    assert_eq!(report.covering_checkpoint, None);
    assert_eq!(report.chain.unsealed, 5);
}

#[test]
fn a_cut_tail_is_refused_with_or_without_the_statement() {
    // Cut after the last checkpoint, keeping the statement.
    let mut lines = export(25, &[10, 20]);
    lines.retain(|l| !matches!(l, ExportLine::Entry(e) if e.seq > 22));
    let err = check(lines).unwrap_err();
    assert!(matches!(err, ExportError::StatementMismatch { seq: 23, .. }), "{err}");

    // Cut and the statement dropped too: nothing vouches for the end.
    let mut lines = export(25, &[10, 20]);
    lines.retain(|l| !matches!(l, ExportLine::Entry(e) if e.seq > 22) && !matches!(l, ExportLine::Statement(_)));
    assert_eq!(check(lines).unwrap_err(), ExportError::Unsealed { last_seq: 22 });
}

#[test]
fn a_cut_back_to_an_earlier_checkpoint_inside_the_file_is_refused() {
    // Entries after seq 10 and the later checkpoints removed: what is left is a
    // perfectly linked chain ending at a signed checkpoint.
    let cut = |keep_statement: bool| {
        let mut lines = export(30, &[10, 20, 30]);
        lines.retain(|l| match l {
            ExportLine::Entry(e) => e.seq <= 10,
            ExportLine::Checkpoint(c) => c.seq <= 10,
            ExportLine::Statement(_) => keep_statement,
            ExportLine::PublicKey { .. } => true,
        });
        check(lines).unwrap_err()
    };
    assert!(matches!(cut(true), ExportError::StatementMismatch { seq: 11, .. }), "{}", cut(true));
    assert_eq!(cut(false), ExportError::Unsealed { last_seq: 10 });
    assert_eq!(cut(false).seq(), 11);
}

#[test]
fn edits_reorders_and_insertions_are_refused() {
    let mut edited = export(12, &[12]);
    let i = entry_position(&edited, 5);
    if let ExportLine::Entry(e) = &mut edited[i] {
        e.record.action = "nothing_to_see".into();
    }
    assert_eq!(check(edited).unwrap_err().seq(), 5);

    let mut swapped = export(12, &[12]);
    let (six, seven) = (entry_position(&swapped, 6), entry_position(&swapped, 7));
    swapped.swap(six, seven);
    assert_eq!(check(swapped).unwrap_err().seq(), 6, "entry 7 came where 6 belongs");

    // A copy of entry 3 inserted before entry 8.
    let mut inserted = export(12, &[12]);
    let copy = inserted[entry_position(&inserted, 3)].clone();
    let eight = entry_position(&inserted, 8);
    inserted.insert(eight, copy);
    assert!(check(inserted).is_err());

    // An entry forged onto the end links and hashes correctly: only the statement tells.
    let mut appended = export(12, &[]);
    let statement = appended.pop().unwrap();
    let (longer, _) = chain(13, &[]);
    appended.push(ExportLine::Entry(Box::new(longer[12].clone())));
    appended.push(statement.clone());
    assert!(matches!(check(appended.clone()).unwrap_err(), ExportError::StatementMismatch { seq: 13, .. }));
    // After the statement, it is refused as a line out of place.
    let last = appended.len() - 1;
    appended.swap(last, last - 1);
    assert_eq!(check(appended).unwrap_err(), ExportError::AfterStatement { seq: 13 });
}

#[test]
fn a_statement_forged_or_changed_or_repeated_is_refused() {
    let mut lines = export(5, &[5]);
    let Some(ExportLine::Statement(real)) = lines.pop() else { panic!("the statement is last") };
    let mut widened = real.clone();
    widened.from = at(-1000);
    lines.push(ExportLine::Statement(widened));
    assert_eq!(check(lines.clone()).unwrap_err(), ExportError::BadStatementSignature);

    lines.pop();
    let other = SigningKey::from_bytes(&[9; 32]);
    let mut tally = ExportTally::default();
    chain(5, &[]).0.iter().for_each(|e| tally.add(e));
    lines.push(ExportLine::Statement(ExportStatement::sign(at(0), at(100), &tally, at(200), &other)));
    assert_eq!(check(lines.clone()).unwrap_err(), ExportError::BadStatementSignature);

    lines.pop();
    lines.push(ExportLine::Statement(real.clone()));
    lines.push(ExportLine::Statement(real));
    assert_eq!(check(lines).unwrap_err(), ExportError::TwoStatements);
}

#[test]
fn an_empty_export_is_sealed_too() {
    let lines = vec![
        ExportLine::PublicKey { key: hex(key().verifying_key().as_bytes()) },
        ExportLine::Statement(ExportStatement::sign(at(0), at(1), &ExportTally::default(), at(2), &key())),
    ];
    let report = check(lines).unwrap();
    assert_eq!((report.chain.entries, report.covering_checkpoint), (0, None));
}

#[test]
fn a_statement_round_trips_through_json_and_its_encoding_is_length_safe() {
    let Some(ExportLine::Statement(s)) = export(3, &[]).pop() else { panic!("the statement is last") };
    let line = ExportLine::Statement(s.clone());
    let json = serde_json::to_string(&line).unwrap();
    assert!(json.starts_with(r#"{"type":"statement""#), "{json}");
    assert_eq!(serde_json::from_str::<ExportLine>(&json).unwrap(), line);
    // "No first seq" and "first seq 0" encode differently.
    let mut zero = s.clone();
    zero.first_seq = Some(0);
    let mut none = s;
    none.first_seq = None;
    assert_ne!(canonical_statement(&zero), canonical_statement(&none));
}
