//! The public pages, no authentication: the carrier's home page (with the banner after
//! a material change) and the CPNI policy in English or Spanish — the current version
//! with "Last revised", links to every earlier version, and each earlier version.
//! Server-rendered HTML that needs no script (the CSP allows none inline). Every page
//! ends with the contact points the policy promises, from `[carrier]`: where to opt
//! out of marketing use, and how to reach the privacy office.

use super::markdown::markdown_to_html;
use super::versions::carrier_today;
use crate::config::CarrierConfig;
use crate::extract::{ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use cpniguard_core::account::Language;
use cpniguard_store::publication::PolicyVersion;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
pub struct LanguageQuery {
    /// `en` or `es`; wins over `Accept-Language`. Anything else is ignored.
    pub lang: Option<String>,
}

/// `?lang=` when it names a language we have, else the best of `Accept-Language`
/// (by q-value, then order), else English.
pub(crate) fn choose_language(query: Option<&str>, headers: &HeaderMap) -> Language {
    if let Some(l) = query.and_then(Language::parse) {
        return l;
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut best: Option<(f32, Language)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let tag = parts.next().unwrap_or("");
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        let Some(language) = Language::parse(&primary) else { continue };
        let q = parts.find_map(|p| p.strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, language));
        }
    }
    best.map_or(Language::En, |(_, l)| l)
}

/// The words of the pages, per language.
struct Words {
    policy_title: &'static str,
    last_revised: &'static str,
    earlier: &'static str,
    version: &'static str,
    in_effect_from: &'static str,
    earlier_notice: &'static str,
    read_current: &'static str,
    other_language: &'static str,
    banner: &'static str,
    read_it: &'static str,
    privacy_link: &'static str,
    home: &'static str,
    contact: &'static str,
    opt_out_at: &'static str,
    privacy_office_at: &'static str,
    by_mail: &'static str,
}

fn words(language: Language) -> &'static Words {
    match language {
        Language::En => &Words {
            policy_title: "CPNI privacy policy",
            last_revised: "Last revised",
            earlier: "Earlier versions",
            version: "Version",
            in_effect_from: "in effect from",
            earlier_notice: "This is an earlier version of our policy, kept for reference.",
            read_current: "Read the current policy",
            other_language: "Español",
            banner: "We changed our CPNI policy on",
            read_it: "read it",
            privacy_link: "Our CPNI privacy policy",
            home: "Home",
            contact: "Contact us",
            opt_out_at: "To opt out of our marketing use of your CPNI, or to change your choice, write to",
            privacy_office_at: "Questions or complaints about your privacy: our privacy office,",
            by_mail: "or by mail:",
        },
        Language::Es => &Words {
            policy_title: "Política de privacidad de CPNI",
            last_revised: "Última revisión",
            earlier: "Versiones anteriores",
            version: "Versión",
            in_effect_from: "en vigor desde",
            earlier_notice: "Esta es una versión anterior de nuestra política, conservada como referencia.",
            read_current: "Lea la política vigente",
            other_language: "English",
            banner: "Cambiamos nuestra política de CPNI el",
            read_it: "léala",
            privacy_link: "Nuestra política de privacidad de CPNI",
            home: "Inicio",
            contact: "Contáctenos",
            opt_out_at: "Para que no usemos su CPNI en nuestro mercadeo, o para cambiar su decisión, escriba a",
            privacy_office_at: "Preguntas o quejas sobre su privacidad: nuestra oficina de privacidad,",
            by_mail: "o por correo postal:",
        },
    }
}

fn other(language: Language) -> Language {
    match language {
        Language::En => Language::Es,
        Language::Es => Language::En,
    }
}

/// The frame every public page shares: the language, the switch to `path` in the other
/// language, and the carrier's contact points (a value left empty is left out).
struct Frame<'a> {
    lang: &'static str,
    alt: &'static str,
    title: String,
    path: String,
    w: &'static Words,
    carrier: &'a CarrierConfig,
}

impl<'a> Frame<'a> {
    fn new(language: Language, carrier: &'a CarrierConfig, title: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            lang: language.as_str(),
            alt: other(language).as_str(),
            title: title.into(),
            path: path.into(),
            w: words(language),
            carrier,
        }
    }
}

/// The current policy, or an earlier version, with the earlier versions listed.
#[derive(Template)]
#[template(path = "public/policy.html")]
struct PolicyPage<'a> {
    frame: Frame<'a>,
    is_current: bool,
    version: u32,
    effective_on: String,
    /// Already HTML: the policy's Markdown rendered with raw HTML escaped.
    body: String,
    /// Number and effective date of each earlier version, newest first.
    earlier: Vec<(u32, String)>,
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage<'a> {
    frame: Frame<'a>,
    /// The effective date of a material change still within the banner's days.
    banner: Option<String>,
}

/// Render a public page with its language headers.
fn page<T: Template>(lang: &'static str, page: &T) -> ApiResult<Response> {
    let html = page.render().map_err(|e| {
        tracing::error!(error = %e, "public page template failed to render");
        Problem::internal()
    })?;
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang));
    headers.insert(header::VARY, HeaderValue::from_static("accept-language"));
    Ok(response)
}

/// Published versions in effect by `today` (a version published ahead of its date is
/// not shown yet), highest number first: the first is the current one.
fn in_effect(all: Vec<PolicyVersion>, today: NaiveDate) -> Vec<PolicyVersion> {
    let mut v: Vec<PolicyVersion> = all.into_iter().filter(|v| v.is_published() && v.effective_on <= today).collect();
    v.sort_by_key(|v| std::cmp::Reverse(v.version));
    v
}

