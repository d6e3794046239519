use super::PgStore;
use crate::CustomerAuthStore;
use async_trait::async_trait;

#[async_trait]
impl CustomerAuthStore for PgStore {}
