//! Customers on the portal: a session cookie (256-bit random, only its SHA-256 stored)
//! resolved to [`CurrentCustomer`]. Use it as an extractor in any portal route:
//!
//! ```ignore
//! async fn handler(customer: CurrentCustomer) -> ... { customer.account_id ... }
//! ```

use crate::auth::tokens;
use crate::problem::Problem;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use cpniguard_core::ids::AccountId;
use cpniguard_store::TokenHash;
use uuid::Uuid;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cpniguard_session";

/// The customer of a valid, unexpired portal session: the account and the `online`
/// interaction their password login opened (its evidence is `password_verified`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentCustomer {
    pub account_id: AccountId,
    pub interaction_id: Uuid,
    pub expires_at: DateTime<Utc>,
    /// The hash of the session token (for logout).
    pub session_hash: TokenHash,
}

/// The session token in the request's cookies, if any (not yet checked).
pub fn session_token(parts: &Parts) -> Option<String> {
    session_token_of(&parts.headers)
}

/// [`session_token`] from the headers alone.
pub fn session_token_of(headers: &axum::http::HeaderMap) -> Option<String> {
    super::cookies::read(headers, SESSION_COOKIE).map(str::to_owned)
}

/// The `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    super::cookies::set(SESSION_COOKIE, token, "/api/v1", max_age_secs, secure)
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// The customer of a live session whose cookie carries `token`, if any (the JSON
/// portal's cookie and the web portal's resolve the same way).
pub async fn resolve(state: &AppState, token: &str) -> Result<Option<CurrentCustomer>, Problem> {
    if !tokens::looks_like_token(token) {
        return Ok(None);
    }
    let hash = tokens::hash(token);
    let session = state.store.portal_session(&hash, state.now()).await?;
    Ok(session.map(|s| CurrentCustomer {
        account_id: s.account_id,
        interaction_id: s.interaction_id,
        expires_at: s.expires_at,
        session_hash: hash,
    }))
}

impl FromRequestParts<AppState> for CurrentCustomer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let refuse = || Problem::unauthenticated("log in on the customer portal first (POST /api/v1/portal/login)");
        let token = session_token(parts).ok_or_else(refuse)?;
        resolve(state, &token).await?.ok_or_else(refuse)
    }
}
