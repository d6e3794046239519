//! Marketing campaigns: records retention (issue 8).
//! The `[campaigns]` section.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignsConfig {
    /// Days a campaign's record, review trail and audience snapshots are kept after it
    /// completes or is withdrawn (47 CFR 64.2009(c): at least one year).
    pub retention_days: u32,
}

impl Default for CampaignsConfig {
    fn default() -> Self {
        Self { retention_days: 365 }
    }
}

impl CampaignsConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.retention_days < 365 {
            return Err("retention_days: campaign records are kept at least one year (365 days)".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_says_what_the_defaults_are() {
        let parsed: toml::Value = toml::from_str(include_str!("campaigns.toml")).unwrap();
        let section: CampaignsConfig = parsed["campaigns"].clone().try_into().unwrap();
        assert_eq!(section, CampaignsConfig::default());
        section.validate().unwrap();
    }

    #[test]
    fn less_than_a_year_is_refused() {
        assert!(CampaignsConfig { retention_days: 364 }.validate().is_err());
    }
}
