//! `cpniguard bench consent`: the bulk approval status of one scope for the whole
//! audience (`ConsentStore::bulk_approval`), against a bare `SELECT count(*)` over the
//! same history table (`count_consent_events`), measured in the same run on the same
//! database.
//!
//! The accounts are demo-generator customers (no calls or invoices: the figure is
//! about the consent history) loaded with `Store::load_accounts` a thousand at a time
//! from several concurrent tasks; each gets a realistic consent history generated here: the
//! opt-out notice served one to three times over four years (mostly by email, some
//! mailed, some emails bounced and re-sent by mail), about 10% opting out of
//! marketing at some point, and a few opting in to partner sharing.

use super::bench::{BenchTarget, open_target, take_peak_rss};
use chrono::{DateTime, Duration, Utc};
use clap::Args;
use cpniguard_core::consent::{
    CARRIER_MARKETING, ConsentChannel, ConsentEvent, ConsentEventKind, ConsentPolicy, Evidence, NoticeMedium,
    NoticeServed, PARTNER_SHARING,
};
use cpniguard_core::ids::AccountId;
use cpniguard_demo::{DemoSpec, generate_account};
use cpniguard_store::consent::ConsentChange;
use cpniguard_store::{AccountLoad, Store};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

#[derive(Args, Debug)]
pub struct ConsentBenchArgs {
    #[command(flatten)]
    pub target: BenchTarget,
    /// Accounts in the audience.
    #[arg(long, default_value_t = 100_000)]
    pub accounts: u32,
    /// Concurrent tasks creating accounts and histories.
    #[arg(long, default_value_t = 8)]
    pub tasks: u32,
}

/// splitmix64: a tiny deterministic generator, one stream per account.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, index: u32) -> Self {
        Self(seed ^ (u64::from(index) << 20) ^ 0x9e37_79b9_7f4a_7c15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// In `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn event(
    account: AccountId,
    scope: &str,
    kind: ConsentEventKind,
    at: DateTime<Utc>,
    channel: ConsentChannel,
) -> ConsentEvent {
    ConsentEvent {
        id: Uuid::now_v7(),
        account_id: account,
        scope: scope.to_owned(),
        kind,
        at,
        channel,
        recorded_by: "bench".to_owned(),
        recorded_at: at,
        evidence: Evidence::default(),
        notice: None,
        refers_to: None,
        idempotency_key: None,
    }
}

/// A realistic history for one account over the four years before `now`.
pub fn history(account: AccountId, index: u32, seed: u64, now: DateTime<Utc>) -> Vec<ConsentEvent> {
    let mut rng = Rng::new(seed, index);
    let mut out = Vec::new();
    let start = now - Duration::days(4 * 365);
    // One to three notices, roughly every two years from a random start.
    // The last notice is recent (within the biennial cycle) for ~95%; the others
    // came every two years before it, as far back as four years.
    let last_days = if rng.chance(5) { 760 + rng.below(100) } else { rng.below(690) };
    let notices = (1 + rng.below(3)).min(1 + (4 * 365 - last_days) / 720);
    let first = now - Duration::days(i64::try_from(last_days + (notices - 1) * 720).unwrap_or(0));
    let mut at = first.max(start);
    let mut last_notice = at;
    for _ in 0..notices {
        let mailed = rng.chance(25);
        let (medium, channel) = if mailed {
            (NoticeMedium::Mail, ConsentChannel::Letter)
        } else {
            (NoticeMedium::Electronic, ConsentChannel::Email)
        };
        let mut n = event(account, CARRIER_MARKETING, ConsentEventKind::NoticeServed, at, channel);
        n.notice = Some(NoticeServed { version: format!("{}-01", at.format("%Y")), medium });
        let served = n.id;
        out.push(n);
        last_notice = at;
        // About 4% of email notices bounce and are re-sent by mail a week later.
        if !mailed && rng.chance(4) {
            let mut b = event(
                account,
                CARRIER_MARKETING,
                ConsentEventKind::NoticeBounced,
                at + Duration::hours(2),
                ConsentChannel::Email,
            );
            b.refers_to = Some(served);
            out.push(b);
            let resent = at + Duration::days(7);
            let mut m =
                event(account, CARRIER_MARKETING, ConsentEventKind::NoticeServed, resent, ConsentChannel::Letter);
            m.notice = Some(NoticeServed { version: format!("{}-01", at.format("%Y")), medium: NoticeMedium::Mail });
            out.push(m);
            last_notice = resent;
        }
        at += Duration::days(720);
        if at >= now {
            break;
        }
    }
    let span = (now - last_notice).num_days().max(1);
    // About 10% opt out of every marketing scope, after some notice.
    if rng.chance(10) {
        let when = last_notice + Duration::days(i64::try_from(rng.below(span.unsigned_abs())).unwrap_or(0));
        let channel = [ConsentChannel::Portal, ConsentChannel::CsrCall, ConsentChannel::Email, ConsentChannel::Letter]
            [usize::try_from(rng.below(4)).unwrap_or(0)];
        for scope in [CARRIER_MARKETING, PARTNER_SHARING] {
            out.push(event(account, scope, ConsentEventKind::OptOut, when, channel));
        }
    } else if rng.chance(3) {
        // A few opt in to partner sharing (an authenticated interaction), some later revoke it.
        let when = start + Duration::days(i64::try_from(rng.below(4 * 365)).unwrap_or(0));
        let mut e = event(account, PARTNER_SHARING, ConsentEventKind::OptIn, when, ConsentChannel::Portal);
        e.evidence.interaction_id = Some(Uuid::now_v7().to_string());
        out.push(e);
        if rng.chance(20) && when + Duration::days(30) < now {
            out.push(event(
                account,
                PARTNER_SHARING,
                ConsentEventKind::Revocation,
                when + Duration::days(30),
                ConsentChannel::CsrCall,
            ));
        }
    }
    out
}

