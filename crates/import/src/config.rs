//! The `[import]` configuration section: the default country for numbers written
//! without one, the batch size, and one table per source (a switch or an export) that
//! says what its files look like and how its rows map to accounts.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImportConfig {
    /// E.164 country code of numbers written without one. 1 is the North American
    /// Numbering Plan: 10 digits, 1 + 10 digits, 011 before international numbers.
    /// Other codes: a leading 0 is the national trunk prefix, 00 the international one.
    pub default_country_code: u16,
    /// Rows per transaction. Small enough that the audit writer and readers never wait
    /// long behind an import on SQLite.
    pub batch_rows: usize,
    /// Sources by name (`--source NAME`); the name is part of every call's
    /// de-duplication key, so keep it stable for a switch.
    pub sources: BTreeMap<String, SourceConfig>,
}

impl Default for ImportConfig {
    fn default() -> Self {
        Self { default_country_code: 1, batch_rows: 1000, sources: BTreeMap::new() }
    }
}

impl ImportConfig {
    /// The commented `[import]` section printed by `cpniguard config default`.
    pub fn default_toml() -> &'static str {
        include_str!("default.toml")
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(1..=999).contains(&self.default_country_code) {
            return Err("default_country_code: an E.164 country code is 1 to 3 digits".to_owned());
        }
        if !(1..=10_000).contains(&self.batch_rows) {
            return Err("batch_rows: 1 to 10000".to_owned());
        }
        for (name, source) in &self.sources {
            crate::rules::check_source_name(name).map_err(|e| format!("sources.{name}: {e}"))?;
            source.validate().map_err(|e| format!("sources.{name}.{e}"))?;
        }
        Ok(())
    }
}

/// The file formats `import cdr` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// Asterisk cdr_csv (`Master.csv`).
    #[serde(rename = "asterisk-csv")]
    AsteriskCsv,
    /// FreeSWITCH mod_cdr_csv with its stock `example` template.
    #[serde(rename = "freeswitch-csv")]
    FreeswitchCsv,
    /// Any CSV with a header row, mapped by the source's `[…csv]` table.
    #[serde(rename = "csv")]
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::AsteriskCsv => "asterisk-csv",
            Format::FreeswitchCsv => "freeswitch-csv",
            Format::Csv => "csv",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Format::AsteriskCsv, Format::FreeswitchCsv, Format::Csv].into_iter().find(|f| f.as_str() == s)
    }
}

/// The optional columns Asterisk's cdr.conf `[csv]` section adds, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AsteriskColumn {
    /// `loguniqueid = yes`
    Uniqueid,
    /// `loguserfield = yes`
    Userfield,
    /// `newcdrcolumns = yes`: peeraccount, linkedid, sequence.
    Newcdrcolumns,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceConfig {
    /// Used when `--format` is not given.
    pub format: Option<Format>,
    /// IANA zone the source writes its times in (`--timezone` overrides; UTC if unset).
    pub timezone: Option<String>,
    /// asterisk-csv: which optional columns the switch writes. Unset: told from the
    /// first row's column count where that is unambiguous (16, 18, 19 or 21 columns).
    pub asterisk_columns: Option<Vec<AsteriskColumn>>,
    /// asterisk-csv: take the calling number from the caller ID (`clid`) when `src`
    /// is not a telephone number (an extension on a hosted PBX).
    pub caller_id_from_clid: bool,
    /// Account code (Asterisk `accountcode`, FreeSWITCH `${accountcode}`) → account
    /// number: a row with a mapped code is an outbound call of that account.
    pub accountcodes: BTreeMap<String, String>,
    /// csv: which header names hold what.
    pub csv: Option<CsvMapping>,
}

impl SourceConfig {
    fn validate(&self) -> Result<(), String> {
        if let Some(tz) = &self.timezone {
            crate::rules::time_zone(tz).map_err(|e| format!("timezone: {e}"))?;
        }
        if self.format == Some(Format::Csv) && self.csv.is_none() {
            return Err("csv: a csv source needs its column mapping".to_owned());
        }
        Ok(())
    }
}

/// Header names of a generic CSV export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvMapping {
    /// The export's own unique id of the record; without it, a hash of the row is.
    pub record_id: Option<String>,
    pub caller: String,
    pub called: String,
    pub start: String,
    /// Billable (answered) seconds; without it, 0.
    pub billable_secs: Option<String>,
    pub accountcode: Option<String>,
    /// strftime pattern of `start` in the source's zone, or `rfc3339`, or `unix`.
    #[serde(default = "default_time_format")]
    pub time_format: String,
}

fn default_time_format() -> String {
    "%Y-%m-%d %H:%M:%S".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_reads_from_toml() {
        let text = r#"
            default_country_code = 1
            [sources.pbx1]
            format = "asterisk-csv"
            timezone = "America/Chicago"
            asterisk_columns = ["uniqueid", "userfield"]
            caller_id_from_clid = true
            accountcodes = { acme = "100200300" }
            [sources.rater]
            format = "csv"
            csv = { caller = "from", called = "to", start = "start_time", record_id = "id" }
        "#;
        let config: ImportConfig = toml::from_str(text).unwrap();
        config.validate().unwrap();
        assert_eq!(config.sources["pbx1"].accountcodes["acme"], "100200300");
        assert_eq!(config.sources["rater"].csv.as_ref().unwrap().time_format, "%Y-%m-%d %H:%M:%S");
    }

    #[test]
    fn the_fragment_says_what_the_defaults_are() {
        let parsed: toml::Value = toml::from_str(ImportConfig::default_toml()).unwrap();
        let section: ImportConfig = parsed["import"].clone().try_into().unwrap();
        assert_eq!(section, ImportConfig::default());
    }

    #[test]
    fn bad_zones_and_unmapped_csv_are_refused() {
        let bad: ImportConfig = toml::from_str("[sources.x]\ntimezone = \"Mars/Olympus\"\n").unwrap();
        assert!(bad.validate().is_err());
        let bad: ImportConfig = toml::from_str("[sources.x]\nformat = \"csv\"\n").unwrap();
        assert!(bad.validate().is_err());
    }
}
