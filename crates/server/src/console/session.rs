//! Console sessions: a 256-bit random cookie (only its SHA-256 is stored) that ends
//! after `console.idle_minutes` unused, `console.absolute_hours` after sign-in, or at
//! sign-out; and the CSRF token every state-changing request must carry, derived from
//! the session cookie (which a page on another site can neither read nor send, being
//! HttpOnly and SameSite=Strict), so nothing more needs storing.

use crate::auth::client::{peer, via_tls_proxy};
use crate::auth::cookies;
use crate::auth::refusals;
use crate::auth::roles::Capability;
use crate::auth::tokens;
use crate::gate::Caller;
use crate::state::AppState;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use cpniguard_core::staff::Staff;
use cpniguard_store::TokenHash;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The session cookie.
pub const SESSION_COOKIE: &str = "cpniguard_console";
/// A random cookie set with the sign-in form, so the sign-in itself carries a CSRF
/// token (a login-CSRF attack would sign a victim into the attacker's session).
pub const PRE_SESSION_COOKIE: &str = "cpniguard_console_pre";
/// The form field, or header for htmx requests, that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The signed-in staff member of a live console session.
#[derive(Debug, Clone)]
pub struct ConsoleStaff {
    pub staff: Staff,
    /// The CSRF token for the forms of the page being rendered.
    pub csrf: String,
    pub session_hash: TokenHash,
}

/// The CSRF token bound to a cookie value.
pub fn csrf_token(cookie_value: &str) -> String {
    let digest = Sha256::new().chain_update(b"cpniguard console csrf\0").chain_update(cookie_value).finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether cookies must be `Secure`: configured so, or the request came through a
/// trusted proxy that terminated TLS.
pub fn secure_cookies(state: &AppState, parts_ext: &axum::http::Extensions, headers: &HeaderMap) -> bool {
    state.config.customer_auth.secure_cookies || via_tls_proxy(peer(parts_ext), headers, &state.trusted_proxies)
}

/// Whether this request's cookies must be `Secure` ([`secure_cookies`]), as an extractor.
pub struct SecureCookies(pub bool);

impl FromRequestParts<AppState> for SecureCookies {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(SecureCookies(secure_cookies(state, &parts.extensions, &parts.headers)))
    }
}

/// The session's absolute lifetime.
pub fn lifetime(state: &AppState) -> Duration {
    Duration::hours(state.config.console.absolute_hours.into())
}

/// Why a request has no console session: a page is redirected to sign-in; an htmx
/// fragment is told to send the whole window there (it must not swap a sign-in form
/// into a corner of the screen).
pub struct SignInFirst {
    htmx: bool,
}

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        if self.htmx {
            (StatusCode::UNAUTHORIZED, [("hx-redirect", "/console/sign-in")], "sign in again").into_response()
        } else {
            Redirect::to("/console/sign-in").into_response()
        }
    }
}

impl FromRequestParts<AppState> for ConsoleStaff {
    type Rejection = SignInFirst;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, SignInFirst> {
        // Resolved once per request: the role check before the handler leaves it here.
        if let Some(known) = parts.extensions.get::<ConsoleStaff>() {
            return Ok(known.clone());
        }
        let refuse = SignInFirst { htmx: parts.headers.contains_key("hx-request") };
        let Some(token) = cookies::read(&parts.headers, SESSION_COOKIE).filter(|t| tokens::looks_like_token(t)) else {
            return Err(refuse);
        };
        let hash = tokens::hash(token);
        let now = state.now();
        let idle_since = now - Duration::minutes(state.config.console.idle_minutes.into());
        match state.store.touch_console_session(&hash, now, idle_since).await {
            Ok(Some(session)) => Ok(ConsoleStaff { staff: session.staff, csrf: csrf_token(token), session_hash: hash }),
            Ok(None) => Err(refuse),
            Err(e) => {
                tracing::warn!(error = %e, "console session lookup failed");
                Err(refuse)
            }
        }
    }
}

