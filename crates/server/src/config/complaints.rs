//! Complaints to the privacy office and their mailbox (issue 9).
//! The `[complaints]` section.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComplaintsConfig {}

impl ComplaintsConfig {
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_says_what_the_defaults_are() {
        let parsed: toml::Value = toml::from_str(include_str!("complaints.toml")).unwrap();
        let section: ComplaintsConfig = parsed["complaints"].clone().try_into().unwrap();
        assert_eq!(section, ComplaintsConfig::default());
        section.validate().unwrap();
    }
}
