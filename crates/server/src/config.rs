//! Configuration: a TOML file, then `CPNIGUARD_`-prefixed environment variables
//! (`CPNIGUARD_DATABASE__URL` sets `database.url`), then secrets read from files named
//! by `*_FILE` variables (`CPNIGUARD_DATABASE__URL_FILE=/run/secrets/db`). Unknown keys
//! are errors, so a typo never silently falls back to a default.

use cpniguard_core::account::TimeZoneName;
use cpniguard_notify::{CarrierInfo, NotifyConfig};

mod audit;
mod breach;
mod campaigns;
mod certification;
mod complaints;
mod consent;
mod console;
mod customer_auth;
mod policy;
mod publication;
pub use audit::AuditConfig;
pub use breach::BreachConfig;
pub use campaigns::CampaignsConfig;
pub use certification::CertificationConfig;
pub use complaints::ComplaintsConfig;
pub use consent::{ConsentConfig, OptOutHealthConfig};
pub use console::ConsoleConfig;
pub use customer_auth::CustomerAuthConfig;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
pub use policy::PolicyConfig;
pub use publication::PublicationConfig;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::Path;

const ENV_PREFIX: &str = "CPNIGUARD_";
/// Top-level sections; environment variables outside them (such as the test suite's
/// `CPNIGUARD_TEST_POSTGRES_URL`) are not configuration and are ignored.
const SECTIONS: &[&str] = &[
    "server",
    "database",
    "security",
    "carrier",
    "rules",
    "log",
    "notices",
    "customer_auth",
    "consent",
    "audit",
    "breach",
    "policy",
    "publication",
    "complaints",
    "certification",
    "campaigns",
    "import",
    "console",
];

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub security: SecurityConfig,
    #[serde(default)]
    pub carrier: CarrierConfig,
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub log: LogConfig,
    /// Customer notices: the delivery worker, its channels and routing.
    #[serde(default)]
    pub notices: NotifyConfig,
    /// Customer authentication: secret hashing, lockout, recovery, portal sessions.
    #[serde(default)]
    pub customer_auth: CustomerAuthConfig,
    /// Consent scopes, waiting periods and the opt-out mailbox.
    #[serde(default)]
    pub consent: ConsentConfig,
    /// The audit chain: signing key, checkpoints, group commit, retention.
    #[serde(default)]
    pub audit: AuditConfig,
    /// Breach response: the federal regime followed.
    #[serde(default)]
    pub breach: BreachConfig,
    /// The disclosure gate's policy set: a carrier directory of `.cedar` files that extends or replaces the default set (issue 5).
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Publishing the CPNI policy: the home-page banner after a material change (issue 9).
    #[serde(default)]
    pub publication: PublicationConfig,
    /// Complaints to the privacy office and their mailbox (issue 9).
    #[serde(default)]
    pub complaints: ComplaintsConfig,
    /// Training records and the annual CPNI certification (issue 9).
    #[serde(default)]
    pub certification: CertificationConfig,
    /// Marketing campaigns: records retention (issue 8).
    #[serde(default)]
    pub campaigns: CampaignsConfig,
    /// Call detail import from the switches: sources and their formats (issue 19).
    #[serde(default)]
    pub import: cpniguard_import::ImportConfig,
    /// The web console's staff sessions and sign-in limits (issue 17).
    #[serde(default)]
    pub console: ConsoleConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    pub request_timeout_secs: u64,
    /// How long in-flight requests get to finish after a shutdown signal.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://path/file.db` (embedded) or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite://cpniguard.db".to_owned(), max_connections: 10, acquire_timeout_secs: 5 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Failed credential checks allowed from one source within the window...
    pub auth_failures_allowed: u32,
    pub auth_failure_window_secs: u64,
    /// ...after which that source is refused for this long (unknown tokens only).
    pub auth_block_secs: u64,
    /// Proxies (addresses or CIDR ranges) whose `Forwarded` / `X-Forwarded-For` name
    /// the client (`auth::client`).
    pub trusted_proxies: Vec<String>,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self { auth_failures_allowed: 10, auth_failure_window_secs: 60, auth_block_secs: 300, trusted_proxies: vec![] }
    }
}

