//! Reading and setting the cookies the server's own sessions ride on: the JSON portal's
//! (`/api/v1`), the console's (`/console`) and the web portal's (`/portal`). Every one is
//! HttpOnly and SameSite=Strict; `Secure` when the request came over TLS or the
//! configuration says so.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// A cookie's value in the request, if present.
pub fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value (HttpOnly, SameSite=Strict) scoped to `path`; `max_age_secs`
/// 0 removes it.
pub fn set(name: &str, value: &str, path: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}
