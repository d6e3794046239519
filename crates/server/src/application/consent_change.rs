//! Building a consent change: the events for the scopes concerned and the
//! confirmation notice to the customer in their language — shared by the API, the
//! portal and `cpniguard mail ingest`.

use crate::application::contacts::confirmation;
use crate::config::Config;
use chrono::{DateTime, Utc};
use cpniguard_core::account::Account;
use cpniguard_core::consent::{ConsentChannel, ConsentEvent, ConsentEventKind, Evidence, ScopeStatus};
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{NoticeId, NoticeKind};
use cpniguard_store::consent::ConsentChange;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    OptOut,
    OptIn,
    Revoke,
    OneTimeApproval,
}

impl Action {
    pub fn kind(self) -> ConsentEventKind {
        match self {
            Action::OptOut => ConsentEventKind::OptOut,
            Action::OptIn => ConsentEventKind::OptIn,
            Action::Revoke => ConsentEventKind::Revocation,
            Action::OneTimeApproval => ConsentEventKind::OneTimeApproval,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusView {
    pub account_id: AccountId,
    pub at: DateTime<Utc>,
    pub scopes: Vec<ScopeStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordView {
    /// Events newly recorded (none when the request was a repeat).
    #[schema(value_type = Vec<String>)]
    pub recorded: Vec<Uuid>,
    pub notices_queued: Vec<NoticeId>,
    pub status: StatusView,
}

/// What is being recorded, for one account.
pub struct Request<'a> {
    pub account: &'a Account,
    pub scopes: Vec<String>,
    pub kind: ConsentEventKind,
    pub channel: ConsentChannel,
    pub at: DateTime<Utc>,
    pub recorded_by: String,
    pub evidence: Evidence,
    /// Makes a retried request record nothing new (events and notice).
    pub idempotency_base: Option<String>,
}

/// The confirmation a change owes, if any.
pub fn confirmation_kind(kind: ConsentEventKind) -> Option<NoticeKind> {
    match kind {
        ConsentEventKind::OptOut | ConsentEventKind::Revocation => Some(NoticeKind::ConsentOptedOut),
        ConsentEventKind::OptIn => Some(NoticeKind::ConsentOptedIn),
        _ => None,
    }
}

/// The events and the confirmation notice (email of record, or a letter when the
/// account has no email) for `req`, recorded at `now`.
pub fn build(config: &Config, req: &Request<'_>, now: DateTime<Utc>) -> ConsentChange {
    let base = req.idempotency_base.clone().unwrap_or_else(|| format!("consent:{}", Uuid::now_v7()));
    let events = req
        .scopes
        .iter()
        .map(|scope| ConsentEvent {
            id: Uuid::now_v7(),
            account_id: req.account.id,
            scope: scope.clone(),
            kind: req.kind,
            at: req.at,
            channel: req.channel,
            recorded_by: req.recorded_by.clone(),
            recorded_at: now,
            evidence: req.evidence.clone(),
            notice: None,
            refers_to: None,
            idempotency_key: Some(format!("{base}:{}:{scope}", req.account.id)),
        })
        .collect();
    let notices = match confirmation_kind(req.kind) {
        Some(kind) => confirmation(config, req.account, kind, &format!("{base}:{}", req.account.id), now).notices,
        None => Vec::new(),
    };
    ConsentChange { events, notices, quarantine: None }
}

/// The scopes a general opt-out (e.g. by email) withdraws.
pub fn marketing_scopes(config: &Config) -> Vec<String> {
    config.consent.policy().marketing_scopes().map(|s| s.name.clone()).collect()
}
