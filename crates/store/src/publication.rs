//! Published CPNI policy versions in English and Spanish, and material-change mailings (issue 9).
//!
//! Versions are numbered from 1. A draft is edited until it is published; a published
//! version is immutable (the database refuses to change or delete it), so every earlier
//! version stays readable as it was. Publishing a material change starts a mailing:
//! one notice per account with an email of record, queued in batches by account id
//! so a mailing to 100,000+ accounts never runs in one request or one transaction.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{NewNotice, NoticeStatus};
use serde::{Deserialize, Serialize};

/// The policy in one language: a short summary of what changed, and the whole text
/// (Markdown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyText {
    pub summary: String,
    pub body: String,
}

/// What a privacy officer writes: a draft may lack a language until it is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDraft {
    /// The day (in the carrier's time zone) the version takes effect.
    pub effective_on: NaiveDate,
    /// A material change is mailed to every customer and announced on the home page.
    pub material: bool,
    pub en: Option<PolicyText>,
    pub es: Option<PolicyText>,
}

/// A version as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    pub version: u32,
    pub effective_on: NaiveDate,
    pub material: bool,
    pub en: Option<PolicyText>,
    pub es: Option<PolicyText>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_by: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
}

impl PolicyVersion {
    pub fn is_published(&self) -> bool {
        self.published_at.is_some()
    }

    /// The text in `language`, if written.
    pub fn text(&self, language: Language) -> Option<&PolicyText> {
        match language {
            Language::En => self.en.as_ref(),
            Language::Es => self.es.as_ref(),
        }
    }
}

/// How far the material-change mailing of a version has got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyMailing {
    pub version: u32,
    /// Accounts with an email of record when the version was published.
    pub total: u64,
    /// Notices queued so far.
    pub queued: u64,
    /// The last account done: the next batch starts after it.
    pub after_account: Option<AccountId>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The outbox status of the notices queued, by status.
    pub delivery: Vec<(NoticeStatus, u64)>,
}

/// An account the mailing goes to: its language, the holder's name and the email
/// of record (the longest-held current email associated before the cut-off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecipient {
    pub account_id: AccountId,
    pub language: Language,
    pub name: String,
    pub email: EmailAddress,
}

/// The idempotency key of the policy-change notice of `version` to `account`: queuing
/// it again (a retried batch, a resumed mailing) never sends it twice.
pub fn policy_notice_key(version: u32, account: AccountId) -> String {
    format!("{}{account}", policy_notice_key_prefix(version))
}

/// What every key of a version's notices starts with.
pub(crate) fn policy_notice_key_prefix(version: u32) -> String {
    format!("policy-change:{version}:")
}

#[async_trait]
pub trait PublicationStore: Send + Sync {
    /// Store a new draft numbered one more than the highest version.
    async fn create_policy_draft(
        &self,
        draft: &PolicyDraft,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<PolicyVersion>;

    /// Replace a draft's content. `NotFound("policy version")`;
    /// `Conflict("published policy version")` once it is published.
    async fn update_policy_draft(
        &self,
        version: u32,
        draft: &PolicyDraft,
        now: DateTime<Utc>,
    ) -> StoreResult<PolicyVersion>;

    /// Publish a draft, in one transaction: `NotFound("policy version")`;
    /// `Conflict("published policy version")` when it already is; `Invalid` naming the
    /// language missing. A material version also starts its mailing, whose total is
    /// the accounts [`policy_mailing_recipients`](Self::policy_mailing_recipients)
    /// would give for `of_record_before`.
    async fn publish_policy_version(
        &self,
        version: u32,
        by: &str,
        now: DateTime<Utc>,
        of_record_before: DateTime<Utc>,
    ) -> StoreResult<PolicyVersion>;

    async fn get_policy_version(&self, version: u32) -> StoreResult<Option<PolicyVersion>>;

    /// Every version, drafts too, lowest number first.
    async fn list_policy_versions(&self) -> StoreResult<Vec<PolicyVersion>>;

    /// The mailing of a material version with its delivery counts; `None` when the
    /// version has none.
    async fn policy_mailing(&self, version: u32) -> StoreResult<Option<PolicyMailing>>;

    /// Up to `limit` accounts after `after` (by id) that are not closed and have a
    /// current email associated at or before `of_record_before`, by account id.
    async fn policy_mailing_recipients(
        &self,
        after: Option<AccountId>,
        of_record_before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PolicyRecipient>>;

    /// Queue one batch of a mailing and move its position to `last` (never back), in
    /// one transaction. A notice whose key is already stored is skipped and not
    /// counted. `NotFound("policy mailing")`. Returns how many notices were new.
    async fn record_policy_mailing_batch(
        &self,
        version: u32,
        notices: &[NewNotice],
        last: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Mark a mailing done (no account is left after its position).
    async fn finish_policy_mailing(&self, version: u32, now: DateTime<Utc>) -> StoreResult<()>;
}
