//! Customer notices as data: what must be told to whom, by which channel, in which
//! language — decided purely, then written to the outbox in the same transaction as
//! the change that causes it, and delivered later by a worker.
//!
//! Account-change notices (47 CFR 64.2010(f)) go to the contact points that were of
//! record *before* the change — never to a new one — and their parameters never carry
//! the changed value or any CPNI.

use crate::account::{Language, PostalAddress, str_enum};
use crate::contact::{ContactChangePlan, ContactKind, ContactPoint, ContactValue, OfRecordRule};
use crate::email::EmailAddress;
use crate::ids::AccountId;
use crate::phone::PhoneNumber;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

str_enum!(
    /// How a notice reaches the customer.
    Channel { Email => "email", Sms => "sms", Voice => "voice", Postal => "postal" }
);
str_enum!(
    /// What a notice is about. The template is chosen from this.
    NoticeKind {
        EmailAddressChanged => "email_address_changed",
        PostalAddressChanged => "postal_address_changed",
        TelephoneNumberChanged => "telephone_number_changed",
        PasswordChanged => "password_changed",
        PinChanged => "pin_changed",
        BackupQuestionChanged => "backup_question_changed",
        OnlineAccountCreated => "online_account_created",
        OnlineAccountChanged => "online_account_changed",
        BusinessExemptionChanged => "business_exemption_changed",
        CallBack => "call_back",
        RecoveryCode => "recovery_code",
        DocumentDelivery => "document_delivery",
        ConsentOptedOut => "consent_opted_out",
        ConsentOptedIn => "consent_opted_in",
        BreachNotice => "breach_notice",
        BreachReminder => "breach_reminder",
        OptOutNotice => "optout_notice",
        /// A material change to the published CPNI policy (issue 9).
        PolicyChanged => "policy_changed",
        /// A complaint or question to the privacy office was received (issue 9).
        ComplaintAcknowledged => "complaint_acknowledged",
        /// A staff member's CPNI training expires soon (issue 9; to staff, not customers).
        TrainingReminder => "training_reminder",
        /// The annual CPNI certification is due (issue 9; to the privacy office).
        CertificationReminder => "certification_reminder",
    }
);
str_enum!(
    /// `queued` → `sending` (claimed, under a lease) → `sent`; or back to `failed` with a
    /// next attempt time; after the configured attempts, `abandoned` (alerted on).
    NoticeStatus {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Abandoned => "abandoned",
    }
);

impl NoticeKind {
    /// The template family. Every account-change kind shares one template whose text
    /// varies by the `change` parameter.
    pub fn template(self) -> &'static str {
        match self {
            NoticeKind::RecoveryCode => "recovery-code",
            NoticeKind::CallBack => "call-back",
            NoticeKind::DocumentDelivery => "document-delivery",
            NoticeKind::ConsentOptedOut | NoticeKind::ConsentOptedIn => "consent-confirmation",
            NoticeKind::BreachNotice => "breach-notice",
            NoticeKind::BreachReminder => "breach-reminder",
            NoticeKind::OptOutNotice => "optout-notice",
            NoticeKind::PolicyChanged => "policy-change",
            NoticeKind::ComplaintAcknowledged => "complaint-acknowledgement",
            NoticeKind::TrainingReminder => "training-reminder",
            NoticeKind::CertificationReminder => "certification-reminder",
            _ => "account-change",
        }
    }

    /// Whether this notice tells the customer of a change to the account's security
    /// (47 CFR 64.2010(f): credentials, online account, address of record): it may go
    /// only to contact points of record, never to one a recent change set. Other
    /// notices (an opt-out notice, a complaint acknowledgement) are not a pretexter's
    /// target and may reach a young account's own address.
    pub fn is_account_change(self) -> bool {
        self.template() == "account-change"
    }
}

/// Template parameters that carry a secret (a recovery code) or CPNI (a document sent to
/// the address of record). They exist only so the worker can render the message; every
/// view of the outbox for people shows them redacted.
pub const PROTECTED_PARAMS: &[&str] = &["code", "document"];

impl Notice {
    /// The notice as staff may see it: protected parameters replaced by a marker.
    pub fn redacted(mut self) -> Self {
        for (key, value) in self.params.iter_mut() {
            if PROTECTED_PARAMS.contains(&key.as_str()) {
                *value = "[redacted]".to_owned();
            }
        }
        self
    }
}

