//! Read endpoints for CPNI: services, calls, invoices. Open to the `admin` role only
//! until the disclosure gate decides access per purpose and customer authentication.

use crate::extract::{ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::cpni::{CallDetailRecord, Invoice, Service, TimeRange};
use cpniguard_core::ids::{AccountId, CallId, InvoiceId};
use cpniguard_store::{CallCursor, CallQuery, MAX_PAGE};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

async fn require_account(state: &AppState, id: AccountId) -> ApiResult<()> {
    state.store.get_account(id).await?.map(|_| ()).ok_or_else(|| Problem::not_found("account"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceList {
    pub services: Vec<Service>,
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/services", tag = "cpni",
    params(("id" = AccountId, Path, description = "Account id")),
    responses((status = 200, body = ServiceList), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn services(State(state): State<AppState>, ApiPath(id): ApiPath<AccountId>) -> ApiResult<Json<ServiceList>> {
    require_account(&state, id).await?;
    Ok(Json(ServiceList { services: state.store.list_services(id).await? }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CallParams {
    /// Start of the range (inclusive), RFC 3339. Default: 31 days before `to`.
    pub from: Option<DateTime<Utc>>,
    /// End of the range (exclusive), RFC 3339. Default: now.
    pub to: Option<DateTime<Utc>>,
    /// The `next_after` of the previous page.
    pub after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallList {
    pub calls: Vec<CallDetailRecord>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
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

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/calls", tag = "cpni",
    params(("id" = AccountId, Path, description = "Account id"), CallParams),
    responses(
        (status = 200, description = "Calls in the range, oldest first", body = CallList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn calls(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<AccountId>,
    ApiQuery(params): ApiQuery<CallParams>,
) -> ApiResult<Json<CallList>> {
    let to = params.to.unwrap_or_else(|| state.now());
    let from = params.from.unwrap_or(to - Duration::days(31));
    let range = TimeRange::new(from, to)?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ValidationError::new("limit", format!("1 to {MAX_PAGE}")).into());
    }
    let after = params.after.as_deref().map(decode_cursor).transpose()?;
    require_account(&state, id).await?;
    let page = state.store.list_calls(&CallQuery { account: id, range, after, limit }).await?;
    Ok(Json(CallList { calls: page.calls, next_after: page.next_after.as_ref().map(encode_cursor) }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceList {
    pub invoices: Vec<Invoice>,
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/invoices", tag = "cpni",
    params(("id" = AccountId, Path, description = "Account id")),
    responses((status = 200, description = "Newest first", body = InvoiceList), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn invoices(State(state): State<AppState>, ApiPath(id): ApiPath<AccountId>) -> ApiResult<Json<InvoiceList>> {
    require_account(&state, id).await?;
    Ok(Json(InvoiceList { invoices: state.store.list_invoices(id).await? }))
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/invoices/{invoice_id}", tag = "cpni",
    params(("id" = AccountId, Path, description = "Account id"), ("invoice_id" = InvoiceId, Path, description = "Invoice id")),
    responses((status = 200, body = Invoice), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn invoice(
    State(state): State<AppState>,
    ApiPath((id, invoice_id)): ApiPath<(AccountId, InvoiceId)>,
) -> ApiResult<Json<Invoice>> {
    let invoice = state.store.get_invoice(id, invoice_id).await?.ok_or_else(|| Problem::not_found("invoice"))?;
    Ok(Json(invoice))
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
