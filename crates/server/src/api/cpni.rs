//! Read endpoints for CPNI: services, calls, invoices — for staff, and for customers on
//! the portal. Every read passes the disclosure gate first (`crate::gate`): the caller
//! names the purpose and, on a customer interaction, the interaction whose
//! authentication evidence the read rests on (or the legal process or fraud case it is
//! made under); the gate decides, records the decision in the audit chain, and only
//! then is the data read. A refusal is a 403 naming the deciding policies and what
//! would be allowed instead.

use crate::application::reads::{self, CallList, CallPage};
use crate::auth::CurrentStaff;
use crate::auth::customer::CurrentCustomer;
use crate::extract::{ApiPath, ApiQuery};
use crate::gate::{GateRequest, RequestId, Target};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use cpniguard_core::cpni::{Invoice, Service};
use cpniguard_core::ids::{AccountId, FraudCaseId, InteractionId, InvoiceId, LegalProcessId};
use cpniguard_policy::{Action, Channel, Purpose};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Why and on what grounds staff read an account's CPNI (query parameters).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Grounds {
    /// One of the seven purposes: service_and_support, billing, legal_process,
    /// fraud_protection, marketing_with_approval, pic_freeze_inquiry, directory_listing.
    #[param(value_type = String)]
    pub purpose: Purpose,
    /// The customer interaction (call, chat, visit) whose authentication evidence the
    /// read rests on; its channel is the channel of the read.
    pub interaction: Option<Uuid>,
    /// The channel when no interaction is named (default `none`).
    #[param(value_type = Option<String>)]
    pub channel: Option<Channel>,
    /// The recorded subpoena or court order (purpose legal_process).
    pub legal_process: Option<Uuid>,
    /// The open fraud case (purpose fraud_protection).
    pub fraud_case: Option<Uuid>,
}

impl Grounds {
    pub(crate) fn request(
        &self,
        staff: &CurrentStaff,
        action: Action,
        account: AccountId,
        request_id: RequestId,
    ) -> GateRequest {
        GateRequest::staff(&staff.0, action, self.purpose, Target::Account(account))
            .channel(self.channel.unwrap_or(Channel::None))
            .interaction(self.interaction.map(InteractionId))
            .legal_process(self.legal_process.map(LegalProcessId))
            .fraud_case(self.fraud_case.map(FraudCaseId))
            .request_id(request_id.0)
    }
}

