//! The outbox worker: claim due notices under a lease, deliver them a few at a time,
//! record each outcome. Several workers (in one process or many) may run against one
//! store: a claim is exclusive until its lease expires, and a worker that dies simply
//! lets its lease run out, after which another worker delivers its notices.
//!
//! Logs and metrics name notices by id, kind and channel only: never a contact value,
//! never text of the notice.

use crate::channels::{Deliverer, SetupError};
use crate::config::{CarrierInfo, NotifyConfig, WorkerConfig};
use chrono::{DateTime, Utc};
use cpniguard_core::notice::{Channel, Notice, retry_delay};
use cpniguard_store::{DeliveryOutcome, NoticeClaim, Store, StoreError};
use futures::{FutureExt, StreamExt};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SENT_TOTAL: &str = "cpniguard_notices_sent_total";
pub const FAILED_TOTAL: &str = "cpniguard_notices_failed_total";
pub const ABANDONED_TOTAL: &str = "cpniguard_notices_abandoned_total";
pub const DELIVERY_LATENCY: &str = "cpniguard_notice_delivery_latency_seconds";
pub const NOTICES_GAUGE: &str = "cpniguard_notices";

/// The status gauge counts the whole outbox table; at most this often, so an idle
/// worker polling every half second does not scan it twice a second.
const GAUGE_REFRESH: Duration = Duration::from_secs(10);

/// What one round of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tick {
    pub claimed: u32,
    pub sent: u32,
    pub retried: u32,
    pub abandoned: u32,
}

pub struct Worker {
    store: Arc<dyn Store>,
    config: WorkerConfig,
    deliverer: Deliverer,
    id: String,
    /// Most notices claimed at once; see [`claim_limit`].
    claim_limit: u32,
    /// Disabled channels the operator was told about: once per channel and run, with
    /// the key to set, rather than once per waiting notice on every retry.
    told_waiting: Mutex<BTreeSet<Channel>>,
}

impl Worker {
    /// Validates the configuration and prepares the channels (no network I/O yet).
    pub fn new(store: Arc<dyn Store>, config: NotifyConfig, carrier: CarrierInfo) -> Result<Self, SetupError> {
        let deliverer = Deliverer::new(&config, carrier)?;
        let routed_but_disabled = config.routed_but_disabled();
        for &channel in &routed_but_disabled {
            let key = NotifyConfig::enabling_key(channel);
            tracing::warn!(%channel, "notices are routed to a channel that is not enabled; they wait until {key} is true");
        }
        let claim_limit = claim_limit(&config);
        Ok(Self {
            store,
            config: config.worker,
            deliverer,
            id: worker_id(),
            claim_limit,
            told_waiting: Mutex::new(routed_but_disabled.into_iter().collect()),
        })
    }

