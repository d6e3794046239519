//! Recording a complaint with the acknowledgement it owes the customer — shared by the
//! staff API, the portal, the review of quarantined privacy mail and
//! `cpniguard mail ingest --mailbox privacy`.

use crate::application::contacts::confirmation;
use crate::config::Config;
use chrono::{DateTime, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::account::Account;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{NoticeKind, SideEffects};
use cpniguard_store::complaints::{Complaint, ComplaintCategory, ComplaintChannel, ComplaintStatus};
use uuid::Uuid;

/// The longest subject and description kept (a mailed complaint is cut, not refused).
pub const MAX_SUBJECT: usize = 200;
pub const MAX_DESCRIPTION: usize = 20_000;

/// A complaint as taken in, before it is recorded.
pub struct Intake<'a> {
    pub category: ComplaintCategory,
    pub channel: ComplaintChannel,
    /// The customer's account when known: it is acknowledged there.
    pub account: Option<&'a Account>,
    pub candidate_accounts: Vec<AccountId>,
    pub subject: String,
    pub description: String,
    pub contact: Option<String>,
    pub received_at: DateTime<Utc>,
    pub recorded_by: String,
    pub message_id: Option<String>,
    pub message_sha256: Option<String>,
    pub dedup_key: Option<String>,
}

/// `value` trimmed, refused when empty or longer than `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(ValidationError::new(field, format!("at most {max} characters")));
    }
    Ok(value.to_owned())
}

/// `value` cut to `max` characters (for text the customer wrote that must not be lost).
pub fn cut(value: &str, max: usize) -> String {
    value.trim().chars().take(max).collect()
}

/// The complaint record and the acknowledgement notices to queue with it.
pub fn build(config: &Config, intake: Intake<'_>, now: DateTime<Utc>) -> (Complaint, SideEffects) {
    let mut complaint = Complaint {
        id: Uuid::now_v7(),
        category: intake.category,
        channel: intake.channel,
        account_id: intake.account.map(|a| a.id),
        candidate_accounts: intake.candidate_accounts,
        status: ComplaintStatus::Open,
        subject: intake.subject,
        description: intake.description,
        contact: intake.contact,
        received_at: intake.received_at,
        recorded_at: now,
        recorded_by: intake.recorded_by,
        investigating_at: None,
        resolved_at: None,
        resolved_by: None,
        resolution: None,
        message_id: intake.message_id,
        message_sha256: intake.message_sha256,
        acknowledgements: Vec::new(),
        dedup_key: intake.dedup_key,
    };
    let acknowledgement = match intake.account {
        Some(account) => acknowledgement(config, account, &complaint, now),
        None => SideEffects::default(),
    };
    complaint.acknowledgements = acknowledgement.notices.iter().map(|n| n.id).collect();
    (complaint, acknowledgement)
}

/// The acknowledgement to the account's email of record (a letter to its postal address
/// of record when it has no email), in the customer's language, once per complaint. With
/// no contact point of record nothing is queued and no task raised: the privacy office
/// already holds the complaint and answers it another way.
fn acknowledgement(config: &Config, account: &Account, complaint: &Complaint, now: DateTime<Utc>) -> SideEffects {
    let change_ref = format!("complaint:{}", complaint.id);
    let effects = confirmation(config, account, NoticeKind::ComplaintAcknowledged, &change_ref, now);
    let notices = effects
        .notices
        .into_iter()
        .map(|mut n| {
            n.params.insert("changed_at".to_owned(), complaint.received_at.to_rfc3339());
            n.params.insert("reference".to_owned(), complaint.id.to_string());
            n
        })
        .collect();
    SideEffects { notices, tasks: Vec::new() }
}
