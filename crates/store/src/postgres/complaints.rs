//! Complaints and questions to the privacy office, and actions against data brokers on
//! PostgreSQL: the shared implementation.

use super::{PgStore, begin_write};

crate::shared::complaints::complaints_backend!(PgStore, sqlx::PgPool, sqlx::Postgres, sqlx::PgConnection, begin_write);
