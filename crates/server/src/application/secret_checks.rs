//! Checking and setting a customer's secrets (password, PIN, back-up answer): the
//! account lock, Argon2id verification off the async threads, the failure counted,
//! every check on an account recorded in the audit chain before its answer, and a new
//! secret stored with its change notice. Staff-mediated checks are paced per staff
//! member (`staff_limits`); portal checks per source (the portal's own limiter).

pub mod hasher;
pub mod staff_limits;

use crate::problem::Problem;
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cpniguard_core::account::Account;
use cpniguard_core::authn::check_record::{CheckOutcome, check_record};
use cpniguard_core::authn::{KnownFacts, LockState, Secret, SecretKind, validate_secret};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::notice::{AccountBefore, NoticeId, NoticeKind, SideEffects, account_change_notices};
use cpniguard_store::TokenHash;
use cpniguard_store::auth::{FailedAttempt, PretextingSignal, StoredCredential};
use hasher::SecretHasher;
use std::net::IpAddr;

/// The configured Argon2id parameters are invalid (logged; answered as a 500).
#[derive(Debug)]
pub struct HasherUnavailable;

impl From<HasherUnavailable> for Problem {
    fn from(_: HasherUnavailable) -> Self {
        Problem::internal()
    }
}

pub fn hasher(state: &AppState) -> Result<SecretHasher, HasherUnavailable> {
    SecretHasher::for_config(&state.config.customer_auth).map_err(|e| {
        tracing::error!(error = %e, "customer_auth argon2 configuration");
        HasherUnavailable
    })
}

/// Who is checking a secret: the staff member (if any) and the network source.
#[derive(Debug, Clone)]
pub struct Actor {
    pub staff: Option<StaffId>,
    pub ip: IpAddr,
}

/// Why a check did not pass.
pub enum CheckFailure {
    Locked(DateTime<Utc>),
    NoSuchSecret,
    Mismatch(LockState),
    /// The check's audit entry could not be written: nothing is answered but 503.
    Unrecorded,
}

impl CheckFailure {
    /// The problem shown to a CSR (the portal shows one generic answer instead).
    pub fn problem(self, kind: SecretKind, max: u32) -> Problem {
        match self {
            CheckFailure::Unrecorded => unrecorded(),
            CheckFailure::Locked(until) => locked(until),
            CheckFailure::NoSuchSecret => Problem::new(
                StatusCode::CONFLICT,
                "no_credential",
                "No such secret",
                format!("the account has no {} set; use another method or recovery", kind.as_str()),
            ),
            CheckFailure::Mismatch(state) if state.locked_until.is_some() => {
                locked(state.locked_until.unwrap_or_default())
            }
            CheckFailure::Mismatch(state) => Problem::new(
                StatusCode::FORBIDDEN,
                "verification_failed",
                "Verification failed",
                format!(
                    "the {} given does not match; {} more failed attempt(s) lock the account",
                    kind.as_str(),
                    max.saturating_sub(state.failures)
                ),
            ),
        }
    }
}

pub fn unrecorded() -> Problem {
    Problem::unavailable("the check could not be recorded in the audit log; try again")
}

/// The password and the back-up answer have both failed in this interaction
/// (`core::authn::only_recovery_remains`): no further secret is checked in it.
pub fn recovery_only() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "recovery_required",
        "Only recovery remains",
        "the password and the back-up answer have both failed in this interaction: no further secret is checked in it; the customer must use recovery (POST /api/v1/portal/recovery), which sends a single-use code to the email address of record",
    )
}

fn locked(until: DateTime<Utc>) -> Problem {
    Problem::new(
        StatusCode::LOCKED,
        "account_locked",
        "Account locked",
        format!(
            "too many failed checks: the account is locked until {} (no secret is checked until then); a privacy officer can clear the lock, or the customer can use recovery or another method",
            until.to_rfc3339()
        ),
    )
}

/// Check a secret: the account lock (a locked account is refused even with the right
/// secret), Argon2id verification on the blocking pool, and the failure counted
/// against the account. With no account (an unknown portal email), or no such secret,
/// a dummy hash is verified so the work is the same. Delays and limits are the
/// caller's: per staff member for staff (`staff_limits`), per source on the portal.
/// A check on an account is an audit entry with its outcome
/// (`core::authn::check_record`), committed before the answer: one that cannot be
/// recorded is refused (`Unrecorded`), verified or not.
#[tracing::instrument(skip_all)]
pub async fn check_secret(
    state: &AppState,
    account: Option<AccountId>,
    kind: SecretKind,
    secret: Secret,
    actor: &Actor,
) -> Result<(), CheckFailure> {
    let outcome = verify_secret(state, account, kind, secret, actor).await;
    if let Some(account) = account {
        let result = match &outcome {
            Ok(()) => CheckOutcome::Verified,
            Err(CheckFailure::Locked(_)) => CheckOutcome::Locked,
            Err(CheckFailure::Mismatch(_)) => CheckOutcome::Mismatch,
            Err(CheckFailure::NoSuchSecret | CheckFailure::Unrecorded) => CheckOutcome::NoSuchSecret,
        };
        let record = check_record(account, actor.staff, kind, result, &actor.ip.to_string(), state.now());
        if let Err(e) = state.gate.record_event(record).await {
            tracing::error!(error = %e, "a credential check could not be audited; refusing");
            return Err(CheckFailure::Unrecorded);
        }
    }
    outcome
}

