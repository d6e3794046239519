//! The material-change mailing: one `policy-change` notice per account with an email of
//! record, in the account's language, queued through the outbox in batches by account
//! id — a background task, never the publishing request, so 100,000+ accounts take no
//! request's time — with its progress stored, so the privacy office sees how far it has
//! got and a stopped mailing resumes where it was.

use crate::config::Config;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use cpniguard_store::publication::{PolicyRecipient, PolicyVersion, policy_notice_key};
use cpniguard_store::{Store, StoreError};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where a customer reads the current policy in `language`.
fn policy_url(config: &Config, language: Language) -> String {
    format!("{}/privacy?lang={}", config.carrier.website.trim_end_matches('/'), language.as_str())
}

/// The cut-off of "of record" for a version's mailing: emails associated at least the
/// configured days before it was published. Fixed by the publication, so the total
/// counted then and the accounts queued later are the same set.
pub fn of_record_before(config: &Config, published_at: DateTime<Utc>) -> DateTime<Utc> {
    published_at - Duration::days(config.rules.of_record_days.into())
}

fn notice_for(config: &Config, version: &PolicyVersion, r: &PolicyRecipient, now: DateTime<Utc>) -> NewNotice {
    let summary = version.text(r.language).map(|t| t.summary.clone()).unwrap_or_default();
    let params = BTreeMap::from([
        ("name".to_owned(), r.name.clone()),
        ("version".to_owned(), version.version.to_string()),
        ("effective_on".to_owned(), version.effective_on.format("%Y-%m-%d").to_string()),
        ("summary".to_owned(), summary),
        ("url".to_owned(), policy_url(config, r.language)),
    ]);
    NewNotice {
        id: NoticeId::new(),
        account_id: Some(r.account_id),
        kind: NoticeKind::PolicyChanged,
        channel: Channel::Email,
        destination: Destination::Email { address: r.email.clone() },
        template: NoticeKind::PolicyChanged.template().to_owned(),
        language: r.language,
        params,
        idempotency_key: policy_notice_key(version.version, r.account_id),
        not_before: now,
    }
}

/// Queue the rest of a version's mailing, batch by batch from where it stands, and
/// mark it finished. Returns the notices newly queued. Running it twice at once, or
/// again after it finished, queues nothing twice (the notices' keys are unique).
pub async fn run_policy_mailing(
    store: &dyn Store,
    config: &Config,
    version: u32,
    now: impl Fn() -> DateTime<Utc>,
) -> Result<u64, StoreError> {
    let policy = store.get_policy_version(version).await?.ok_or(StoreError::NotFound("policy version"))?;
    let mailing = store.policy_mailing(version).await?.ok_or(StoreError::NotFound("policy mailing"))?;
    let published_at = policy.published_at.ok_or(StoreError::NotFound("policy mailing"))?;
    if mailing.finished_at.is_some() {
        return Ok(0);
    }
    let cut_off = of_record_before(config, published_at);
    let mut after = mailing.after_account;
    let mut queued = 0;
    loop {
        let recipients = store.policy_mailing_recipients(after, cut_off, config.publication.mailing_batch).await?;
        let Some(last) = recipients.last().map(|r| r.account_id) else { break };
        let at = now();
        let notices: Vec<NewNotice> = recipients.iter().map(|r| notice_for(config, &policy, r, at)).collect();
        queued += store.record_policy_mailing_batch(version, &notices, last, at).await?;
        after = Some(last);
    }
    store.finish_policy_mailing(version, now()).await?;
    Ok(queued)
}

/// Run the mailing in the background. Failures are logged (version and error kind
/// only) and leave the mailing where it stopped, to be resumed.
pub fn spawn_mailing(state: &AppState, version: u32) {
    let (store, config, clock): (Arc<dyn Store>, _, _) =
        (state.store.clone(), state.config.clone(), state.clock.clone());
    tokio::spawn(async move {
        match run_policy_mailing(store.as_ref(), &config, version, || clock.now()).await {
            Ok(queued) => tracing::info!(version, queued, "policy-change mailing finished"),
            Err(e) => tracing::warn!(version, error = %e, "policy-change mailing stopped; resume it"),
        }
    });
}
