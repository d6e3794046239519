//! The `[notices]` configuration section: the delivery worker, one block per channel and
//! the routing of account-change events to channels. Unknown keys are errors (a typo must
//! not silently disable a channel); [`NotifyConfig::validate`] checks what serde cannot.

use cpniguard_core::email::EmailAddress;
use cpniguard_core::notice::{Channel, NoticeRouting};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    pub worker: WorkerConfig,
    pub email: EmailConfig,
    pub webhook: WebhookConfig,
    pub postal: PostalConfig,
    pub routing: NoticeRouting,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    pub enabled: bool,
    /// Pause between polls when nothing was due.
    pub poll_interval_ms: u64,
    /// Most notices claimed at once.
    pub batch_size: u32,
    /// How long a claim holds its notices before another worker may take them over.
    pub lease_secs: u64,
    /// Attempts before a notice is abandoned (and the privacy office alerted).
    pub max_attempts: u32,
    /// Retry delays grow from this base, doubling per attempt, up to the maximum.
    pub retry_base_secs: u64,
    pub retry_max_secs: u64,
    /// Deliveries in flight at once.
    pub concurrency: u32,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_interval_ms: 500,
            batch_size: 50,
            lease_secs: 120,
            max_attempts: 8,
            retry_base_secs: 30,
            retry_max_secs: 3600,
            concurrency: 8,
        }
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same host or a test server.
    None,
    /// Plain connection upgraded with STARTTLS, which is required.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    pub enabled: bool,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub from_address: String,
    /// The display name of the sender; the carrier's name when unset.
    pub from_name: Option<String>,
    /// Message-IDs are `<notice id@this domain>`, the same for every attempt.
    pub message_id_domain: String,
    /// Most SMTP connections kept open.
    pub pool_max: u32,
    /// The longest one delivery (and each SMTP command) may take.
    pub timeout_secs: u64,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            smtp_host: "127.0.0.1".to_owned(),
            smtp_port: 25,
            tls: SmtpTls::Starttls,
            username: None,
            password: None,
            from_address: "notices@carrier.example".to_owned(),
            from_name: None,
            message_id_domain: "carrier.example".to_owned(),
            pool_max: 4,
            timeout_secs: 30,
        }
    }
}

/// The SMS/voice gateway: one HTTP endpoint used for both channels (the JSON body says
/// which); see [`crate::channels::webhook`] for the contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    pub enabled: bool,
    pub url: String,
    /// The header carrying `auth_value`.
    pub auth_header: String,
    pub auth_value: Option<Secret>,
    /// The longest one request may take.
    pub timeout_secs: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            url: String::new(),
            auth_header: "Authorization".to_owned(),
            auth_value: None,
            timeout_secs: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostalConfig {
    pub enabled: bool,
    /// Letters for the mail house: `YYYY-MM-DD/{notice id}.pdf` and a daily
    /// `YYYY-MM-DD/manifest.csv` below this directory.
    pub spool_dir: String,
}

impl Default for PostalConfig {
    fn default() -> Self {
        Self { enabled: false, spool_dir: "postal-spool".to_owned() }
    }
}

/// What notices say about the carrier; supplied by the caller (the server's
/// `[carrier]` section), not part of `[notices]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierInfo {
    pub name: String,
    /// The number a customer calls about a change they did not make.
    pub support_phone: String,
    pub website: String,
    pub privacy_email: String,
    pub privacy_postal_address: String,
}

/// A password or token: its `Debug` output is redacted so it never reaches a log.
/// Numbers and booleans are accepted as text, because an environment variable holding
/// only digits arrives as a number.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret::new(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Secret, E> {
                Ok(Secret::new(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Secret, E> {
                Ok(Secret::new(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Secret, E> {
                Ok(Secret::new(v.to_string()))
            }
        }
        deserializer.deserialize_any(Text)
    }
}

/// A configuration value that cannot work; `key` is relative to `[notices]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct ConfigError {
    pub key: &'static str,
    pub reason: String,
}

fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError { key, reason: reason.into() }
}

/// Postal letters are written locally; this bounds a stuck file system.
pub(crate) const POSTAL_TIMEOUT: Duration = Duration::from_secs(30);

