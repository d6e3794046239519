//! `cpniguard bench import --rows N`: `import cdr` of an Asterisk Master.csv of N rows
//! against a raw batched insert (`Store::insert_calls`, 1000 rows a call) of the same
//! calls into the same table in the same run, then the same file imported again (all
//! duplicates), with the process's peak RSS before and after.

use super::bench::{BenchTarget, open_target, take_peak_rss};
use chrono::{Duration, TimeZone, Utc};
use clap::Args;
use cpniguard_core::account::{
    AccountKind, AccountNumber, AccountProfile, AccountStatus, DirectoryListing, Language, NewAccount, PicFreeze,
    PostalAddress, TimeZoneName,
};
use cpniguard_core::cpni::{CallDetailRecord, CallType, Direction, Service};
use cpniguard_core::ids::{AccountId, ServiceId};
use cpniguard_core::money::Cents;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_import::{Counts, Format, ImportConfig, Source, import_stream};
use cpniguard_store::{AccountLoad, Store};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct ImportBenchArgs {
    #[command(flatten)]
    target: BenchTarget,
    #[arg(long, default_value_t = 100_000)]
    rows: u64,
    /// Customer accounts (one number each) the calls are spread over.
    #[arg(long, default_value_t = 2000)]
    accounts: u32,
}

const BASELINE_BATCH: usize = 1000;

fn customer_number(i: u64) -> String {
    format!("+1212{:07}", 2_000_000 + i)
}

fn external_number(i: u64) -> String {
    format!("+1303{:07}", 2_000_000 + i % 5_000_000)
}

async fn load_customers(store: &dyn Store, accounts: u32) -> anyhow::Result<()> {
    let opened = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).single().unwrap_or_else(Utc::now);
    let mut loads = Vec::new();
    for i in 0..u64::from(accounts) {
        let id = AccountId::new();
        let phone = PhoneNumber::parse(&customer_number(i))?;
        let new = NewAccount {
            profile: AccountProfile {
                account_number: AccountNumber::parse(&format!("BENCH-{i:07}"))?,
                kind: AccountKind::Residential,
                name: format!("Bench Customer {i}"),
                language: Language::En,
                time_zone: TimeZoneName::parse("America/New_York")?,
                status: AccountStatus::Active,
                pic_freeze: PicFreeze::default(),
                directory_listing: DirectoryListing::Listed,
                business_exemption: None,
            },
            postal_address: PostalAddress {
                line1: format!("{i} Main St"),
                line2: None,
                city: "New York".into(),
                state: "NY".into(),
                zip: "10001".into(),
                country: "US".into(),
            },
            email: None,
            telephone_numbers: vec![phone.clone()],
        };
        let service = Service {
            id: ServiceId::new(),
            account_id: id,
            service_type: "voip_line".into(),
            service_number: Some(phone),
            quantity: 1,
            configuration: serde_json::json!({}),
            rate_plan: "Basic".into(),
            monthly_rate: Cents(2500),
            since: opened.date_naive(),
            until: None,
        };
        loads.push(AccountLoad { id, new, opened_at: opened, services: vec![service], contact_since: Vec::new() });
        if loads.len() == 500 {
            store.load_accounts(&loads).await?;
            loads.clear();
        }
    }
    store.load_accounts(&loads).await?;
    Ok(())
}

