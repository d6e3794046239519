//! The customer's own session on the portal, whichever front end they use (the JSON
//! API's `/api/v1/portal/*` or the web portal at `/portal`): signing in with the email
//! address and password only, signing out, and recovery by a single-use code sent to
//! the email address of record. No answer says whether an account exists.

use crate::application::accounts::load as load_account;
use crate::application::contacts::of_record_rule;
use crate::application::secret_checks::{Actor, CheckFailure, check_secret, record_signal, store_secret};
use crate::auth::client::ClientIp;
use crate::auth::customer::CurrentCustomer;
use crate::auth::tokens;
use crate::auth::unidentified::Unidentified;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use chrono::Duration;
use cpniguard_core::authn::{EvidenceKind, InteractionChannel, Secret, SecretKind};
use cpniguard_core::contact::ContactValue;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind, SideEffects};
use cpniguard_store::auth::{Evidence, Interaction, PortalSession, RecoveryToken};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What a recovery request is answered, whether or not a code was sent.
pub const RECOVERY_ANSWER: &str =
    "if this is the email address of record of an account, a recovery code was sent to it";

/// The one answer to every failed login, whatever the reason.
pub fn login_refused() -> Problem {
    Problem::unauthenticated("the email address or password is not right")
}

/// After a failed sign-in, whatever the email (existing, unknown, locked, no password):
/// count it against the client, look for one client failing on many accounts, and
/// answer no sooner than `portal_failure_min_ms` after the request `arrived` plus the
/// back-off of that client's failures — the same delay every time, so neither the
/// answer nor its timing says whether an account exists or is locked.
async fn failed_sign_in(
    state: &AppState,
    who: &Actor,
    key: &str,
    account: Option<AccountId>,
    failure: CheckFailure,
    arrived: tokio::time::Instant,
) -> Result<Problem, Problem> {
    if matches!(failure, CheckFailure::Unrecorded) {
        return Err(crate::application::secret_checks::unrecorded());
    }
    if account.is_none() {
        // No account has this email: no identity to record the attempt under.
        state.unidentified.count(state, Unidentified::PortalSignIn, key).await;
    }
    let counted = state.portal_limit.record_failure(state, key).await?;
    let c = &state.config.customer_auth;
    let since = state.now() - Duration::minutes(c.signal_window_minutes.into());
    let accounts = state.store.failed_accounts_since(None, &who.ip.to_string(), since).await?;
    if accounts >= u64::from(c.signal_failed_accounts) && matches!(failure, CheckFailure::Mismatch(_)) {
        let detail = format!(
            "one client address failed portal sign-in on {accounts} accounts within {} minutes",
            c.signal_window_minutes
        );
        record_signal(state, "failures_across_accounts", account, who, detail).await;
    }
    let floor = std::time::Duration::from_millis(c.portal_failure_min_ms);
    tokio::time::sleep_until(arrived + floor + c.lockout_policy().delay(counted.failures)).await;
    Ok(login_refused())
}

/// Check the email address and password; on success open the `online` interaction
/// whose evidence is the password, and a session. Returns the session's token (for the
/// cookie; only its hash is stored) and the session.
pub async fn sign_in(
    state: &AppState,
    client: ClientIp,
    email: &str,
    password: Secret,
) -> ApiResult<(String, PortalSession)> {
    let arrived = tokio::time::Instant::now();
    let who = Actor { staff: None, ip: client.0 };
    let key = client.key();
    if let Some(wait) = state.portal_limit.blocked_secs(state, &key).await? {
        return Err(Problem::rate_limited(wait));
    }
    let account = state.store.account_by_email(email).await?;
    if let Err(failure) = check_secret(state, account, SecretKind::Password, password, &who).await {
        return Err(failed_sign_in(state, &who, &key, account, failure, arrived).await?);
    }
    let Some(account) = account else { return Err(login_refused()) };
    let now = state.now();
    let lifetime = Duration::minutes(state.config.customer_auth.session_minutes.into());
    let interaction = Interaction {
        id: Uuid::now_v7(),
        account_id: account,
        channel: InteractionChannel::Online,
        staff_id: None,
        opened_at: now,
        expires_at: now + lifetime,
    };
    state.store.open_interaction(&interaction).await?;
    let evidence = Evidence { kind: EvidenceKind::PasswordVerified, detail: None, recorded_at: now };
    state.store.add_evidence(interaction.id, &evidence).await?;
    let token = tokens::generate();
    let session = PortalSession {
        account_id: account,
        interaction_id: interaction.id,
        created_at: now,
        expires_at: now + lifetime,
    };
    state.store.create_portal_session(&tokens::hash(&token), &session).await?;
    Ok((token, session))
}

