//! Delivery to the address of record over HTTP: a CSR's request within an interaction
//! and the signed-in customer's own (`application::delivery` decides and queues both).

use super::ClientIp;
use crate::application::delivery::{self, DeliveryRequest, DeliveryView};
use crate::auth::CurrentStaff;
use crate::auth::customer::CurrentCustomer;
use crate::extract::{ApiJson, ApiPath};
use crate::gate::RequestId;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cpniguard_core::ids::InteractionId;
use uuid::Uuid;

/// A CSR asks for a document to go to the address of record (methods 3 and 4). Call
/// detail asked for over the phone or chat without the password is recorded as a
/// pretexting signal when repeated.
#[utoipa::path(
    post, path = "/api/v1/interactions/{id}/deliveries", tag = "customer_authentication",
    params(("id" = Uuid, Path, description = "Interaction id")),
    request_body = DeliveryRequest,
    responses(
        (status = 202, description = "Queued to the address of record", body = DeliveryView),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Lacks the capability, the interaction is another CSR's, or the disclosure policy refused (with what is allowed instead)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such interaction or invoice", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_of_record`: no address of that kind associated for the of-record period (30 days)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The interaction has expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn by_staff(
    State(state): State<AppState>,
    staff: CurrentStaff,
    request_id: RequestId,
    ClientIp(client): ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<DeliveryRequest>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    let caller = crate::application::StaffCaller { staff: &staff.0, client };
    let view = crate::application::interactions::deliver(&state, caller, request_id, id, &req).await?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

/// The logged-in customer asks for a document to go to their address of record.
#[utoipa::path(
    post, path = "/api/v1/portal/deliveries", tag = "portal",
    request_body = DeliveryRequest,
    responses(
        (status = 202, description = "Queued to the address of record", body = DeliveryView),
        (status = 401, description = "No valid portal session", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused by the disclosure policy", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such invoice", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_of_record`: no address of that kind associated for the of-record period (30 days)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    ),
    security(("cpniguard_session" = []))
)]
pub async fn by_customer(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    request_id: RequestId,
    ApiJson(req): ApiJson<DeliveryRequest>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    let interaction = InteractionId(customer.interaction_id);
    let view = delivery::for_customer(&state, customer.account_id, interaction, request_id.0, &req).await?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}
