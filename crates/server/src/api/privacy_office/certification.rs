//! The annual certification over HTTP: the document, the tracked years, and drafting,
//! signing and filing (`application::certification` does each).

use crate::application::certification::figures::CertificationFigures;
use crate::application::certification::{self, CertificationView, Format};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

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
pub struct CertificationFilingRequest {
    /// The reference the FCC gave the filing (e.g. its EB Docket 06-36 confirmation).
    pub reference: String,
    /// Default: today.
    pub filed_on: Option<NaiveDate>,
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
    let (figures, filing) = certification::produce(&state, year, params.officer_name, params.officer_title).await?;
    let (content_type, body) = certification::render(&figures, &filing, params.format.unwrap_or_default());
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
    Ok(Json(all.into_iter().map(|c| certification::view(&state, c)).collect::<ApiResult<_>>()?))
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
    Ok(Json(certification::draft(&state, year, req.officer_name, req.officer_title).await?))
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
    Ok(Json(certification::sign(&state, &staff.0, year).await?))
}

#[utoipa::path(
    post, path = "/api/v1/privacy-office/certifications/{year}/file", tag = "privacy-office",
    params(("year" = i32, Path, description = "The calendar year certified")),
    request_body = CertificationFilingRequest,
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
    ApiJson(req): ApiJson<CertificationFilingRequest>,
) -> ApiResult<Json<CertificationView>> {
    Ok(Json(certification::file(&state, year, &req.reference, req.filed_on).await?))
}
