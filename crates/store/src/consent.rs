//! Consent: approval history per account and scope, notices served, opt-out mail
//! quarantine (issue 6).

use async_trait::async_trait;

#[async_trait]
pub trait ConsentStore: Send + Sync {}
