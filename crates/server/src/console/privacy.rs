//! The privacy office's screen: what needs it now (the dashboard's figures: breach
//! clocks, opt-out failures, quarantined mail, abandoned notices, lapsing training,
//! campaigns awaiting review, the next certification), the audit chain's head, last
//! checkpoint and last verification (with a button to verify it now), and the opt-out
//! mail quarantine with filing and discarding. Adapters over the application layer.

use super::csr::Outcome;
use super::pages::{Chrome, message_page, render};
use super::session::ConsoleStaff;
use crate::application::audit_verification::{self, Verification};
use crate::application::breach_clocks::ClocksView;
use crate::application::certification::{self, Format};
use crate::application::opt_out_mail;
use crate::application::privacy_dashboard::{self as dashboard, DashboardView};
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
        .route("/console/privacy/verify-chain", post(verify_chain))
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
    verified: Option<Verification>,
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
            verified: audit_verification::last(state).await?,
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

/// Verify the whole chain now; the result is recorded in the chain and shown.
pub async fn verify_chain(State(state): State<AppState>, who: ConsoleStaff) -> Response {
    let result = audit_verification::verify_now(&state, &who.staff).await.map(|v| match (v.ok, v.up_to, &v.fault) {
        (true, Some(up_to), _) => {
            format!("The audit chain verifies: {} entries, up to entry {up_to}.", v.entries.unwrap_or(0))
        }
        (_, _, Some(fault)) => {
            format!("The audit chain does NOT verify: {fault}. This is recorded; see docs/incident-response.md.")
        }
        _ => "The audit chain was verified.".to_owned(),
    });
    after(&state, &who, result).await
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
