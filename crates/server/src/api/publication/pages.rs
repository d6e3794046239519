//! The public pages, no authentication: the carrier's home page (with the banner after
//! a material change) and the CPNI policy in English or Spanish — the current version
//! with "Last revised", links to every earlier version, and each earlier version.
//! Server-rendered HTML that needs no script (the CSP allows none inline). Every page
//! ends with the contact points the policy promises, from `[carrier]`: where to opt
//! out of marketing use, and how to reach the privacy office.

use super::markdown::{escape, markdown_to_html};
use super::versions::carrier_today;
use crate::config::CarrierConfig;
use crate::extract::{ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
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

/// The contact points of `carrier` as a footer; a value left empty is left out.
fn contacts(language: Language, carrier: &CarrierConfig) -> String {
    let w = words(language);
    let mail = |address: &str| format!("<a href=\"mailto:{a}\">{a}</a>", a = escape(address));
    let mut lines = Vec::new();
    if !carrier.marketing_email.is_empty() {
        lines.push(format!("<p>{} {}.</p>", w.opt_out_at, mail(&carrier.marketing_email)));
    }
    let postal = (!carrier.privacy_postal_address.is_empty())
        .then(|| format!("{} {}", w.by_mail, escape(&carrier.privacy_postal_address)));
    let office = match (carrier.privacy_email.is_empty(), postal) {
        (false, Some(postal)) => Some(format!("{} {} {postal}.", w.privacy_office_at, mail(&carrier.privacy_email))),
        (false, None) => Some(format!("{} {}.", w.privacy_office_at, mail(&carrier.privacy_email))),
        (true, Some(postal)) => Some(format!("{} {postal}.", w.privacy_office_at)),
        (true, None) => None,
    };
    lines.extend(office.map(|o| format!("<p>{o}</p>")));
    if lines.is_empty() {
        return String::new();
    }
    format!("<footer>\n<h2>{}</h2>\n{}\n</footer>", w.contact, lines.join("\n"))
}

/// A whole page: `<html lang>`, the language switch to `path` in the other language,
/// `main` (already escaped HTML) and the carrier's contact points.
fn page(language: Language, carrier: &CarrierConfig, title: &str, path: &str, main: &str) -> Response {
    let w = words(language);
    let alt = other(language);
    let footer = contacts(language, carrier);
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <style>body{{font-family:sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         .banner{{background:#fff3cd;border:1px solid #e0c36c;padding:.75rem 1rem}}</style>\n</head>\n<body>\n\
         <nav><a href=\"/?lang={lang}\">{home}</a> · \
         <a href=\"{path}?lang={alt}\" hreflang=\"{alt}\" lang=\"{alt}\">{other}</a></nav>\n{main}\n{footer}\n</body>\n</html>\n",
        lang = language.as_str(),
        title = escape(title),
        home = w.home,
        alt = alt.as_str(),
        other = w.other_language,
    );
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(language.as_str()));
    headers.insert(header::VARY, HeaderValue::from_static("accept-language"));
    response
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

fn policy_main(language: Language, v: &PolicyVersion, earlier: &[PolicyVersion], is_current: bool) -> String {
    let w = words(language);
    let body = v.text(language).map(|t| markdown_to_html(&t.body)).unwrap_or_default();
    let mut out = String::new();
    if !is_current {
        out.push_str(&format!(
            "<p class=\"banner\">{} <a href=\"/privacy?lang={}\">{}</a></p>\n",
            w.earlier_notice,
            language.as_str(),
            w.read_current
        ));
    }
    out.push_str(&format!(
        "<p class=\"revised\">{}: <time datetime=\"{d}\">{d}</time></p>\n<p>{} {} · {} {d}</p>\n<main>\n{body}</main>\n",
        w.last_revised,
        w.version,
        v.version,
        w.in_effect_from,
        d = v.effective_on.format("%Y-%m-%d"),
    ));
    if !earlier.is_empty() {
        out.push_str(&format!("<section>\n<h2>{}</h2>\n<ul>\n", w.earlier));
        for e in earlier {
            out.push_str(&format!(
                "<li><a href=\"/privacy/versions/{n}?lang={l}\">{} {n}</a> ({} {})</li>\n",
                w.version,
                w.in_effect_from,
                e.effective_on.format("%Y-%m-%d"),
                n = e.version,
                l = language.as_str(),
            ));
        }
        out.push_str("</ul>\n</section>");
    }
    out
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
    let main = policy_main(language, current, earlier, true);
    Ok(page(language, &state.config.carrier, words(language).policy_title, "/privacy", &main))
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
    let main = policy_main(language, &versions[at], &versions[at + 1..], at == 0);
    let title = format!("{} — {} {number}", words(language).policy_title, words(language).version);
    Ok(page(language, &state.config.carrier, &title, &format!("/privacy/versions/{number}"), &main))
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
    let w = words(language);
    let today = carrier_today(&state)?;
    let versions = in_effect(state.store.list_policy_versions().await?, today);
    let days = Duration::days(state.config.publication.banner_days.into());
    let banner = versions
        .iter()
        .find(|v| v.material)
        .filter(|v| today < v.effective_on + days)
        .map(|v| {
            let d = v.effective_on.format("%Y-%m-%d");
            format!(
                "<p class=\"banner\" role=\"status\">{} {d} — <a href=\"/privacy?lang={}\">{}</a></p>\n",
                w.banner,
                language.as_str(),
                w.read_it
            )
        })
        .unwrap_or_default();
    let name = escape(&state.config.carrier.name);
    let main = format!(
        "{banner}<main>\n<h1>{name}</h1>\n<p><a href=\"/privacy?lang={}\">{}</a></p>\n</main>",
        language.as_str(),
        w.privacy_link
    );
    Ok(page(language, &state.config.carrier, &state.config.carrier.name, "/", &main))
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
        let es = contacts(Language::Es, &carrier);
        assert!(es.contains("<a href=\"mailto:opt-out@carrier.example\">opt-out@carrier.example</a>"), "{es}");
        assert!(es.contains("oficina de privacidad, o por correo postal: Privacy &lt;Office&gt;, 1 Main St."), "{es}");
        let none = CarrierConfig {
            marketing_email: String::new(),
            privacy_email: String::new(),
            privacy_postal_address: String::new(),
            ..CarrierConfig::default()
        };
        assert_eq!(contacts(Language::En, &none), "");
    }
}