impl SecurityConfig {
    /// The per-source limit on unknown staff tokens.
    pub fn token_rule(&self) -> cpniguard_store::auth_limits::SourceRule {
        cpniguard_store::auth_limits::SourceRule {
            allowed: self.auth_failures_allowed.max(1),
            window: seconds(self.auth_failure_window_secs),
            block: seconds(self.auth_block_secs),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CarrierConfig {
    pub name: String,
    /// The carrier's time zone: federal business days are counted in it.
    pub time_zone: String,
    /// Where customers send opt-out requests (the seed policy's marketing@ address).
    pub marketing_email: String,
    /// The privacy office's address for questions and complaints.
    pub privacy_email: String,
    pub privacy_postal_address: String,
    /// The number customers call when a notice tells them of a change they did not make.
    pub support_phone: String,
    pub website: String,
}

impl Default for CarrierConfig {
    fn default() -> Self {
        Self {
            name: "Example Carrier".to_owned(),
            time_zone: "America/New_York".to_owned(),
            marketing_email: "marketing@carrier.example".to_owned(),
            privacy_email: "privacy@carrier.example".to_owned(),
            privacy_postal_address: "The Privacy Office, 100 Main Street, Salt Lake City, UT 84101".to_owned(),
            support_phone: "+1 800 555 0100".to_owned(),
            website: "https://carrier.example".to_owned(),
        }
    }
}

/// Numbers taken from the federal rules; carriers may be stricter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    /// Days a contact point must be associated to be "of record" (64.2003(b)).
    pub of_record_days: u32,
    /// Months CPNI training stays valid.
    pub training_validity_months: u32,
    /// Months call detail (and the import quarantine) is kept; 47 CFR 42.6 requires
    /// toll records for 18 months. Older rows are deleted unless under a legal hold or
    /// tied to an open or retained breach incident.
    pub call_detail_retention_months: u32,
}

impl Default for RulesConfig {
    fn default() -> Self {
        Self { of_record_days: 30, training_validity_months: 12, call_detail_retention_months: 18 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A tracing filter such as `info` or `cpniguard_server=debug,info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: LogFormat::Text, level: "info".to_owned() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Figment(Box<figment::Error>),
    #[error("cannot read secret file {path} named by {var}: {source}")]
    SecretFile { var: String, path: String, source: std::io::Error },
    #[error("{key}: {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl From<figment::Error> for ConfigError {
    fn from(e: figment::Error) -> Self {
        ConfigError::Figment(Box::new(e))
    }
}

impl Config {
    /// Defaults, then the file (if any), then the environment (`*_FILE` variables name
    /// files whose content is the value, for secrets mounted by an orchestrator).
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, std::env::vars())
    }

    /// As [`Config::load`], with the environment given explicitly (for tests).
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::Invalid { key: "file", reason: format!("{} does not exist", path.display()) });
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        for (var, raw) in env {
            let Some(name) = var.strip_prefix(ENV_PREFIX) else { continue };
            let (name, value) = match name.strip_suffix("_FILE") {
                Some(name) => {
                    let secret = std::fs::read_to_string(&raw).map_err(|source| ConfigError::SecretFile {
                        var: var.clone(),
                        path: raw.clone(),
                        source,
                    })?;
                    (name, secret.trim_end_matches(['\r', '\n']).to_owned())
                }
                None => (name, raw),
            };
            let key = env_key(name);
            if in_known_section(&key) {
                // Parsed the way figment's own Env provider does: "10" is a number, "true" a bool.
                let value: figment::value::Value = value.parse().expect("parsing a figment value never fails");
                figment = figment.merge((key, value));
            }
        }
        let config: Config = figment.extract()?;
        config.validate()?;
        Ok(config)
    }

    /// Checks serde cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.database.url;
        if !(url.starts_with("sqlite:") || url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Err(ConfigError::Invalid {
                key: "database.url",
                reason: "must start with sqlite: or postgres:".to_owned(),
            });
        }
        if TimeZoneName::parse(&self.carrier.time_zone).is_err() {
            return Err(ConfigError::Invalid {
                key: "carrier.time_zone",
                reason: format!("{:?} is not an IANA time zone name", self.carrier.time_zone),
            });
        }
        if self.rules.of_record_days < 30 {
            return Err(ConfigError::Invalid {
                key: "rules.of_record_days",
                reason: "the federal minimum is 30 days (47 CFR 64.2003(b))".to_owned(),
            });
        }
        if self.rules.call_detail_retention_months < 18 {
            return Err(ConfigError::Invalid {
                key: "rules.call_detail_retention_months",
                reason: "toll records are kept at least 18 months (47 CFR 42.6)".to_owned(),
            });
        }
        if self.server.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid { key: "server.max_body_bytes", reason: "at least 1024".to_owned() });
        }
        self.notices.validate().map_err(|e| ConfigError::Invalid { key: "notices", reason: e.to_string() })?;
        self.audit.validate().map_err(|reason| ConfigError::Invalid { key: "audit", reason })?;
        self.customer_auth.validate().map_err(|reason| ConfigError::Invalid { key: "customer_auth", reason })?;
        self.consent.validate().map_err(|reason| ConfigError::Invalid { key: "consent", reason })?;
        self.breach.validate().map_err(|reason| ConfigError::Invalid { key: "breach", reason })?;
        self.campaigns.validate().map_err(|reason| ConfigError::Invalid { key: "campaigns", reason })?;
        self.certification.validate().map_err(|reason| ConfigError::Invalid { key: "certification", reason })?;
        self.complaints.validate().map_err(|reason| ConfigError::Invalid { key: "complaints", reason })?;
        self.publication.validate().map_err(|reason| ConfigError::Invalid { key: "publication", reason })?;
        self.policy.validate().map_err(|reason| ConfigError::Invalid { key: "policy", reason })?;
        for proxy in &self.security.trusted_proxies {
            crate::auth::client::Cidr::parse(proxy)
                .map_err(|reason| ConfigError::Invalid { key: "security.trusted_proxies", reason })?;
        }
        self.import.validate().map_err(|reason| ConfigError::Invalid { key: "import", reason })?;
        self.console.validate().map_err(|reason| ConfigError::Invalid { key: "console", reason })?;
        if self.security.auth_failures_allowed == 0 {
            return Err(ConfigError::Invalid {
                key: "security.auth_failures_allowed",
                reason: "at least 1".to_owned(),
            });
        }
        Ok(())
    }

    /// The commented example printed by `cpniguard config default`.
    pub fn default_toml() -> String {
        [
            include_str!("config/default.toml"),
            NotifyConfig::default_toml(),
            include_str!("config/customer_auth.toml"),
            include_str!("config/consent.toml"),
            include_str!("config/audit.toml"),
            include_str!("config/breach.toml"),
            include_str!("config/campaigns.toml"),
            include_str!("config/certification.toml"),
            include_str!("config/complaints.toml"),
            include_str!("config/publication.toml"),
            include_str!("config/policy.toml"),
            cpniguard_import::ImportConfig::default_toml(),
            include_str!("config/console.toml"),
        ]
        .join("\n")
    }

    /// What notice templates say about the carrier.
    pub fn carrier_info(&self) -> CarrierInfo {
        let c = &self.carrier;
        CarrierInfo {
            name: c.name.clone(),
            support_phone: c.support_phone.clone(),
            website: c.website.clone(),
            privacy_email: c.privacy_email.clone(),
            privacy_postal_address: c.privacy_postal_address.clone(),
        }
    }
}

/// A configured number of seconds as a duration (beyond a century is a century).
pub(crate) fn seconds(secs: u64) -> chrono::Duration {
    const CENTURY: u64 = 100 * 366 * 86_400;
    chrono::Duration::seconds(i64::try_from(secs.min(CENTURY)).unwrap_or_default())
}

/// `DATABASE__MAX_CONNECTIONS` → `database.max_connections`.
fn env_key(raw: &str) -> String {
    raw.to_ascii_lowercase().replace("__", ".")
}

fn in_known_section(key: &str) -> bool {
    let section = key.split('.').next().unwrap_or_default().to_ascii_lowercase();
    SECTIONS.contains(&section.as_str())
}

#[cfg(test)]
mod tests;
