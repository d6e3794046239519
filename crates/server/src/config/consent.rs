//! Consent (issue 6) settings: the `[consent]` section — scopes and their tiers, the
//! rules' periods, and the opt-out mailbox.

use cpniguard_core::consent::{ConsentPolicy, ConsentTier, ScopeDef};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsentConfig {
    /// Days after an opt-out notice before approval is inferred (at least 30).
    pub waiting_period_days: u32,
    /// A mailed notice's waiting period starts this many days after mailing (3).
    pub mailed_notice_extra_days: u32,
    /// Opt-out notices are repeated this often, in months (24).
    pub renotice_months: u32,
    /// Days past the biennial date an old notice is still relied on.
    pub renotice_grace_days: u32,
    /// Longest a one-time (single call) approval lasts, in minutes.
    pub one_time_max_minutes: u32,
    /// Days history is kept after it stops being current (at least 365).
    pub retention_days: u32,
    /// The `Authentication-Results` server id of the carrier's own mail server. When
    /// set, a message whose DMARC, DKIM or SPF result there is `fail` is quarantined.
    /// Empty: results are not checked.
    pub trusted_authserv_id: String,
    /// The version of the opt-out notice text a notice campaign serves.
    pub notice_version: String,
    /// A notice campaign over the accounts due also takes those whose biennial
    /// re-notice date falls within this many days.
    pub renotice_horizon_days: u32,
    /// `serve` serves the opt-out notice once a day to every account it is due to.
    pub serve_due_notices: bool,
    /// Scopes and their tiers: `opt_out`, `opt_in`, `one_time`.
    pub scopes: Vec<ScopeDef>,
    /// When a failing opt-out path is "more than an anomaly" (47 CFR 64.2009(f)).
    pub optout_health: OptOutHealthConfig,
}

/// Thresholds of the opt-out health check: crossing one opens an opt-out failure
/// incident for that mechanism.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptOutHealthConfig {
    /// How often the check runs.
    pub check_interval_minutes: u32,
    /// Opt-out mail failing to be processed, with no success in between, or applied
    /// after waiting since its arrival (a database outage that held it), for longer
    /// than this.
    pub mail_ingest_failing_hours: u32,
    /// An opt-out message held for review (unmatched sender, failed authentication,
    /// unparseable) older than this.
    pub mail_review_max_age_hours: u32,
    /// Portal opt-outs are judged over this window...
    pub portal_window_minutes: u32,
    /// ...once it holds at least this many attempts...
    pub portal_min_attempts: u32,
    /// ...by the share of them that failed, in percent.
    pub portal_max_failure_percent: u32,
}

impl Default for OptOutHealthConfig {
    fn default() -> Self {
        Self {
            check_interval_minutes: 15,
            mail_ingest_failing_hours: 4,
            mail_review_max_age_hours: 72,
            portal_window_minutes: 60,
            portal_min_attempts: 10,
            portal_max_failure_percent: 20,
        }
    }
}

impl OptOutHealthConfig {
    fn validate(&self) -> Result<(), String> {
        if self.check_interval_minutes == 0 || self.portal_window_minutes == 0 || self.portal_min_attempts == 0 {
            return Err("optout_health: intervals, windows and attempts are at least 1".to_owned());
        }
        if self.portal_max_failure_percent > 100 {
            return Err("optout_health.portal_max_failure_percent: at most 100".to_owned());
        }
        Ok(())
    }
}

impl Default for ConsentConfig {
    fn default() -> Self {
        let p = ConsentPolicy::default();
        Self {
            waiting_period_days: p.waiting_period_days,
            mailed_notice_extra_days: p.mailed_notice_extra_days,
            renotice_months: p.renotice_months,
            renotice_grace_days: p.renotice_grace_days,
            one_time_max_minutes: p.one_time_max_minutes,
            retention_days: 365,
            trusted_authserv_id: String::new(),
            notice_version: "2026-01".to_owned(),
            renotice_horizon_days: 60,
            serve_due_notices: true,
            scopes: p.scopes,
            optout_health: OptOutHealthConfig::default(),
        }
    }
}

impl ConsentConfig {
    /// The rules' minimums (`cpniguard config check`).
    pub fn validate(&self) -> Result<(), String> {
        if self.retention_days < 365 {
            return Err("retention_days: at least 365 days (47 CFR 64.2009(c))".to_owned());
        }
        if self.notice_version.trim().is_empty() {
            return Err("notice_version: the version of the opt-out notice text".to_owned());
        }
        self.optout_health.validate()?;
        let policy = self.policy();
        policy.validate().map_err(|e| e.to_string())?;
        if !policy.scopes.iter().any(|s| s.tier == ConsentTier::OptOut) {
            return Err("scopes: at least one opt_out tier scope (carrier marketing)".to_owned());
        }
        Ok(())
    }

    pub fn policy(&self) -> ConsentPolicy {
        ConsentPolicy {
            scopes: self.scopes.clone(),
            waiting_period_days: self.waiting_period_days,
            mailed_notice_extra_days: self.mailed_notice_extra_days,
            renotice_months: self.renotice_months,
            renotice_grace_days: self.renotice_grace_days,
            one_time_max_minutes: self.one_time_max_minutes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        ConsentConfig::default().policy().validate().unwrap();
        assert!(ConsentConfig::default().retention_days >= 365);
        ConsentConfig::default().validate().unwrap();
    }

    #[test]
    fn short_waiting_period_or_retention_is_refused() {
        let c = ConsentConfig { waiting_period_days: 29, ..ConsentConfig::default() };
        assert!(c.validate().unwrap_err().contains("waiting_period_days"));
        let c = ConsentConfig { retention_days: 30, ..ConsentConfig::default() };
        assert!(c.validate().unwrap_err().contains("retention_days"));
    }
}
