//! Breach response (issue 7) settings: the `[breach]` section — which federal regime
//! is followed, optionally with departures from its parameters. Dates are counted in
//! `[carrier].time_zone`.

use cpniguard_core::breach::{Regime, RegimeParams};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreachConfig {
    /// `fcc-2007` (the rule in force) or `fcc-2023`.
    pub regime: Regime,
    /// A clock ending within this many days is listed as due soon.
    pub due_soon_days: u32,
    /// The largest affected-account list `POST …/affected-accounts` accepts, in bytes
    /// (larger lists: `cpniguard breach import-affected`).
    pub max_import_bytes: u64,
    /// Every parameter of the regime, replacing its federal values (a rule change
    /// before the software knows it). Absent: the regime's own values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<RegimeParams>,
}

impl Default for BreachConfig {
    fn default() -> Self {
        Self { regime: Regime::Fcc2007, due_soon_days: 3, max_import_bytes: 128 << 20, params: None }
    }
}

impl BreachConfig {
    /// The parameters in force: the overrides, or the regime's federal values.
    pub fn params(&self) -> RegimeParams {
        self.params.clone().unwrap_or_else(|| self.regime.params())
    }

    pub fn validate(&self) -> Result<(), String> {
        self.params().validate().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_rule_in_force() {
        let c = BreachConfig::default();
        c.validate().unwrap();
        assert_eq!(c.params(), RegimeParams::fcc_2007());
        let parsed: toml::Value = toml::from_str(include_str!("breach.toml")).unwrap();
        let section: BreachConfig = parsed["breach"].clone().try_into().unwrap();
        assert_eq!(section, c, "breach.toml says what the defaults are");
    }

    #[test]
    fn overrides_are_validated() {
        let mut params = RegimeParams::fcc_2023();
        params.agencies.clear();
        let c = BreachConfig { params: Some(params), ..BreachConfig::default() };
        assert!(c.validate().unwrap_err().contains("agencies"));
    }
}
