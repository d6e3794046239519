//! Customer authentication on both backends. The statements are in the common
//! dialect; [`customer_auth_impl!`] writes the one `CustomerAuthStore` implementation
//! for each backend, which differ only in how a writing transaction begins and whether
//! a row lock (`FOR UPDATE`) is spelled out (SQLite serialises writers anyway).

use super::DbTime;
use crate::auth::{Evidence, Interaction, PretextingSignal, RecoveryToken, StoredCredential};
use crate::{StoreError, StoreResult};
use cpniguard_core::authn::{EvidenceKind, InteractionChannel, LockState, SecretKind};
use cpniguard_core::ids::{AccountId, StaffId};
use uuid::Uuid;

pub(crate) const UPSERT_CREDENTIAL: &str = "INSERT INTO customer_credentials (account_id, kind, hash, question, updated_at) \
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, kind) DO UPDATE SET hash = excluded.hash, \
    question = excluded.question, updated_at = excluded.updated_at";
pub(crate) const GET_CREDENTIAL: &str =
    "SELECT kind, hash, question, updated_at FROM customer_credentials WHERE account_id = $1 AND kind = $2";
pub(crate) const USE_TOKEN: &str = "UPDATE recovery_tokens SET used_at = $3 \
    WHERE token_hash = $1 AND account_id = $2 AND used_at IS NULL AND expires_at > $3";
pub(crate) const ACCOUNT_BY_EMAIL: &str = "SELECT c.account_id FROM contact_points c JOIN accounts a ON a.id = c.account_id \
    WHERE c.kind = 'email' AND c.dissociated_at IS NULL AND lower(c.value) = lower($1) \
    ORDER BY a.account_number LIMIT 1";
pub(crate) const ENSURE_LOCK_ROW: &str =
    "INSERT INTO auth_lockouts (account_id, failures) VALUES ($1, 0) ON CONFLICT (account_id) DO NOTHING";
pub(crate) const LOCK_STATE: &str =
    "SELECT failures, window_start, locked_until FROM auth_lockouts WHERE account_id = $1";
pub(crate) const SET_LOCK_STATE: &str =
    "UPDATE auth_lockouts SET failures = $2, window_start = $3, locked_until = $4 WHERE account_id = $1";
pub(crate) const INSERT_FAILURE: &str =
    "INSERT INTO auth_failures (account_id, staff_id, source, kind, at) VALUES ($1, $2, $3, $4, $5)";
pub(crate) const CLEAR_LOCK: &str = "DELETE FROM auth_lockouts WHERE account_id = $1";
pub(crate) const LIST_LOCKS: &str = "SELECT account_id, failures, window_start, locked_until FROM auth_lockouts \
    WHERE locked_until > $1 ORDER BY locked_until, account_id";
pub(crate) const FAILED_ACCOUNTS_BY_STAFF: &str =
    "SELECT COUNT(DISTINCT account_id) FROM auth_failures WHERE staff_id = $1 AND at >= $2";
pub(crate) const FAILED_ACCOUNTS_BY_SOURCE: &str =
    "SELECT COUNT(DISTINCT account_id) FROM auth_failures WHERE source = $1 AND at >= $2";
pub(crate) const INSERT_INTERACTION: &str = "INSERT INTO auth_interactions \
    (id, account_id, channel, staff_id, opened_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";
pub(crate) const GET_INTERACTION: &str =
    "SELECT id, account_id, channel, staff_id, opened_at, expires_at FROM auth_interactions WHERE id = $1";
pub(crate) const END_INTERACTION: &str =
    "UPDATE auth_interactions SET expires_at = $2 WHERE id = $1 AND expires_at > $2";
pub(crate) const INSERT_EVIDENCE: &str =
    "INSERT INTO auth_evidence (interaction_id, kind, detail, recorded_at) VALUES ($1, $2, $3, $4)";
