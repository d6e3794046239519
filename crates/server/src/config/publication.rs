//! Publishing the CPNI policy: the home-page banner after a material change (issue 9).
//! The `[publication]` section.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublicationConfig {
    /// Days the public home page announces a material change, counted from the day it
    /// takes effect.
    pub banner_days: u32,
    /// Accounts queued per transaction by the material-change mailing.
    pub mailing_batch: u32,
}

impl Default for PublicationConfig {
    fn default() -> Self {
        Self { banner_days: 30, mailing_batch: 1000 }
    }
}

impl PublicationConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=10_000).contains(&self.mailing_batch) {
            return Err("publication.mailing_batch must be between 1 and 10000".to_owned());
        }
        if self.banner_days > 366 {
            return Err("publication.banner_days must be at most 366".to_owned());
        }
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

    #[test]
    fn batches_out_of_range_are_refused() {
        let c = PublicationConfig { mailing_batch: 0, ..Default::default() };
        assert!(c.validate().is_err());
    }
}
