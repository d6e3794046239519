use super::SqliteStore;
use crate::ConsentStore;
use async_trait::async_trait;

#[async_trait]
impl ConsentStore for SqliteStore {}
