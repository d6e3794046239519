//! Staff CPNI training and discipline records, and the annual certification filings on SQLite.

use super::SqliteStore;

impl crate::TrainingStore for SqliteStore {}
