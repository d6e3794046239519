//! Customer authentication (issue 4) settings: the `[customer_auth]` section.

use cpniguard_core::authn::LockoutPolicy;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CustomerAuthConfig {
    /// Argon2id memory cost in KiB, iterations and lanes (OWASP's 19 MiB, 2, 1 by default).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// How long an interaction (a call, a chat, a store visit) stays open.
    pub interaction_minutes: u32,
    /// Failures within the window that lock the account, and for how long.
    pub lockout_failures: u32,
    pub lockout_window_minutes: u32,
    pub lockout_minutes: u32,
    /// Progressive delay before answering a failed check: doubling from the base.
    pub delay_base_ms: u64,
    pub delay_max_ms: u64,
    /// Per-source limit on failed unauthenticated checks (portal sign-in, recovery
    /// codes), counted in the database so every server sees the same count. Checks a
    /// staff member makes for a caller are never limited by source.
    pub source_failures_allowed: u32,
    pub source_window_secs: u64,
    pub source_block_secs: u64,
    /// A failed portal sign-in is answered no sooner than this after it arrived (plus
    /// the back-off), whatever the email: the work done for an existing, a locked and
    /// an unknown account differs by a few database round trips, and this hides them.
    pub portal_failure_min_ms: u64,
    /// Portal session lifetime.
    pub session_minutes: u32,
    /// Mark the session cookie `Secure`. Set when the portal is served over TLS.
    pub secure_cookies: bool,
    /// Recovery codes expire after this long.
    pub recovery_minutes: u32,
    /// Failed checks on this many distinct accounts by one staff member or source
    /// within the signal window raise a pretexting signal.
    pub signal_failed_accounts: u32,
    pub signal_window_minutes: u32,
    /// Call-detail requests without a password on one account within the signal
    /// window that raise a pretexting signal.
    pub signal_call_detail_requests: u32,
    /// One staff member's failed checks on this many distinct accounts within
    /// `staff_signal_window_minutes` raise a pretexting signal for the privacy office.
    pub staff_signal_failed_accounts: u32,
    pub staff_signal_window_minutes: u32,
    /// From this many distinct accounts (same window) that staff member's failed checks
    /// are answered after a delay doubling from `staff_delay_base_ms`, capped at
    /// `staff_delay_max_ms`: slower, never refused.
    pub staff_delay_failed_accounts: u32,
    pub staff_delay_base_ms: u64,
    pub staff_delay_max_ms: u64,
    /// A staff member who sets or resets secrets on this many distinct accounts within
    /// `attested_signal_window_hours`, each authenticated only by evidence they attested
    /// themselves (photo ID, a call back they confirmed), raises a pretexting signal.
    pub attested_signal_accounts: u32,
    pub attested_signal_window_hours: u32,
}

impl Default for CustomerAuthConfig {
    fn default() -> Self {
        Self {
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            interaction_minutes: 30,
            lockout_failures: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 30,
            delay_base_ms: 100,
            delay_max_ms: 2_000,
            source_failures_allowed: 20,
            source_window_secs: 300,
            source_block_secs: 900,
            portal_failure_min_ms: 250,
            session_minutes: 30,
            secure_cookies: false,
            recovery_minutes: 30,
            signal_failed_accounts: 3,
            signal_window_minutes: 60,
            signal_call_detail_requests: 3,
            staff_signal_failed_accounts: 15,
            staff_signal_window_minutes: 10,
            staff_delay_failed_accounts: 25,
            staff_delay_base_ms: 500,
            staff_delay_max_ms: 8_000,
            attested_signal_accounts: 3,
            attested_signal_window_hours: 24,
        }
    }
}

impl CustomerAuthConfig {
    /// Check the section at load (so `cpniguard config check` refuses it): Argon2id
    /// parameters within argon2's limits, lockout and signal counts at least 1,
    /// lifetimes and windows above zero, the delay base not above its cap.
    pub fn validate(&self) -> Result<(), String> {
        argon2::Params::new(self.argon2_memory_kib, self.argon2_iterations, self.argon2_parallelism, None).map_err(
            |e| {
                format!(
                    "argon2_memory_kib = {}, argon2_iterations = {}, argon2_parallelism = {}: {e} (memory at least 8 KiB per lane, at least 1 iteration and 1 lane)",
                    self.argon2_memory_kib, self.argon2_iterations, self.argon2_parallelism
                )
            },
        )?;
        let at_least_one = [
            ("lockout_failures", u64::from(self.lockout_failures)),
            ("source_failures_allowed", u64::from(self.source_failures_allowed)),
            ("signal_failed_accounts", u64::from(self.signal_failed_accounts)),
            ("signal_call_detail_requests", u64::from(self.signal_call_detail_requests)),
            ("staff_signal_failed_accounts", u64::from(self.staff_signal_failed_accounts)),
            ("staff_delay_failed_accounts", u64::from(self.staff_delay_failed_accounts)),
            ("attested_signal_accounts", u64::from(self.attested_signal_accounts)),
        ];
        for (key, value) in at_least_one {
            if value < 1 {
                return Err(format!("{key} must be at least 1"));
            }
        }
        let above_zero = [
            ("interaction_minutes", u64::from(self.interaction_minutes)),
            ("lockout_window_minutes", u64::from(self.lockout_window_minutes)),
            ("lockout_minutes", u64::from(self.lockout_minutes)),
            ("source_window_secs", self.source_window_secs),
            ("source_block_secs", self.source_block_secs),
            ("session_minutes", u64::from(self.session_minutes)),
            ("recovery_minutes", u64::from(self.recovery_minutes)),
            ("signal_window_minutes", u64::from(self.signal_window_minutes)),
            ("staff_signal_window_minutes", u64::from(self.staff_signal_window_minutes)),
            ("attested_signal_window_hours", u64::from(self.attested_signal_window_hours)),
        ];
        for (key, value) in above_zero {
            if value == 0 {
                return Err(format!("{key} must be greater than 0"));
            }
        }
        if self.delay_base_ms > self.delay_max_ms {
            return Err(format!(
                "delay_base_ms ({}) must not exceed delay_max_ms ({})",
                self.delay_base_ms, self.delay_max_ms
            ));
        }
        if self.staff_delay_base_ms > self.staff_delay_max_ms {
            return Err(format!(
                "staff_delay_base_ms ({}) must not exceed staff_delay_max_ms ({})",
                self.staff_delay_base_ms, self.staff_delay_max_ms
            ));
        }
        Ok(())
    }