/// End the customer's session.
pub async fn sign_out(state: &AppState, customer: &CurrentCustomer) -> ApiResult<()> {
    state.store.revoke_portal_session(&customer.session_hash, state.now()).await?;
    Ok(())
}

/// "Forgot password/PIN": a single-use code to the email address of record, if the
/// address given is that (associated long enough to be of record). Nothing tells the
/// caller whether it was.
pub async fn request_recovery(state: &AppState, client: ClientIp, email: &str) -> ApiResult<()> {
    // A string that is no email address at all (or 64 KiB long) is refused by its shape
    // alone, which says nothing about which addresses are of record.
    let email = EmailAddress::parse(email).map_err(|e| Problem::validation(e).with_field("email"))?;
    if let Some(wait) = state.portal_limit.blocked_secs(state, &client.key()).await? {
        return Err(Problem::rate_limited(wait));
    }
    let Some(id) = state.store.account_by_email(email.as_str()).await? else { return Ok(()) };
    send_recovery_code(state, &load_account(state, id).await?).await?;
    Ok(())
}

/// Queue a single-use recovery code to the account's email address of record, if it
/// has one (held long enough to be of record); `false` when it has none, and nothing is
/// sent. The customer portal's "forgot password", and a CSR's "password reset" on a
/// call, both come here: a new password is only ever set through that code.
pub async fn send_recovery_code(state: &AppState, account: &cpniguard_core::account::Account) -> ApiResult<bool> {
    let id = account.id;
    let now = state.now();
    let of_record = account.contact_points.iter().find_map(|c| match &c.value {
        ContactValue::Email(e) if c.is_of_record(now, of_record_rule(state)) => Some(e.clone()),
        _ => None,
    });
    let Some(address) = of_record else {
        tracing::info!(account = %id, "recovery asked for an email address not yet of record: nothing sent");
        return Ok(false);
    };
    let token = tokens::generate();
    let expires_at = now + Duration::minutes(state.config.customer_auth.recovery_minutes.into());
    let notice = NewNotice {
        id: NoticeId::new(),
        account_id: Some(id),
        kind: NoticeKind::RecoveryCode,
        channel: Channel::Email,
        destination: Destination::Email { address },
        template: NoticeKind::RecoveryCode.template().to_owned(),
        language: account.profile.language,
        params: BTreeMap::from([
            ("change".to_owned(), NoticeKind::RecoveryCode.as_str().to_owned()),
            ("changed_at".to_owned(), now.to_rfc3339()),
            ("name".to_owned(), account.profile.name.clone()),
            ("code".to_owned(), token.clone()),
        ]),
        idempotency_key: format!("{id}:recovery:{}", Uuid::now_v7()),
        not_before: now,
    };
    let record = RecoveryToken { account_id: id, created_at: now, expires_at, used_at: None };
    let effects = SideEffects { notices: vec![notice], tasks: vec![] };
    state.store.create_recovery_token(&tokens::hash(&token), &record, &effects, now).await?;
    tracing::info!(account = %id, "recovery code queued to the email address of record");
    Ok(true)
}

fn bad_code() -> Problem {
    Problem::bad_request("invalid_recovery_code", "the recovery code is not valid: unknown, already used or expired")
}

/// Use a recovery code once to set a new secret; the change notices it queues.
pub async fn complete_recovery(
    state: &AppState,
    client: ClientIp,
    code: &Secret,
    kind: SecretKind,
    secret: Secret,
    question: Option<String>,
) -> ApiResult<Vec<NoticeId>> {
    let key = client.key();
    if let Some(wait) = state.portal_limit.blocked_secs(state, &key).await? {
        return Err(Problem::rate_limited(wait));
    }
    let code = code.expose();
    let hash = tokens::hash(code);
    let token = if tokens::looks_like_token(code) { state.store.get_recovery_token(&hash).await? } else { None };
    let now = state.now();
    let Some(token) = token.filter(|t| t.used_at.is_none() && t.expires_at > now) else {
        state.portal_limit.record_failure(state, &key).await?;
        return Err(bad_code());
    };
    let account = load_account(state, token.account_id).await?;
    let notices = store_secret(state, &account, kind, secret, question, None, Some(&hash)).await.map_err(|p| {
        if p.code == "validation_failed" && p.field.as_deref() == Some("token") { bad_code() } else { p }
    })?;
    Ok(notices)
}