pub(crate) const LIST_EVIDENCE: &str =
    "SELECT kind, detail, recorded_at FROM auth_evidence WHERE interaction_id = $1 ORDER BY id";
pub(crate) const INSERT_TOKEN: &str =
    "INSERT INTO recovery_tokens (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
pub(crate) const GET_TOKEN: &str =
    "SELECT account_id, created_at, expires_at, used_at FROM recovery_tokens WHERE token_hash = $1";
pub(crate) const INSERT_SESSION: &str = "INSERT INTO portal_sessions \
    (token_hash, account_id, interaction_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
pub(crate) const GET_SESSION: &str = "SELECT account_id, interaction_id, created_at, expires_at FROM portal_sessions \
    WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2";
pub(crate) const REVOKE_SESSION: &str =
    "UPDATE portal_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL";
pub(crate) const INSERT_SIGNAL: &str = "INSERT INTO pretexting_signals \
    (id, kind, account_id, staff_id, source, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(crate) const LIST_SIGNALS: &str = "SELECT id, kind, account_id, staff_id, source, detail, created_at \
    FROM pretexting_signals ORDER BY created_at DESC, id DESC LIMIT $1";
pub(crate) const COUNT_SIGNALS: &str =
    "SELECT COUNT(*) FROM pretexting_signals WHERE account_id = $1 AND kind = $2 AND created_at >= $3";

pub(crate) type CredentialRow = (String, String, Option<String>, DbTime);
pub(crate) type LockRow = (i64, Option<DbTime>, Option<DbTime>);
pub(crate) type InteractionRow = (Uuid, Uuid, String, Option<Uuid>, DbTime, DbTime);
pub(crate) type EvidenceRow = (String, Option<String>, DbTime);
pub(crate) type TokenRow = (Uuid, DbTime, DbTime, Option<DbTime>);
pub(crate) type SignalRow = (Uuid, String, Option<Uuid>, Option<Uuid>, Option<String>, String, DbTime);

pub(crate) fn credential(row: CredentialRow) -> StoreResult<StoredCredential> {
    let (kind, hash, question, updated_at) = row;
    Ok(StoredCredential {
        kind: SecretKind::parse(&kind).ok_or_else(|| StoreError::corrupt("customer_credentials", "unknown kind"))?,
        hash: crate::auth::SecretHash(hash),
        question,
        updated_at: updated_at.time(),
    })
}

pub(crate) fn lock(row: Option<LockRow>) -> StoreResult<LockState> {
    let Some((failures, window_start, locked_until)) = row else { return Ok(LockState::default()) };
    Ok(LockState {
        failures: super::unsigned("auth_lockouts", "failures", failures)?,
        window_start: window_start.map(DbTime::time),
        locked_until: locked_until.map(DbTime::time),
    })
}

pub(crate) fn interaction(row: InteractionRow) -> StoreResult<Interaction> {
    let (id, account_id, channel, staff_id, opened_at, expires_at) = row;
    Ok(Interaction {
        id,
        account_id: AccountId(account_id),
        channel: InteractionChannel::parse(&channel)
            .ok_or_else(|| StoreError::corrupt("auth_interactions", "unknown channel"))?,
        staff_id: staff_id.map(StaffId),
        opened_at: opened_at.time(),
        expires_at: expires_at.time(),
    })
}

pub(crate) fn evidence(row: EvidenceRow) -> StoreResult<Evidence> {
    let (kind, detail, recorded_at) = row;
    Ok(Evidence {
        kind: EvidenceKind::parse(&kind).ok_or_else(|| StoreError::corrupt("auth_evidence", "unknown kind"))?,
        detail,
        recorded_at: recorded_at.time(),
    })
}

pub(crate) fn token(row: TokenRow) -> RecoveryToken {
    let (account_id, created_at, expires_at, used_at) = row;
    RecoveryToken {
        account_id: AccountId(account_id),
        created_at: created_at.time(),
        expires_at: expires_at.time(),
        used_at: used_at.map(DbTime::time),
    }
}

