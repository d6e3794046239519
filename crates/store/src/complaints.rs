//! Complaints and questions to the privacy office, and actions against data brokers (issue 9).

use async_trait::async_trait;

#[async_trait]
pub trait ComplaintStore: Send + Sync {}