impl NotifyConfig {
    /// Checks serde cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let w = &self.worker;
        for (key, value) in [
            ("worker.batch_size", w.batch_size),
            ("worker.concurrency", w.concurrency),
            ("worker.max_attempts", w.max_attempts),
        ] {
            if value == 0 {
                return Err(invalid(key, "at least 1"));
            }
        }
        if w.poll_interval_ms == 0 {
            return Err(invalid("worker.poll_interval_ms", "at least 1"));
        }
        if w.retry_base_secs == 0 || w.retry_max_secs < w.retry_base_secs {
            return Err(invalid("worker.retry_base_secs", "at least 1, and retry_max_secs at least as long"));
        }
        if self.email.enabled {
            self.validate_email()?;
        }
        if self.webhook.enabled {
            let url = &self.webhook.url;
            let ok = reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if !ok {
                return Err(invalid("webhook.url", "an enabled webhook needs an http:// or https:// URL"));
            }
            if self.webhook.timeout_secs == 0 {
                return Err(invalid("webhook.timeout_secs", "at least 1"));
            }
            if reqwest::header::HeaderName::from_bytes(self.webhook.auth_header.as_bytes()).is_err() {
                return Err(invalid("webhook.auth_header", "not a valid HTTP header name"));
            }
        }
        if self.postal.enabled && self.postal.spool_dir.trim().is_empty() {
            return Err(invalid("postal.spool_dir", "an enabled postal channel needs a directory"));
        }
        // A claim must outlast deliveries that all time out at once, or another worker
        // takes the notices over while they are still being sent.
        let margin = Duration::from_secs(5);
        if Duration::from_secs(w.lease_secs) < self.delivery_timeout() + margin {
            return Err(invalid("worker.lease_secs", "must exceed the longest channel timeout by 5 seconds"));
        }
        Ok(())
    }

    fn validate_email(&self) -> Result<(), ConfigError> {
        let e = &self.email;
        if EmailAddress::parse(&e.from_address).is_err() {
            return Err(invalid("email.from_address", "an enabled email channel needs a valid sender address"));
        }
        if e.smtp_host.trim().is_empty() || e.smtp_port == 0 {
            return Err(invalid("email.smtp_host", "an enabled email channel needs a host and port"));
        }
        if e.message_id_domain.trim().is_empty() || e.message_id_domain.contains(['<', '>', '@', ' ']) {
            return Err(invalid("email.message_id_domain", "a domain name such as carrier.example"));
        }
        if e.username.is_some() != e.password.is_some() {
            return Err(invalid("email.username", "username and password go together"));
        }
        if e.pool_max == 0 || e.timeout_secs == 0 {
            return Err(invalid("email.pool_max", "pool_max and timeout_secs must be at least 1"));
        }
        Ok(())
    }

    /// Channels the routing sends notices to that are not enabled: their notices wait
    /// (retried, never abandoned) until the operator enables them.
    pub fn routed_but_disabled(&self) -> Vec<Channel> {
        let r = &self.routing;
        let postal = r.postal_when_no_email.then_some(&Channel::Postal);
        let mut channels: Vec<Channel> =
            r.default_channels.iter().chain(r.per_event.values().flatten()).chain(postal).copied().collect();
        channels.sort();
        channels.dedup();
        channels.retain(|&c| match c {
            Channel::Email => !self.email.enabled,
            Channel::Sms | Channel::Voice => !self.webhook.enabled,
            Channel::Postal => !self.postal.enabled,
        });
        channels
    }

    /// The configuration key that enables `channel`, for messages to the operator.
    pub fn enabling_key(channel: Channel) -> &'static str {
        match channel {
            Channel::Email => "[notices.email] enabled (CPNIGUARD_NOTICES__EMAIL__ENABLED)",
            Channel::Sms | Channel::Voice => "[notices.webhook] enabled (CPNIGUARD_NOTICES__WEBHOOK__ENABLED)",
            Channel::Postal => "[notices.postal] enabled (CPNIGUARD_NOTICES__POSTAL__ENABLED)",
        }
    }

    /// The longest a single delivery may take on any enabled channel.
    pub(crate) fn delivery_timeout(&self) -> Duration {
        let mut longest = Duration::ZERO;
        if self.email.enabled {
            longest = longest.max(Duration::from_secs(self.email.timeout_secs));
        }
        if self.webhook.enabled {
            longest = longest.max(Duration::from_secs(self.webhook.timeout_secs));
        }
        if self.postal.enabled {
            longest = longest.max(POSTAL_TIMEOUT);
        }
        longest
    }

    /// The commented `[notices]` section with every default, for `cpniguard config
    /// default`.
    pub fn default_toml() -> &'static str {
        include_str!("config/default.toml")
    }
}

#[cfg(test)]
mod tests;