async fn verify_secret(
    state: &AppState,
    account: Option<AccountId>,
    kind: SecretKind,
    secret: Secret,
    actor: &Actor,
) -> Result<(), CheckFailure> {
    let hasher = hasher(state).map_err(|_| CheckFailure::NoSuchSecret)?;
    let Some(account) = account else {
        hasher.verify_blocking(kind, None, secret).await;
        return Err(CheckFailure::NoSuchSecret);
    };
    let now = state.now();
    let lock = state.store.lock_state(account).await.map_err(|_| CheckFailure::NoSuchSecret)?;
    if let Some(until) = lock.locked_until.filter(|_| lock.is_locked(now)) {
        hasher.verify_blocking(kind, None, secret).await;
        metrics::counter!("cpniguard_auth_checks_refused_total", "limit" => "account_lockout").increment(1);
        return Err(CheckFailure::Locked(until));
    }
    let stored = state.store.get_credential(account, kind).await.map_err(|_| CheckFailure::NoSuchSecret)?;
    let Some(stored) = stored else {
        hasher.verify_blocking(kind, None, secret).await;
        return Err(CheckFailure::NoSuchSecret);
    };
    if hasher.verify_blocking(kind, Some(stored.hash), secret).await {
        metrics::counter!("cpniguard_customer_auth_checks_total", "result" => "verified").increment(1);
        if lock.failures > 0 {
            let _ = state.store.reset_auth_failures(account).await;
        }
        return Ok(());
    }
    metrics::counter!("cpniguard_customer_auth_checks_total", "result" => "mismatch").increment(1);
    let policy = state.config.customer_auth.lockout_policy();
    let attempt = FailedAttempt { account_id: account, staff_id: actor.staff, source: actor.ip.to_string(), kind };
    let after =
        state.store.record_auth_failure(&attempt, &policy, now).await.map_err(|_| CheckFailure::NoSuchSecret)?;
    Err(CheckFailure::Mismatch(after))
}

pub async fn record_signal(
    state: &AppState,
    kind: &'static str,
    account: Option<AccountId>,
    actor: &Actor,
    detail: String,
) {
    metrics::counter!("cpniguard_pretexting_signals_total", "kind" => kind).increment(1);
    tracing::warn!(signal = kind, "pretexting signal");
    let signal = PretextingSignal {
        id: uuid::Uuid::now_v7(),
        kind: kind.to_owned(),
        account_id: account,
        staff_id: actor.staff,
        source: Some(actor.ip.to_string()),
        detail,
        created_at: state.now(),
    };
    if let Err(e) = state.store.record_signal(&signal).await {
        tracing::error!(error = %e, "recording a pretexting signal");
    }
}

pub fn change_kind(kind: SecretKind) -> NoticeKind {
    match kind {
        SecretKind::Password => NoticeKind::PasswordChanged,
        SecretKind::Pin => NoticeKind::PinChanged,
        SecretKind::BackupAnswer => NoticeKind::BackupQuestionChanged,
    }
}

/// Validate, hash and store a new secret, queuing the account-change notice to the
/// contact points of record in the same transaction. With `recovery_token`, that token
/// is used up in that transaction too.
#[tracing::instrument(skip_all)]
pub async fn store_secret(
    state: &AppState,
    account: &Account,
    kind: SecretKind,
    secret: Secret,
    question: Option<String>,
    date_of_birth: Option<chrono::NaiveDate>,
    recovery_token: Option<&TokenHash>,
) -> Result<Vec<NoticeId>, Problem> {
    let history = state.store.contact_history(account.id).await?;
    let mut facts = KnownFacts::of_account(account, &history);
    facts.date_of_birth = date_of_birth;
    validate_secret(kind, &secret, &facts)?;
    let question = match kind {
        SecretKind::BackupAnswer => {
            let q = question.map(|q| q.trim().to_owned()).filter(|q| (5..=200).contains(&q.chars().count()));
            Some(q.ok_or_else(|| {
                cpniguard_core::ValidationError::new(
                    "question",
                    "a back-up answer needs its question (5 to 200 characters)",
                )
            })?)
        }
        _ => None,
    };
    let now = state.now();
    let hash = hasher(state)?.hash_blocking(kind, secret).await;
    let before = AccountBefore {
        account_id: account.id,
        name: &account.profile.name,
        language: account.profile.language,
        contact_points: &account.contact_points,
    };
    let change_ref = format!("{}:secret:{}", account.id, uuid::Uuid::now_v7());
    let effects: SideEffects = account_change_notices(
        &before,
        &[change_kind(kind)],
        &state.config.notices.routing,
        crate::application::contacts::of_record_rule(state),
        &change_ref,
        now,
    );
    let credential = StoredCredential { kind, hash, question, updated_at: now };
    let notices = state.store.set_credential(account.id, &credential, recovery_token, &effects, now).await?;
    tracing::info!(account = %account.id, kind = kind.as_str(), notices = notices.len(), "customer secret set");
    Ok(notices)
}
