//! Legal holds and retention deletes on SQLite: the shared implementation. Call detail
//! is one table here: retention deletes in bounded batches, nothing is made or dropped
//! by month.

use super::{SqliteStore, begin_write};

crate::shared::retention::retention_backend!(SqliteStore, begin_write);

mod whole_months {
    use super::SqliteStore;
    use crate::StoreResult;
    use crate::retention::MonthCounts;
    use chrono::{DateTime, NaiveDate, Utc};
    use cpniguard_core::cpni::CallDetailRecord;

    impl SqliteStore {
        pub(crate) async fn make_room_for_calls(&self, _calls: &[CallDetailRecord]) -> StoreResult<()> {
            Ok(())
        }

        pub(crate) async fn drop_expired_call_months(
            &self,
            _before: DateTime<Utc>,
            _today: NaiveDate,
        ) -> StoreResult<MonthCounts> {
            Ok(MonthCounts::new())
        }
    }
}
