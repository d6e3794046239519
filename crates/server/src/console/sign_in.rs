//! Signing in to and out of the console. A user name and password (Argon2id, checked
//! in constant time against a dummy hash when the user or their password does not
//! exist); failures count per user name (the lockout, `console.user_*`) and per client
//! address (the same limit as unknown API tokens, `security.auth_*`); every sign-in,
//! failure and sign-out is an audit entry.

use super::pages::{message_page, render};
use super::session::{self, ConsoleStaff, PRE_SESSION_COOKIE, SESSION_COOKIE, SecureCookies, csrf_token};
use crate::application::secret_checks::hasher;
use crate::auth::client::ClientIp;
use crate::auth::cookies;
use crate::auth::tokens;
use crate::gate::{Caller, event_record};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cpniguard_core::audit::Decision;
use cpniguard_core::authn::{Secret, SecretKind};
use cpniguard_core::staff::{Staff, Username};
use cpniguard_store::auth::SecretHash;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    csrf: String,
    username: String,
    error: Option<String>,
}

/// The sign-in form, with a fresh pre-session cookie its CSRF token is bound to.
pub async fn form(SecureCookies(secure): SecureCookies) -> Response {
    let pre = tokens::generate();
    let page = SignInPage { csrf: csrf_token(&pre), username: String::new(), error: None };
    let mut response = render(StatusCode::OK, &page);
    if let Ok(v) = cookies::set(PRE_SESSION_COOKIE, &pre, "/console", 3600, secure).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
}

/// Check the credentials; on success start a session and go to the console.
pub async fn submit(
    State(state): State<AppState>,
    client: ClientIp,
    SecureCookies(secure): SecureCookies,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let again = |status: StatusCode, error: String| {
        let csrf = cookies::read(&headers, PRE_SESSION_COOKIE).map(csrf_token).unwrap_or_default();
        render(status, &SignInPage { csrf, username: form.username.clone(), error: Some(error) })
    };
    match check(&state, &client, &form).await {
        Ok(staff) => match start_session(&state, &staff, secure).await {
            Ok(response) => response,
            Err(()) => {
                again(StatusCode::SERVICE_UNAVAILABLE, "The sign-in could not be recorded; try again.".to_owned())
            }
        },
        Err(refusal) => again(refusal.status, refusal.message),
    }
}

struct Refusal {
    status: StatusCode,
    message: String,
}

async fn check(state: &AppState, client: &ClientIp, form: &SignInForm) -> Result<Staff, Refusal> {
    let unavailable = |_: cpniguard_store::StoreError| Refusal {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: "Try again shortly.".to_owned(),
    };
    let source = client.key();
    if let Some(wait) = state.token_limit.blocked_secs(state, &source).await.map_err(unavailable)? {
        audit_failure(state, None, &form.username, "source_limited").await;
        return Err(Refusal {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!("Too many failed sign-ins from this address. Try again in {} minutes.", wait.div_ceil(60)),
        });
    }
    let user_key = form.username.trim().to_ascii_lowercase();
    if let Some(wait) = state.console_user_limit.blocked_secs(state, &user_key).await.map_err(unavailable)? {
        audit_failure(state, None, &form.username, "user_locked").await;
        return Err(Refusal {
            status: StatusCode::LOCKED,
            message: format!(
                "This user name is locked after too many failed sign-ins. Try again in {} minutes, or ask an administrator.",
                wait.div_ceil(60)
            ),
        });
    }
    let staff = match Username::parse(form.username.trim()) {
        Ok(name) => state.store.get_staff_by_username(&name).await.map_err(unavailable)?.filter(|s| s.active),
        Err(_) => None,
    };
    let stored = match &staff {
        Some(s) => state.store.staff_password(s.id).await.map_err(unavailable)?,
        None => None,
    };
    let hasher = hasher(state)
        .map_err(|_| Refusal { status: StatusCode::SERVICE_UNAVAILABLE, message: "Try again shortly.".to_owned() })?;
    let matched =
        hasher.verify_blocking(SecretKind::Password, stored.map(SecretHash), Secret::new(form.password.clone())).await;
    match staff {
        Some(staff) if matched => {
            // A good sign-in does not wipe the user name's failures: a guesser who
            // also knows one password must not reset the count for others.
            Ok(staff)
        }
        staff => {
            let _ = state.token_limit.record_failure(state, &source).await;
            let after = state.console_user_limit.record_failure(state, &user_key).await;
            audit_failure(state, staff.as_ref(), &form.username, "bad_credentials").await;
            let left =
                after.map(|a| state.config.console.user_failures_allowed.saturating_sub(a.failures)).unwrap_or(0);
            Err(Refusal {
                status: StatusCode::UNAUTHORIZED,
                message: if left == 0 {
                    "The user name or password is wrong. This user name is now locked for a while.".to_owned()
                } else {
                    format!("The user name or password is wrong. {left} more attempts before this user name is locked.")
                },
            })
        }
    }
}

async fn start_session(state: &AppState, staff: &Staff, secure: bool) -> Result<Response, ()> {
    let token = tokens::generate();
    let now = state.now();
    let expires = now + session::lifetime(state);
    state.store.create_console_session(&tokens::hash(&token), staff.id, now, expires).await.map_err(|_| ())?;
    let record = event_record(&Caller::Staff(staff.clone()), "console.sign_in", None, Vec::new(), now);
    state.gate.record_event(record).await.map_err(|e| tracing::error!(error = %e, "console sign-in not audited"))?;
    let mut response = Redirect::to("/console").into_response();
    let cookies = [
        cookies::set(SESSION_COOKIE, &token, "/console", session::lifetime(state).num_seconds(), secure),
        cookies::set(PRE_SESSION_COOKIE, "", "/console", 0, secure),
    ];
    for c in cookies {
        if let Ok(v) = c.parse() {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// A failed sign-in in the audit log: the staff member when the user name is theirs,
/// else the attempted user name as a reference (never the password).
async fn audit_failure(state: &AppState, staff: Option<&Staff>, username: &str, why: &str) {
    let caller = staff.map_or(Caller::Job("console_sign_in"), |s| Caller::Staff(s.clone()));
    let name: String = username.chars().filter(|c| !c.is_control()).take(64).collect();
    let mut record = event_record(
        &caller,
        "console.sign_in_failed",
        None,
        vec![format!("username:{name}"), format!("reason:{why}")],
        state.now(),
    );
    record.decision = Decision::Deny;
    if let Err(e) = state.gate.record_event(record).await {
        tracing::error!(error = %e, "a failed console sign-in could not be audited");
    }
}

/// End the session and go back to the sign-in form.
pub async fn sign_out(
    State(state): State<AppState>,
    who: ConsoleStaff,
    SecureCookies(secure): SecureCookies,
) -> Response {
    let now = state.now();
    if let Err(e) = state.store.end_console_session(&who.session_hash, now).await {
        tracing::error!(error = %e, "ending a console session");
        return message_page(StatusCode::SERVICE_UNAVAILABLE, "Sign-out failed", "Try again shortly.");
    }
    let record = event_record(&Caller::Staff(who.staff.clone()), "console.sign_out", None, Vec::new(), now);
    if let Err(e) = state.gate.record_event(record).await {
        tracing::error!(error = %e, "a console sign-out could not be audited");
    }
    let mut response = Redirect::to("/console/sign-in").into_response();
    if let Ok(v) = cookies::set(SESSION_COOKIE, "", "/console", 0, secure).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
