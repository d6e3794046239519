//! The privacy office's screen: what needs it now (the dashboard's figures: breach
//! clocks, opt-out failures, quarantined mail, abandoned notices, lapsing training,
//! campaigns awaiting review, the next certification), and the opt-out mail quarantine
//! with filing and discarding. Adapters over the application layer.

use super::csr::Outcome;
use super::pages::{Chrome, message_page, render};
use super::session::ConsoleStaff;
use crate::api::privacy_office::dashboard::{self, DashboardView};
use crate::application::opt_out_mail;
use crate::problem::Problem;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use cpniguard_core::account::AccountNumber;
use cpniguard_store::consent::QuarantinedMail;
use serde::Deserialize;
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/privacy", get(page))
        .route("/console/privacy/mail/{id}/file", post(file))
        .route("/console/privacy/mail/{id}/discard", post(discard))
}

#[derive(Template)]
#[template(path = "console/privacy.html")]
struct PrivacyPage {
    chrome: Chrome,
    dashboard: DashboardView,
    mail: Vec<QuarantinedMail>,
    outcome: Option<Outcome>,
}

async fn screen(state: &AppState, who: &ConsoleStaff, outcome: Option<Outcome>, status: StatusCode) -> Response {
    let loaded = async {
        let dashboard = dashboard::compute(state).await?;
        let mail = opt_out_mail::list(state, false).await?;
        Ok::<_, Problem>((dashboard, mail))
    };
    match loaded.await {
        Ok((dashboard, mail)) => {
            render(status, &PrivacyPage { chrome: Chrome::new(who, "Privacy office"), dashboard, mail, outcome })
        }
        Err(p) => message_page(
            StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "Privacy office",
            &p.detail,
        ),
    }
}

pub async fn page(State(state): State<AppState>, who: ConsoleStaff) -> Response {
    screen(&state, &who, None, StatusCode::OK).await
}

async fn after(state: &AppState, who: &ConsoleStaff, result: Result<String, Problem>) -> Response {
    match result {
        Ok(done) => screen(state, who, Some(Outcome::done(done)), StatusCode::OK).await,
        Err(p) => {
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
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
