//! Who is calling. Staff authenticate with a bearer token (`cpniguard staff add`
//! prints it once; only its SHA-256 is stored). What each role may do is decided in
//! one table, [`roles::Capability`], applied per route group by [`require`].

pub mod customer;
pub mod limiter;
pub mod roles;
pub mod tokens;

use crate::problem::Problem;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use cpniguard_core::staff::Staff;
use roles::Capability;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

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

fn client_ip(req: &Request) -> IpAddr {
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|ci| ci.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Middleware: resolve the bearer token to a staff member or refuse. Failed checks
/// count against the caller's address; too many and the address is refused for a while
/// before any token is even looked at.
#[tracing::instrument(skip_all)]
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Result<Response, Problem> {
    let ip = client_ip(&req);
    if let Some(wait) = state.auth_limiter.blocked_for(ip) {
        metrics::counter!("cpniguard_auth_refused_total", "reason" => "rate_limited").increment(1);
        return Err(Problem::rate_limited(wait.as_secs().max(1)));
    }
    let header = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let Some(header) = header else {
        return Err(Problem::unauthenticated("send Authorization: Bearer <staff token>"));
    };
    let staff = match header.strip_prefix("Bearer ").map(str::trim) {
        Some(token) if tokens::looks_like_token(token) => state.store.staff_by_token_hash(&tokens::hash(token)).await?,
        _ => None,
    };
    match staff {
        Some(staff) => {
            req.extensions_mut().insert(CurrentStaff(staff));
            Ok(next.run(req).await)
        }
        None => {
            state.auth_limiter.record_failure(ip);
            metrics::counter!("cpniguard_auth_refused_total", "reason" => "bad_token").increment(1);
            Err(Problem::unauthenticated("the bearer token is not valid, revoked, or its owner is inactive"))
        }
    }
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