    /// Unique per worker: host name and a random suffix.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claim the notices due at `now`, deliver them and record the outcomes. Times
    /// recorded are `now` plus the time this call has taken, so tests may pin `now`.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<Tick, StoreError> {
        let started = Instant::now();
        let claim = NoticeClaim {
            worker: self.id.clone(),
            now,
            lease: Duration::from_secs(self.config.lease_secs),
            limit: self.claim_limit,
        };
        let notices = self.store.claim_notices(&claim).await?;
        let mut tick = Tick { claimed: notices.len() as u32, ..Tick::default() };
        let clock = || now + started.elapsed();
        let mut outcomes = futures::stream::iter(notices)
            .map(|notice| self.process(notice, clock))
            .buffer_unordered(self.config.concurrency as usize);
        // Every outcome is recorded even when one fails to be, so one store error does
        // not leave the rest of the batch to wait for their leases.
        let mut first_error = None;
        while let Some(result) = outcomes.next().await {
            match result {
                Ok(Outcome::Sent) => tick.sent += 1,
                Ok(Outcome::Retried) => tick.retried += 1,
                Ok(Outcome::Abandoned) => tick.abandoned += 1,
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        first_error.map_or(Ok(tick), Err)
    }

    /// Delivers one notice and records the outcome; `clock` tells the current time.
    async fn process(&self, notice: Notice, clock: impl Fn() -> DateTime<Utc>) -> Result<Outcome, StoreError> {
        let channel = notice.channel.as_str();
        let result = self.deliverer.deliver(&notice, clock()).await;
        let at = clock();
        let (outcome, recorded) = match result {
            Ok(delivered) => {
                metrics::counter!(SENT_TOTAL, "channel" => channel).increment(1);
                let latency = (at - notice.created_at).to_std().unwrap_or_default();
                metrics::histogram!(DELIVERY_LATENCY).record(latency.as_secs_f64());
                tracing::debug!(notice = %notice.id, kind = %notice.kind, channel, "notice sent");
                (Outcome::Sent, DeliveryOutcome::Sent { provider_message_id: delivered.provider_message_id })
            }
            Err(error) => {
                metrics::counter!(FAILED_TOTAL, "channel" => channel).increment(1);
                let attempts = notice.attempts;
                let retry = |delay: Duration| at + delay;
                if error.is_not_configured() {
                    // Waits for the operator to enable the channel; checked rarely.
                    let retry_at = retry(Duration::from_secs(self.config.retry_max_secs));
                    self.tell_waiting(notice.channel);
                    tracing::debug!(notice = %notice.id, kind = %notice.kind, channel, %error, "notice waits for its channel");
                    (Outcome::Retried, DeliveryOutcome::Retry { at: retry_at, error: error.to_string() })
                } else if attempts >= self.config.max_attempts {
                    metrics::counter!(ABANDONED_TOTAL, "channel" => channel).increment(1);
                    tracing::error!(
                        notice = %notice.id, kind = %notice.kind, channel, attempts, %error,
                        "notice abandoned: the customer was not told; it needs a person"
                    );
                    (Outcome::Abandoned, DeliveryOutcome::Abandon { error: error.to_string() })
                } else {
                    let retry_at = retry(retry_delay(
                        attempts,
                        Duration::from_secs(self.config.retry_base_secs),
                        Duration::from_secs(self.config.retry_max_secs),
                        rand::random::<f64>(),
                    ));
                    tracing::warn!(
                        notice = %notice.id, kind = %notice.kind, channel, attempts, %error,
                        retry_at = %retry_at.to_rfc3339(), "notice delivery failed; will retry"
                    );
                    (Outcome::Retried, DeliveryOutcome::Retry { at: retry_at, error: error.to_string() })
                }
            }
        };
        if !self.store.finish_notice(notice.id, &self.id, &recorded, at).await? {
            // Our lease ran out and another worker took the notice over; it now decides.
            tracing::warn!(notice = %notice.id, kind = %notice.kind, channel, "notice was taken over by another worker");
        }
        Ok(outcome)
    }

    fn tell_waiting(&self, channel: Channel) {
        let first = self.told_waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(channel);
        if first {
            let key = NotifyConfig::enabling_key(channel);
            tracing::warn!(%channel, "notices for a channel that is not enabled wait until {key} is true");
        }
    }

    /// Runs rounds until `shutdown` completes; the round in progress then finishes,
    /// so no claimed notice is left to wait for its lease. Sleeps between rounds only
    /// when a round found nothing to do (or the store failed).
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        let poll = Duration::from_millis(self.config.poll_interval_ms);
        tracing::info!(worker = %self.id, "notice worker started");
        let mut counted: Option<Instant> = None;
        loop {
            let idle = match self.run_once(Utc::now()).await {
                Ok(tick) => tick.claimed == 0,
                Err(e) => {
                    tracing::error!(worker = %self.id, error = %e, "notice worker cannot reach the store");
                    true
                }
            };
            if counted.is_none_or(|at| at.elapsed() >= GAUGE_REFRESH) {
                self.refresh_gauges().await;
                counted = Some(Instant::now());
            }
            if idle {
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(poll) => {}
                }
            } else if shutdown.as_mut().now_or_never().is_some() {
                break;
            }
        }
        tracing::info!(worker = %self.id, "notice worker stopped");
    }

    async fn refresh_gauges(&self) {
        match self.store.notice_status_counts().await {
            Ok(counts) => {
                for (status, count) in counts {
                    metrics::gauge!(NOTICES_GAUGE, "status" => status.as_str()).set(count as f64);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot count notices"),
        }
    }
}

enum Outcome {
    Sent,
    Retried,
    Abandoned,
}

/// At most `batch_size`, and no more than the worker can finish within its lease even
/// if every delivery runs to its timeout: otherwise another worker could take over
/// notices this one is still sending, and the customer would be told twice.
fn claim_limit(config: &NotifyConfig) -> u32 {
    let w = &config.worker;
    let timeout = config.delivery_timeout().as_secs().max(1);
    // Whole waves of `concurrency` deliveries that fit in the lease (validated >= 1).
    let waves = (w.lease_secs.saturating_sub(5) / timeout).max(1);
    let fits = waves.saturating_mul(u64::from(w.concurrency));
    u32::try_from(fits).unwrap_or(u32::MAX).min(w.batch_size)
}

fn worker_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned());
    format!("{host}-{:08x}", rand::random::<u32>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_fit_in_the_lease() {
        let mut c = NotifyConfig::default();
        assert_eq!(claim_limit(&c), 50, "no channel enabled: nothing can take long");
        c.email.enabled = true; // 30 s per delivery, 120 s lease: 3 waves of 8
        assert_eq!(claim_limit(&c), 24);
        c.worker.lease_secs = 600;
        assert_eq!(claim_limit(&c), 50);
        c.worker.lease_secs = 36;
        assert_eq!(claim_limit(&c), 8, "at least one wave");
    }

    #[test]
    fn worker_ids_differ() {
        assert_ne!(worker_id(), worker_id());
    }
}
