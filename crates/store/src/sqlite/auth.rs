use super::SqliteStore;
use crate::CustomerAuthStore;
use async_trait::async_trait;

#[async_trait]
impl CustomerAuthStore for SqliteStore {}
