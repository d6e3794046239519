//! Who looked at the customer's account and why, for the customer: every recorded
//! access — when, by whom as a role, what, for which purpose, allowed or refused — in
//! their language. It reads the audit log, not CPNI; the query is bound to the
//! session's account, never to anything the caller sends.

mod wording;

use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::audit::AuditEntry;
use cpniguard_core::ids::AccountId;
use cpniguard_store::audit::AuditQuery;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessView {
    pub at: DateTime<Utc>,
    /// `customer` (you), `csr`, `supervisor`, `privacy_office`, `auditor`,
    /// `administrator`, `marketing`, `carrier`, `system` or `staff`.
    pub by_role: &'static str,
    pub by: &'static str,
    pub action: String,
    /// Absent when the request named none.
    pub purpose: Option<String>,
    /// `allow` or `deny`.
    pub decision: &'static str,
    pub outcome: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogView {
    pub language: Language,
    /// Oldest first.
    pub accesses: Vec<AccessView>,
    pub next_after: Option<u64>,
}

pub(crate) fn view(entry: &AuditEntry, lang: Language) -> AccessView {
    let r = &entry.record;
    let (by_role, by) = wording::who(&r.principal, lang);
    AccessView {
        at: r.at,
        by_role,
        by,
        action: wording::action(&r.action, lang),
        purpose: r.purpose.as_deref().map(|p| wording::purpose(p, lang)),
        decision: r.decision.as_str(),
        outcome: wording::decision(r.decision, lang),
    }
}

/// One page of the account's accesses, oldest first, in `lang` (default: the
/// account's language).
pub async fn own_access_log(
    state: &AppState,
    account: AccountId,
    lang: Option<Language>,
    after: Option<u64>,
    limit: u32,
) -> ApiResult<AccessLogView> {
    let language = match lang {
        Some(lang) => lang,
        None => state.store.get_account(account).await?.ok_or_else(|| Problem::not_found("account"))?.profile.language,
    };
    let query = AuditQuery { account: Some(account), after_seq: after, limit, ..AuditQuery::default() };
    let page = state.store.search_audit(&query).await?;
    let accesses = page.entries.iter().map(|e| view(e, language)).collect();
    Ok(AccessLogView { language, accesses, next_after: page.next_after })
}
