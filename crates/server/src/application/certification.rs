//! The annual CPNI certification (47 CFR 64.2009(e)): produced for a calendar year
//! from the records (JSON figures, HTML, PDF), drafted, signed and filed with its
//! reference, and tracked against its due date (March 1 of the following year).
//! Once signed, the figures are frozen: the document shows what was signed. The API,
//! the privacy-office screen and `cpniguard report certification` all call these.

pub mod document;
pub mod figures;

use crate::application::training::today;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::staff::Staff;
use cpniguard_store::StoreError;
use cpniguard_store::training::{Certification, FilingStatus};
use document::FilingLine;
use figures::CertificationFigures;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Html,
    Pdf,
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

pub fn view(state: &AppState, c: Certification) -> ApiResult<CertificationView> {
    let today = today(state)?;
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

/// Compute the figures of a year that is over and store them as its draft (again, as
/// long as it is not signed).
pub async fn draft(
    state: &AppState,
    year: i32,
    officer_name: Option<String>,
    officer_title: Option<String>,
) -> ApiResult<CertificationView> {
    let today = today(state)?;
    if year >= today.year() {
        return Err(invalid("year", "a certification covers a calendar year that is over"));
    }
    let officer = officer(state, officer_name, officer_title)?;
    let figures = figures::gather(state, year, officer.clone()).await?;
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
            Problem::conflict("certification_signed", "the certification is signed; its figures can no longer change")
        }
        other => other.into(),
    })?;
    view(state, saved)
}

fn transition_error(e: StoreError, detail: &str) -> Problem {
    match e {
        StoreError::NotFound(_) => Problem::not_found("certification; draft it first"),
        StoreError::Conflict(_) => Problem::conflict("certification_status", detail),
        other => other.into(),
    }
}

/// Sign the draft as `staff`, now: its figures are frozen from here on.
pub async fn sign(state: &AppState, staff: &Staff, year: i32) -> ApiResult<CertificationView> {
    let signed = state
        .store
        .sign_certification(year, staff.username.as_str(), state.now())
        .await
        .map_err(|e| transition_error(e, "only a draft can be signed"))?;
    view(state, signed)
}

/// Record the signed certification as filed with the FCC under `reference`.
pub async fn file(
    state: &AppState,
    year: i32,
    reference: &str,
    filed_on: Option<NaiveDate>,
) -> ApiResult<CertificationView> {
    let reference = reference.trim();
    if reference.is_empty() || reference.len() > 100 || reference.chars().any(char::is_control) {
        return Err(invalid("reference", "1 to 100 characters"));
    }
    let today = today(state)?;
    let filed_on = filed_on.unwrap_or(today);
    if filed_on > today || filed_on.year() <= year {
        return Err(invalid("filed_on", "after the year certified and not in the future"));
    }
    let filed = state
        .store
        .file_certification(year, reference, filed_on)
        .await
        .map_err(|e| transition_error(e, "only a signed certification can be filed"))?;
    view(state, filed)
}
