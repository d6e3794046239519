//! The supervisor's campaign review queue: each submitted campaign with what it offers,
//! the CPNI it would use, its sponsor and its audience size; approve, or reject with a
//! reason. Separation of duties is the application layer's (and the policy engine's)
//! to decide; this screen shows the refusal in words.

use super::csr::Outcome;
use super::pages::{Chrome, message_page, render};
use super::session::ConsoleStaff;
use crate::application::campaign_review::{self, Awaiting};
use crate::problem::Problem;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use cpniguard_policy::ReviewDecision;
use serde::Deserialize;
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/campaigns", get(page)).route("/console/campaigns/{id}/review", post(review))
}

#[derive(Template)]
#[template(path = "console/campaigns.html")]
struct QueuePage {
    chrome: Chrome,
    queue: Vec<Awaiting>,
    outcome: Option<Outcome>,
}

impl QueuePage {
    /// The sponsor in words, and the consent its audience needs.
    fn sponsor_words(&self, c: &cpniguard_store::campaigns::Campaign) -> String {
        format!("{:?} (needs the customers' {} approval)", c.sponsor, c.sponsor.consent_scope().replace('_', " "))
    }
}

async fn screen(state: &AppState, who: &ConsoleStaff, outcome: Option<Outcome>, status: StatusCode) -> Response {
    match campaign_review::queue(state).await {
        Ok(queue) => render(status, &QueuePage { chrome: Chrome::new(who, "Campaign review"), queue, outcome }),
        Err(p) => message_page(p.status_code(), "Campaign review", &p.detail),
    }
}

pub async fn page(State(state): State<AppState>, who: ConsoleStaff) -> Response {
    screen(&state, &who, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ReviewForm {
    decision: String,
    version: u64,
    #[serde(default)]
    reason: String,
}

pub async fn review(
    State(state): State<AppState>,
    who: ConsoleStaff,
    Path(id): Path<Uuid>,
    Form(form): Form<ReviewForm>,
) -> Response {
    let decision = match form.decision.as_str() {
        "approve" => ReviewDecision::Approve,
        _ => ReviewDecision::Reject,
    };
    let result = campaign_review::review(&state, &who.staff, id, decision, form.version, Some(&form.reason)).await;
    match result {
        Ok(v) => {
            let done = format!("Campaign \"{}\" {}.", v.campaign.name, v.campaign.state.as_str());
            screen(&state, &who, Some(Outcome::done(done)), StatusCode::OK).await
        }
        Err(p) => refused(&state, &who, &p).await,
    }
}

async fn refused(state: &AppState, who: &ConsoleStaff, p: &Problem) -> Response {
    let status = p.status_code();
    screen(state, who, Some(Outcome::refusal(p)), status).await
}
