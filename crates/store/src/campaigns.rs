//! Marketing campaigns under supervisory review, audience snapshots and their records (issue 8).

use async_trait::async_trait;

#[async_trait]
pub trait CampaignStore: Send + Sync {}
