//! The customer portal on the web (issue 17), at `/portal`, in English and Spanish:
//! sign in with the account's email address and password (the same lockout and limits
//! as the JSON portal), see and change marketing consent (an opt-out takes effect at
//! once), the notices sent, who looked at the account and why, the current policy, and
//! recovery through the email address of record only. Adapters over the application
//! layer, like the staff console; the same CSRF middleware and strict CSP.

mod pages;
pub mod texts;

use crate::console::session::{PORTAL_COOKIE, cookie, require_csrf};
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
        if let Some(lang) = cookie(&parts.headers, LANG_COOKIE).and_then(Language::parse) {
            return Ok(PageLanguage { lang, chosen: false });
        }
        let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        Ok(PageLanguage { lang: from_accept_language(accept), chosen: false })
    }
}

/// The first supported language in an `Accept-Language` list, by quality.
fn from_accept_language(header: &str) -> Language {
    let mut ranked: Vec<(f32, &str)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.trim().split(';');
            let tag = parts.next()?.trim();
            let q = parts.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse().ok()).unwrap_or(1.0);
            Some((q, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked
        .iter()
        .find_map(|(_, tag)| Language::parse(&tag.split('-').next().unwrap_or_default().to_ascii_lowercase()))
        .unwrap_or(Language::En)
}

/// The portal session cookie's value, if any.
fn session_token(parts_headers: &axum::http::HeaderMap) -> Option<&str> {
    cookie(parts_headers, PORTAL_COOKIE).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(from_accept_language("es-MX,es;q=0.9,en;q=0.8"), Language::Es);
        assert_eq!(from_accept_language("fr-FR, en;q=0.5, es;q=0.7"), Language::Es);
        assert_eq!(from_accept_language("de"), Language::En);
        assert_eq!(from_accept_language(""), Language::En);
    }
}
