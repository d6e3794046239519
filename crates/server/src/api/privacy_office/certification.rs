//! The annual CPNI certification (47 CFR 64.2009(e)): produced for a calendar year
//! from the records (JSON figures, HTML, PDF), drafted, signed and filed with its
//! reference, and tracked against its due date (March 1 of the following year).
//! Once signed, the figures are frozen: the document shows what was signed.

pub mod document;
pub mod figures;

use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_store::StoreError;
use cpniguard_store::training::{Certification, FilingStatus};
use document::FilingLine;
use figures::CertificationFigures;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Html,
    Pdf,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DocumentParams {
    /// json (the figures), html or pdf.
    #[param(value_type = Option<String>)]
    pub format: Option<Format>,
    /// The signing officer, when the year is not drafted yet (default: `[certification]`).
    pub officer_name: Option<String>,
    pub officer_title: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    /// Default: `[certification].officer_name`.
    pub officer_name: Option<String>,
    pub officer_title: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    /// The reference the FCC gave the filing (e.g. its EB Docket 06-36 confirmation).
    pub reference: String,
    /// Default: today.
    pub filed_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificationView {
    pub year: i32,
    /// draft, signed or filed.
    pub status: String,
    pub due_on: NaiveDate,
    /// Past the due date and not filed.
    pub overdue: bool,
    pub officer_name: String,
    pub officer_title: String,
    pub drafted_at: DateTime<Utc>,
    pub signed_by: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    pub filing_reference: Option<String>,
    pub filed_on: Option<NaiveDate>,
    pub figures: CertificationFigures,
}

fn invalid(field: &str, reason: &str) -> Problem {
    Problem::validation(ValidationError::new(field, reason))
}

/// The officer named by the request, else by the configuration.
pub fn officer(state: &AppState, name: Option<String>, title: Option<String>) -> ApiResult<(String, String)> {
    let c = &state.config.certification;
    let pick = |given: Option<String>, configured: &str, field: &str| {
        let value = given.unwrap_or_else(|| configured.to_owned()).trim().to_owned();
        if value.is_empty() || value.chars().count() > 200 || value.chars().any(char::is_control) {
            return Err(invalid(field, "1 to 200 characters; name one here or in [certification]"));
        }
        Ok(value)
    };
    Ok((pick(name, &c.officer_name, "officer_name")?, pick(title, &c.officer_title, "officer_title")?))
}

fn stored_figures(c: &Certification) -> ApiResult<CertificationFigures> {
    serde_json::from_value(c.figures.clone()).map_err(|e| {
        tracing::error!(year = c.year, error = %e, "stored certification figures do not read back");
        Problem::internal()
    })
}

fn filing_line(c: Option<&Certification>) -> FilingLine {
    let Some(c) = c else { return FilingLine { status: "not drafted".to_owned(), ..FilingLine::default() } };
    FilingLine {
        status: c.status.as_str().to_owned(),
        signed: c.signed_at.map(|at| format!("{} by {}", at.format("%Y-%m-%d"), c.signed_by.as_deref().unwrap_or("?"))),
        filed: c.filed_on.map(|d| format!("{d}, reference {}", c.filing_reference.as_deref().unwrap_or("?"))),
    }
}

fn view(state: &AppState, c: Certification) -> ApiResult<CertificationView> {
    let today = super::training::today(state)?;
    Ok(CertificationView {
        figures: stored_figures(&c)?,
        overdue: c.status != FilingStatus::Filed && today > c.due_on,
        year: c.year,
        status: c.status.as_str().to_owned(),
        due_on: c.due_on,
        officer_name: c.officer_name,
        officer_title: c.officer_title,
        drafted_at: c.drafted_at,
        signed_by: c.signed_by,
        signed_at: c.signed_at,
        filing_reference: c.filing_reference,
        filed_on: c.filed_on,
    })
}

/// The certification of `year` as a document: the stored figures when the year has
/// been drafted (what is signed is what is shown), otherwise computed now.
pub async fn produce(
    state: &AppState,
    year: i32,
    name: Option<String>,
    title: Option<String>,
) -> ApiResult<(CertificationFigures, FilingLine)> {
    figures::period(state, year)?;
    match state.store.get_certification(year).await? {
        Some(c) => Ok((stored_figures(&c)?, filing_line(Some(&c)))),
        None => Ok((figures::gather(state, year, officer(state, name, title)?).await?, filing_line(None))),
    }
}

/// The document in `format`, with its content type.
pub fn render(figures: &CertificationFigures, filing: &FilingLine, format: Format) -> (&'static str, Vec<u8>) {
    match format {
        Format::Json => ("application/json", serde_json::to_vec_pretty(figures).unwrap_or_default()),
        Format::Html => ("text/html; charset=utf-8", document::html(figures, filing).into_bytes()),
        Format::Pdf => ("application/pdf", document::pdf(figures, filing)),
    }
}

#[utoipa::path(
    get, path = "/api/v1/privacy-office/certifications/{year}", tag = "privacy-office",
    params(("year" = i32, Path, description = "The calendar year certified"), DocumentParams),
    responses(
        (status = 200, description = "The figures (JSON), or the certificate with its statement (HTML, PDF)",
            content(
                (CertificationFigures = "application/json"),
                (String = "text/html"),
                (Vec<u8> = "application/pdf"),
            )),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_document(
    State(state): State<AppState>,
    ApiPath(year): ApiPath<i32>,
    ApiQuery(params): ApiQuery<DocumentParams>,
) -> ApiResult<Response> {
    let (figures, filing) = produce(&state, year, params.officer_name, params.officer_title).await?;
    let (content_type, body) = render(&figures, &filing, params.format.unwrap_or_default());
    let disposition = match params.format.unwrap_or_default() {
        Format::Pdf => format!("inline; filename=\"cpni-certification-{year}.pdf\""),
        _ => "inline".to_owned(),
    };
    Ok(([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}

#[utoipa::path(
    get, path = "/api/v1/privacy-office/certifications", tag = "privacy-office",
    responses((status = 200, body = [CertificationView], description = "Every tracked year, newest first")),
    security(("bearer" = []))
)]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<CertificationView>>> {
    let all = state.store.list_certifications().await?;
    Ok(Json(all.into_iter().map(|c| view(&state, c)).collect::<ApiResult<_>>()?))
}

#[utoipa::path(
    post, path = "/api/v1/privacy-office/certifications/{year}/draft", tag = "privacy-office",
    params(("year" = i32, Path, description = "The calendar year certified; it must be over")),
    request_body = DraftRequest,
    responses(
        (status = 200, body = CertificationView, description = "The figures computed now and stored as the draft"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn draft(
    State(state): State<AppState>,
    ApiPath(year): ApiPath<i32>,
    ApiJson(req): ApiJson<DraftRequest>,
) -> ApiResult<Json<CertificationView>> {
    let today = super::training::today(&state)?;
    if year >= today.year() {
        return Err(invalid("year", "a certification covers a calendar year that is over"));
    }
    let officer = officer(&state, req.officer_name, req.officer_title)?;
    let figures = figures::gather(&state, year, officer.clone()).await?;
    let draft = Certification {
        year,
        status: FilingStatus::Draft,
        due_on: figures.due_on,
        officer_name: officer.0,
        officer_title: officer.1,
        figures: serde_json::to_value(&figures).map_err(|_| Problem::internal())?,
        drafted_at: figures.generated_at,
        signed_by: None,
        signed_at: None,
        filing_reference: None,
        filed_on: None,
    };
    let saved = state.store.save_certification_draft(&draft).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            conflict("certification_signed", "the certification is signed; its figures can no longer change")
        }
        other => other.into(),
    })?;
    Ok(Json(view(&state, saved)?))
}

fn conflict(code: &'static str, detail: &str) -> Problem {
    Problem::new(StatusCode::CONFLICT, code, "Conflict", detail)
}

fn transition_error(e: StoreError, detail: &str) -> Problem {
    match e {
        StoreError::NotFound(_) => Problem::not_found("certification; draft it first"),
        StoreError::Conflict(_) => conflict("certification_status", detail),
        other => other.into(),
    }
}

#[utoipa::path(
    post, path = "/api/v1/privacy-office/certifications/{year}/sign", tag = "privacy-office",
    params(("year" = i32, Path, description = "The calendar year certified")),
    responses(
        (status = 200, body = CertificationView, description = "Signed by the caller, now"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn sign(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(year): ApiPath<i32>,
) -> ApiResult<Json<CertificationView>> {
    let signed = state
        .store
        .sign_certification(year, staff.0.username.as_str(), state.now())
        .await
        .map_err(|e| transition_error(e, "only a draft can be signed"))?;
    Ok(Json(view(&state, signed)?))
}

#[utoipa::path(
    post, path = "/api/v1/privacy-office/certifications/{year}/file", tag = "privacy-office",
    params(("year" = i32, Path, description = "The calendar year certified")),
    request_body = FileRequest,
    responses(
        (status = 200, body = CertificationView, description = "Recorded as filed"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn file(
    State(state): State<AppState>,
    ApiPath(year): ApiPath<i32>,
    ApiJson(req): ApiJson<FileRequest>,
) -> ApiResult<Json<CertificationView>> {
    let reference = req.reference.trim();
    if reference.is_empty() || reference.len() > 100 || reference.chars().any(char::is_control) {
        return Err(invalid("reference", "1 to 100 characters"));
    }
    let today = super::training::today(&state)?;
    let filed_on = req.filed_on.unwrap_or(today);
    if filed_on > today || filed_on.year() <= year {
        return Err(invalid("filed_on", "after the year certified and not in the future"));
    }
    let filed = state
        .store
        .file_certification(year, reference, filed_on)
        .await
        .map_err(|e| transition_error(e, "only a signed certification can be filed"))?;
    Ok(Json(view(&state, filed)?))
}
