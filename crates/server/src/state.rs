use crate::auth::client::{Cidr, trusted_proxies};
use crate::auth::limiter::SourceLimit;
use crate::config::Config;
use crate::gate::Gate;
use chrono::{DateTime, Utc};
use cpniguard_store::{Store, StoreWithRecords};
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

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
    /// Everything but the CPNI reads: those only the gate holds, and lends out in a
    /// [`Permit`](crate::gate::Permit).
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// Unknown staff tokens per client address (`security.auth_*`).
    pub token_limit: Arc<SourceLimit>,
    /// Failed portal sign-ins and recovery codes per client address
    /// (`customer_auth.source_*`). Staff-mediated checks are not limited by source.
    pub portal_limit: Arc<SourceLimit>,
    /// Failed console sign-ins per user name (`console.user_*`): the lockout.
    pub console_user_limit: Arc<SourceLimit>,
    /// `security.trusted_proxies`, parsed: whose forwarding headers name the client.
    pub trusted_proxies: Arc<[Cidr]>,
    pub metrics: PrometheusHandle,
    /// The disclosure gate: every CPNI read and use passes it (issue 5).
    pub gate: Arc<Gate>,
    /// Failed checks without identity, counted per source and minute for the audit
    /// chain (`auth::unidentified`).
    pub unidentified: Arc<crate::auth::unidentified::UnidentifiedTally>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config, clock: Arc<dyn Clock>, gate: Gate) -> Self {
        let token_limit = SourceLimit::new("staff_token_source", config.security.token_rule());
        let portal_limit = SourceLimit::new("portal_source", config.customer_auth.source_rule());
        let console_user_limit = SourceLimit::new("console_user", config.console.user_rule());
        // Make the dummy hash now, so the first sign-in with an unknown email takes no
        // longer than any other failed sign-in.
        if let Ok(hasher) = crate::application::secret_checks::hasher::SecretHasher::for_config(&config.customer_auth) {
            hasher.dummy_verify(&cpniguard_core::authn::Secret::new("warm-up"));
        }
        Self {
            token_limit: Arc::new(token_limit),
            portal_limit: Arc::new(portal_limit),
            console_user_limit: Arc::new(console_user_limit),
            trusted_proxies: trusted_proxies(&config.security.trusted_proxies).into(),
            store,
            config: Arc::new(config),
            clock,
            metrics: crate::metrics::handle(),
            gate: Arc::new(gate),
            unidentified: Arc::default(),
        }
    }

    /// A state whose audit checkpoints would be signed with a fresh key that is not
    /// kept: for tests and benchmarks, and for commands that disclose no CPNI (reports,
    /// imports), which write no audit entry and so sign nothing. Panics when the
    /// configured policy set is invalid.
    pub fn with_throwaway_key(store: Arc<dyn StoreWithRecords>, mut config: Config, clock: Arc<dyn Clock>) -> Self {
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
