//! Customer authentication: credentials, interactions and their evidence, lockout,
//! recovery tokens, portal sessions, pretexting signals (issue 4).
//!
//! Secrets reach the store only as Argon2id PHC strings; tokens (recovery codes,
//! session cookies) only as SHA-256 hashes. Neither type's `Debug` shows them.

use crate::{StoreResult, TokenHash};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cpniguard_core::authn::{EvidenceKind, InteractionChannel, LockState, LockoutPolicy, SecretKind};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::notice::{NoticeId, SideEffects};
use serde::Serialize;
use std::fmt;
use uuid::Uuid;

/// An Argon2id hash in PHC string form. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(pub String);

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(<redacted>)")
    }
}

/// A stored secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    pub kind: SecretKind,
    pub hash: SecretHash,
    /// The back-up question (only for `BackupAnswer`): shown to the CSR, not secret.
    pub question: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// One customer interaction (a call, a chat, a store visit, a portal session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interaction {
    pub id: Uuid,
    pub account_id: AccountId,
    pub channel: InteractionChannel,
    /// The CSR who opened it; `None` for the customer's own portal session.
    pub staff_id: Option<StaffId>,
    pub opened_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// One piece of evidence recorded in an interaction. `detail` is a short reference
/// (ID type and last 4, contract reference, what the caller volunteered), never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub detail: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// A recovery token as stored (its hash only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryToken {
    pub account_id: AccountId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// A customer portal session (its cookie's hash only is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    pub account_id: AccountId,
    pub interaction_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A failed credential check, kept to spot pretexting across accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedAttempt {
    pub account_id: AccountId,
    /// The staff member who entered it, or `None` on the portal.
    pub staff_id: Option<StaffId>,
    /// The network source (an IP address).
    pub source: String,
    pub kind: SecretKind,
}

/// A pretexting signal, for the privacy office. `detail` carries no CPNI or secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PretextingSignal {
    pub id: Uuid,
    pub kind: String,
    pub account_id: Option<AccountId>,
    pub staff_id: Option<StaffId>,
    pub source: Option<String>,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

/// An account's lock, for the privacy officer's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountLock {
    pub account_id: AccountId,
    pub state: LockState,
}

#[async_trait]
pub trait CustomerAuthStore: Send + Sync {
    /// Set (create or replace) one secret of an account and write `effects` (the
    /// account-change notices) in the same transaction. When `recovery_token` is given
    /// it must be an unused, unexpired token of this account and is used up in that
    /// transaction (`StoreError::Invalid` otherwise, and nothing changes). Setting a
    /// secret also clears the account's failure count and lock. `NotFound("account")`.
    async fn set_credential(
        &self,
        account: AccountId,
        credential: &StoredCredential,
        recovery_token: Option<&TokenHash>,
        effects: &SideEffects,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<NoticeId>>;

    async fn get_credential(&self, account: AccountId, kind: SecretKind) -> StoreResult<Option<StoredCredential>>;

    /// The account whose *current* email address is `email` (exact, case-insensitive);
    /// when several accounts share it, the lowest account number.
    async fn account_by_email(&self, email: &str) -> StoreResult<Option<AccountId>>;

    /// The lock state of an account (all zero when it never failed).
    async fn lock_state(&self, account: AccountId) -> StoreResult<LockState>;

    /// Record a failed check: update the account's state by `policy` (read and write
    /// in one transaction, so concurrent failures all count) and keep the attempt.
    async fn record_auth_failure(
        &self,
        attempt: &FailedAttempt,
        policy: &LockoutPolicy,
        now: DateTime<Utc>,
    ) -> StoreResult<LockState>;

    /// A successful check while not locked: forget the account's failures.
    async fn reset_auth_failures(&self, account: AccountId) -> StoreResult<()>;

    /// Accounts locked at `now`, soonest unlock first.
    async fn list_locks(&self, now: DateTime<Utc>) -> StoreResult<Vec<AccountLock>>;

    /// Clear an account's lock and failures. `false` when it had none.
    async fn clear_lock(&self, account: AccountId) -> StoreResult<bool>;

    /// How many distinct accounts had failed checks since `since` by this staff member
    /// (when given) or else from this source.
    async fn failed_accounts_since(
        &self,
        staff: Option<StaffId>,
        source: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// `NotFound("account")` when the account does not exist.
    async fn open_interaction(&self, interaction: &Interaction) -> StoreResult<()>;

    async fn get_interaction(&self, id: Uuid) -> StoreResult<Option<Interaction>>;

    /// End an interaction now: it expires at `now`, so its evidence opens nothing more.
    /// `false` when it had already expired or does not exist.
    async fn end_interaction(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool>;

    /// Append evidence to an interaction. `NotFound("interaction")`.
    async fn add_evidence(&self, interaction: Uuid, evidence: &Evidence) -> StoreResult<()>;

    /// An interaction's evidence, oldest first.
    async fn list_evidence(&self, interaction: Uuid) -> StoreResult<Vec<Evidence>>;

    /// Store a recovery token's hash and queue the notice carrying it, in one transaction.
    async fn create_recovery_token(
        &self,
        token_hash: &TokenHash,
        token: &RecoveryToken,
        effects: &SideEffects,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// A token by its hash, whether used or expired or not (the caller decides).
    async fn get_recovery_token(&self, token_hash: &TokenHash) -> StoreResult<Option<RecoveryToken>>;

    async fn create_portal_session(&self, token_hash: &TokenHash, session: &PortalSession) -> StoreResult<()>;

    /// The unrevoked session with this hash that has not expired at `now`.
    async fn portal_session(&self, token_hash: &TokenHash, now: DateTime<Utc>) -> StoreResult<Option<PortalSession>>;

    /// Revoke a session (logout). `false` when there was none.
    async fn revoke_portal_session(&self, token_hash: &TokenHash, now: DateTime<Utc>) -> StoreResult<bool>;

    async fn record_signal(&self, signal: &PretextingSignal) -> StoreResult<()>;

    /// Signals, newest first, at most `limit`.
    async fn list_signals(&self, limit: u32) -> StoreResult<Vec<PretextingSignal>>;

    /// How many signals of `kind` about `account` since `since`.
    async fn count_signals(&self, account: AccountId, kind: &str, since: DateTime<Utc>) -> StoreResult<u64>;
}
