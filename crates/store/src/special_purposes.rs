//! Legal process and fraud cases recorded by the privacy office, and third-party disclosures (issue 5).

use async_trait::async_trait;

#[async_trait]
pub trait SpecialPurposeStore: Send + Sync {}
