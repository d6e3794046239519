//! Opt-out notice campaigns (47 CFR 64.2008(d)): which accounts are due the notice, and
//! the individual notice queued through the outbox (`optout-notice`, the customer's
//! language, email of record else a letter to the postal address of record) with the
//! `notice_served` event recorded in the same transaction, per account, at most once
//! per account per day. The API and the daily job both run them.

use crate::config::Config;
use crate::problem::ApiResult;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use cpniguard_core::account::Account;
use cpniguard_core::consent::{
    ApprovalState, ConsentChannel, ConsentEvent, ConsentEventKind, ConsentTier, Evidence, NoticeMedium, NoticeServed,
    ScopeDef, status,
};
use cpniguard_core::contact::OfRecordRule;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{AccountBefore, Channel, NoticeId, NoticeKind, NoticeRouting, account_change_notices};
use cpniguard_store::Store;
use cpniguard_store::consent::ConsentChange;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Why an account is due a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueReason {
    /// Never served a notice (and no choice recorded).
    NoNotice,
    /// The last notice is older than two years plus the grace: approval not usable.
    RenoticeDue,
    /// The biennial re-notice date falls within the configured horizon.
    RenoticeSoon,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueAccount {
    pub account_id: AccountId,
    pub reason: DueReason,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticesDueView {
    pub at: DateTime<Utc>,
    /// Days ahead a coming biennial date makes an account due.
    pub horizon_days: u32,
    pub accounts: Vec<DueAccount>,
}

fn opt_out_scopes(config: &Config) -> Vec<ScopeDef> {
    config.consent.scopes.iter().filter(|s| s.tier == ConsentTier::OptOut).cloned().collect()
}

/// The accounts due an opt-out notice at `now`: for some opt-out tier scope the status
/// is `no_notice` or `renotice_due`, or the biennial date is within the horizon.
pub async fn notices_due(store: &dyn Store, config: &Config, now: DateTime<Utc>) -> ApiResult<Vec<DueAccount>> {
    let policy = config.consent.policy();
    // A status derived at `ahead` is `renotice_due` exactly when the biennial date is at
    // or before `now + horizon` (no event is recorded in the future).
    let ahead = now
        + Duration::days(config.consent.renotice_horizon_days.into())
        + Duration::days(policy.renotice_grace_days.into());
    let mut due: BTreeMap<AccountId, DueReason> = BTreeMap::new();
    for scope in opt_out_scopes(config) {
        let later = store.bulk_approval(&scope, &policy, ahead, None).await?;
        let candidates: Vec<AccountId> = later
            .iter()
            .filter(|a| matches!(a.state, ApprovalState::NoNotice | ApprovalState::RenoticeDue))
            .map(|a| a.account_id)
            .collect();
        if candidates.is_empty() {
            continue;
        }
        for a in store.bulk_approval(&scope, &policy, now, Some(&candidates)).await? {
            let reason = match a.state {
                ApprovalState::NoNotice => DueReason::NoNotice,
                ApprovalState::RenoticeDue => DueReason::RenoticeDue,
                _ => DueReason::RenoticeSoon,
            };
            due.entry(a.account_id).and_modify(|r| *r = (*r).min(reason)).or_insert(reason);
        }
    }
    Ok(due.into_iter().map(|(account_id, reason)| DueAccount { account_id, reason }).collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    NotFound,
    /// Opted out of every opt-out tier scope: no notice to rely on.
    OptedOut,
    /// A notice was already queued for the account today.
    AlreadyNoticedToday,
    /// No email or postal address to send it to.
    NoContactPoint,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignItem {
    pub account_id: AccountId,
    /// Queued: the notice and its channel.
    pub notice_id: Option<NoticeId>,
    pub channel: Option<Channel>,
    pub skipped: Option<SkipReason>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeCampaignView {
    pub at: DateTime<Utc>,
    pub version: String,
    pub queued: usize,
    pub skipped: usize,
    pub skipped_by_reason: BTreeMap<SkipReason, usize>,
    pub accounts: Vec<CampaignItem>,
}

/// Queue one account's notice and record it served, in one transaction.
async fn notify_one(
    store: &dyn Store,
    config: &Config,
    acct: &Account,
    now: DateTime<Utc>,
    recorded_by: &str,
) -> ApiResult<CampaignItem> {
    let policy = config.consent.policy();
    let history = store.consent_history(acct.id).await?;
    let scopes: Vec<ScopeDef> = opt_out_scopes(config)
        .into_iter()
        .filter(|s| status(&history, s, now, &policy).state != ApprovalState::OptedOut)
        .collect();
    let item = |notice_id, channel, skipped| CampaignItem { account_id: acct.id, notice_id, channel, skipped };
    if scopes.is_empty() {
        return Ok(item(None, None, Some(SkipReason::OptedOut)));
    }
    // A bounced email notice does not count until re-sent another way: when the last
    // notice served was an email that bounced, this one goes by letter.
    let last_served = history.iter().filter(|e| e.kind == ConsentEventKind::NoticeServed).max_by_key(|e| (e.at, e.id));
    let email_bounced = last_served.is_some_and(|n| {
        n.notice.as_ref().is_some_and(|n| n.medium == NoticeMedium::Electronic)
            && history.iter().any(|e| e.kind == ConsentEventKind::NoticeBounced && e.refers_to == Some(n.id))
    });
    let first = if email_bounced { Channel::Postal } else { Channel::Email };
    // Once per account, day and way: a bounced email may be followed by a letter the same day.
    let base = format!("optout-notice:{}:{}:{}", acct.id, now.format("%Y-%m-%d"), first.as_str());
    let routing =
        NoticeRouting { default_channels: vec![first], per_event: BTreeMap::new(), postal_when_no_email: true };
    let rule = OfRecordRule { min_age: Duration::days(config.rules.of_record_days.into()) };
    let before = AccountBefore {
        account_id: acct.id,
        name: &acct.profile.name,
        language: acct.profile.language,
        contact_points: &acct.contact_points,
    };
    let effects = account_change_notices(&before, &[NoticeKind::OptOutNotice], &routing, rule, &base, now);
    let Some(notice) = effects.notices.into_iter().next() else {
        return Ok(item(None, None, Some(SkipReason::NoContactPoint)));
    };
    let (medium, channel) = match notice.channel {
        Channel::Postal => (NoticeMedium::Mail, ConsentChannel::Letter),
        _ => (NoticeMedium::Electronic, ConsentChannel::Email),
    };
    let events = scopes
        .iter()
        .map(|scope| ConsentEvent {
            id: Uuid::now_v7(),
            account_id: acct.id,
            scope: scope.name.clone(),
            kind: ConsentEventKind::NoticeServed,
            at: now,
            channel,
            recorded_by: recorded_by.to_owned(),
            recorded_at: now,
            evidence: Evidence::default(),
            notice: Some(NoticeServed { version: config.consent.notice_version.clone(), medium }),
            refers_to: None,
            idempotency_key: Some(format!("{base}:{}", scope.name)),
        })
        .collect::<Vec<_>>();
    for e in &events {
        e.validate(&policy)?;
    }
    let notice_channel = notice.channel;
    let change = ConsentChange { events, notices: vec![notice], quarantine: None };
    let out = store.record_consent(&change, now).await?;
    Ok(match out.notices.first() {
        Some(id) if !out.recorded.is_empty() => item(Some(*id), Some(notice_channel), None),
        _ => item(None, None, Some(SkipReason::AlreadyNoticedToday)),
    })
}

/// Run a campaign over `accounts` (none: every account due at `now`).
pub async fn run_campaign(
    store: &dyn Store,
    config: &Config,
    accounts: Option<Vec<AccountId>>,
    now: DateTime<Utc>,
    recorded_by: &str,
) -> ApiResult<NoticeCampaignView> {
    let ids: Vec<AccountId> = match accounts {
        Some(ids) => ids.into_iter().collect::<BTreeSet<_>>().into_iter().collect(),
        None => notices_due(store, config, now).await?.into_iter().map(|d| d.account_id).collect(),
    };
    let mut view = NoticeCampaignView {
        at: now,
        version: config.consent.notice_version.clone(),
        queued: 0,
        skipped: 0,
        skipped_by_reason: BTreeMap::new(),
        accounts: Vec::with_capacity(ids.len()),
    };
    for id in ids {
        let item = match store.get_account(id).await? {
            Some(acct) => notify_one(store, config, &acct, now, recorded_by).await?,
            None => {
                CampaignItem { account_id: id, notice_id: None, channel: None, skipped: Some(SkipReason::NotFound) }
            }
        };
        match item.skipped {
            Some(reason) => {
                view.skipped += 1;
                *view.skipped_by_reason.entry(reason).or_insert(0) += 1;
            }
            None => view.queued += 1,
        }
        view.accounts.push(item);
    }
    Ok(view)
}

/// The daily job (`consent_jobs::run_due_notices`): serve the opt-out notice to every
/// account due at `now`.
pub async fn consent_notices_due(state: &AppState, now: DateTime<Utc>) -> ApiResult<NoticeCampaignView> {
    let view = run_campaign(state.store.as_ref(), &state.config, None, now, "job:consent-notices-due").await?;
    tracing::info!(queued = view.queued, skipped = view.skipped, "consent notices due served");
    Ok(view)
}
