//! Published CPNI policy versions in English and Spanish, and material-change mailings on SQLite.

use super::SqliteStore;

impl crate::PublicationStore for SqliteStore {}
