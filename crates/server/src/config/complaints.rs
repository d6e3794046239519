//! Complaints to the privacy office and their mailbox (issue 9).
//! The `[complaints]` section.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComplaintsConfig {
    /// The privacy mailbox piped to `cpniguard mail ingest --mailbox privacy`. Empty:
    /// `[carrier].privacy_email`. Mail from this address itself (our own mail coming
    /// back) is quarantined rather than filed as a complaint.
    pub mailbox_address: String,
}

impl ComplaintsConfig {
    /// The privacy mailbox's address: the configured one, or the carrier's privacy address.
    pub fn mailbox_address<'a>(&'a self, carrier_privacy_email: &'a str) -> &'a str {
        if self.mailbox_address.trim().is_empty() { carrier_privacy_email } else { self.mailbox_address.trim() }
    }

    pub fn validate(&self) -> Result<(), String> {
        let address = self.mailbox_address.trim();
        if !address.is_empty() && cpniguard_core::email::EmailAddress::parse(address).is_err() {
            return Err(format!("mailbox_address {address:?} is not an email address"));
        }
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

    #[test]
    fn the_mailbox_defaults_to_the_privacy_address_and_must_be_an_address() {
        let mut c = ComplaintsConfig::default();
        assert_eq!(c.mailbox_address("privacy@carrier.example"), "privacy@carrier.example");
        c.mailbox_address = "complaints@carrier.example".to_owned();
        assert_eq!(c.mailbox_address("privacy@carrier.example"), "complaints@carrier.example");
        c.validate().unwrap();
        c.mailbox_address = "not an address".to_owned();
        assert!(c.validate().is_err());
    }
}