/// A notice id.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NoticeId(pub Uuid);

impl NoticeId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for NoticeId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for NoticeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for NoticeId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// Where a notice goes, snapshotted when it is queued: a later change of the account
/// never redirects a notice already owed to the old contact point.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Destination {
    Email {
        address: EmailAddress,
    },
    /// For text messages and voice calls: the telephone number of record.
    Phone {
        number: PhoneNumber,
    },
    Postal {
        name: String,
        address: PostalAddress,
    },
}

/// A notice to be queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNotice {
    pub id: NoticeId,
    pub account_id: Option<AccountId>,
    pub kind: NoticeKind,
    pub channel: Channel,
    pub destination: Destination,
    pub template: String,
    pub language: Language,
    /// Non-sensitive template parameters (never CPNI, never a changed value).
    pub params: BTreeMap<String, String>,
    /// Unique per intended delivery: queuing the same key twice queues it once.
    pub idempotency_key: String,
    /// Not delivered before this time.
    pub not_before: DateTime<Utc>,
}

/// A notice as stored, with its delivery state.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: NoticeId,
    pub account_id: Option<AccountId>,
    pub kind: NoticeKind,
    pub channel: Channel,
    pub destination: Destination,
    pub template: String,
    pub language: Language,
    pub params: BTreeMap<String, String>,
    pub idempotency_key: String,
    pub status: NoticeStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub provider_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Something a person in the privacy office must look at, raised when the system
/// cannot do its duty by itself (e.g. no contact point to notify).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyTask {
    pub id: Uuid,
    pub account_id: Option<AccountId>,
    pub kind: String,
    /// What happened and what to do, without CPNI or contact values.
    pub detail: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// What a change writes besides itself, in the same transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SideEffects {
    pub notices: Vec<NewNotice>,
    pub tasks: Vec<PrivacyTask>,
}

/// Which channels each account-change event uses. Defaults: email to the previous
/// email of record and a text to the telephone number of record, with a letter to the
/// postal address of record when no email is of record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NoticeRouting {
    pub default_channels: Vec<Channel>,
    /// Channels for particular events, replacing the default for them.
    pub per_event: BTreeMap<NoticeKind, Vec<Channel>>,
    pub postal_when_no_email: bool,
}

impl Default for NoticeRouting {
    fn default() -> Self {
        Self {
            default_channels: vec![Channel::Email, Channel::Sms],
            per_event: BTreeMap::new(),
            postal_when_no_email: true,
        }
    }
}

impl NoticeRouting {
    pub fn channels_for(&self, kind: NoticeKind) -> &[Channel] {
        self.per_event.get(&kind).unwrap_or(&self.default_channels)
    }

    /// The channel to the telephone number of record when no address of record can
    /// be reached: text if the routing uses it anywhere, else voice, else none (the
    /// carrier has no messaging platform to send through).
    pub fn phone_channel(&self) -> Option<Channel> {
        let used = |c: Channel| self.default_channels.contains(&c) || self.per_event.values().any(|v| v.contains(&c));
        [Channel::Sms, Channel::Voice].into_iter().find(|&c| used(c))
    }
}

/// The account as it was before the change: whom to tell, and where.
#[derive(Debug, Clone)]
pub struct AccountBefore<'a> {
    pub account_id: AccountId,
    pub name: &'a str,
    pub language: Language,
    /// The contact points current before the change.
    pub contact_points: &'a [ContactPoint],
}

