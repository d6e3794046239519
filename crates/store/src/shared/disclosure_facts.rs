//! `Store::disclosure_facts` on both backends: what the gate decides on, in two
//! statements on one connection. Every pooled connection taken costs a round trip to
//! test it and another to test it on its return, so the account, the interaction and
//! its evidence come back joined in one statement, and the consent history (many rows
//! of their own) in a second on the same connection.

use super::DbTime;
use super::accounts::{AccountRow, account_columns};
use super::auth::{evidence, interaction};
use crate::auth::{Evidence, Interaction};
use crate::{StoreError, StoreResult};
use cpniguard_core::account::AccountProfile;
use uuid::Uuid;

/// The account (no row: it does not exist) with the interaction asked about (`$2`)
/// and its evidence, one row per piece of evidence, oldest first.
pub(crate) const ACCOUNT_WITH_INTERACTION: &str = concat!(
    "SELECT a.*, i.id AS interaction_id, i.account_id AS interaction_account_id, \
     i.channel AS interaction_channel, i.staff_id AS interaction_staff_id, \
     i.opened_at AS interaction_opened_at, i.expires_at AS interaction_expires_at, \
     e.kind AS evidence_kind, e.detail AS evidence_detail, e.recorded_at AS evidence_recorded_at \
     FROM (SELECT ",
    account_columns!(),
    " FROM accounts WHERE id = $1) a \
     LEFT JOIN auth_interactions i ON i.id = $2 \
     LEFT JOIN auth_evidence e ON e.interaction_id = i.id \
     ORDER BY e.id"
);

/// An interaction with its evidence, oldest first.
type InteractionWithEvidence = (Interaction, Vec<Evidence>);

#[derive(sqlx::FromRow)]
pub(crate) struct FactsRow {
    #[sqlx(flatten)]
    account: AccountRow,
    interaction_id: Option<Uuid>,
    interaction_account_id: Option<Uuid>,
    interaction_channel: Option<String>,
    interaction_staff_id: Option<Uuid>,
    interaction_opened_at: Option<DbTime>,
    interaction_expires_at: Option<DbTime>,
    evidence_kind: Option<String>,
    evidence_detail: Option<String>,
    evidence_recorded_at: Option<DbTime>,
}

/// The profile, and the interaction with its evidence if one was found, from the rows
/// of [`ACCOUNT_WITH_INTERACTION`]. `None`: no rows, no account.
pub(crate) fn account_with_interaction(
    rows: Vec<FactsRow>,
) -> StoreResult<Option<(AccountProfile, Option<InteractionWithEvidence>)>> {
    let corrupt = || StoreError::corrupt("auth_interactions", "a joined interaction row is incomplete");
    let mut pieces = Vec::new();
    for row in &rows {
        if let Some(kind) = &row.evidence_kind {
            let recorded_at = row.evidence_recorded_at.ok_or_else(corrupt)?;
            pieces.push(evidence((kind.clone(), row.evidence_detail.clone(), recorded_at))?);
        }
    }
    let Some(first) = rows.into_iter().next() else { return Ok(None) };
    let found = match (
        first.interaction_id,
        first.interaction_account_id,
        first.interaction_channel,
        first.interaction_opened_at,
        first.interaction_expires_at,
    ) {
        (Some(id), Some(account), Some(channel), Some(opened), Some(expires)) => {
            Some((interaction((id, account, channel, first.interaction_staff_id, opened, expires))?, pieces))
        }
        (None, ..) => None,
        _ => return Err(corrupt()),
    };
    Ok(Some((first.account.into_profile()?, found)))
}

/// `async fn disclosure_facts(pool, account, interaction)` for a backend whose pool is
/// `$pool`, for its `Store` implementation to call.
macro_rules! disclosure_facts_fn {
    ($pool:ty) => {
        pub(super) async fn disclosure_facts(
            pool: &$pool,
            account: cpniguard_core::ids::AccountId,
            interaction: Option<uuid::Uuid>,
        ) -> crate::StoreResult<Option<crate::DisclosureFacts>> {
            use crate::error::reading;
            use crate::shared::consent::{EventRow, HISTORY};
            use crate::shared::disclosure_facts::{ACCOUNT_WITH_INTERACTION, FactsRow, account_with_interaction};
            let mut conn = pool.acquire().await?;
            let rows: Vec<FactsRow> = sqlx::query_as(ACCOUNT_WITH_INTERACTION)
                .bind(account.0)
                .bind(interaction)
                .fetch_all(&mut *conn)
                .await
                .map_err(reading("accounts"))?;
            let Some((profile, interaction)) = account_with_interaction(rows)? else { return Ok(None) };
            let history: Vec<EventRow> = sqlx::query_as(HISTORY)
                .bind(account.0)
                .fetch_all(&mut *conn)
                .await
                .map_err(reading("consent_events"))?;
            let consent_history = history.into_iter().map(EventRow::into_event).collect::<crate::StoreResult<_>>()?;
            Ok(Some(crate::DisclosureFacts { profile, consent_history, interaction }))
        }
    };
}

pub(crate) use disclosure_facts_fn;
