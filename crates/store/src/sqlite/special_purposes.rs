//! Legal process and fraud cases recorded by the privacy office, and third-party disclosures on SQLite.

use super::SqliteStore;

impl crate::SpecialPurposeStore for SqliteStore {}