pub(crate) fn signal(row: SignalRow) -> PretextingSignal {
    let (id, kind, account_id, staff_id, source, detail, created_at) = row;
    PretextingSignal {
        id,
        kind,
        account_id: account_id.map(AccountId),
        staff_id: staff_id.map(StaffId),
        source,
        detail,
        created_at: created_at.time(),
    }
}

/// The `CustomerAuthStore` implementation for one backend. `$begin` begins a writing
/// transaction on `&self.pool`; `$for_update` is appended to the lock-row read.
macro_rules! customer_auth_impl {
    ($store:ty, $begin:path, $for_update:literal) => {
        use chrono::{DateTime, Utc};
        use cpniguard_core::authn::{LockState, LockoutPolicy, SecretKind};
        use cpniguard_core::ids::{AccountId, StaffId};
        use cpniguard_core::notice::{NoticeId, SideEffects};
        use uuid::Uuid;
        use $crate::auth::*;
        use $crate::error::{reading, writing};
        use $crate::shared::DbTime;
        use $crate::shared::auth as sql;
        use $crate::{StoreError, StoreResult, TokenHash};

        #[async_trait::async_trait]
        impl CustomerAuthStore for $store {
            #[tracing::instrument(skip_all)]
            async fn set_credential(
                &self,
                account: AccountId,
                credential: &StoredCredential,
                recovery_token: Option<&TokenHash>,
                effects: &SideEffects,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<NoticeId>> {
                let now = DbTime::from(now);
                let mut tx = $begin(&self.pool).await?;
                if let Some(hash) = recovery_token {
                    let used =
                        sqlx::query(sql::USE_TOKEN).bind(&hash[..]).bind(account.0).bind(now).execute(&mut *tx).await?;
                    if used.rows_affected() != 1 {
                        return Err(StoreError::Invalid(cpniguard_core::ValidationError::new(
                            "token",
                            "the recovery code is unknown, used or expired",
                        )));
                    }
                }
                sqlx::query(sql::UPSERT_CREDENTIAL)
                    .bind(account.0)
                    .bind(credential.kind.as_str())
                    .bind(credential.hash.0.as_str())
                    .bind(credential.question.as_deref())
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(writing("credential", "account"))?;
                sqlx::query(sql::CLEAR_LOCK).bind(account.0).execute(&mut *tx).await?;
                let (notices, _) = super::notices::write_effects(&mut tx, effects, now).await?;
                tx.commit().await?;
                Ok(notices)
            }

            async fn get_credential(
                &self,
                account: AccountId,
                kind: SecretKind,
            ) -> StoreResult<Option<StoredCredential>> {
                let row = sqlx::query_as::<_, sql::CredentialRow>(sql::GET_CREDENTIAL)
                    .bind(account.0)
                    .bind(kind.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("customer_credentials"))?;
                row.map(sql::credential).transpose()
            }

            async fn account_by_email(&self, email: &str) -> StoreResult<Option<AccountId>> {
                let id = sqlx::query_scalar::<_, Uuid>(sql::ACCOUNT_BY_EMAIL)
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("contact_points"))?;
                Ok(id.map(AccountId))
            }

            async fn lock_state(&self, account: AccountId) -> StoreResult<LockState> {
                let row = sqlx::query_as::<_, sql::LockRow>(sql::LOCK_STATE)
                    .bind(account.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("auth_lockouts"))?;
                sql::lock(row)
            }

            #[tracing::instrument(skip_all)]
            async fn record_auth_failure(
                &self,
                attempt: &FailedAttempt,
                policy: &LockoutPolicy,
                now: DateTime<Utc>,
            ) -> StoreResult<LockState> {
                let at = DbTime::from(now);
                let account = attempt.account_id;
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(sql::ENSURE_LOCK_ROW)
                    .bind(account.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(writing("lock", "account"))?;
                let row = sqlx::query_as::<_, sql::LockRow>(concat!(
                    "SELECT failures, window_start, locked_until FROM auth_lockouts WHERE account_id = $1",
                    $for_update
                ))
                .bind(account.0)
                .fetch_optional(&mut *tx)
                .await?;
                let state = policy.after_failure(sql::lock(row)?, at.time());
                sqlx::query(sql::SET_LOCK_STATE)
                    .bind(account.0)
                    .bind(i64::from(state.failures))
                    .bind(state.window_start.map(DbTime::from))
                    .bind(state.locked_until.map(DbTime::from))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(sql::INSERT_FAILURE)
                    .bind(account.0)
                    .bind(attempt.staff_id.map(|s| s.0))
                    .bind(attempt.source.as_str())
                    .bind(attempt.kind.as_str())
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(state)
            }

            async fn reset_auth_failures(&self, account: AccountId) -> StoreResult<()> {
                sqlx::query(sql::CLEAR_LOCK).bind(account.0).execute(&self.pool).await?;
                Ok(())
            }

            async fn list_locks(&self, now: DateTime<Utc>) -> StoreResult<Vec<AccountLock>> {
                let rows = sqlx::query_as::<_, (Uuid, i64, Option<DbTime>, Option<DbTime>)>(sql::LIST_LOCKS)
                    .bind(DbTime::from(now))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("auth_lockouts"))?;
                rows.into_iter()
                    .map(|(id, f, w, l)| {
                        Ok(AccountLock { account_id: AccountId(id), state: sql::lock(Some((f, w, l)))? })
                    })
                    .collect()
            }

            async fn clear_lock(&self, account: AccountId) -> StoreResult<bool> {
                let done = sqlx::query(sql::CLEAR_LOCK).bind(account.0).execute(&self.pool).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn failed_accounts_since(
                &self,
                staff: Option<StaffId>,
                source: &str,
                since: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let since = DbTime::from(since);
                let n: i64 = match staff {
                    Some(s) => {
                        sqlx::query_scalar(sql::FAILED_ACCOUNTS_BY_STAFF)
                            .bind(s.0)
                            .bind(since)
                            .fetch_one(&self.pool)
                            .await?
                    }
                    None => {
                        sqlx::query_scalar(sql::FAILED_ACCOUNTS_BY_SOURCE)
                            .bind(source)
                            .bind(since)
                            .fetch_one(&self.pool)
                            .await?
                    }
                };
                $crate::shared::unsigned("auth_failures", "count", n)
            }

            async fn open_interaction(&self, i: &Interaction) -> StoreResult<()> {
                sqlx::query(sql::INSERT_INTERACTION)
                    .bind(i.id)
                    .bind(i.account_id.0)
                    .bind(i.channel.as_str())
                    .bind(i.staff_id.map(|s| s.0))
                    .bind(DbTime::from(i.opened_at))
                    .bind(DbTime::from(i.expires_at))
                    .execute(&self.pool)
                    .await
                    .map_err(writing("interaction", "account"))?;
                Ok(())
            }

            async fn get_interaction(&self, id: Uuid) -> StoreResult<Option<Interaction>> {
                let row = sqlx::query_as::<_, sql::InteractionRow>(sql::GET_INTERACTION)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("auth_interactions"))?;
                row.map(sql::interaction).transpose()
            }

            async fn end_interaction(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
                let done =
                    sqlx::query(sql::END_INTERACTION).bind(id).bind(DbTime::from(now)).execute(&self.pool).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn add_evidence(&self, interaction: Uuid, e: &Evidence) -> StoreResult<()> {
                sqlx::query(sql::INSERT_EVIDENCE)
                    .bind(interaction)
                    .bind(e.kind.as_str())
                    .bind(e.detail.as_deref())
                    .bind(DbTime::from(e.recorded_at))
                    .execute(&self.pool)
                    .await
                    .map_err(writing("evidence", "interaction"))?;
                Ok(())
            }

            async fn list_evidence(&self, interaction: Uuid) -> StoreResult<Vec<Evidence>> {
                let rows = sqlx::query_as::<_, sql::EvidenceRow>(sql::LIST_EVIDENCE)
                    .bind(interaction)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("auth_evidence"))?;
                rows.into_iter().map(sql::evidence).collect()
            }

            #[tracing::instrument(skip_all)]
            async fn create_recovery_token(
                &self,
                token_hash: &TokenHash,
                token: &RecoveryToken,
                effects: &SideEffects,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut tx = $begin(&self.pool).await?;
                sqlx::query(sql::INSERT_TOKEN)
                    .bind(&token_hash[..])
                    .bind(token.account_id.0)
                    .bind(DbTime::from(token.created_at))
                    .bind(DbTime::from(token.expires_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(writing("recovery token", "account"))?;
                super::notices::write_effects(&mut tx, effects, DbTime::from(now)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_recovery_token(&self, token_hash: &TokenHash) -> StoreResult<Option<RecoveryToken>> {
                let row = sqlx::query_as::<_, sql::TokenRow>(sql::GET_TOKEN)
                    .bind(&token_hash[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("recovery_tokens"))?;
                Ok(row.map(sql::token))
            }

            async fn create_portal_session(&self, token_hash: &TokenHash, s: &PortalSession) -> StoreResult<()> {
                sqlx::query(sql::INSERT_SESSION)
                    .bind(&token_hash[..])
                    .bind(s.account_id.0)
                    .bind(s.interaction_id)
                    .bind(DbTime::from(s.created_at))
                    .bind(DbTime::from(s.expires_at))
                    .execute(&self.pool)
                    .await
                    .map_err(writing("session", "account"))?;
                Ok(())
            }

            async fn portal_session(
                &self,
                token_hash: &TokenHash,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<PortalSession>> {
                let row = sqlx::query_as::<_, (Uuid, Uuid, DbTime, DbTime)>(sql::GET_SESSION)
                    .bind(&token_hash[..])
                    .bind(DbTime::from(now))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(reading("portal_sessions"))?;
                Ok(row.map(|(a, i, c, e)| PortalSession {
                    account_id: AccountId(a),
                    interaction_id: i,
                    created_at: c.time(),
                    expires_at: e.time(),
                }))
            }

            async fn revoke_portal_session(&self, token_hash: &TokenHash, now: DateTime<Utc>) -> StoreResult<bool> {
                let done = sqlx::query(sql::REVOKE_SESSION)
                    .bind(&token_hash[..])
                    .bind(DbTime::from(now))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn record_signal(&self, s: &PretextingSignal) -> StoreResult<()> {
                sqlx::query(sql::INSERT_SIGNAL)
                    .bind(s.id)
                    .bind(s.kind.as_str())
                    .bind(s.account_id.map(|a| a.0))
                    .bind(s.staff_id.map(|a| a.0))
                    .bind(s.source.as_deref())
                    .bind(s.detail.as_str())
                    .bind(DbTime::from(s.created_at))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn list_signals(&self, limit: u32) -> StoreResult<Vec<PretextingSignal>> {
                let rows = sqlx::query_as::<_, sql::SignalRow>(sql::LIST_SIGNALS)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(reading("pretexting_signals"))?;
                Ok(rows.into_iter().map(sql::signal).collect())
            }

            async fn count_signals(&self, account: AccountId, kind: &str, since: DateTime<Utc>) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(sql::COUNT_SIGNALS)
                    .bind(account.0)
                    .bind(kind)
                    .bind(DbTime::from(since))
                    .fetch_one(&self.pool)
                    .await?;
                $crate::shared::unsigned("pretexting_signals", "count", n)
            }
        }
    };
}
pub(crate) use customer_auth_impl;