fn no_policy() -> Problem {
    Problem::not_found("published policy")
}

fn policy_page<'a>(
    frame: Frame<'a>,
    language: Language,
    v: &PolicyVersion,
    earlier: &[PolicyVersion],
    is_current: bool,
) -> PolicyPage<'a> {
    PolicyPage {
        frame,
        is_current,
        version: v.version,
        effective_on: v.effective_on.format("%Y-%m-%d").to_string(),
        body: v.text(language).map(|t| markdown_to_html(&t.body)).unwrap_or_default(),
        earlier: earlier.iter().map(|e| (e.version, e.effective_on.format("%Y-%m-%d").to_string())).collect(),
    }
}

#[utoipa::path(
    get, path = "/privacy", tag = "publication",
    params(LanguageQuery, ("Accept-Language" = Option<String>, Header, description = "Used when `lang` is absent")),
    responses(
        (status = 200, description = "The current CPNI policy as HTML, with \"Last revised\" and links to earlier versions", content_type = "text/html"),
        (status = 404, description = "Nothing published yet", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn current(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<LanguageQuery>,
) -> ApiResult<Response> {
    let language = choose_language(q.lang.as_deref(), &headers);
    let versions = in_effect(state.store.list_policy_versions().await?, carrier_today(&state)?);
    let (current, earlier) = versions.split_first().ok_or_else(no_policy)?;
    let frame = Frame::new(language, &state.config.carrier, words(language).policy_title, "/privacy");
    page(language.as_str(), &policy_page(frame, language, current, earlier, true))
}

#[utoipa::path(
    get, path = "/privacy/versions/{version}", tag = "publication",
    params(
        ("version" = u32, Path, description = "A published version in effect now or before"),
        LanguageQuery,
        ("Accept-Language" = Option<String>, Header, description = "Used when `lang` is absent"),
    ),
    responses(
        (status = 200, description = "That version of the CPNI policy as HTML", content_type = "text/html"),
        (status = 404, description = "No such published version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn version(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(number): ApiPath<u32>,
    ApiQuery(q): ApiQuery<LanguageQuery>,
) -> ApiResult<Response> {
    let language = choose_language(q.lang.as_deref(), &headers);
    let versions = in_effect(state.store.list_policy_versions().await?, carrier_today(&state)?);
    let at = versions.iter().position(|v| v.version == number).ok_or_else(|| Problem::not_found("policy version"))?;
    let title = format!("{} — {} {number}", words(language).policy_title, words(language).version);
    let frame = Frame::new(language, &state.config.carrier, title, format!("/privacy/versions/{number}"));
    page(language.as_str(), &policy_page(frame, language, &versions[at], &versions[at + 1..], at == 0))
}

#[utoipa::path(
    get, path = "/", tag = "publication",
    params(LanguageQuery, ("Accept-Language" = Option<String>, Header, description = "Used when `lang` is absent")),
    responses((status = 200, description = "The carrier's public home page, with the banner for a recent material policy change", content_type = "text/html"))
)]
pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<LanguageQuery>,
) -> ApiResult<Response> {
    let language = choose_language(q.lang.as_deref(), &headers);
    let today = carrier_today(&state)?;
    let versions = in_effect(state.store.list_policy_versions().await?, today);
    let days = Duration::days(state.config.publication.banner_days.into());
    let banner = versions
        .iter()
        .find(|v| v.material)
        .filter(|v| today < v.effective_on + days)
        .map(|v| v.effective_on.format("%Y-%m-%d").to_string());
    let frame = Frame::new(language, &state.config.carrier, state.config.carrier.name.clone(), "/");
    page(language.as_str(), &HomePage { frame, banner })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn the_query_wins_then_the_best_accepted_language() {
        assert_eq!(choose_language(None, &accept("es-MX,es;q=0.9")), Language::Es);
        assert_eq!(choose_language(Some("en"), &accept("es-MX,es;q=0.9")), Language::En);
        assert_eq!(choose_language(Some("fr"), &accept("es")), Language::Es);
        assert_eq!(choose_language(None, &accept("fr-FR, en;q=0.5, es;q=0.8")), Language::Es);
        assert_eq!(choose_language(None, &accept("es;q=0, en;q=0.1")), Language::En);
        assert_eq!(choose_language(None, &HeaderMap::new()), Language::En);
    }

    #[test]
    fn the_contact_footer_escapes_and_leaves_out_what_is_not_configured() {
        let carrier = CarrierConfig {
            marketing_email: "opt-out@carrier.example".into(),
            privacy_email: String::new(),
            privacy_postal_address: "Privacy <Office>, 1 Main St".into(),
            ..CarrierConfig::default()
        };
        let footer = |language, carrier: &CarrierConfig| {
            let page = HomePage { frame: Frame::new(language, carrier, "Carrier", "/"), banner: None };
            let html = page.render().unwrap();
            html.split_once("<footer>").map(|(_, f)| f.to_owned()).unwrap_or_default()
        };
        let es = footer(Language::Es, &carrier);
        assert!(es.contains("<a href=\"mailto:opt-out@carrier.example\">opt-out@carrier.example</a>"), "{es}");
        assert!(
            es.contains("oficina de privacidad, o por correo postal: Privacy &#60;Office&#62;, 1 Main St."),
            "{es}"
        );
        let none = CarrierConfig {
            marketing_email: String::new(),
            privacy_email: String::new(),
            privacy_postal_address: String::new(),
            ..CarrierConfig::default()
        };
        assert_eq!(footer(Language::En, &none), "");
    }
}
