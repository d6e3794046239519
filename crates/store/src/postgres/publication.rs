//! Published CPNI policy versions in English and Spanish, and material-change mailings on PostgreSQL.

use super::PgStore;

impl crate::PublicationStore for PgStore {}
