//! Timestamps as both backends store them: unix microseconds in an SQLite INTEGER (so
//! ranges compare and sort as numbers), `timestamptz` in PostgreSQL. Both keep
//! microseconds, so a time is truncated to the microsecond before it is written; what
//! is read back is then the same on either backend.

use chrono::{DateTime, Utc};
use sqlx::Type;
use sqlx::decode::Decode;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};

/// A UTC time in a database column. Bind `DbTime::from(now)`; read back with `.time()`.
/// The field is private so every value is already truncated to the microsecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct DbTime(DateTime<Utc>);

impl DbTime {
    pub(crate) fn time(self) -> DateTime<Utc> {
        self.0
    }

    /// Microseconds since the Unix epoch (rounded down).
    pub(crate) fn micros(self) -> i64 {
        self.0.timestamp_micros()
    }

    fn from_micros(micros: i64) -> Result<Self, BoxDynError> {
        DateTime::from_timestamp_micros(micros)
            .map(DbTime)
            .ok_or_else(|| format!("{micros} µs is outside the representable time range").into())
    }
}

impl From<DateTime<Utc>> for DbTime {
    /// Truncates to the microsecond, which is what both backends keep.
    fn from(t: DateTime<Utc>) -> Self {
        let micros = t.timestamp_micros();
        // Every DateTime<Utc> has a microsecond count that maps back; the fallback is
        // unreachable but keeps this conversion total.
        DbTime(DateTime::from_timestamp_micros(micros).unwrap_or(t))
    }
}

impl Type<Sqlite> for DbTime {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for DbTime {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.micros(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for DbTime {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        DbTime::from_micros(<i64 as Decode<Sqlite>>::decode(value)?)
    }
}

impl Type<Postgres> for DbTime {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <DateTime<Utc> as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for DbTime {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode(self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for DbTime {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        // PostgreSQL keeps microseconds, so this is already truncated.
        Ok(DbTime(<DateTime<Utc> as Decode<Postgres>>::decode(value)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn truncates_to_the_microsecond_downwards() {
        let t = Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap();
        assert_eq!(DbTime::from(t).micros(), 1_700_000_000_123_456);
        let before_epoch = Utc.timestamp_opt(-1, 999_999_999).unwrap();
        assert_eq!(DbTime::from(before_epoch).micros(), -1);
        assert_eq!(DbTime::from_micros(DbTime::from(t).micros()).unwrap(), DbTime::from(t));
    }
}
