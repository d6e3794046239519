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
