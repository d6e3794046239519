//! The customer portal on the web (issue 17), at `/portal`, in English and Spanish:
//! sign in with the account's email address and password (the same lockout and limits
//! as the JSON portal), see and change marketing consent (an opt-out takes effect at
//! once), the notices sent, who looked at the account and why, the current policy, and
//! recovery through the email address of record only. Adapters over the application
//! layer, like the staff console; the same CSRF middleware and strict CSP.

mod pages;
pub mod texts;

use crate::api::publication::choose_language;
use crate::auth::cookies;
use crate::console::session::{PORTAL_COOKIE, require_csrf};
use crate::state::AppState;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use cpniguard_core::account::Language;
use tower_http::set_header::SetResponseHeaderLayer;

/// The language cookie the switch sets (path `/portal`).
const LANG_COOKIE: &str = "cpniguard_lang";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(pages::home))
        .route("/portal/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/portal/sign-out", post(pages::sign_out))
        .route("/portal/consent", post(pages::consent))
        .route("/portal/contact", post(pages::contact))
        .route("/portal/recovery", get(pages::recovery_form).post(pages::recovery))
        .route("/portal/recovery/complete", get(pages::complete_form).post(pages::complete))
        .layer(axum::middleware::from_fn(require_csrf))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(crate::console::CONSOLE_CSP),
        ))
}

/// The page language: the switch (`?lang=`), else the language cookie the switch set,
/// else the browser's `Accept-Language`, else English. `chosen` is set when the switch
/// was used, so the answer can remember it.
pub struct PageLanguage {
    pub lang: Language,
    pub chosen: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for PageLanguage {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let switch = parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("lang=")).and_then(Language::parse));
        if let Some(lang) = switch {
            return Ok(PageLanguage { lang, chosen: true });
        }
        if let Some(lang) = cookies::read(&parts.headers, LANG_COOKIE).and_then(Language::parse) {
            return Ok(PageLanguage { lang, chosen: false });
        }
        Ok(PageLanguage { lang: choose_language(None, &parts.headers), chosen: false })
    }
}

/// The portal session cookie's value, if any.
fn session_token(parts_headers: &axum::http::HeaderMap) -> Option<&str> {
    cookies::read(parts_headers, PORTAL_COOKIE).filter(|v| !v.is_empty())
}
