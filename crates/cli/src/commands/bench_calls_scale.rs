//! `cpniguard bench calls-scale`: the CSR's call-detail page (one account, the last 31
//! days, the first page) as the calls table grows, on PostgreSQL. The demo carrier's
//! accounts are seeded first, then the table is grown step by step to each `--rows`
//! total, and at every size the same pages are read through the store and timed: the
//! figure is each size's median page time as a ratio to the first size's (flat ≈ 1), with the page's `EXPLAIN (ANALYZE, BUFFERS)` plan. At the largest
//! size, retention's two ways of removing a month are timed against each other: the
//! oldest month deleted in bounded batches (the baseline, what SQLite does and what
//! PostgreSQL does around kept accounts) and the next month dropped as a partition.
//!
//! The growth rows are made inside PostgreSQL (`generate_series`), spread over the
//! demo's accounts and its months like the demo's own calls, because sending tens of
//! millions of rows from here would measure the loader, not the page. They are real
//! rows of the partitioned table, with every index maintained. Large sizes take long
//! and need disk (about 0.4 GB per million rows): this bench is run by hand, not in CI.

use super::bench::{BenchTarget, open_target};
use anyhow::{Context as _, bail};
use chrono::{Duration as ChronoDuration, Utc};
use clap::Args;
use cpniguard_core::cpni::TimeRange;
use cpniguard_core::ids::AccountId;
use cpniguard_demo::DemoSpec;
use cpniguard_store::{CALL_PAGE_SQL, CallQuery, StoreWithRecords};
use serde::Serialize;
use sqlx::PgPool;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct CallsScaleBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    /// Table sizes (total calls) to grow to and measure at, ascending.
    #[arg(long, value_delimiter = ',', default_value = "1000000")]
    pub rows: Vec<u64>,
    /// Demo accounts: the calls are spread over them.
    #[arg(long, default_value_t = 5000)]
    pub accounts: u32,
    /// Pages read and timed at each size (after as many unmeasured ones).
    #[arg(long, default_value_t = 2000)]
    pub pages: u32,
}

/// Rows of one growth statement: progress is printed between them, and no single
/// transaction grows without bound.
const GROWTH_CHUNK: u64 = 1_000_000;
/// Rows on a CSR's call-detail page.
const PAGE_ROWS: u32 = 50;

#[derive(Serialize)]
struct Step {
    calls: u64,
    partitions: i64,
    /// Seconds spent growing the table from the previous size to this one.
    growth_secs: f64,
    pages: u32,
    median_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    /// Median page time as a ratio to the first size's (the baseline).
    ratio_to_baseline: f64,
    plan: Vec<String>,
}