/// The customer portal's session cookie (a portal session of the store, path `/portal`).
pub const PORTAL_COOKIE: &str = "cpniguard_portal";

/// Middleware on every console and web-portal route: a request that changes something
/// (any method but GET and HEAD) must carry the CSRF token of its session — or, for a
/// sign-in form, of its pre-session cookie — in the `x-csrf-token` header or the
/// `csrf` form field. Otherwise 403, and nothing runs. Each cookie is scoped to its own
/// path, so a browser sends the console's or the portal's, not both.
pub async fn require_csrf(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    // Any of the request's own secret cookies may back the token: a sign-in form is
    // bound to its pre-session cookie even while a stale session cookie is still sent.
    let expected: Vec<String> = [SESSION_COOKIE, PORTAL_COOKIE, PRE_SESSION_COOKIE]
        .into_iter()
        .filter_map(|name| cookies::read(req.headers(), name).filter(|v| !v.is_empty()))
        .map(csrf_token)
        .collect();
    if expected.is_empty() {
        return csrf_refused();
    }
    let matches = |sent: &str| expected.iter().any(|e| same(sent, e));
    if let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if matches(sent) { next.run(req).await } else { csrf_refused() };
    }
    // A plain form post: read the (small, form-encoded) body for the field, then hand
    // the same bytes on.
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else { return csrf_refused() };
    if !form_urlencoded_field(&bytes, CSRF_FIELD).as_deref().is_some_and(matches) {
        return csrf_refused();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn csrf_refused() -> Response {
    super::pages::message_page(
        StatusCode::FORBIDDEN,
        "Request refused",
        "This form was not sent from a current console page (its security token is missing or stale). Reload the page and try again.",
    )
}

/// Route layer: the signed-in staff member must hold `capability` in the one role
/// table the API uses (`auth::roles`); otherwise a page saying which roles may.
pub async fn require(
    State(state): State<AppState>,
    capability: Capability,
    who: ConsoleStaff,
    mut req: Request,
    next: Next,
) -> Response {
    if !capability.allows(&who.staff) {
        // Recorded like the API's: an insider trying screens beyond their role shows.
        let route = req.extensions().get::<MatchedPath>().map_or("", |p| p.as_str());
        let refused = refusals::Refused {
            route: format!("{} {route}", req.method()),
            account: None,
            request_id: req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned),
            status: StatusCode::FORBIDDEN.as_u16(),
            code: "forbidden",
        };
        if let Err(unrecorded) = refusals::record(&state, &Caller::Staff(who.staff.clone()), refused).await {
            return super::pages::message_page(unrecorded.status_code(), &unrecorded.title, &unrecorded.detail);
        }
        let roles: Vec<&str> = capability.roles().iter().map(|r| r.as_str()).collect();
        let message = format!("{} needs one of the roles: {}.", capability.describe(), roles.join(", "));
        return super::pages::message_page(StatusCode::FORBIDDEN, "Not allowed", &message);
    }
    req.extensions_mut().insert(who);
    next.run(req).await
}

/// `routes` behind the console session and `capability`.
pub fn guarded(capability: Capability, routes: axum::Router<AppState>, state: &AppState) -> axum::Router<AppState> {
    routes.route_layer(axum::middleware::from_fn_with_state(state.clone(), move |state, who, req, next| {
        require(state, capability, who, req, next)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_is_bound_to_the_cookie() {
        let a = csrf_token("cookie-a");
        assert_eq!(a, csrf_token("cookie-a"));
        assert_ne!(a, csrf_token("cookie-b"));
        assert!(same(&a, &csrf_token("cookie-a")));
        assert!(!same(&a, "short"));
    }

    #[test]
    fn the_form_field_is_found_among_others() {
        let body = b"purpose=billing&csrf=abc%2Bdef&x=1";
        assert_eq!(form_urlencoded_field(body, "csrf").as_deref(), Some("abc+def"));
        assert_eq!(form_urlencoded_field(b"purpose=billing", "csrf"), None);
    }
}
