//! `cpniguard bench certification`: generating the annual CPNI certification for the
//! last calendar year of a demo carrier (figures gathered from every record, then the
//! JSON, HTML and PDF documents), against the plain grouped count queries it rests on
//! (`TrainingStore::record_counts` over the same year), in the same run on the same
//! database.
//!
//! The carrier: demo-generator accounts with the consent histories of `bench consent`
//! (four years, so the certified year has notices served, opt-outs and opt-ins), an
//! account-change notice for one account in ten during the year, and staff with
//! training records and a few disciplinary records. Populating is not timed.

use super::bench::{BenchTarget, open_target};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use clap::Args;
use cpniguard_core::account::Language;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::StaffId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_demo::DemoSpec;
use cpniguard_server::application::certification::{Format, produce, render};
use cpniguard_server::{AppState, Config, SystemClock};
use cpniguard_store::Store;
use cpniguard_store::training::{DisciplinaryRecord, TrainingRecord};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

#[derive(Args, Debug)]
pub struct CertificationBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    /// Accounts of the demo carrier.
    #[arg(long, default_value_t = 100_000)]
    pub accounts: u32,
    /// Staff members, each with a training record in the year.
    #[arg(long, default_value_t = 500)]
    pub staff: u32,
    /// Concurrent tasks creating accounts and histories.
    #[arg(long, default_value_t = 8)]
    pub tasks: u32,
    /// Timed repetitions of each side; the best is reported.
    #[arg(long, default_value_t = 3)]
    pub repeat: u32,
}

/// One account-change notice for every tenth account, spread over the year.
async fn change_notices(store: &dyn Store, accounts: u32, year: i32) -> anyhow::Result<u64> {
    let start = Utc.with_ymd_and_hms(year, 1, 2, 12, 0, 0).single().ok_or_else(|| anyhow::anyhow!("year"))?;
    let address = EmailAddress::parse("customer@example.com")?;
    let mut queued = 0;
    let indexes: Vec<u32> = (0..accounts).step_by(10).collect();
    for (batch, chunk) in indexes.chunks(1000).enumerate() {
        let notices: Vec<NewNotice> = chunk
            .iter()
            .map(|i| NewNotice {
                id: NoticeId::new(),
                account_id: None,
                kind: NoticeKind::PasswordChanged,
                channel: Channel::Email,
                destination: Destination::Email { address: address.clone() },
                template: NoticeKind::PasswordChanged.template().to_owned(),
                language: Language::En,
                params: BTreeMap::new(),
                idempotency_key: format!("bench-certification:{i}"),
                not_before: start,
            })
            .collect();
        let at = start + Duration::days(i64::try_from(batch * 3 % 360).unwrap_or(0));
        queued += store.enqueue_notices(&notices, at).await?;
    }
    Ok(queued)
}

/// Staff who joined before the year, each trained once in it; one in fifty disciplined.
async fn staff(store: &dyn Store, n: u32, year: i32) -> anyhow::Result<()> {
    let joined = Utc.with_ymd_and_hms(year - 1, 6, 1, 12, 0, 0).single().ok_or_else(|| anyhow::anyhow!("year"))?;
    let mut records = Vec::new();
    let mut discipline = Vec::new();
    for i in 0..n {
        let new = NewStaff {
            username: Username::parse(&format!("bench.staff{i:05}"))?,
            display_name: format!("Staff {i}"),
            roles: [Role::Csr].into(),
            training_completed_on: None,
        };
        let member = store.create_staff(StaffId::new(), &new, joined).await?;
        let completed_on = NaiveDate::from_ymd_opt(year, 1 + i % 12, 1 + i % 28).unwrap_or_default();
        records.push(TrainingRecord {
            id: Uuid::now_v7(),
            staff_id: member.id,
            course: "CPNI basics".to_owned(),
            completed_on,
            expires_on: completed_on + Duration::days(365),
            source: "import".to_owned(),
            recorded_by: "bench".to_owned(),
            recorded_at: joined,
        });
        if i % 50 == 0 {
            discipline.push(DisciplinaryRecord {
                id: Uuid::now_v7(),
                staff_id: member.id,
                occurred_on: completed_on,
                misuse: "browsing accounts without a reason".to_owned(),
                action: "warning".to_owned(),
                recorded_by: "bench".to_owned(),
                recorded_at: joined,
            });
        }
    }
    store.record_training(&records, &[]).await?;
    for d in &discipline {
        store.record_discipline(d).await?;
    }
    Ok(())
}

pub async fn run(args: CertificationBenchArgs) -> anyhow::Result<serde_json::Value> {
    let (_dir, store, backend) = open_target(&args.target).await?;
    let now = Utc::now();
    let year = now.year() - 1;
    let mut spec = DemoSpec::new(args.accounts, args.target.seed, now);
    spec.months = 0;
    spec.calls_per_month = 0;
    spec.validate()?;
    let spec = Arc::new(spec);

    let started = Instant::now();
    let tasks = args.tasks.clamp(1, 64);
    let per = args.accounts.div_ceil(tasks);
    let mut handles = Vec::new();
    for t in 0..tasks {
        let range = (t * per).min(args.accounts)..((t + 1) * per).min(args.accounts);
        handles.push(tokio::spawn(super::bench_consent::populate(store.clone(), spec.clone(), range)));
    }
    let mut consent_events = 0u64;
    for h in handles {
        consent_events += h.await??;
    }
    let notices = change_notices(store.as_ref(), args.accounts, year).await?;
    staff(store.as_ref(), args.staff, year).await?;
    let populate_s = started.elapsed().as_secs_f64();

    let mut config = Config::default();
    config.certification.officer_name = "Bench Officer".to_owned();
    config.certification.officer_title = "Chief Privacy Officer".to_owned();
    let state = AppState::with_throwaway_key(store.clone(), config, Arc::new(SystemClock));
    let period = cpniguard_server::application::certification::figures::period(&state, year)
        .map_err(|p| anyhow::anyhow!("{}", p.detail))?;
    let first_day = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let next_year = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default();

    let (mut baseline_s, mut generate_s) = (f64::MAX, f64::MAX);
    let mut sizes = BTreeMap::new();
    let mut figures = serde_json::Value::Null;
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        store.record_counts(period.from, period.to, first_day, next_year).await?;
        baseline_s = baseline_s.min(t.elapsed().as_secs_f64());

        let t = Instant::now();
        let (f, filing) = produce(&state, year, None, None).await.map_err(|p| anyhow::anyhow!("{}", p.detail))?;
        for (name, format) in [("json", Format::Json), ("html", Format::Html), ("pdf", Format::Pdf)] {
            sizes.insert(name, render(&f, &filing, format).1.len());
        }
        generate_s = generate_s.min(t.elapsed().as_secs_f64());
        figures = serde_json::to_value(&f)?;
    }
    Ok(serde_json::json!({
        "bench": "certification",
        "backend": backend,
        "accounts": args.accounts,
        "year": year,
        "consent_events": consent_events,
        "change_notices": notices,
        "staff": args.staff,
        "populate_seconds": populate_s,
        "count_queries_seconds": baseline_s,
        "generate_seconds": generate_s,
        "generate_to_count_queries_ratio": generate_s / baseline_s.max(1e-9),
        "document_bytes": sizes,
        "opt_out_notices_served": figures["approval"]["opt_out_notices_served"],
        "training_current_at_year_end": figures["training"]["current_at_year_end"],
    }))
}
