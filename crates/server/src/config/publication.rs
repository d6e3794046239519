//! Publishing the CPNI policy: the home-page banner after a material change (issue 9).
//! The `[publication]` section.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublicationConfig {}

impl PublicationConfig {
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_says_what_the_defaults_are() {
        let parsed: toml::Value = toml::from_str(include_str!("publication.toml")).unwrap();
        let section: PublicationConfig = parsed["publication"].clone().try_into().unwrap();
        assert_eq!(section, PublicationConfig::default());
        section.validate().unwrap();
    }
}
