//! Marketing campaigns: records retention (issue 8).
//! The `[campaigns]` section.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignsConfig {}

impl CampaignsConfig {
    pub fn validate(&self) -> Result<(), String> {
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
}