pub async fn run(args: CallsScaleBenchArgs) -> anyhow::Result<serde_json::Value> {
    let Some(url) = args.target.database_url.clone().filter(|u| u.starts_with("postgres")) else {
        bail!("calls-scale measures PostgreSQL's partitioned calls table: give --database-url postgres://…");
    };
    if args.rows.windows(2).any(|w| w[1] <= w[0]) {
        bail!("--rows: give the sizes in ascending order");
    }
    let (_dir, store, _backend) = open_target(&args.target).await?;
    let mut spec = DemoSpec::new(args.accounts, args.target.seed, Utc::now());
    // Few calls of their own: the growth makes the sizes measured.
    spec.calls_per_month = 4;
    cpniguard_demo::seed(store.as_ref(), &spec, &|_| {}).await?;
    let pool = PgPool::connect(&url).await.context("connecting for the growth statements")?;
    let accounts: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM accounts ORDER BY id").fetch_all(&pool).await?;
    let now = Utc::now();
    let range = TimeRange::new(now - ChronoDuration::days(31), now)?;
    let sample: Vec<AccountId> =
        (0..args.pages as usize).map(|i| AccountId(accounts[(i * 7919) % accounts.len()])).collect();

    let mut steps: Vec<Step> = Vec::new();
    let seeded = count_calls(&pool).await?;
    let mut calls = seeded;
    for target in args.rows.iter().copied().filter(|&r| r > seeded) {
        let started = Instant::now();
        while calls < target {
            let chunk = (target - calls).min(GROWTH_CHUNK);
            grow(&pool, calls, chunk, spec.months).await?;
            calls += chunk;
            eprintln!("calls-scale: {calls} calls ({:.0} s)", started.elapsed().as_secs_f64());
        }
        let growth_secs = started.elapsed().as_secs_f64();
        sqlx::query("VACUUM ANALYZE calls").execute(&pool).await?;
        let times = time_pages(store.as_ref(), &sample, range).await?;
        let median_ms = quantile(&times, 0.5);
        let baseline = steps.first().map_or(median_ms, |s| s.median_ms);
        let step = Step {
            calls: count_calls(&pool).await?,
            partitions: sqlx::query_scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'calls'::regclass")
                .fetch_one(&pool)
                .await?,
            growth_secs,
            pages: args.pages,
            median_ms,
            p95_ms: quantile(&times, 0.95),
            p99_ms: quantile(&times, 0.99),
            ratio_to_baseline: median_ms / baseline.max(f64::MIN_POSITIVE),
            plan: explain_page(&pool, sample[0], range).await?,
        };
        eprintln!("{}", serde_json::to_string(&step)?);
        steps.push(step);
    }
    let retention = time_retention(&pool).await?;
    Ok(serde_json::json!({
        "bench": "calls-scale",
        "retention": retention,
        "backend": "postgres",
        "accounts": accounts.len(),
        "seeded_calls": seeded,
        "page_rows": PAGE_ROWS,
        "page": "one account's calls of the last 31 days, first page, through the store",
        "steps": steps,
    }))
}

/// Rows per bounded delete, as the retention job's batches.
const DELETE_BATCH: i64 = 1_000;

#[derive(Serialize)]
struct RetentionTimes {
    deleted_month: String,
    deleted_rows: u64,
    delete_secs: f64,
    dropped_month: String,
    dropped_rows: u64,
    drop_secs: f64,
    /// Rows removed per second by dropping, as a ratio to deleting.
    drop_speedup: f64,
}

/// The oldest month removed row by row in bounded batches, then the next month dropped
/// by the function retention calls.
async fn time_retention(pool: &PgPool) -> anyhow::Result<RetentionTimes> {
    let months: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'calls'::regclass ORDER BY 1 LIMIT 2",
    )
    .fetch_all(pool)
    .await?;
    let [oldest, next] = months.as_slice() else { bail!("retention needs two months of calls") };
    let month_end = |name: &str| -> anyhow::Result<chrono::DateTime<Utc>> {
        let (year, month) = (name[7..11].parse::<i32>()?, name[12..14].parse::<u32>()?);
        let first = chrono::NaiveDate::from_ymd_opt(year, month, 1).context("a month partition's name")?;
        Ok((first + chrono::Months::new(1)).and_hms_opt(0, 0, 0).context("midnight")?.and_utc())
    };
    let started = Instant::now();
    let mut deleted_rows = 0;
    loop {
        let done = sqlx::query(
            "DELETE FROM calls WHERE id IN (SELECT id FROM calls WHERE started_at < $1 ORDER BY started_at, id LIMIT $2)",
        )
        .bind(month_end(oldest)?)
        .bind(DELETE_BATCH)
        .execute(pool)
        .await?;
        deleted_rows += done.rows_affected();
        if done.rows_affected() == 0 {
            break;
        }
    }
    let delete_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let dropped: Vec<(String, i64)> =
        sqlx::query_as("SELECT call_month, call_count FROM cpniguard_drop_expired_call_months($1, $2)")
            .bind(month_end(next)?)
            .bind(Utc::now().format("%Y-%m-%d").to_string())
            .fetch_all(pool)
            .await?;
    let drop_secs = started.elapsed().as_secs_f64();
    let dropped_rows = dropped.iter().map(|(_, n)| u64::try_from(*n).unwrap_or(0)).sum();
    Ok(RetentionTimes {
        deleted_month: oldest.clone(),
        deleted_rows,
        delete_secs,
        dropped_month: next.clone(),
        dropped_rows,
        drop_secs,
        drop_speedup: (dropped_rows as f64 / drop_secs.max(f64::MIN_POSITIVE))
            / (deleted_rows as f64 / delete_secs.max(f64::MIN_POSITIVE)).max(f64::MIN_POSITIVE),
    })
}

