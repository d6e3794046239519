//! Staff CPNI training and discipline records, and the annual certification filings on PostgreSQL.

use super::PgStore;

impl crate::TrainingStore for PgStore {}
