//! Complaints and questions to the privacy office, and actions against data brokers on SQLite.

use super::SqliteStore;

impl crate::ComplaintStore for SqliteStore {}
