//! The router: routes grouped by the capability they need, then the middleware stack
//! every request passes (request id, metrics, timeout, body limit, security headers).

use crate::api::{
    accounts, audit_log, breach, campaigns, complaints, consent, cpni, customer_auth, docs, health, notices,
    privacy_office, publication, special_purposes,
};
use crate::auth::{self, guarded, roles::Capability};
use crate::extract::payload_too_large;
use crate::problem::Problem;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    routes(state, get(cpni::calls))
}

/// The application with `calls` answering `GET /api/v1/accounts/{id}/calls`: the gated
/// handler in [`router`]; `bench gate`'s unaudited baseline (`crate::unaudited_baseline`)
/// gives its own, and everything else stays the same.
pub(crate) fn routes(state: AppState, calls: MethodRouter<AppState>) -> Router {
    let api = Router::new()
        .merge(guarded(
            Capability::ReadAccounts,
            Router::new()
                .route("/accounts", get(accounts::search))
                .route("/accounts/{id}", get(accounts::get))
                .route("/accounts/{id}/contact-history", get(accounts::contact_history)),
        ))
        .merge(guarded(
            Capability::WriteAccounts,
            Router::new()
                .route("/accounts", axum::routing::post(accounts::create))
                .route("/accounts/{id}", axum::routing::patch(accounts::update_profile))
                .route("/accounts/{id}/contact-points", axum::routing::post(accounts::change_contact_points)),
        ))
        .merge(guarded(
            Capability::ReadCpni,
            Router::new()
                .route("/accounts/{id}/services", get(cpni::services))
                .route("/accounts/{id}/calls", calls)
                .route("/accounts/{id}/invoices", get(cpni::invoices))
                .route("/accounts/{id}/invoices/{invoice_id}", get(cpni::invoice)),
        ))
        .merge(guarded(
            Capability::ManageNotices,
            Router::new()
                .route("/notices", get(notices::list))
                .route("/notices/{id}", get(notices::get))
                .route("/notices/{id}/retry", axum::routing::post(notices::retry))
                .route("/privacy-tasks", get(notices::tasks)),
        ))
        .merge(customer_auth::routes(state.clone()))
        .merge(consent::routes(state.clone()))
        .merge(breach::routes(state.clone()))
        .merge(special_purposes::routes(state.clone()))
        .merge(crate::api::legal_holds::routes())
        .merge(crate::api::imports::routes())
        .merge(audit_log::routes(state.clone()))
        .merge(publication::routes(state.clone()))
        .merge(complaints::routes(state.clone()))
        .merge(privacy_office::routes(state.clone()))
        .merge(campaigns::routes(state.clone()))
        // Inside authentication (the staff member is known), outside the role table.
        .route_layer(from_fn_with_state(state.clone(), auth::refusals::staff))
        .route_layer(from_fn_with_state(state.clone(), auth::authenticate))
        .merge(portal_routes(&state));

    let config = &state.config.server;
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(publication::public_routes(state.clone()))
        .merge(crate::console::routes(&state))
        .merge(crate::customer_portal::routes())
        .nest("/api/v1", api)
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", docs::openapi()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                // Outermost but for the request id: every response gets them, including
                // those the layers below make themselves (timeout, panic, bare errors).
                .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
                .layer(security_header(header::REFERRER_POLICY, "no-referrer"))
                // Responses carry customer data: no shared or browser cache may keep them.
                .layer(security_header(header::CACHE_CONTROL, "no-store"))
                .layer(security_header(
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
                ))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(|_| Problem::internal().into_response()))
                .layer(from_fn(crate::metrics::track))
                .layer(from_fn(problem_for_bare_errors))
                .layer(from_fn(refuse_long_uri))
                .layer(from_fn_with_state(Duration::from_secs(config.request_timeout_secs), request_timeout))
                .layer(DefaultBodyLimit::max(config.max_body_bytes)),
        )
        .with_state(state)
}

/// A request taking longer than the timeout is answered 503 (made problem+json by the
/// layer outside), except a streamed upload, whose handler bounds the wait for each
/// chunk instead: a large file may take longer than any fixed limit.
/// Routes merged after the staff-token layer do their own authentication (customers
/// on the portal, telephony webhooks); their refused CPNI requests are audited too.
fn portal_routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(customer_auth::portal_routes(state.clone()))
        .merge(consent::portal_routes(state.clone()))
        .route("/portal/calls", get(cpni::own_calls))
        .route("/portal/services", get(cpni::own_services))
        .route("/portal/invoices", get(cpni::own_invoices))
        .merge(audit_log::portal_routes(state.clone()))
        .merge(publication::portal_routes(state.clone()))
        .merge(complaints::portal_routes(state.clone()))
        .route_layer(from_fn_with_state(state.clone(), auth::refusals::portal))
}

async fn request_timeout(
    axum::extract::State(limit): axum::extract::State<Duration>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let streamed =
        req.method() == axum::http::Method::POST && crate::api::imports::STREAMED_UPLOADS.contains(&req.uri().path());
    if streamed {
        return next.run(req).await;
    }
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Spans carry method, route template and request id: never the raw path or query,
/// which can hold account ids and telephone numbers.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned());
    let request_id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", method = %req.method(), route = route.as_deref().unwrap_or("unmatched"), request_id)
}

/// The longest request target (path and query) answered: no route or filter needs more,
/// and a longer one is refused before routing rather than parsed.
const MAX_URI_BYTES: usize = 8 * 1024;

async fn refuse_long_uri(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let length = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if length > MAX_URI_BYTES {
        return Problem::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            "URI too long",
            format!("the path and query string are longer than {MAX_URI_BYTES} bytes"),
        )
        .into_response();
    }
    next.run(req).await
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "Not found", "no such endpoint; see /api/v1/openapi.json")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        "this endpoint does not take that method",
    )
}

/// Layers below the handlers (body limit, timeout) answer with bare status codes;
/// give those the same problem+json shape as everything else (an HTML page of the
/// console already says what went wrong, in the console's words).
async fn problem_for_bare_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(req).await;
    // Problems are already problems; the console's HTML pages explain themselves.
    let explained = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(crate::problem::PROBLEM_JSON.as_bytes()) || v.as_bytes().starts_with(b"text/html")
    });
    if explained || !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => payload_too_large().into_response(),
        StatusCode::SERVICE_UNAVAILABLE => Problem::unavailable("the request took too long").into_response(),
        other => Problem::new(
            other,
            "http_error",
            other.canonical_reason().unwrap_or("Error"),
            "the request could not be handled",
        )
        .into_response(),
    }
}
