//! The web console's sign-in (issue 17): staff passwords, kept as Argon2id PHC strings
//! (the server hashes; the store never sees a password), and console sessions, kept
//! only as the SHA-256 of the cookie that carries them.

use crate::{StoreResult, TokenHash};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cpniguard_core::ids::StaffId;
use cpniguard_core::staff::Staff;

/// A live console session and the active staff member it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    pub staff: Staff,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait ConsoleStore: Send + Sync {
    /// Set (or replace) a staff member's password hash. `NotFound("staff")` when there
    /// is no such staff member.
    async fn set_staff_password(&self, staff: StaffId, phc_hash: &str, now: DateTime<Utc>) -> StoreResult<()>;

    /// The password hash of a staff member, `None` when none was ever set.
    async fn staff_password(&self, staff: StaffId) -> StoreResult<Option<String>>;

    /// Record a new session for `staff`, valid until `expires_at` at the latest.
    async fn create_console_session(
        &self,
        token_hash: &TokenHash,
        staff: StaffId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The session with this hash, if it has not ended, has not expired at `now`, was
    /// last used at or after `idle_since`, and its staff member is active. Using it
    /// records the use when the last recorded one is a minute old or more (a page read
    /// stays a read; the idle limit holds to within that minute). An idle session is
    /// refused before any use is recorded, so nothing revives it.
    async fn touch_console_session(
        &self,
        token_hash: &TokenHash,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<Option<ConsoleSession>>;

    /// End a session (sign-out). `false` when it had already ended or never existed.
    async fn end_console_session(&self, token_hash: &TokenHash, now: DateTime<Utc>) -> StoreResult<bool>;
}
