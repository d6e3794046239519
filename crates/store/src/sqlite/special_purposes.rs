//! Legal process and fraud cases. Not stored yet: the helper building issue 5's special
//! purposes replaces this with the shared implementation; until then every call says so.

use super::SqliteStore;
use crate::special_purposes::{FraudCase, LegalProcess};
use crate::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use cpniguard_core::ids::AccountId;
use uuid::Uuid;

fn not_yet<T>() -> StoreResult<T> {
    Err(StoreError::Unavailable("legal process and fraud case records are not stored yet".to_owned()))
}

#[async_trait::async_trait]
impl crate::SpecialPurposeStore for SqliteStore {
    async fn record_legal_process(&self, _: &LegalProcess) -> StoreResult<()> {
        not_yet()
    }
    async fn legal_process(&self, _: Uuid) -> StoreResult<Option<LegalProcess>> {
        not_yet()
    }
    async fn list_legal_processes(&self, _: Option<AccountId>) -> StoreResult<Vec<LegalProcess>> {
        not_yet()
    }
    async fn open_fraud_case(&self, _: &FraudCase) -> StoreResult<()> {
        not_yet()
    }
    async fn fraud_case(&self, _: Uuid) -> StoreResult<Option<FraudCase>> {
        not_yet()
    }
    async fn list_fraud_cases(&self, _: bool) -> StoreResult<Vec<FraudCase>> {
        not_yet()
    }
    async fn close_fraud_case(&self, _: Uuid, _: DateTime<Utc>) -> StoreResult<()> {
        not_yet()
    }
}
