//! Breach clocks: the incident's facts as the core's deadline functions take them, the
//! clocks they give, and the privacy office's list of overdue and due-soon clocks —
//! for the breach API, the privacy-office screen and the daily reminder job.

use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use chrono::{Days, NaiveDate};
use cpniguard_core::breach::{Deadlines, IncidentFacts, RegimeParams, deadlines};
use cpniguard_core::calendar::FederalCalendar;
use cpniguard_store::breach::{BreachIncident, IncidentState};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub fn calendar(state: &AppState) -> ApiResult<FederalCalendar> {
    FederalCalendar::for_time_zone(&state.config.carrier.time_zone).map_err(Problem::validation)
}

/// The configured parameters for the configured regime; another regime recorded on an
/// incident uses its federal values.
pub fn params(state: &AppState, incident: &BreachIncident) -> RegimeParams {
    let c = &state.config.breach;
    if incident.regime == c.regime { c.params() } else { incident.regime.params() }
}

pub fn facts(incident: &BreachIncident, params: &RegimeParams, cal: &FederalCalendar) -> IncidentFacts {
    let determined_on = cal.local_date(incident.determined_at);
    // The agencies count as told once every one the regime names has been told.
    let told: Option<Vec<NaiveDate>> = params
        .agencies
        .iter()
        .map(|a| incident.agency_notices.iter().filter(|n| n.agency == *a).map(|n| cal.local_date(n.at)).min())
        .collect();
    let delay_until = incident.delay_orders.iter().map(|o| o.effective_until()).filter(|d| *d >= determined_on).max();
    IncidentFacts {
        determined_on,
        agencies_notified_on: told.and_then(|dates| dates.into_iter().max()).map(|d| d.max(determined_on)),
        delay_until,
        urgent_need: incident.urgent_need.is_some(),
        affected: if incident.affected_count == 0 {
            incident.approximate_affected
        } else {
            Some(incident.affected_count)
        },
        harm: incident.harm,
        inadvertent: incident.inadvertent,
        last_notice_on: incident.customers_notified_at.map(|t| cal.local_date(t).max(determined_on)),
    }
}

pub struct Clocks {
    pub facts: IncidentFacts,
    pub deadlines: Deadlines,
}

pub fn clocks_of(state: &AppState, incident: &BreachIncident) -> ApiResult<Clocks> {
    let cal = calendar(state)?;
    let params = params(state, incident);
    let facts = facts(incident, &params, &cal);
    let deadlines = deadlines(&params, &facts, &cal).map_err(Problem::validation)?;
    Ok(Clocks { facts, deadlines })
}

/// The first day customers may be told, when that is after `today`. An urgent need
/// lifts the waiting period (the agency was consulted); a delay order in force still
/// holds, as the rule says.
pub fn blocked_until(clocks: &Clocks, today: NaiveDate) -> Option<NaiveDate> {
    let opens = if clocks.facts.urgent_need {
        clocks.facts.delay_until.and_then(|d| d.succ_opt())
    } else {
        clocks.deadlines.customer_notice_earliest
    };
    opens.filter(|d| *d > today)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    pub incident_id: Uuid,
    /// `agency_notice`, `customer_notice` or `annual_summary` (2023 regime: the
    /// incident goes to the annual summary to the FCC instead of customer notice).
    pub clock: &'static str,
    pub due: NaiveDate,
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClocksView {
    pub today: NaiveDate,
    pub overdue: Vec<ClockView>,
    pub due_soon: Vec<ClockView>,
}

/// Clocks still running on an incident: a notice not yet made.
fn running(incident: &BreachIncident, clocks: &Clocks) -> Vec<(&'static str, NaiveDate)> {
    let mut out = Vec::new();
    if incident.state == IncidentState::Closed {
        return out;
    }
    if clocks.facts.agencies_notified_on.is_none()
        && let Some(due) = clocks.deadlines.agency_notice_due
    {
        out.push(("agency_notice", due));
    }
    let customers_open = !matches!(incident.state, IncidentState::CustomersNotified | IncidentState::NotRequired);
    if customers_open && let Some(due) = clocks.deadlines.customer_notice_due {
        out.push(("customer_notice", due));
    }
    if incident.annual_summary_filing.is_none()
        && let Some(due) = clocks.deadlines.annual_summary
    {
        out.push(("annual_summary", due));
    }
    out
}

/// Every running clock that is overdue or due within `[breach].due_soon_days`; also
/// sets the `cpniguard_breach_overdue_clocks` gauge.
pub async fn compute(state: &AppState) -> ApiResult<ClocksView> {
    compute_at(state, state.now()).await
}

/// [`compute`] as of `now` (the daily reminder job's run time).
pub async fn compute_at(state: &AppState, now: chrono::DateTime<chrono::Utc>) -> ApiResult<ClocksView> {
    let cal = calendar(state)?;
    let today = cal.local_date(now);
    let soon = today.checked_add_days(Days::new(state.config.breach.due_soon_days.into())).unwrap_or(today);
    let mut view = ClocksView { today, overdue: Vec::new(), due_soon: Vec::new() };
    for incident in state.store.list_breach_incidents().await? {
        // A record whose dates the calendar cannot count is shown on its own view.
        let Ok(clocks) = clocks_of(state, &incident) else { continue };
        for (clock, due) in running(&incident, &clocks) {
            let item = ClockView { incident_id: incident.id, clock, due, overdue: due < today };
            if item.overdue {
                view.overdue.push(item);
            } else if due <= soon {
                view.due_soon.push(item);
            }
        }
    }
    metrics::gauge!("cpniguard_breach_overdue_clocks").set(view.overdue.len() as f64);
    Ok(view)
}
