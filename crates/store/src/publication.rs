//! Published CPNI policy versions in English and Spanish, and material-change mailings (issue 9).

use async_trait::async_trait;

#[async_trait]
pub trait PublicationStore: Send + Sync {}
