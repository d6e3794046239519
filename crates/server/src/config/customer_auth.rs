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
    /// Per-source limit on failed customer credential checks (in memory, per process).
    pub source_failures_allowed: u32,
    pub source_window_secs: u64,
    pub source_block_secs: u64,
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
            session_minutes: 30,
            secure_cookies: false,
            recovery_minutes: 30,
            signal_failed_accounts: 3,
            signal_window_minutes: 60,
            signal_call_detail_requests: 3,
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
        Ok(())
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

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(CustomerAuthConfig::default().validate(), Ok(()));
    }

    #[test]
    fn bad_values_are_refused_naming_the_key() {
        type Edit = fn(&mut CustomerAuthConfig);
        let cases: [(Edit, &str); 12] = [
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
