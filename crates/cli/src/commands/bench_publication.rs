//! `cpniguard bench publication`: the time to queue the material-change email to every
//! customer of the demo carrier (`run_policy_mailing`, as the server runs it after
//! publishing: recipients by account id in batches, one `policy-change` notice each
//! with its idempotency key, progress stored per batch), against a plain bulk insert
//! of the same number of outbox rows in batches of the same size (`enqueue_notices`),
//! measured in the same run on the same database.

use super::bench::{BenchTarget, open_target};
use anyhow::ensure;
use chrono::{Duration, NaiveDate, Utc};
use clap::Args;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use cpniguard_demo::{DemoSpec, seed};
use cpniguard_server::Config;
use cpniguard_server::application::policy_mailing::run_policy_mailing;
use cpniguard_store::publication::{PolicyDraft, PolicyText};
use std::collections::BTreeMap;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct PublicationBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    /// Accounts of the demo carrier (about 85% have an email of record).
    #[arg(long, default_value_t = 100_000)]
    pub accounts: u32,
}

fn policy(day: NaiveDate) -> PolicyDraft {
    let text = |s: &str| PolicyText { summary: format!("{s} summary"), body: format!("# {s}\n\nThe policy.") };
    PolicyDraft { effective_on: day, material: true, en: Some(text("Policy")), es: Some(text("Política")) }
}

pub async fn run(args: PublicationBenchArgs) -> anyhow::Result<serde_json::Value> {
    let (_dir, store, backend) = open_target(&args.target).await?;
    let now = Utc::now();
    let mut spec = DemoSpec::new(args.accounts, args.target.seed, now);
    spec.months = 0;
    spec.calls_per_month = 0;
    let started = Instant::now();
    seed(store.as_ref(), &spec, &|_| {}).await?;
    let seed_s = started.elapsed().as_secs_f64();
    // A live PostgreSQL has planner statistics (autovacuum gathers them after bulk
    // changes); a just-seeded one has none, and guesses a plan that scans every email
    // per account. Measure the steady state.
    if let Some(url) = args.target.database_url.as_deref().filter(|u| u.starts_with("postgres")) {
        let pool = sqlx::PgPool::connect(url).await?;
        sqlx::query("ANALYZE").execute(&pool).await?;
        pool.close().await;
    }

    let config = Config::default();
    let batch = config.publication.mailing_batch as usize;
    let cut_off = now - Duration::days(config.rules.of_record_days.into());
    store.create_policy_draft(&policy(now.date_naive()), "bench", now).await?;
    let published = store.publish_policy_version(1, "bench", now, cut_off).await?;
    let total = store.policy_mailing(published.version).await?.map_or(0, |m| m.total);

    // Baseline: the same number of outbox rows, built beforehand, inserted in batches.
    let template = store.policy_mailing_recipients(None, cut_off, 1).await?;
    let first = template.first().ok_or_else(|| anyhow::anyhow!("no account has an email of record"))?;
    let rows: Vec<NewNotice> = (0..total)
        .map(|i| NewNotice {
            id: NoticeId::new(),
            account_id: Some(first.account_id),
            kind: NoticeKind::PolicyChanged,
            channel: Channel::Email,
            destination: Destination::Email { address: first.email.clone() },
            template: NoticeKind::PolicyChanged.template().to_owned(),
            language: first.language,
            params: BTreeMap::from([("name".to_owned(), first.name.clone())]),
            idempotency_key: format!("bench-baseline:{i}"),
            not_before: now,
        })
        .collect();
    let t = Instant::now();
    let mut inserted = 0;
    for chunk in rows.chunks(batch) {
        inserted += store.enqueue_notices(chunk, now).await?;
    }
    let baseline_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let queued = run_policy_mailing(store.as_ref(), &config, published.version, Utc::now).await?;
    let mailing_s = t.elapsed().as_secs_f64();
    let mailing = store.policy_mailing(published.version).await?;
    ensure!(queued == total && inserted == total, "queued {queued} and inserted {inserted} of {total}");
    ensure!(mailing.is_some_and(|m| m.finished_at.is_some() && m.queued == total), "the mailing did not finish");

    Ok(serde_json::json!({
        "bench": "publication",
        "backend": backend,
        "accounts": args.accounts,
        "seed_seconds": seed_s,
        "recipients": total,
        "batch": batch,
        "mailing_seconds": mailing_s,
        "mailing_per_second": total as f64 / mailing_s.max(1e-9),
        "baseline_bulk_insert_seconds": baseline_s,
        "mailing_to_bulk_insert_ratio": mailing_s / baseline_s.max(1e-9),
    }))
}
