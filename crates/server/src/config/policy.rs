//! The disclosure gate's policy set: a carrier directory of `.cedar` files that extends or replaces the default set (issue 5).
//! The `[policy]` section.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {}

impl PolicyConfig {
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_says_what_the_defaults_are() {
        let parsed: toml::Value = toml::from_str(include_str!("policy.toml")).unwrap();
        let section: PolicyConfig = parsed["policy"].clone().try_into().unwrap();
        assert_eq!(section, PolicyConfig::default());
        section.validate().unwrap();
    }
}
