//! The fair baseline of `cpniguard bench gate` (issue 23): the staff call-detail page
//! without the gate's decision and audit append, so the cost of those two steps can be
//! measured as a ratio. [`router`] is the whole application — the same middleware, the
//! same token authentication, role table and refusal layer, the same path — with one
//! handler swapped: `GET /api/v1/accounts/{id}/calls` parses the same query, builds the
//! same gate request, then reads the page straight from the store's CPNI records.
//!
//! Why this cannot become a way around the gate: the handler reads through a
//! [`CpniRecords`] that the caller of [`router`] must hand in. `Store` has no CPNI
//! reads; only whoever opens the store holds them (`cpniguard_store::open`), and
//! `serve` gives them to `Gate::start` alone. So building this router needs a power
//! the caller already has — reading CPNI directly — and grants nothing more. `serve`
//! and every test build [`crate::router`]; this router is built only by `bench gate`,
//! which seeds its own synthetic carrier into an empty database it insists on.

use crate::api::cpni::CallParams;
use crate::application::reads::{CallList, CallPage};
use crate::auth::CurrentStaff;
use crate::extract::{ApiPath, ApiQuery};
use crate::gate::{RequestId, Target};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json, Router};
use cpniguard_core::ids::AccountId;
use cpniguard_policy::Action;
use cpniguard_store::CpniRecords;
use std::sync::Arc;

/// The application with the call-detail page read without a gate decision or audit
/// entry. For `bench gate` only; see the module's documentation.
pub fn router(state: AppState, records: Arc<dyn CpniRecords>) -> Router {
    crate::app::routes(state, get(calls).layer(Extension(records)))
}

/// `crate::api::cpni::calls` less `Gate::authorize`: the page is parsed and the gate
/// request built exactly as there, then the account the request targets is read.
async fn calls(
    State(state): State<AppState>,
    Extension(records): Extension<Arc<dyn CpniRecords>>,
    staff: CurrentStaff,
    request_id: RequestId,
    ApiPath(id): ApiPath<AccountId>,
    ApiQuery(params): ApiQuery<CallParams>,
) -> ApiResult<Json<CallList>> {
    let page = CallPage::parse(state.now(), params.from, params.to, params.after.as_deref(), params.limit)?;
    let request = page.gate_request(params.grounds().request(&staff, Action::ReadCallDetail, id, request_id));
    match request.target {
        Target::Account(account) => Ok(Json(records.list_calls(&page.query(account)).await?.into())),
        Target::Audience(_) | Target::ImportQuarantine => Err(Problem::internal()),
    }
}