/// A customer's own reads on the portal: service and support, online, on the evidence
/// of their session's login.
fn own_request(customer: &CurrentCustomer, action: Action, request_id: RequestId) -> GateRequest {
    GateRequest::customer(
        customer.account_id,
        InteractionId(customer.interaction_id),
        action,
        Purpose::ServiceAndSupport,
    )
    .request_id(request_id.0)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceList {
    pub services: Vec<Service>,
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/services", tag = "cpni",
    params(("id" = AccountId, Path, description = "Account id"), Grounds),
    responses(
        (status = 200, body = ServiceList),
        (status = 403, description = "Refused by the disclosure policy, with what would be allowed instead", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn services(
    State(state): State<AppState>,
    staff: CurrentStaff,
    request_id: RequestId,
    ApiPath(id): ApiPath<AccountId>,
    ApiQuery(grounds): ApiQuery<Grounds>,
) -> ApiResult<Json<ServiceList>> {
    let request = grounds.request(&staff, Action::ReadServices, id, request_id).record_ref("services");
    Ok(Json(ServiceList { services: reads::services(&state, request).await? }))
}

/// The call-detail query: the range and page, and the same grounds as [`Grounds`]
/// (listed again because a query string cannot be split between two extractors).
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
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// As in [`Grounds`]: the purpose of the read.
    #[param(value_type = String)]
    pub purpose: Purpose,
    /// As in [`Grounds`]: the interaction whose evidence the read rests on.
    pub interaction: Option<Uuid>,
    /// As in [`Grounds`]: the channel when no interaction is named.
    #[param(value_type = Option<String>)]
    pub channel: Option<Channel>,
    /// As in [`Grounds`]: the recorded legal process; its date range must cover `from`..`to`.
    pub legal_process: Option<Uuid>,
    /// As in [`Grounds`]: the open fraud case.
    pub fraud_case: Option<Uuid>,
}

impl CallParams {
    pub(crate) fn grounds(&self) -> Grounds {
        Grounds {
            purpose: self.purpose,
            interaction: self.interaction,
            channel: self.channel,
            legal_process: self.legal_process,
            fraud_case: self.fraud_case,
        }
    }
}

/// The customer's own call-detail query on the portal.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OwnCallParams {
    /// Start of the range (inclusive), RFC 3339. Default: 31 days before `to`.
    pub from: Option<DateTime<Utc>>,
    /// End of the range (exclusive), RFC 3339. Default: now.
    pub to: Option<DateTime<Utc>>,
    /// The `next_after` of the previous page.
    pub after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/calls", tag = "cpni",
    params(("id" = AccountId, Path, description = "Account id"), CallParams),
    responses(
        (status = 200, description = "Calls in the range, oldest first", body = CallList),
        (status = 403, description = "Refused by the disclosure policy, with what would be allowed instead", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn calls(
    State(state): State<AppState>,
    staff: CurrentStaff,
    request_id: RequestId,
    ApiPath(id): ApiPath<AccountId>,
    ApiQuery(params): ApiQuery<CallParams>,
) -> ApiResult<Json<CallList>> {
    let page = CallPage::parse(state.now(), params.from, params.to, params.after.as_deref(), params.limit)?;
    let request = params.grounds().request(&staff, Action::ReadCallDetail, id, request_id);
    Ok(Json(reads::calls(&state, request, page).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceList {
    pub invoices: Vec<Invoice>,
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/invoices", tag = "cpni",
    params(("id" = AccountId, Path, description = "Account id"), Grounds),
    responses(
        (status = 200, description = "Newest first", body = InvoiceList),
        (status = 403, description = "Refused by the disclosure policy, with what would be allowed instead", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn invoices(
    State(state): State<AppState>,
    staff: CurrentStaff,
    request_id: RequestId,
    ApiPath(id): ApiPath<AccountId>,
    ApiQuery(grounds): ApiQuery<Grounds>,
) -> ApiResult<Json<InvoiceList>> {
    let request = grounds.request(&staff, Action::ReadInvoices, id, request_id).record_ref("invoices");
    Ok(Json(InvoiceList { invoices: reads::invoices(&state, request).await? }))
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/invoices/{invoice_id}", tag = "cpni",
    params(("id" = AccountId, Path, description = "Account id"), ("invoice_id" = InvoiceId, Path, description = "Invoice id"), Grounds),
    responses(
        (status = 200, body = Invoice),
        (status = 403, description = "Refused by the disclosure policy, with what would be allowed instead", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn invoice(
    State(state): State<AppState>,
    staff: CurrentStaff,
    request_id: RequestId,
    ApiPath((id, invoice_id)): ApiPath<(AccountId, InvoiceId)>,
    ApiQuery(grounds): ApiQuery<Grounds>,
) -> ApiResult<Json<Invoice>> {
    let request =
        grounds.request(&staff, Action::ReadInvoices, id, request_id).record_ref(format!("invoice:{invoice_id}"));
    Ok(Json(reads::invoice(&state, request, invoice_id).await?))
}

#[utoipa::path(
    get, path = "/api/v1/portal/calls", tag = "cpni",
    params(OwnCallParams),
    responses(
        (status = 200, description = "The customer's own calls in the range, oldest first", body = CallList),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("cpniguard_session" = []))
)]
pub async fn own_calls(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    request_id: RequestId,
    ApiQuery(params): ApiQuery<OwnCallParams>,
) -> ApiResult<Json<CallList>> {
    let page = CallPage::parse(state.now(), params.from, params.to, params.after.as_deref(), params.limit)?;
    Ok(Json(reads::calls(&state, own_request(&customer, Action::ReadCallDetail, request_id), page).await?))
}

#[utoipa::path(
    get, path = "/api/v1/portal/services", tag = "cpni",
    responses((status = 200, body = ServiceList), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("cpniguard_session" = []))
)]
pub async fn own_services(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    request_id: RequestId,
) -> ApiResult<Json<ServiceList>> {
    let request = own_request(&customer, Action::ReadServices, request_id).record_ref("services");
    Ok(Json(ServiceList { services: reads::services(&state, request).await? }))
}

#[utoipa::path(
    get, path = "/api/v1/portal/invoices", tag = "cpni",
    responses((status = 200, description = "Newest first", body = InvoiceList), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("cpniguard_session" = []))
)]
pub async fn own_invoices(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    request_id: RequestId,
) -> ApiResult<Json<InvoiceList>> {
    let request = own_request(&customer, Action::ReadInvoices, request_id).record_ref("invoices");
    Ok(Json(InvoiceList { invoices: reads::invoices(&state, request).await? }))
}
