//! Per-source limits on failed unauthenticated checks (unknown staff tokens, portal
//! sign-in, recovery codes): after `allowed` failures within `window` the source is
//! refused for `block`. The counters are rows in the database (`AuthLimitStore`), so
//! two servers behind a load balancer count the same failures and a guesser gains
//! nothing by alternating between them. Checks a staff member makes for a caller are
//! not limited here (see `application::secret_checks::staff_limits`).

use crate::state::AppState;
use chrono::DateTime;
use chrono::Utc;
use cpniguard_store::StoreResult;
use cpniguard_store::auth_limits::{SourceFailures, SourceRule};
use std::sync::atomic::{AtomicU64, Ordering};

/// Failures recorded between two sweeps of stale counters.
const SWEEP_EVERY: u64 = 1_024;

/// One named per-source limit (the name is the metrics label and the counter's key).
#[derive(Debug)]
pub struct SourceLimit {
    pub name: &'static str,
    pub rule: SourceRule,
    recorded: AtomicU64,
}

impl SourceLimit {
    pub fn new(name: &'static str, rule: SourceRule) -> Self {
        Self { name, rule, recorded: AtomicU64::new(0) }
    }

    /// How many seconds longer `key` is refused, if it is. A refusal is counted in
    /// `cpniguard_auth_checks_refused_total{limit}`.
    pub async fn blocked_secs(&self, state: &AppState, key: &str) -> StoreResult<Option<u64>> {
        let now = state.now();
        let until = state.store.source_blocked_until(self.name, key, now).await?;
        Ok(until.map(|u| {
            metrics::counter!("cpniguard_auth_checks_refused_total", "limit" => self.name).increment(1);
            secs_until(u, now)
        }))
    }

    /// Count one failure of `key`; now and then forget stale counters.
    pub async fn record_failure(&self, state: &AppState, key: &str) -> StoreResult<SourceFailures> {
        let now = state.now();
        let after = state.store.record_source_failure(self.name, key, &self.rule, now).await?;
        if after.failures >= self.rule.allowed {
            metrics::counter!("cpniguard_auth_sources_blocked_total", "limit" => self.name).increment(1);
        }
        if self.recorded.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            let stale = now - self.rule.window.max(self.rule.block);
            if let Err(e) = state.store.sweep_source_limits(self.name, stale, now).await {
                tracing::warn!(error = %e, limit = self.name, "sweeping stale source counters");
            }
        }
        Ok(after)
    }
}

fn secs_until(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    u64::try_from((until - now).num_seconds()).unwrap_or(0).max(1)
}
