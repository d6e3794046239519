//! What needs the privacy office now, in one answer: running breach clocks, opt-out
//! failures, quarantined opt-out mail, abandoned notices, lapsing training, campaigns
//! awaiting review and the next certification due — for the API's dashboard, the
//! privacy-office screen and the daily reminder job.

use crate::application::breach_clocks::ClocksView;
use crate::application::certification::figures::due_on;
use crate::application::training::{LapsingView, lapsing, today};
use crate::problem::ApiResult;
use crate::state::AppState;
use chrono::{Datelike, NaiveDate};
use cpniguard_core::notice::NoticeStatus;
use cpniguard_store::breach::IncidentState;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct BreachClockCounts {
    /// Incidents not closed.
    pub open_incidents: u64,
    pub overdue: u64,
    pub due_soon: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NextCertification {
    pub year: i32,
    pub due_on: NaiveDate,
    /// not_drafted, draft or signed (a filed year is never the next one).
    pub status: String,
    /// Negative when overdue.
    pub days_left: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardView {
    pub today: NaiveDate,
    pub breach_clocks: BreachClockCounts,
    /// Opt-out requests that could not be honoured in time.
    pub opt_out_failure_incidents: u64,
    /// Opt-out mail waiting for review.
    pub quarantined_mail: u64,
    /// Notices the worker gave up on.
    pub abandoned_notices: u64,
    /// Privacy-office tasks not resolved.
    pub open_privacy_tasks: u64,
    pub lapsing_training: Vec<LapsingView>,
    pub campaigns_awaiting_review: u64,
    pub next_certification: NextCertification,
}

/// The earliest year not filed yet, starting from last year.
pub async fn next_certification(state: &AppState, today: NaiveDate) -> ApiResult<NextCertification> {
    let last_year = today.year() - 1;
    let stored = state.store.get_certification(last_year).await?;
    let (year, status) = match stored {
        Some(c) if c.status == cpniguard_store::training::FilingStatus::Filed => {
            let this_year = state.store.get_certification(today.year()).await?;
            (today.year(), this_year.map(|c| c.status.as_str()).unwrap_or("not_drafted"))
        }
        Some(c) => (last_year, c.status.as_str()),
        None => (last_year, "not_drafted"),
    };
    let due = due_on(year);
    Ok(NextCertification { year, due_on: due, status: status.to_owned(), days_left: (due - today).num_days() })
}

pub async fn compute(state: &AppState) -> ApiResult<DashboardView> {
    Ok(compute_with_clocks(state).await?.0)
}

/// The dashboard and the breach clocks its counts come from (the privacy office's
/// screen lists them), computed once.
pub async fn compute_with_clocks(state: &AppState) -> ApiResult<(DashboardView, ClocksView)> {
    let today = today(state)?;
    let clocks = crate::application::breach_clocks::compute_at(state, state.now()).await?;
    let incidents = state.store.list_breach_incidents().await?;
    let abandoned = state.store.notice_status_counts().await?;
    let view = DashboardView {
        today,
        breach_clocks: BreachClockCounts {
            open_incidents: incidents.iter().filter(|i| i.state != IncidentState::Closed).count() as u64,
            overdue: clocks.overdue.len() as u64,
            due_soon: clocks.due_soon.len() as u64,
        },
        opt_out_failure_incidents: state.store.open_optout_incidents_count().await?,
        quarantined_mail: state.store.open_quarantine_count().await?,
        abandoned_notices: abandoned.iter().find(|(s, _)| *s == NoticeStatus::Abandoned).map_or(0, |(_, n)| *n),
        open_privacy_tasks: state.store.list_privacy_tasks(true).await?.len() as u64,
        lapsing_training: lapsing(state, today).await?,
        campaigns_awaiting_review: state.store.campaigns_awaiting_review_count().await?,
        next_certification: next_certification(state, today).await?,
    };
    Ok((view, clocks))
}