/// Consent histories written through the store in batches, as accounts are added.
pub(super) struct Histories {
    store: Arc<dyn Store>,
    spec: Arc<DemoSpec>,
    pending: Vec<ConsentEvent>,
    written: u64,
}

impl Histories {
    /// Events per `record_consent`.
    const BATCH: usize = 1_000;

    pub(super) fn new(store: Arc<dyn Store>, spec: Arc<DemoSpec>) -> Self {
        Histories { store, spec, pending: Vec::new(), written: 0 }
    }

    /// Queue the history of demo account `index`, whose id is `account`.
    pub(super) async fn add(&mut self, account: AccountId, index: u32) -> anyhow::Result<()> {
        self.pending.extend(history(account, index, self.spec.seed, self.spec.now));
        if self.pending.len() >= Self::BATCH { self.flush().await } else { Ok(()) }
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if !self.pending.is_empty() {
            self.written += self.pending.len() as u64;
            let change = ConsentChange { events: std::mem::take(&mut self.pending), ..Default::default() };
            self.store.record_consent(&change, self.spec.now).await?;
        }
        Ok(())
    }

    /// Write what is left; returns the events written in all.
    pub(super) async fn finish(mut self) -> anyhow::Result<u64> {
        self.flush().await?;
        Ok(self.written)
    }
}

/// Accounts per `load_accounts` call while populating.
const ACCOUNTS_PER_LOAD: usize = 1_000;

/// Create accounts `range` (a thousand per transaction, as a billing load would) and
/// their histories; returns the events written.
pub(super) async fn populate(
    store: Arc<dyn Store>,
    spec: Arc<DemoSpec>,
    range: std::ops::Range<u32>,
) -> anyhow::Result<u64> {
    let mut histories = Histories::new(store.clone(), spec.clone());
    let mut loads: Vec<AccountLoad> = Vec::with_capacity(ACCOUNTS_PER_LOAD);
    for index in range.clone() {
        let demo = generate_account(&spec, index);
        // The consent figure is about the history: no services, contact points as opened.
        let load = AccountLoad {
            id: demo.id,
            new: demo.new_account,
            opened_at: demo.opened_at,
            services: Vec::new(),
            contact_since: Vec::new(),
        };
        loads.push(load);
        if loads.len() == ACCOUNTS_PER_LOAD || index + 1 == range.end {
            store.load_accounts(&loads).await?;
            // The batch holds accounts `index + 1 - len ..= index`, in order.
            let first = index + 1 - loads.len() as u32;
            for (load, index) in loads.drain(..).zip(first..) {
                histories.add(load.id, index).await?;
            }
        }
    }
    histories.finish().await
}

pub async fn run(args: ConsentBenchArgs) -> anyhow::Result<serde_json::Value> {
    let (_dir, store, backend) = open_target(&args.target).await?;
    let now = Utc::now();
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
        handles.push(tokio::spawn(populate(store.clone(), spec.clone(), range)));
    }
    let mut events = 0u64;
    for h in handles {
        events += h.await??;
    }
    let populate_s = started.elapsed().as_secs_f64();

    let policy = ConsentPolicy::default();
    let scope =
        policy.scope(CARRIER_MARKETING).cloned().ok_or_else(|| anyhow::anyhow!("no carrier_marketing scope"))?;
    // Baseline first, then the bulk query, then the baseline again (the better of the two).
    take_peak_rss();
    let t = Instant::now();
    let counted = store.count_consent_events().await?;
    let mut count_s = t.elapsed().as_secs_f64();
    let count_rss = take_peak_rss();
    let t = Instant::now();
    let approvals = store.bulk_approval(&scope, &policy, now, None).await?;
    let bulk_s = t.elapsed().as_secs_f64();
    let bulk_rss = take_peak_rss();
    let t = Instant::now();
    store.count_consent_events().await?;
    count_s = count_s.min(t.elapsed().as_secs_f64());

    let mut by_state: BTreeMap<&str, u64> = BTreeMap::new();
    for a in &approvals {
        *by_state.entry(a.state.as_str()).or_default() += 1;
    }
    Ok(serde_json::json!({
        "bench": "consent",
        "backend": backend,
        "accounts": args.accounts,
        "events": events,
        "events_counted": counted,
        "populate_seconds": populate_s,
        "scope": scope.name,
        "bulk_approval_seconds": bulk_s,
        "bulk_approval_peak_rss_bytes": bulk_rss,
        "count_star_seconds": count_s,
        "count_star_peak_rss_bytes": count_rss,
        "bulk_to_count_ratio": bulk_s / count_s.max(1e-9),
        "audience": approvals.len(),
        "usable": approvals.iter().filter(|a| a.usable).count(),
        "by_state": by_state,
    }))
}
