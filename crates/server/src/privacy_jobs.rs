//! The daily privacy-office job (issue 9): reminders to the privacy office mailbox
//! (`[carrier].privacy_email`, English) through the notices outbox, as the breach job
//! does — staff have no contact points of their own in the system.
//!
//! - Training: one reminder per active staff member whose CPNI training lapses within
//!   `[certification].reminder_lead_days` (or has lapsed), once per expiry date
//!   (idempotency key `training-reminder:{username}:{expires}`; never trained:
//!   `…:never`). A new completion moves the expiry, so the next one is reminded again.
//! - Certification: while the next certification is not filed and its due date is
//!   within the lead time (or past), one reminder a day
//!   (`certification-reminder:{year}:{date}`).
//!
//! A reminder names the staff member or the year and dates — never CPNI.

use crate::application::privacy_dashboard as dashboard;
use crate::application::training::{LapsingView, lapsing, today};
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use std::collections::BTreeMap;
use std::future::Future;

/// What one run found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrivacyTick {
    pub lapsing: usize,
    pub certification_due: bool,
    /// Reminders newly queued (0 on a rerun with nothing new).
    pub queued: u64,
}

fn notice(
    to: &EmailAddress,
    kind: NoticeKind,
    params: BTreeMap<String, String>,
    key: String,
    now: DateTime<Utc>,
) -> NewNotice {
    NewNotice {
        id: NoticeId::new(),
        account_id: None,
        kind,
        channel: Channel::Email,
        destination: Destination::Email { address: to.clone() },
        template: kind.template().to_owned(),
        language: Language::En,
        params,
        idempotency_key: key,
        not_before: now,
    }
}

fn training_reminder(to: &EmailAddress, s: &LapsingView, now: DateTime<Utc>) -> NewNotice {
    let expires = s.expires_on.map_or_else(|| "never".to_owned(), |d| d.to_string());
    let params = BTreeMap::from([
        ("name".to_owned(), "Privacy office".to_owned()),
        ("staff".to_owned(), format!("{} ({})", s.display_name, s.username)),
        ("expires".to_owned(), if s.expires_on.is_some() { expires.clone() } else { "(never trained)".to_owned() }),
    ]);
    notice(to, NoticeKind::TrainingReminder, params, format!("training-reminder:{}:{expires}", s.username), now)
}

fn certification_reminder(
    to: &EmailAddress,
    next: &dashboard::NextCertification,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> NewNotice {
    let params = BTreeMap::from([
        ("name".to_owned(), "Privacy office".to_owned()),
        ("year".to_owned(), next.year.to_string()),
        ("due".to_owned(), next.due_on.to_string()),
        ("status".to_owned(), next.status.clone()),
    ]);
    notice(to, NoticeKind::CertificationReminder, params, format!("certification-reminder:{}:{today}", next.year), now)
}

/// One run as of `now`.
pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<PrivacyTick> {
    let problem = |what: &str, p: crate::problem::Problem| anyhow::anyhow!("{what}: {}", p.detail);
    let today = today(state).map_err(|p| problem("[carrier].time_zone", p))?;
    let lapsing = lapsing(state, today).await.map_err(|p| problem("lapsing training", p))?;
    let next = dashboard::next_certification(state, today).await.map_err(|p| problem("certification", p))?;
    let lead = i64::from(state.config.certification.reminder_lead_days);
    let mut tick = PrivacyTick { lapsing: lapsing.len(), certification_due: next.days_left <= lead, queued: 0 };
    if lapsing.is_empty() && !tick.certification_due {
        return Ok(tick);
    }
    let to = EmailAddress::parse(&state.config.carrier.privacy_email)
        .map_err(|e| anyhow::anyhow!("[carrier].privacy_email: {e}"))?;
    let mut notices: Vec<NewNotice> = lapsing.iter().map(|s| training_reminder(&to, s, now)).collect();
    if tick.certification_due {
        notices.push(certification_reminder(&to, &next, today, now));
    }
    tick.queued = state.store.enqueue_notices(&notices, now).await?;
    if tick.queued > 0 {
        tracing::info!(
            lapsing = tick.lapsing,
            certification_due = tick.certification_due,
            queued = tick.queued,
            "privacy office reminders queued"
        );
    }
    Ok(tick)
}

/// Run at start and then once a day until `shutdown` (alongside the breach job in
/// `serve`). A failed run is logged and retried on the next tick.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    crate::jobs::every(crate::jobs::DAY, "privacy office reminders", shutdown, || run_once(&state, state.now())).await;
}
