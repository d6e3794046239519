//! Legal process and fraud cases recorded by the privacy office, and third-party disclosures on PostgreSQL.

use super::PgStore;

impl crate::SpecialPurposeStore for PgStore {}
