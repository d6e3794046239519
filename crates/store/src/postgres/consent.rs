use super::PgStore;
use crate::ConsentStore;
use async_trait::async_trait;

#[async_trait]
impl ConsentStore for PgStore {}
