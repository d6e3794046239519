//! Liveness, readiness and metrics: unauthenticated, no customer data.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub status: &'static str,
    pub database: &'static str,
}

#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "The database answers", body = Readiness), (status = 503, description = "The database does not answer", body = Readiness))
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(Readiness { status: "ready", database: "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Readiness { status: "not_ready", database: "unavailable" }))
        }
    }
}

#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    if let Err(e) = crate::audit_writer::observe_sealing(&*state.store, state.now()).await {
        tracing::warn!(error = %e, "metrics: the audit chain's sealing could not be read");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
