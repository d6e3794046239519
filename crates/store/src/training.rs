//! Staff CPNI training and discipline records, and the annual certification filings (issue 9).

use async_trait::async_trait;

#[async_trait]
pub trait TrainingStore: Send + Sync {}
