//! The web console's staff sessions (issue 17). The `[console]` section.

use cpniguard_store::auth_limits::SourceRule;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// A session unused this long ends (a CSR who walks away from the screen).
    pub idle_minutes: u32,
    /// A session ends this long after sign-in whatever its use (one shift).
    pub absolute_hours: u32,
    /// Failed sign-ins for one user name within the window lock that user name...
    pub user_failures_allowed: u32,
    pub user_failure_window_secs: u64,
    /// ...for this long. Per user name, not per address: a call-center floor behind one
    /// address is not locked out by one colleague's typing.
    pub user_lock_secs: u64,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            idle_minutes: 15,
            absolute_hours: 8,
            user_failures_allowed: 5,
            user_failure_window_secs: 900,
            user_lock_secs: 900,
        }
    }
}

impl ConsoleConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.idle_minutes == 0 || self.absolute_hours == 0 || self.user_failures_allowed == 0 {
            return Err("idle_minutes, absolute_hours and user_failures_allowed must be at least 1".to_owned());
        }
        if u64::from(self.idle_minutes) > u64::from(self.absolute_hours) * 60 {
            return Err("idle_minutes cannot exceed absolute_hours".to_owned());
        }
        Ok(())
    }

    /// Failed sign-ins per user name.
    pub fn user_rule(&self) -> SourceRule {
        SourceRule {
            allowed: self.user_failures_allowed,
            window: crate::config::seconds(self.user_failure_window_secs),
            block: crate::config::seconds(self.user_lock_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_says_what_the_defaults_are() {
        let parsed: toml::Value = toml::from_str(include_str!("console.toml")).unwrap();
        let section: ConsoleConfig = parsed["console"].clone().try_into().unwrap();
        assert_eq!(section, ConsoleConfig::default());
        section.validate().unwrap();
    }

    #[test]
    fn an_idle_limit_beyond_the_session_is_refused() {
        let c = ConsoleConfig { idle_minutes: 600, absolute_hours: 8, ..ConsoleConfig::default() };
        assert!(c.validate().is_err());
    }
}
