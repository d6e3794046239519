//! The portal's pages. Each handler extracts, calls the application layer and renders
//! in the page language; what is allowed is decided there, not here.

use super::texts::{self, Texts};
use super::{LANG_COOKIE, PageLanguage, session_token};
use crate::application::consent_change::{Action, StatusView};
use crate::application::customer_access::AccessView;
use crate::application::{contacts, customer_access, customer_consent, customer_session};
use crate::auth::client::ClientIp;
use crate::auth::cookies;
use crate::auth::customer::{CurrentCustomer, resolve};
use crate::auth::tokens;
use crate::console::forms::ContactForm;
use crate::console::pages::render;
use crate::console::session::{PORTAL_COOKIE, PRE_SESSION_COOKIE, SecureCookies, csrf_token};
use crate::problem::Problem;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cpniguard_core::account::Language;
use cpniguard_core::authn::{Secret, SecretKind};
use cpniguard_core::notice::Notice;
use cpniguard_store::NoticeQuery;
use serde::Deserialize;

/// Notices and accesses shown on the page (the most recent first would need paging
/// backwards; the first page is the oldest, which a new account fills slowly).
const LIST_ROWS: u32 = 50;

fn with_cookie(mut response: Response, value: String) -> Response {
    if let Ok(v) = value.parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Remember the switch's language, if it was used on this request.
fn remember(response: Response, lang: &PageLanguage, secure: bool) -> Response {
    if lang.chosen {
        with_cookie(response, cookies::set(LANG_COOKIE, lang.lang.as_str(), "/portal", 365 * 86_400, secure))
    } else {
        response
    }
}

async fn current(state: &AppState, headers: &HeaderMap) -> Option<(CurrentCustomer, String)> {
    let token = session_token(headers)?;
    match resolve(state, token).await {
        Ok(Some(c)) => Some((c, csrf_token(token))),
        _ => None,
    }
}

// --- signing in and out ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "portal/sign_in.html")]
struct SignInPage {
    t: &'static Texts,
    csrf: String,
    email: String,
    error: Option<&'static str>,
}

/// A sign-in (or recovery) form with a fresh pre-session cookie its CSRF token is bound to.
fn form_page<T: Template>(status: StatusCode, make: impl FnOnce(String) -> T, secure: bool) -> Response {
    let pre = tokens::generate();
    let page = make(csrf_token(&pre));
    with_cookie(render(status, &page), cookies::set(PRE_SESSION_COOKIE, &pre, "/portal", 3600, secure))
}

pub async fn sign_in_form(lang: PageLanguage, SecureCookies(secure): SecureCookies) -> Response {
    let t = texts::for_language(lang.lang);
    let response = form_page(StatusCode::OK, |csrf| SignInPage { t, csrf, email: String::new(), error: None }, secure);
    remember(response, &lang, secure)
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    lang: PageLanguage,
    client: ClientIp,
    SecureCookies(secure): SecureCookies,
    Form(form): Form<SignInForm>,
) -> Response {
    let t = texts::for_language(lang.lang);
    match customer_session::sign_in(&state, client, form.email.trim(), Secret::new(form.password)).await {
        Ok((token, session)) => {
            let max_age = (session.expires_at - session.created_at).num_seconds();
            let response = with_cookie(
                Redirect::to("/portal").into_response(),
                cookies::set(PORTAL_COOKIE, &token, "/portal", max_age, secure),
            );
            with_cookie(response, cookies::set(PRE_SESSION_COOKIE, "", "/portal", 0, secure))
        }
        Err(p) => {
            let (status, error) = if p.status == StatusCode::TOO_MANY_REQUESTS.as_u16() {
                (StatusCode::TOO_MANY_REQUESTS, t.too_many)
            } else {
                (StatusCode::UNAUTHORIZED, t.sign_in_refused)
            };
            form_page(status, |csrf| SignInPage { t, csrf, email: form.email.clone(), error: Some(error) }, secure)
        }
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    SecureCookies(secure): SecureCookies,
) -> Response {
    if let Some((customer, _)) = current(&state, &headers).await
        && let Err(p) = customer_session::sign_out(&state, &customer).await
    {
        tracing::warn!(code = p.code, "portal sign-out");
    }
    with_cookie(Redirect::to("/portal/sign-in").into_response(), cookies::set(PORTAL_COOKIE, "", "/portal", 0, secure))
}

// --- the account page -----------------------------------------------------------------

/// One marketing scope as the customer sees it.
struct ScopeRow {
    /// The scope's configured name (what a form sends back).
    scope: String,
    name: String,
    state_words: &'static str,
    opted_out: bool,
}

impl HomePage {
    fn notice_words(&self, n: &Notice) -> String {
        texts::notice_name(n.kind.as_str(), self.lang)
    }
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    t: &'static Texts,
    lang: Language,
    csrf: String,
    done: Option<&'static str>,
    error: Option<String>,
    scopes: Vec<ScopeRow>,
    notices: Vec<Notice>,
    accesses: Vec<AccessView>,
}

async fn home_page(
    state: &AppState,
    customer: &CurrentCustomer,
    csrf: String,
    lang: Language,
    done: Option<&'static str>,
    error: Option<String>,
) -> Result<HomePage, Problem> {
    let status: StatusView = customer_consent::status_at(state, customer.account_id, state.now()).await?;
    let scopes = status
        .scopes
        .iter()
        .map(|s| ScopeRow {
            scope: s.scope.clone(),
            name: texts::scope_name(&s.scope, lang),
            state_words: texts::approval(s.state.as_str(), lang),
            opted_out: s.state.as_str() == "opted_out",
        })
        .collect();
    let query = NoticeQuery { account: Some(customer.account_id), limit: LIST_ROWS, ..NoticeQuery::default() };
    let notices = state.store.list_notices(&query).await?.notices;
    let accesses =
        customer_access::own_access_log(state, customer.account_id, Some(lang), None, LIST_ROWS).await?.accesses;
    Ok(HomePage { t: texts::for_language(lang), lang, csrf, done, error, scopes, notices, accesses })
}

pub async fn home(
    State(state): State<AppState>,
    lang: PageLanguage,
    headers: HeaderMap,
    SecureCookies(secure): SecureCookies,
) -> Response {
    let Some((customer, csrf)) = current(&state, &headers).await else {
        let target = if lang.chosen {
            format!("/portal/sign-in?lang={}", lang.lang.as_str())
        } else {
            "/portal/sign-in".to_owned()
        };
        return Redirect::to(&target).into_response();
    };
    let response = match home_page(&state, &customer, csrf, lang.lang, None, None).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(p) => crate::console::pages::message_page(
            StatusCode::SERVICE_UNAVAILABLE,
            texts::for_language(lang.lang).title,
            &p.detail,
        ),
    };
    remember(response, &lang, secure)
}

#[derive(Deserialize)]
pub struct ConsentForm {
    action: String,
    #[serde(default)]
    scope: String,
}

/// Opt out of every marketing use (at once), or allow one scope.
pub async fn consent(
    State(state): State<AppState>,
    lang: PageLanguage,
    headers: HeaderMap,
    Form(form): Form<ConsentForm>,
) -> Response {
    let Some((customer, csrf)) = current(&state, &headers).await else {
        return Redirect::to("/portal/sign-in").into_response();
    };
    let t = texts::for_language(lang.lang);
    let (action, done) = match form.action.as_str() {
        "opt_in" => (Action::OptIn, t.opted_in_done),
        _ => (Action::OptOut, t.opted_out_done),
    };
    let scope = Some(form.scope.trim().to_owned()).filter(|s| !s.is_empty());
    let (done, error, status) = match customer_consent::change_own(&state, &customer, scope, action).await {
        Ok(_) => (Some(done), None, StatusCode::OK),
        Err(p) => (None, Some(p.detail.clone()), p.status_code()),
    };
    match home_page(&state, &customer, csrf, lang.lang, done, error).await {
        Ok(page) => render(status, &page),
        Err(p) => crate::console::pages::message_page(StatusCode::SERVICE_UNAVAILABLE, t.title, &p.detail),
    }
}

/// Change the customer's own email or postal address. The change notice goes to the
/// contact points of record before the change, as for a change made by staff.
pub async fn contact(
    State(state): State<AppState>,
    lang: PageLanguage,
    headers: HeaderMap,
    Form(form): Form<ContactForm>,
) -> Response {
    let Some((customer, csrf)) = current(&state, &headers).await else {
        return Redirect::to("/portal/sign-in").into_response();
    };
    let t = texts::for_language(lang.lang);
    let result = match form.change() {
        Ok(change) => contacts::change(&state, "customer", customer.account_id, &change, None).await,
        Err(e) => Err(e.into()),
    };
    let (done, error, status) = match result {
        Ok(_) => (Some(t.contact_changed), None, StatusCode::OK),
        Err(p) => (None, Some(p.detail.clone()), p.status_code()),
    };
    match home_page(&state, &customer, csrf, lang.lang, done, error).await {
        Ok(page) => render(status, &page),
        Err(p) => crate::console::pages::message_page(StatusCode::SERVICE_UNAVAILABLE, t.title, &p.detail),
    }
}

// --- recovery through the email address of record -----------------------------------

#[derive(Template)]
#[template(path = "portal/recovery.html")]
struct RecoveryPage {
    t: &'static Texts,
    csrf: String,
    message: Option<String>,
    complete: bool,
}

pub async fn recovery_form(lang: PageLanguage, SecureCookies(secure): SecureCookies) -> Response {
    let t = texts::for_language(lang.lang);
    form_page(StatusCode::OK, |csrf| RecoveryPage { t, csrf, message: None, complete: false }, secure)
}

#[derive(Deserialize)]
pub struct RecoveryForm {
    email: String,
}

pub async fn recovery(
    State(state): State<AppState>,
    lang: PageLanguage,
    client: ClientIp,
    SecureCookies(secure): SecureCookies,
    Form(form): Form<RecoveryForm>,
) -> Response {
    let t = texts::for_language(lang.lang);
    let (status, message) = match customer_session::request_recovery(&state, client, form.email.trim()).await {
        Ok(()) => (StatusCode::OK, t.recovery_sent.to_owned()),
        Err(p) if p.status == 429 => (StatusCode::TOO_MANY_REQUESTS, t.too_many.to_owned()),
        Err(p) => (p.status_code(), p.detail),
    };
    form_page(status, |csrf| RecoveryPage { t, csrf, message: Some(message), complete: true }, secure)
}

pub async fn complete_form(lang: PageLanguage, SecureCookies(secure): SecureCookies) -> Response {
    let t = texts::for_language(lang.lang);
    form_page(StatusCode::OK, |csrf| RecoveryPage { t, csrf, message: None, complete: true }, secure)
}

#[derive(Deserialize)]
pub struct CompleteForm {
    code: String,
    password: String,
}

pub async fn complete(
    State(state): State<AppState>,
    lang: PageLanguage,
    client: ClientIp,
    SecureCookies(secure): SecureCookies,
    Form(form): Form<CompleteForm>,
) -> Response {
    let t = texts::for_language(lang.lang);
    let outcome = customer_session::complete_recovery(
        &state,
        client,
        &Secret::new(form.code.trim()),
        SecretKind::Password,
        Secret::new(form.password),
        None,
    )
    .await;
    let (status, message) = match outcome {
        Ok(_) => (StatusCode::OK, t.password_set.to_owned()),
        Err(p) if p.status == 429 => (StatusCode::TOO_MANY_REQUESTS, t.too_many.to_owned()),
        Err(p) => (p.status_code(), p.detail),
    };
    form_page(status, |csrf| RecoveryPage { t, csrf, message: Some(message), complete: true }, secure)
}