/// The account-change events a contact change amounts to.
pub fn contact_change_events(plan: &ContactChangePlan) -> Vec<NoticeKind> {
    let mut kinds: Vec<NoticeKind> = plan
        .ended
        .iter()
        .chain(&plan.started)
        .map(|v| match v.kind() {
            ContactKind::Email => NoticeKind::EmailAddressChanged,
            ContactKind::Postal => NoticeKind::PostalAddressChanged,
            ContactKind::Phone => NoticeKind::TelephoneNumberChanged,
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The notices owed for `events` on an account, addressed to the contact points of
/// record before the change (47 CFR 64.2003, 64.2010(f)). For an account change
/// ([`NoticeKind::is_account_change`]) an email or postal address only when it had
/// been on the account at least the rule's age (30 days) — never one a recent change
/// set, so a pretexter who changes the email first cannot silence the notices of what
/// they change next — and the telephone number of service, which needs no age; other
/// notices prefer contact points of record and otherwise use the longest-held. When no routed channel finds an address of record (a new account,
/// or one whose addresses all changed recently), a text (or, failing that, a voice
/// call) to the telephone number of record goes instead, if the routing uses that
/// channel anywhere. An event nothing can reach raises a privacy-office task: never
/// silence.
pub fn account_change_notices(
    before: &AccountBefore<'_>,
    events: &[NoticeKind],
    routing: &NoticeRouting,
    rule: OfRecordRule,
    change_ref: &str,
    now: DateTime<Utc>,
) -> SideEffects {
    let mut effects = SideEffects::default();
    for &kind in events {
        let mut destinations: Vec<(Channel, Destination)> = Vec::new();
        for &channel in routing.channels_for(kind) {
            let found = destination_for(before, kind, channel, rule, now).map(|d| (channel, d)).or_else(|| {
                (channel == Channel::Email && routing.postal_when_no_email)
                    .then(|| destination_for(before, kind, Channel::Postal, rule, now).map(|d| (Channel::Postal, d)))
                    .flatten()
            });
            if let Some(pair) = found
                && !destinations.contains(&pair)
            {
                destinations.push(pair);
            }
        }
        if destinations.is_empty()
            && let Some(channel) = routing.phone_channel()
        {
            destinations.extend(destination_for(before, kind, channel, rule, now).map(|d| (channel, d)));
        }
        if destinations.is_empty() {
            effects.tasks.push(PrivacyTask {
                id: Uuid::now_v7(),
                account_id: Some(before.account_id),
                kind: "account_change_not_notified".to_owned(),
                detail: format!(
                    "The account holder could not be told of a change ({}): no configured channel has a contact point of record. Contact the customer another way and record it.",
                    kind.as_str()
                ),
                created_at: now,
                resolved_at: None,
            });
            continue;
        }
        for (channel, destination) in destinations {
            let params = BTreeMap::from([
                ("change".to_owned(), kind.as_str().to_owned()),
                ("changed_at".to_owned(), now.to_rfc3339()),
                ("name".to_owned(), before.name.to_owned()),
            ]);
            effects.notices.push(NewNotice {
                id: NoticeId::new(),
                account_id: Some(before.account_id),
                kind,
                channel,
                destination,
                template: kind.template().to_owned(),
                language: before.language,
                params,
                idempotency_key: format!("{change_ref}:{}:{}", kind.as_str(), channel.as_str()),
                not_before: now,
            });
        }
    }
    effects
}

/// The contact point a channel uses for a notice of `kind`: one of record if there is
/// one (the oldest, should stored data hold two), else the longest-held current one —
/// except that an account change reaches an email or postal address only if it is of
/// record. The telephone number of service is the carrier's own and needs no age.
fn destination_for(
    before: &AccountBefore<'_>,
    kind: NoticeKind,
    channel: Channel,
    rule: OfRecordRule,
    now: DateTime<Utc>,
) -> Option<Destination> {
    let wanted = match channel {
        Channel::Email => ContactKind::Email,
        Channel::Sms | Channel::Voice => ContactKind::Phone,
        Channel::Postal => ContactKind::Postal,
    };
    let of_record_only = kind.is_account_change() && wanted != ContactKind::Phone;
    let mut candidates: Vec<&ContactPoint> = before
        .contact_points
        .iter()
        .filter(|c| c.is_current() && c.value.kind() == wanted)
        .filter(|c| !of_record_only || c.is_of_record(now, rule))
        .collect();
    candidates.sort_by_key(|c| (!c.is_of_record(now, rule), c.associated_at));
    candidates.first().map(|c| match &c.value {
        ContactValue::Email(address) => Destination::Email { address: address.clone() },
        ContactValue::Phone(number) => Destination::Phone { number: number.clone() },
        ContactValue::Postal(address) => Destination::Postal { name: before.name.to_owned(), address: address.clone() },
    })
}

/// Delay before retry number `attempt` (1-based): exponential from `base`, capped at
/// `max`, with "equal jitter" — half fixed, half scaled by `jitter` in [0, 1) — so
/// workers that failed together do not retry together.
pub fn retry_delay(attempt: u32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exp = base.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(30)));
    let capped = exp.min(max);
    let half = capped / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests;