async fn count_calls(pool: &PgPool) -> anyhow::Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM calls").fetch_one(pool).await?;
    Ok(u64::try_from(n)?)
}

/// Add `rows` calls numbered after `done`, each on one of the accounts (in turn) at a
/// time spread over the demo's months up to now, its partition made first.
async fn grow(pool: &PgPool, done: u64, rows: u64, months: u32) -> anyhow::Result<()> {
    let span = ChronoDuration::days(i64::from(months + 1) * 31);
    let start = Utc::now() - span;
    let month_starts: Vec<chrono::DateTime<Utc>> =
        (0..=i64::from(months + 2)).map(|m| start + ChronoDuration::days(m * 28)).collect();
    sqlx::query("SELECT cpniguard_call_months($1)").bind(&month_starts).execute(pool).await?;
    sqlx::query(
        "WITH a AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM accounts)
         INSERT INTO calls (account_id, service_number, started_at, duration_secs, direction, other_party,
                            destination, call_type, charge_cents, source_system, source_record_id)
         SELECT a.ids[1 + (g % a.n)],
                '+1801555' || lpad((g % a.n % 10000)::text, 4, '0'),
                $3::timestamptz + ((g * 104729) % $4) * interval '1 second',
                (g * 31) % 1800,
                CASE WHEN g % 3 = 0 THEN 'inbound' ELSE 'outbound' END,
                '+1303555' || lpad((g % 10000)::text, 4, '0'),
                'Denver, CO',
                CASE WHEN g % 5 = 0 THEN 'local' ELSE 'long_distance' END,
                (g % 400),
                'bench-scale',
                g::text
         FROM a, generate_series($1::bigint, $2::bigint) AS g",
    )
    .bind(i64::try_from(done + 1)?)
    .bind(i64::try_from(done + rows)?)
    .bind(start)
    .bind(span.num_seconds())
    .execute(pool)
    .await
    .context("growing the calls table")?;
    Ok(())
}

/// Each sample account's first page, read through the store as a CSR's request reads
/// it, once unmeasured (to warm the cache as a running server's is) and once timed.
async fn time_pages(store: &dyn StoreWithRecords, sample: &[AccountId], range: TimeRange) -> anyhow::Result<Vec<f64>> {
    let page = |account| CallQuery { account, range, after: None, limit: PAGE_ROWS };
    for &account in sample {
        store.list_calls(&page(account)).await?;
    }
    let mut times = Vec::with_capacity(sample.len());
    for &account in sample {
        let started = Instant::now();
        let calls = store.list_calls(&page(account)).await?;
        times.push(started.elapsed());
        if calls.calls.is_empty() {
            bail!("account {} has no calls in the page's range: the bench data is wrong", account.0);
        }
    }
    Ok(times.iter().map(Duration::as_secs_f64).map(|s| s * 1000.0).collect())
}

/// The plan of the store's own page statement for `account`, executed.
async fn explain_page(pool: &PgPool, account: AccountId, range: TimeRange) -> anyhow::Result<Vec<String>> {
    let explain = format!("EXPLAIN (ANALYZE, BUFFERS) {CALL_PAGE_SQL}");
    let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(explain))
        .bind(account.0)
        .bind(range.from)
        .bind(i64::MIN)
        .bind(range.to)
        .bind(i64::from(PAGE_ROWS) + 1)
        .fetch_all(pool)
        .await?;
    Ok(plan)
}

fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(((sorted.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0)
}
