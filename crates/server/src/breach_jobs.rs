//! The daily breach job (issue 7): every open incident's clocks, computed by the same
//! function as `GET /api/v1/breach/clocks` (which also refreshes the
//! `cpniguard_breach_overdue_clocks` gauge), and one reminder a day per overdue or
//! due-soon clock to the privacy office mailbox (`[carrier].privacy_email`, English)
//! through the notices outbox. The idempotency key
//! `breach-reminder:{incident}:{clock}:{date}` makes a second run on the same day queue
//! nothing. A reminder names the incident, the clock and its due date — never CPNI.

use crate::application::breach_clocks::{ClockView, compute_at as clocks_at};
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use std::collections::BTreeMap;
use std::future::Future;

/// What one run found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReminderTick {
    pub overdue: usize,
    pub due_soon: usize,
    /// Reminders newly queued (0 on a rerun the same day).
    pub queued: u64,
}

fn reminder(to: &EmailAddress, today: NaiveDate, item: &ClockView, now: DateTime<Utc>) -> NewNotice {
    let params = BTreeMap::from([
        ("name".to_owned(), "Privacy office".to_owned()),
        ("incident".to_owned(), item.incident_id.to_string()),
        ("clock".to_owned(), item.clock.to_owned()),
        ("due".to_owned(), item.due.to_string()),
    ]);
    NewNotice {
        id: NoticeId::new(),
        account_id: None,
        kind: NoticeKind::BreachReminder,
        channel: Channel::Email,
        destination: Destination::Email { address: to.clone() },
        template: NoticeKind::BreachReminder.template().to_owned(),
        language: Language::En,
        params,
        idempotency_key: format!("breach-reminder:{}:{}:{today}", item.incident_id, item.clock),
        not_before: now,
    }
}

/// One run as of `now`: refresh the clocks and the gauge, queue today's reminders.
pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<ReminderTick> {
    let view = clocks_at(state, now).await.map_err(|p| anyhow::anyhow!("breach clocks: {}", p.detail))?;
    let mut tick = ReminderTick { overdue: view.overdue.len(), due_soon: view.due_soon.len(), queued: 0 };
    let items: Vec<&ClockView> = view.overdue.iter().chain(&view.due_soon).collect();
    if items.is_empty() {
        return Ok(tick);
    }
    let to = EmailAddress::parse(&state.config.carrier.privacy_email)
        .map_err(|e| anyhow::anyhow!("[carrier].privacy_email: {e}"))?;
    let notices: Vec<NewNotice> = items.into_iter().map(|item| reminder(&to, view.today, item, now)).collect();
    tick.queued = state.store.enqueue_notices(&notices, now).await?;
    if tick.queued > 0 {
        tracing::info!(
            overdue = tick.overdue,
            due_soon = tick.due_soon,
            queued = tick.queued,
            "breach reminders queued"
        );
    }
    Ok(tick)
}

/// Run at start and then once a day until `shutdown` (alongside the notice worker in
/// `serve`). A failed run is logged and retried on the next tick.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    crate::jobs::every(crate::jobs::DAY, "breach reminders", shutdown, || run_once(&state, state.now())).await;
}
