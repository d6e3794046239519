//! Training records and the annual CPNI certification (issue 9): the `[certification]`
//! section. How long training stays valid is `[rules].training_validity_months`, the
//! one value the disclosure gate also reads, so a record's default expiry and the gate
//! can never disagree.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CertificationConfig {
    /// The officer who signs the certificate (47 CFR 64.2009(e)); a request may name
    /// another. Empty: every request must name one.
    pub officer_name: String,
    pub officer_title: String,
    /// The carrier's FCC Form 499 filer id, printed on the certificate. Empty or digits.
    pub filer_id: String,
    /// Reminders start this many days before a training expires or a certification is due.
    pub reminder_lead_days: u32,
}

impl Default for CertificationConfig {
    fn default() -> Self {
        Self {
            officer_name: String::new(),
            officer_title: String::new(),
            filer_id: String::new(),
            reminder_lead_days: 30,
        }
    }
}

impl CertificationConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !self.filer_id.chars().all(|c| c.is_ascii_digit()) || self.filer_id.len() > 12 {
            return Err("filer_id: the FCC Form 499 filer id is up to 12 digits".to_owned());
        }
        if self.reminder_lead_days > 366 {
            return Err("reminder_lead_days: at most 366".to_owned());
        }
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

    #[test]
    fn filer_ids_are_digits() {
        let bad = CertificationConfig { filer_id: "82-1234".into(), ..CertificationConfig::default() };
        assert!(bad.validate().unwrap_err().contains("filer_id"));
        let good = CertificationConfig { filer_id: "831234".into(), ..CertificationConfig::default() };
        good.validate().unwrap();
    }
}
