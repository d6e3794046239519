//! Training records and the annual CPNI certification (issue 9).
//! The `[certification]` section.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CertificationConfig {}

impl CertificationConfig {
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_says_what_the_defaults_are() {
        let parsed: toml::Value = toml::from_str(include_str!("certification.toml")).unwrap();
        let section: CertificationConfig = parsed["certification"].clone().try_into().unwrap();
        assert_eq!(section, CertificationConfig::default());
        section.validate().unwrap();
    }
}
