//! Reading CPNI through the gate: the caller's request (who, why, on what grounds) is
//! decided and recorded first, then the permit reads exactly what was decided. Staff
//! reads on the API and the console, and customers' own reads on the portal, all come
//! here.

use crate::gate::GateRequest;
use crate::problem::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::cpni::{CallDetailRecord, Invoice, Service, TimeRange};
use cpniguard_core::ids::{AccountId, CallId, InvoiceId};
use cpniguard_store::{CallCursor, CallQuery};
use serde::Serialize;
use utoipa::ToSchema;

/// The validated range and page of a call-detail query.
pub struct CallPage {
    range: TimeRange,
    after: Option<CallCursor>,
    limit: u32,
}

impl CallPage {
    pub fn parse(
        now: DateTime<Utc>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Self, ValidationError> {
        let to = to.unwrap_or(now);
        let range = TimeRange::new(from.unwrap_or(to - Duration::days(31)), to)?;
        let limit = super::page_limit(limit, 100)?;
        Ok(Self { range, after: after.map(decode_cursor).transpose()?, limit })
    }

    fn record_ref(&self) -> String {
        format!("calls:{}/{}", self.range.from.to_rfc3339(), self.range.to.to_rfc3339())
    }

    /// The gate request for this page: decided on its period, its range referenced.
    pub(crate) fn gate_request(&self, request: GateRequest) -> GateRequest {
        request.period(self.range).record_ref(self.record_ref())
    }

    /// The store's query for this page of `account` (what a permit for it reads).
    pub(crate) fn query(&self, account: AccountId) -> CallQuery {
        CallQuery { account, range: self.range, after: self.after, limit: self.limit }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallList {
    pub calls: Vec<CallDetailRecord>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

impl From<cpniguard_store::CallPage> for CallList {
    fn from(read: cpniguard_store::CallPage) -> Self {
        Self { next_after: read.next_after.as_ref().map(encode_cursor), calls: read.calls }
    }
}

/// Cursors are `<start in microseconds since the epoch>.<call id>`: opaque to clients,
/// stable across backends.
fn encode_cursor(c: &CallCursor) -> String {
    format!("{}.{}", c.started_at.timestamp_micros(), c.id.0)
}

fn decode_cursor(s: &str) -> Result<CallCursor, ValidationError> {
    let bad = || ValidationError::new("after", "use the next_after value of the previous page");
    let (micros, id) = s.split_once('.').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let started_at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok(CallCursor { started_at, id: CallId(id) })
}

/// One page of call detail in the page's range: the gate decides on that period, then
/// the permit reads it.
pub async fn calls(state: &AppState, request: GateRequest, page: CallPage) -> ApiResult<CallList> {
    let permit = state.gate.authorize(state, page.gate_request(request)).await?;
    Ok(permit.calls(page.after, page.limit).await?.into())
}

/// The account's services, if the gate allows the request.
pub async fn services(state: &AppState, request: GateRequest) -> ApiResult<Vec<Service>> {
    state.gate.authorize(state, request).await?.services().await
}

/// The account's invoices, newest first, if the gate allows the request.
pub async fn invoices(state: &AppState, request: GateRequest) -> ApiResult<Vec<Invoice>> {
    state.gate.authorize(state, request).await?.invoices().await
}

/// One invoice of the account, if the gate allows the request.
pub async fn invoice(state: &AppState, request: GateRequest, id: InvoiceId) -> ApiResult<Invoice> {
    state.gate.authorize(state, request).await?.invoice(id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c =
            CallCursor { started_at: DateTime::from_timestamp_micros(1_760_000_000_123_456).unwrap(), id: CallId(42) };
        assert_eq!(decode_cursor(&encode_cursor(&c)).unwrap(), c);
        for bad in ["", "abc", "1.x", "x.1", "1"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
