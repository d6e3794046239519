use crate::auth::limiter::FailureLimiter;
use crate::config::Config;
use crate::gate::Gate;
use chrono::{DateTime, Utc};
use cpniguard_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use std::time::Duration;

/// Where "now" comes from. The server uses the system clock; tests may pin it.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Shared by every request. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub auth_limiter: Arc<FailureLimiter>,
    /// Failed customer credential checks per source (issue 4).
    pub customer_limiter: Arc<FailureLimiter>,
    pub metrics: PrometheusHandle,
    /// The disclosure gate: every CPNI read and use passes it (issue 5).
    pub gate: Arc<Gate>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config, clock: Arc<dyn Clock>, gate: Gate) -> Self {
        let sec = &config.security;
        let auth_limiter = FailureLimiter::new(
            sec.auth_failures_allowed,
            Duration::from_secs(sec.auth_failure_window_secs),
            Duration::from_secs(sec.auth_block_secs),
        );
        let ca = &config.customer_auth;
        let customer_limiter = FailureLimiter::new(
            ca.source_failures_allowed.max(1),
            Duration::from_secs(ca.source_window_secs),
            Duration::from_secs(ca.source_block_secs),
        );
        Self {
            customer_limiter: Arc::new(customer_limiter),
            store,
            config: Arc::new(config),
            clock,
            auth_limiter: Arc::new(auth_limiter),
            metrics: crate::metrics::handle(),
            gate: Arc::new(gate),
        }
    }

    /// A state whose audit checkpoints would be signed with a fresh key that is not
    /// kept: for tests and benchmarks, and for commands that disclose no CPNI (reports,
    /// imports), which write no audit entry and so sign nothing. Panics when the
    /// configured policy set is invalid.
    pub fn with_throwaway_key(store: Arc<dyn Store>, mut config: Config, clock: Arc<dyn Clock>) -> Self {
        // Checkpoints signed by a key nobody keeps anchor nothing.
        config.audit.anchor_file = std::path::PathBuf::new();
        let key = crate::audit_writer::keys::generate();
        let (gate, _writer) = Gate::start(store.clone(), &config, clock.clone(), key).expect("a valid policy set");
        Self::new(store, config, clock, gate)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