/// The Asterisk rows (sample cdr.conf: uniqueid and userfield on, UTC), written to a file.
fn write_master(path: &std::path::Path, rows: u64, accounts: u32) -> anyhow::Result<u64> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let start = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).single().unwrap_or_else(Utc::now);
    for i in 0..rows {
        let src = &customer_number(i % u64::from(accounts))[2..];
        let dst = &external_number(i)[2..];
        let at = start + Duration::seconds(i as i64 * 7);
        let (s, a, e) = (at, at + Duration::seconds(5), at + Duration::seconds(65));
        let f = "%Y-%m-%d %H:%M:%S";
        writeln!(
            out,
            r#""","{src}","{dst}","from-internal","""Bench, Caller"" <{src}>","PJSIP/{src}-{i:08x}","PJSIP/trunk-{i:08x}","Dial","PJSIP/{dst}@trunk,30","{}","{}","{}",65,60,"ANSWERED","DOCUMENTATION","1748736000.{i}","""#,
            s.format(f),
            a.format(f),
            e.format(f)
        )?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// The same calls as records, for the raw insert (another source, so no key collides).
fn baseline_batch(
    from: u64,
    to: u64,
    accounts: &[AccountId],
    rows_accounts: u32,
) -> anyhow::Result<Vec<CallDetailRecord>> {
    let start = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).single().unwrap_or_else(Utc::now);
    (from..to)
        .map(|i| {
            let n = i % u64::from(rows_accounts);
            Ok(CallDetailRecord {
                id: None,
                account_id: accounts[n as usize],
                service_number: PhoneNumber::parse(&customer_number(n))?,
                started_at: start + Duration::seconds(i as i64 * 7),
                duration_secs: 60,
                direction: Direction::Outbound,
                other_party: external_number(i),
                destination: String::new(),
                call_type: CallType::LongDistance,
                charge: None,
                source_system: "bench-raw".into(),
                source_record_id: format!("1748736000.{i}"),
            })
        })
        .collect()
}

async fn import_file(store: &Arc<dyn Store>, source: &Source, path: &std::path::Path) -> anyhow::Result<(Counts, f64)> {
    let started = Instant::now();
    let file = tokio::fs::File::open(path).await?;
    let reader = tokio::io::BufReader::with_capacity(1 << 16, file);
    let counts = import_stream(store, source, "Master.csv", reader, &mut |_| {}).await?;
    Ok((counts, started.elapsed().as_secs_f64()))
}

pub async fn run(args: ImportBenchArgs) -> anyhow::Result<serde_json::Value> {
    let (_dir, store, backend) = open_target(&args.target).await?;
    let store: Arc<dyn Store> = store;
    let files = tempfile::TempDir::new()?;
    let master = files.path().join("Master.csv");
    load_customers(store.as_ref(), args.accounts).await?;
    let numbers: Vec<PhoneNumber> =
        (0..u64::from(args.accounts)).map(|i| PhoneNumber::parse(&customer_number(i))).collect::<Result<_, _>>()?;
    let mut by_number = std::collections::HashMap::new();
    for h in store.number_holders(&numbers).await? {
        by_number.insert(h.number.clone(), h.account_id);
    }
    let accounts: Vec<AccountId> = numbers.iter().map(|n| by_number[n]).collect();
    let file_bytes = write_master(&master, args.rows, args.accounts)?;
    take_peak_rss();

    // The baseline first, so the import runs on the fuller table.
    let mut baseline_secs = 0.0;
    let mut done = 0;
    while done < args.rows {
        let to = (done + BASELINE_BATCH as u64).min(args.rows);
        let batch = baseline_batch(done, to, &accounts, args.accounts)?;
        let started = Instant::now();
        store.insert_calls(&batch).await?;
        baseline_secs += started.elapsed().as_secs_f64();
        done = to;
    }

    let source =
        Source::resolve(store.as_ref(), &ImportConfig::default(), "bench-pbx", Some(Format::AsteriskCsv), None).await?;
    let baseline_rss = take_peak_rss();
    let (first, import_secs) = import_file(&store, &source, &master).await?;
    let import_rss = take_peak_rss();
    let (again, reimport_secs) = import_file(&store, &source, &master).await?;
    let reimport_rss = take_peak_rss();
    let per_sec = |secs: f64| (args.rows as f64 / secs.max(f64::MIN_POSITIVE)).round();
    Ok(serde_json::json!({
        "bench": "import",
        "backend": backend,
        "rows": args.rows,
        "accounts": args.accounts,
        "file_mib": (file_bytes as f64 / 1048576.0 * 10.0).round() / 10.0,
        "import": { "counts": first, "secs": import_secs, "rows_per_sec": per_sec(import_secs), "peak_rss_bytes": import_rss },
        "raw_batched_insert": { "batch_rows": BASELINE_BATCH, "secs": baseline_secs, "rows_per_sec": per_sec(baseline_secs), "peak_rss_bytes": baseline_rss },
        "import_vs_raw": baseline_secs / import_secs.max(f64::MIN_POSITIVE),
        "reimport": { "counts": again, "secs": reimport_secs, "speedup_vs_first": import_secs / reimport_secs.max(f64::MIN_POSITIVE), "peak_rss_bytes": reimport_rss },
    }))
}
