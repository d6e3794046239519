//! The privacy office's screen: what needs it now (the dashboard's figures: breach
//! clocks, opt-out failures, quarantined mail, abandoned notices, lapsing training,
//! campaigns awaiting review, the next certification), and the opt-out mail quarantine
//! with filing and discarding. Adapters over the application layer.

use super::csr::Outcome;
use super::pages::{Chrome, message_page, render};
use super::session::ConsoleStaff;
use crate::api::breach::ClocksView;
use crate::api::privacy_office::certification::{self, Format};
use crate::api::privacy_office::dashboard::{self, DashboardView};
use crate::application::opt_out_mail;
use crate::problem::Problem;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cpniguard_core::account::AccountNumber;
use cpniguard_core::audit::{ChainHead, Checkpoint};
use cpniguard_store::complaints::{Complaint, ComplaintQuery, ComplaintStatus};
use cpniguard_store::consent::QuarantinedMail;
use serde::Deserialize;
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/privacy", get(page))
        .route("/console/privacy/mail/{id}/file", post(file))
        .route("/console/privacy/mail/{id}/discard", post(discard))
}

/// The certification document, behind `Certify` (the privacy office and auditors).
pub fn certification_routes() -> Router<AppState> {
    Router::new().route("/console/certification/{year}", get(certification))
}

#[derive(Template)]
#[template(path = "console/privacy.html")]
struct PrivacyPage {
    chrome: Chrome,
    dashboard: DashboardView,
    clocks: ClocksView,
    complaints: Vec<Complaint>,
    chain_head: Option<ChainHead>,
    checkpoint: Option<Checkpoint>,
    mail: Vec<QuarantinedMail>,
    outcome: Option<Outcome>,
}

async fn screen(state: &AppState, who: &ConsoleStaff, outcome: Option<Outcome>, status: StatusCode) -> Response {
    let loaded = async {
        let open = ComplaintQuery { status: Some(ComplaintStatus::Open), limit: 20, ..ComplaintQuery::default() };
        let (dashboard, clocks) = dashboard::compute_with_clocks(state).await?;
        Ok::<_, Problem>(PrivacyPage {
            chrome: Chrome::new(who, "Privacy office"),
            dashboard,
            clocks,
            complaints: state.store.list_complaints(&open).await?.complaints,
            chain_head: state.store.audit_head().await?,
            checkpoint: state.store.last_audit_checkpoint().await?,
            mail: opt_out_mail::list(state, false).await?,
            outcome,
        })
    };
    match loaded.await {
        Ok(page) => render(status, &page),
        Err(p) => message_page(p.status_code(), "Privacy office", &p.detail),
    }
}

/// The certification of `year` as the privacy office will sign it: the HTML document,
/// or `?format=pdf` to download the PDF.
pub async fn certification(
    State(state): State<AppState>,
    Path(year): Path<i32>,
    Query(q): Query<CertificationQuery>,
) -> Response {
    let format = if q.format.as_deref() == Some("pdf") { Format::Pdf } else { Format::Html };
    match certification::produce(&state, year, None, None).await {
        Ok((figures, filing)) => {
            let (content_type, body) = certification::render(&figures, &filing, format);
            let disposition = match format {
                Format::Pdf => format!("attachment; filename=\"cpni-certification-{year}.pdf\""),
                _ => "inline".to_owned(),
            };
            ([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], body)
                .into_response()
        }
        Err(p) => message_page(p.status_code(), "Certification", &p.detail),
    }
}

#[derive(Deserialize)]
pub struct CertificationQuery {
    format: Option<String>,
}

pub async fn page(State(state): State<AppState>, who: ConsoleStaff) -> Response {
    screen(&state, &who, None, StatusCode::OK).await
}

async fn after(state: &AppState, who: &ConsoleStaff, result: Result<String, Problem>) -> Response {
    match result {
        Ok(done) => screen(state, who, Some(Outcome::done(done)), StatusCode::OK).await,
        Err(p) => {
            let status = p.status_code();
            screen(state, who, Some(Outcome::refusal(&p)), status).await
        }
    }
}

#[derive(Deserialize)]
pub struct FileForm {
    account_number: String,
    #[serde(default)]
    note: String,
}

/// File a quarantined message as the opt-out of the account the office identified.
pub async fn file(
    State(state): State<AppState>,
    who: ConsoleStaff,
    Path(id): Path<Uuid>,
    Form(form): Form<FileForm>,
) -> Response {
    let result = async {
        let number = AccountNumber::parse(form.account_number.trim()).map_err(|e| e.within("account_number"))?;
        let account = state.store.get_account_by_number(&number).await?.ok_or_else(|| Problem::not_found("account"))?;
        let note = Some(form.note.trim()).filter(|n| !n.is_empty());
        opt_out_mail::file_as_opt_out(&state, &who.staff, id, &[account.id], note).await?;
        Ok::<_, Problem>(format!("Filed as the opt-out of account {number}, effective when the message arrived."))
    };
    after(&state, &who, result.await).await
}

#[derive(Deserialize)]
pub struct DiscardForm {
    note: String,
}

pub async fn discard(
    State(state): State<AppState>,
    who: ConsoleStaff,
    Path(id): Path<Uuid>,
    Form(form): Form<DiscardForm>,
) -> Response {
    let result = opt_out_mail::dismiss(&state, &who.staff, id, &form.note).await.map(|_| "Discarded.".to_owned());
    after(&state, &who, result).await
}
