//! Marketing campaigns under supervisory review, audience snapshots and their records on SQLite.

use super::SqliteStore;

impl crate::CampaignStore for SqliteStore {}