    /// How long to hold the answer to a staff member's failed check when they have
    /// failed on `accounts` distinct accounts in the window: nothing below
    /// `staff_delay_failed_accounts`, then doubling from the base, capped.
    pub fn staff_delay(&self, accounts: u64) -> std::time::Duration {
        let from = u64::from(self.staff_delay_failed_accounts);
        if accounts < from {
            return std::time::Duration::ZERO;
        }
        let exp = 2u64.saturating_pow(u32::try_from((accounts - from).min(20)).unwrap_or(20));
        std::time::Duration::from_millis(self.staff_delay_base_ms.saturating_mul(exp).min(self.staff_delay_max_ms))
    }

    /// The per-source limit on unauthenticated checks.
    pub fn source_rule(&self) -> cpniguard_store::auth_limits::SourceRule {
        cpniguard_store::auth_limits::SourceRule {
            allowed: self.source_failures_allowed.max(1),
            window: super::seconds(self.source_window_secs),
            block: super::seconds(self.source_block_secs),
        }
    }

    pub fn lockout_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_failures: self.lockout_failures.max(1),
            window: chrono::Duration::minutes(self.lockout_window_minutes.into()),
            lock_for: chrono::Duration::minutes(self.lockout_minutes.into()),
            base_delay: std::time::Duration::from_millis(self.delay_base_ms),
            max_delay: std::time::Duration::from_millis(self.delay_max_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CustomerAuthConfig;
    use std::time::Duration;

    #[test]
    fn staff_are_slowed_from_the_configured_account_count_never_before() {
        let c = CustomerAuthConfig::default();
        assert_eq!(c.staff_delay(24), Duration::ZERO);
        assert_eq!(c.staff_delay(25), Duration::from_millis(500));
        assert_eq!(c.staff_delay(26), Duration::from_millis(1_000));
        assert_eq!(c.staff_delay(500), Duration::from_millis(8_000), "capped");
    }

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(CustomerAuthConfig::default().validate(), Ok(()));
    }

    #[test]
    fn bad_values_are_refused_naming_the_key() {
        type Edit = fn(&mut CustomerAuthConfig);
        let cases: [(Edit, &str); 15] = [
            (|c| c.staff_signal_failed_accounts = 0, "staff_signal_failed_accounts"),
            (|c| c.staff_signal_window_minutes = 0, "staff_signal_window_minutes"),
            (|c| c.staff_delay_base_ms = c.staff_delay_max_ms + 1, "staff_delay_base_ms"),
            (|c| c.argon2_memory_kib = 0, "argon2_memory_kib"),
            (|c| c.argon2_iterations = 0, "argon2_iterations"),
            (|c| c.argon2_parallelism = 0, "argon2_parallelism"),
            (|c| c.argon2_parallelism = 0x0100_0000, "argon2_parallelism"),
            (|c| c.lockout_failures = 0, "lockout_failures"),
            (|c| c.signal_failed_accounts = 0, "signal_failed_accounts"),
            (|c| c.interaction_minutes = 0, "interaction_minutes"),
            (|c| c.lockout_minutes = 0, "lockout_minutes"),
            (|c| c.session_minutes = 0, "session_minutes"),
            (|c| c.recovery_minutes = 0, "recovery_minutes"),
            (|c| c.source_window_secs = 0, "source_window_secs"),
            (|c| c.delay_base_ms = c.delay_max_ms + 1, "delay_base_ms"),
        ];
        for (edit, key) in cases {
            let mut c = CustomerAuthConfig::default();
            edit(&mut c);
            let e = c.validate().unwrap_err();
            assert!(e.contains(key), "{key}: {e}");
        }
    }
}
