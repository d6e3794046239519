//! The disclosure gate's policy set (issue 5): the `[policy]` section. A carrier may
//! extend the default set with its own `.cedar` files, or replace it; the server
//! refuses to start on a set that fails validation against the schema.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// A directory of `.cedar` files; absent: the default set alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory: Option<PathBuf>,
    /// The directory's files replace the default set instead of extending it.
    pub replace_defaults: bool,
}

impl PolicyConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.replace_defaults && self.directory.is_none() {
            return Err("replace_defaults needs a directory of policies to replace them with".to_owned());
        }
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

    #[test]
    fn replacing_needs_a_directory() {
        let c = PolicyConfig { directory: None, replace_defaults: true };
        assert!(c.validate().unwrap_err().contains("directory"));
    }
}
