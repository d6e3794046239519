//! Customer authentication: credentials, interactions and their evidence, lockout,
//! recovery tokens, portal sessions (issue 4).

use async_trait::async_trait;

#[async_trait]
pub trait CustomerAuthStore: Send + Sync {}
