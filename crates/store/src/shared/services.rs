//! Subscribed services.

use super::unsigned;
use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use cpniguard_core::cpni::Service;
use cpniguard_core::ids::{AccountId, ServiceId};
use cpniguard_core::money::Cents;
use cpniguard_core::phone::PhoneNumber;
use sqlx::encode::Encode;
use sqlx::types::Json;
use sqlx::{Database, Type};
use uuid::Uuid;

pub(crate) const LIST: &str = "SELECT id, account_id, service_type, service_number, quantity, configuration, \
    rate_plan, monthly_rate_cents, since, until FROM services WHERE account_id = $1 ORDER BY since, id";

/// Services per multi-row `INSERT` of a bulk load (10 parameters each).
pub(crate) const PER_INSERT: usize = 2_000;

/// One multi-row `INSERT` of services (one, when adding a service).
pub(crate) fn insert<DB>(services: &[&Service]) -> sqlx::QueryBuilder<DB>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> Json<&'a serde_json::Value>: Encode<'a, DB> + Type<DB>,
    for<'a> NaiveDate: Encode<'a, DB> + Type<DB>,
    for<'a> Option<NaiveDate>: Encode<'a, DB> + Type<DB>,
{
    let mut qb = sqlx::QueryBuilder::new(
        "INSERT INTO services (id, account_id, service_type, service_number, quantity, configuration, \
         rate_plan, monthly_rate_cents, since, until) ",
    );
    qb.push_values(services, |mut row, s| {
        row.push_bind(s.id.0)
            .push_bind(s.account_id.0)
            .push_bind(s.service_type.as_str())
            .push_bind(s.service_number.as_ref().map(PhoneNumber::as_str))
            .push_bind(i64::from(s.quantity))
            .push_bind(Json(&s.configuration))
            .push_bind(s.rate_plan.as_str())
            .push_bind(s.monthly_rate.0)
            .push_bind(s.since)
            .push_bind(s.until);
    });
    qb
}

#[derive(sqlx::FromRow)]
pub(crate) struct ServiceRow {
    id: Uuid,
    account_id: Uuid,
    service_type: String,
    service_number: Option<String>,
    quantity: i64,
    configuration: Json<serde_json::Value>,
    rate_plan: String,
    monthly_rate_cents: i64,
    since: NaiveDate,
    until: Option<NaiveDate>,
}

impl ServiceRow {
    pub(crate) fn into_service(self) -> StoreResult<Service> {
        let service_number = self
            .service_number
            .map(|n| PhoneNumber::parse(&n))
            .transpose()
            .map_err(|_| StoreError::corrupt("services", "service_number is not a telephone number"))?;
        Ok(Service {
            id: ServiceId(self.id),
            account_id: AccountId(self.account_id),
            service_type: self.service_type,
            service_number,
            quantity: unsigned("services", "quantity", self.quantity)?,
            configuration: self.configuration.0,
            rate_plan: self.rate_plan,
            monthly_rate: Cents(self.monthly_rate_cents),
            since: self.since,
            until: self.until,
        })
    }
}
