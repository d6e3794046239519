//! Marketing campaigns under supervisory review, audience snapshots and their records on PostgreSQL.

use super::PgStore;

impl crate::CampaignStore for PgStore {}
