//! The figures of the annual CPNI certification (47 CFR 64.2009(e)) for one calendar
//! year, gathered in one place from the records the system keeps: consent history and
//! notices, training and discipline, campaign reviews, customer authentication, change
//! notices, breach incidents, actions against data brokers and complaints. The year is
//! `[Jan 1, Jan 1 next year)` in `[carrier].time_zone`.

use crate::application::training::gate_expiry;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::calendar::FederalCalendar;
use cpniguard_core::notice::NoticeKind;
use cpniguard_store::training::RecordCounts;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Period {
    pub year: i32,
    pub from: DateTime<Utc>,
    /// Exclusive.
    pub to: DateTime<Utc>,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Party {
    pub name: String,
    /// The carrier's FCC Form 499 filer id; the officer's title.
    pub detail: String,
}

/// How approval is established before CPNI is used, and what the consent records show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalSection {
    pub procedure: Vec<String>,
    pub opt_out_notices_served: u64,
    pub notices_bounced: u64,
    pub opt_outs: u64,
    pub opt_ins: u64,
    pub revocations: u64,
    pub one_time_approvals: u64,
    /// Every consent event of the year by `scope:kind`.
    pub events: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrainingSection {
    /// Active staff members at the time of generation who existed before the year ended.
    pub staff: u64,
    /// Of them, how many completed a course during the year.
    pub trained_in_year: u64,
    /// Of them, how many had current training (by the gate's rule) on the year's last day.
    pub current_at_year_end: u64,
    pub completions: u64,
    pub disciplinary_actions: u64,
    pub disciplinary_by_action: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CampaignSection {
    pub reviewed: u64,
    pub approved: u64,
    pub rejected: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuthenticationSection {
    pub interactions: u64,
    pub interactions_by_channel: BTreeMap<String, u64>,
    pub evidence_by_kind: BTreeMap<String, u64>,
    pub failed_checks: u64,
    pub pretexting_signals: u64,
    pub pretexting_signals_by_kind: BTreeMap<String, u64>,
}

/// Notices of account changes (64.2010(f)) queued during the year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChangeNoticeSection {
    pub total: u64,
    pub by_kind: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BreachSection {
    /// Incidents determined during the year.
    pub incidents: u64,
    pub by_state: BTreeMap<String, u64>,
    pub agency_notices: u64,
    pub incidents_with_customers_notified: u64,
    /// Customer notices queued for those incidents.
    pub customer_notices: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BrokerActionSection {
    pub total: u64,
    /// cease_and_desist, law_enforcement_referral, lawsuit, account_block, other.
    pub by_action: BTreeMap<String, u64>,
}

/// Customer complaints received during the year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ComplaintSection {
    pub total: u64,
    pub by_category: BTreeMap<String, u64>,
    /// Complaints about unauthorised release of CPNI, by outcome (status).
    pub unauthorised_release_by_status: BTreeMap<String, u64>,
}

/// Everything the certificate and its statement say, as numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CertificationFigures {
    pub period: Period,
    /// March 1 of the following year.
    pub due_on: NaiveDate,
    pub carrier: Party,
    pub officer: Party,
    pub generated_at: DateTime<Utc>,
    pub approval: ApprovalSection,
    pub training: TrainingSection,
    pub campaigns: CampaignSection,
    pub authentication: AuthenticationSection,
    pub change_notices: ChangeNoticeSection,
    pub breaches: BreachSection,
    pub broker_actions: BrokerActionSection,
    pub complaints: ComplaintSection,
}

/// March 1 of the year after `year`.
pub fn due_on(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year + 1, 3, 1).unwrap_or(NaiveDate::MAX)
}

/// The instants bounding the calendar year in the carrier's time zone.
pub fn period(state: &AppState, year: i32) -> ApiResult<Period> {
    let invalid = || Problem::validation(ValidationError::new("year", "from 2000 to 9998"));
    if !(2000..=9998).contains(&year) {
        return Err(invalid());
    }
    let cal = FederalCalendar::for_time_zone(&state.config.carrier.time_zone).map_err(Problem::validation)?;
    let tz = cal.time_zone();
    let start_of = |y: i32| -> ApiResult<DateTime<Utc>> {
        let midnight = NaiveDate::from_ymd_opt(y, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).ok_or_else(invalid)?;
        let local = tz.from_local_datetime(&midnight).earliest().ok_or_else(invalid)?;
        Ok(local.with_timezone(&Utc))
    };
    Ok(Period {
        year,
        from: start_of(year)?,
        to: start_of(year + 1)?,
        time_zone: state.config.carrier.time_zone.clone(),
    })
}

fn sum_kind(events: &BTreeMap<String, u64>, kind: &str) -> u64 {
    events.iter().filter(|(k, _)| k.rsplit(':').next() == Some(kind)).map(|(_, n)| n).sum()
}

fn approval(state: &AppState, counts: &RecordCounts) -> ApprovalSection {
    let c = &state.config.consent;
    let procedure = vec![
        format!(
            "Approval to use, disclose or permit access to CPNI is derived for every account and scope from its \
             consent history each time it is needed, never stored as a flag. Opt-out approval is inferred only \
             {} days after an opt-out notice was served ({} more days when mailed), and lapses if the notice is \
             not repeated every {} months.",
            c.waiting_period_days, c.mailed_notice_extra_days, c.renotice_months
        ),
        "Opt-in scopes (sharing with third parties and affiliates that do not provide communications \
         services) require an affirmative opt-in; one-time approvals last only for the call in which they are \
         given. Opt-outs take effect when recorded, by any channel, including the mailbox for opt-out email."
            .to_owned(),
        "Every disclosure of CPNI passes the disclosure gate, which checks the customer's authentication, the \
         requester's role and current CPNI training, and the approval status, and writes an entry to a signed, \
         append-only audit chain before data leaves."
            .to_owned(),
    ];
    let events = &counts.consent_events;
    ApprovalSection {
        procedure,
        opt_out_notices_served: sum_kind(events, "notice_served"),
        notices_bounced: sum_kind(events, "notice_bounced"),
        opt_outs: sum_kind(events, "opt_out"),
        opt_ins: sum_kind(events, "opt_in"),
        revocations: sum_kind(events, "revocation"),
        one_time_approvals: sum_kind(events, "one_time_approval"),
        events: events.clone(),
    }
}

async fn training(
    state: &AppState,
    p: &Period,
    year_end: NaiveDate,
    counts: &RecordCounts,
) -> ApiResult<TrainingSection> {
    let staff: Vec<_> =
        state.store.list_staff().await?.into_iter().filter(|s| s.active && s.created_at < p.to).collect();
    let records = state.store.list_training(None).await?;
    let in_year = |d: NaiveDate| d.year() == p.year;
    let trained: BTreeSet<_> = records.iter().filter(|r| in_year(r.completed_on)).map(|r| r.staff_id).collect();
    // The latest completion on or before the year's last day, from the records or the
    // gate's own field, decides whether training was current then.
    let current = |s: &cpniguard_core::staff::Staff| {
        let latest = records
            .iter()
            .filter(|r| r.staff_id == s.id)
            .map(|r| r.completed_on)
            .chain(s.training_completed_on)
            .filter(|d| *d <= year_end)
            .max();
        latest.and_then(|d| gate_expiry(state, d)).is_some_and(|expires| expires > year_end)
    };
    Ok(TrainingSection {
        staff: staff.len() as u64,
        trained_in_year: staff.iter().filter(|s| trained.contains(&s.id)).count() as u64,
        current_at_year_end: staff.iter().filter(|s| current(s)).count() as u64,
        completions: counts.training_completions,
        disciplinary_actions: counts.disciplinary_by_action.values().sum(),
        disciplinary_by_action: counts.disciplinary_by_action.clone(),
    })
}

fn authentication(counts: &RecordCounts) -> AuthenticationSection {
    AuthenticationSection {
        interactions: counts.auth_interactions_by_channel.values().sum(),
        interactions_by_channel: counts.auth_interactions_by_channel.clone(),
        evidence_by_kind: counts.auth_evidence_by_kind.clone(),
        failed_checks: counts.auth_failures_by_kind.values().sum(),
        pretexting_signals: counts.pretexting_signals_by_kind.values().sum(),
        pretexting_signals_by_kind: counts.pretexting_signals_by_kind.clone(),
    }
}

fn change_notices(counts: &RecordCounts) -> ChangeNoticeSection {
    let by_kind: BTreeMap<String, u64> = counts
        .notices_by_kind
        .iter()
        .filter(|(kind, _)| NoticeKind::parse(kind).is_some_and(|k| k.template() == "account-change"))
        .map(|(k, n)| (k.clone(), *n))
        .collect();
    ChangeNoticeSection { total: by_kind.values().sum(), by_kind }
}

async fn breaches(state: &AppState, p: &Period) -> ApiResult<BreachSection> {
    let mut section = BreachSection::default();
    for incident in state.store.list_breach_incidents().await? {
        if incident.determined_at < p.from || incident.determined_at >= p.to {
            continue;
        }
        section.incidents += 1;
        *section.by_state.entry(incident.state.as_str().to_owned()).or_default() += 1;
        section.agency_notices += incident.agency_notices.len() as u64;
        section.incidents_with_customers_notified += u64::from(incident.customers_notified_at.is_some());
        section.customer_notices +=
            state.store.breach_notice_counts(incident.id).await?.iter().map(|(_, n)| n).sum::<u64>();
    }
    Ok(section)
}

/// Complaints received and actions taken against data brokers over the year.
async fn complaint_figures(
    state: &AppState,
    p: &Period,
    first_day: NaiveDate,
    year_end: NaiveDate,
) -> ApiResult<(ComplaintSection, BrokerActionSection)> {
    let summary = state.store.complaint_summary(p.from, p.to).await?;
    let complaints = ComplaintSection {
        total: summary.total,
        by_category: summary.by_category,
        unauthorised_release_by_status: summary.unauthorised_release_by_status,
    };
    let mut brokers = BrokerActionSection::default();
    for action in state.store.broker_actions_between(first_day, year_end).await? {
        brokers.total += 1;
        *brokers.by_action.entry(action.action.as_str().to_owned()).or_default() += 1;
    }
    Ok((complaints, brokers))
}

/// Campaigns reviewed (approved or rejected) over the year.
async fn campaign_review_counts(state: &AppState, p: &Period) -> ApiResult<CampaignSection> {
    let counts = state.store.campaign_review_counts(p.from, p.to).await?;
    Ok(CampaignSection {
        reviewed: counts.approved + counts.rejected,
        approved: counts.approved,
        rejected: counts.rejected,
    })
}

/// The year's figures, for `officer` (name, title).
pub async fn gather(state: &AppState, year: i32, officer: (String, String)) -> ApiResult<CertificationFigures> {
    let p = period(state, year)?;
    let first_day = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let next_year = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or(NaiveDate::MAX);
    let year_end = next_year.pred_opt().unwrap_or(next_year);
    let counts = state.store.record_counts(p.from, p.to, first_day, next_year).await?;
    let (complaints, broker_actions) = complaint_figures(state, &p, first_day, year_end).await?;
    let carrier = &state.config.carrier;
    Ok(CertificationFigures {
        due_on: due_on(year),
        carrier: Party { name: carrier.name.clone(), detail: state.config.certification.filer_id.clone() },
        officer: Party { name: officer.0, detail: officer.1 },
        generated_at: state.now(),
        approval: approval(state, &counts),
        training: training(state, &p, year_end, &counts).await?,
        campaigns: campaign_review_counts(state, &p).await?,
        authentication: authentication(&counts),
        change_notices: change_notices(&counts),
        breaches: breaches(state, &p).await?,
        broker_actions,
        complaints,
        period: p,
    })
}
