//! Who is calling. Staff authenticate with a bearer token (`cpniguard staff add`
//! prints it once; only its SHA-256 is stored). What each role may do is decided in
//! one table, [`roles::Capability`], applied per route group by [`require`].

pub mod client;
pub mod cookies;
pub mod customer;
pub mod limiter;
pub mod refusals;
pub mod roles;
pub mod tokens;
pub mod unidentified;

use crate::problem::Problem;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use cpniguard_core::staff::Staff;
use roles::Capability;

/// The authenticated staff member, placed in request extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub struct CurrentStaff(pub Staff);

impl<S: Send + Sync> FromRequestParts<S> for CurrentStaff {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        parts
            .extensions
            .get::<CurrentStaff>()
            .cloned()
            .ok_or_else(|| Problem::unauthenticated("this endpoint needs a staff bearer token"))
    }
}

/// Middleware: resolve the bearer token to a staff member or refuse. The token is
/// looked up first, so a valid token is never refused because others failed from its
/// address; an unknown token counts against the client address (behind trusted
/// proxies, the client they name), and an address with too many is answered 429
/// before its unknown tokens are even answered.
#[tracing::instrument(skip_all)]
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Result<Response, Problem> {
    let header = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let staff = match header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim) {
        Some(token) if tokens::looks_like_token(token) => state.store.staff_by_token_hash(&tokens::hash(token)).await?,
        _ => None,
    };
    if let Some(staff) = staff {
        req.extensions_mut().insert(CurrentStaff(staff));
        return Ok(next.run(req).await);
    }
    let key = client::ClientIp::of(req.extensions(), req.headers(), &state).key();
    state.unidentified.count(&state, unidentified::Unidentified::StaffToken, &key).await;
    if let Some(wait) = state.token_limit.blocked_secs(&state, &key).await? {
        return Err(Problem::rate_limited(wait));
    }
    if header.is_none() {
        return Err(Problem::unauthenticated("send Authorization: Bearer <staff token>"));
    }
    state.token_limit.record_failure(&state, &key).await?;
    metrics::counter!("cpniguard_auth_refused_total", "reason" => "bad_token").increment(1);
    Err(Problem::unauthenticated("the bearer token is not valid, revoked, or its owner is inactive"))
}

/// Route layer: the authenticated staff member must hold a role with `capability`.
pub async fn require(
    capability: Capability,
    staff: CurrentStaff,
    req: Request,
    next: Next,
) -> Result<Response, Problem> {
    if capability.allows(&staff.0) {
        Ok(next.run(req).await)
    } else {
        Err(Problem::forbidden(format!(
            "{} needs one of the roles: {}",
            capability.describe(),
            capability.roles().iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
        )))
    }
}

/// `routes` with the role check for `capability` applied to every one of them.
pub fn guarded(capability: Capability, routes: axum::Router<AppState>) -> axum::Router<AppState> {
    routes.route_layer(axum::middleware::from_fn(move |staff, req, next| require(capability, staff, req, next)))
}
