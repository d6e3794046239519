//! Complaints and questions to the privacy office, and actions against data brokers on PostgreSQL.

use super::PgStore;

impl crate::ComplaintStore for PgStore {}
