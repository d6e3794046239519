//! Consent: the customer's approval of the use of their CPNI for marketing
//! (47 CFR 64.2007, 64.2008; requirement S2), kept as an append-only history of events
//! per account and scope. The approval status is a pure function of that history and
//! a time — never a stored flag — so "on the day you used this customer's CPNI, what
//! was their approval status, and how do you know?" is answered by replaying the
//! events recorded up to that day, each with its channel, recorder and evidence.
//!
//! Tiers: an *opt-out* scope (the carrier and its agents and affiliates marketing
//! communications-related services) is approved by an individual opt-out notice once
//! the waiting period has elapsed without an opt-out, and needs a new notice every two
//! years; an *opt-in* scope (joint-venture partners, contractors, third parties) only
//! by an affirmative opt-in; a *one-time* scope only for the interaction (call) in
//! which the customer approved it.

use crate::ValidationError;
use crate::account::str_enum;
use crate::ids::AccountId;
use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

str_enum!(
    /// How a scope is approved.
    ConsentTier { OptOut => "opt_out", OptIn => "opt_in", OneTime => "one_time" }
);
str_enum!(
    /// What happened.
    ConsentEventKind {
        /// An individual opt-out notice was served (sent or mailed).
        NoticeServed => "notice_served",
        /// A served email notice bounced: it does not count (refers to the notice event).
        NoticeBounced => "notice_bounced",
        OptOut => "opt_out",
        OptIn => "opt_in",
        /// The customer withdrew an approval given before.
        Revocation => "revocation",
        /// Approval for the length of one interaction (call), bound to its id.
        OneTimeApproval => "one_time_approval",
    }
);
str_enum!(
    /// How the customer (or the carrier, for a notice) communicated.
    ConsentChannel { Portal => "portal", CsrCall => "csr_call", Email => "email", Letter => "letter", Api => "api" }
);
str_enum!(
    /// How a notice was served: electronic notices count from the day sent, mailed
    /// ones from the third day after mailing.
    NoticeMedium { Electronic => "electronic", Mail => "mail" }
);
str_enum!(
    /// The approval status of one scope at one time.
    ApprovalState {
        OptedOut => "opted_out",
        OptedIn => "opted_in",
        ApprovedByNotice => "approved_by_notice",
        Waiting => "waiting",
        NoNotice => "no_notice",
        RenoticeDue => "renotice_due",
        /// One-time tier: approved for one interaction (see `interaction_id`).
        OneTimeApproved => "one_time_approved",
    }
);

/// A scope of approval and its tier (configured; see [`ConsentPolicy::default`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeDef {
    pub name: String,
    pub tier: ConsentTier,
}

pub const CARRIER_MARKETING: &str = "carrier_marketing";
pub const PARTNER_SHARING: &str = "partner_sharing";
pub const ONE_TIME: &str = "one_time";

/// The numbers of the rules and the configured scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentPolicy {
    pub scopes: Vec<ScopeDef>,
    /// At least 30 days (64.2008(d)(1)).
    pub waiting_period_days: u32,
    /// A mailed notice's period starts this many days after mailing (3).
    pub mailed_notice_extra_days: u32,
    /// Opt-out notices are repeated this often (24 months).
    pub renotice_months: u32,
    /// How long past the biennial date an old notice is still relied on.
    pub renotice_grace_days: u32,
    /// How long a one-time approval lasts at most (the length of a call).
    pub one_time_max_minutes: u32,
}

impl Default for ConsentPolicy {
    fn default() -> Self {
        Self {
            scopes: vec![
                ScopeDef { name: CARRIER_MARKETING.to_owned(), tier: ConsentTier::OptOut },
                ScopeDef { name: PARTNER_SHARING.to_owned(), tier: ConsentTier::OptIn },
                ScopeDef { name: ONE_TIME.to_owned(), tier: ConsentTier::OneTime },
            ],
            waiting_period_days: 30,
            mailed_notice_extra_days: 3,
            renotice_months: 24,
            renotice_grace_days: 30,
            one_time_max_minutes: 240,
        }
    }
}

impl ConsentPolicy {
    pub fn scope(&self, name: &str) -> Option<&ScopeDef> {
        self.scopes.iter().find(|s| s.name == name)
    }

    /// The scopes a customer's general opt-out (e.g. by email) withdraws: every
    /// opt-out and opt-in tier scope.
    pub fn marketing_scopes(&self) -> impl Iterator<Item = &ScopeDef> {
        self.scopes.iter().filter(|s| s.tier != ConsentTier::OneTime)
    }

    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.waiting_period_days < 30 {
            return Err(ValidationError::new("waiting_period_days", "at least 30 days (47 CFR 64.2008(d)(1))"));
        }
        if self.mailed_notice_extra_days < 3 {
            return Err(ValidationError::new("mailed_notice_extra_days", "at least 3 days"));
        }
        if self.renotice_months == 0 || self.renotice_months > 24 {
            return Err(ValidationError::new("renotice_months", "1 to 24 months"));
        }
        let mut names: Vec<&str> = self.scopes.iter().map(|s| s.name.as_str()).collect();
        if let Some(bad) = names.iter().find(|n| !valid_scope_name(n)) {
            return Err(ValidationError::new("scopes", format!("{bad:?}: lowercase letters, digits and _ only")));
        }
        names.sort_unstable();
        names.dedup();
        if names.len() != self.scopes.len() {
            return Err(ValidationError::new("scopes", "scope names repeat"));
        }
        Ok(())
    }
}

fn valid_scope_name(name: &str) -> bool {
    (1..=40).contains(&name.len()) && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Proof kept with an event. Never CPNI; the raw message itself is kept only in the
/// quarantine when it must be reviewed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Evidence {
    /// The customer interaction (call, store visit, portal session) it happened in.
    pub interaction_id: Option<String>,
    /// The email's Message-ID.
    pub message_id: Option<String>,
    /// SHA-256 of the raw email, hex.
    pub message_sha256: Option<String>,
    /// Reference of the scanned letter.
    pub letter_ref: Option<String>,
}

/// The notice an event of kind `notice_served` records.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeServed {
    /// Which version of the notice text.
    pub version: String,
    pub medium: NoticeMedium,
}

/// One entry of the append-only history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEvent {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    pub account_id: AccountId,
    pub scope: String,
    pub kind: ConsentEventKind,
    /// When it took effect: received, or the notice sent or mailed.
    pub at: DateTime<Utc>,
    pub channel: ConsentChannel,
    /// Who recorded it: `staff:<id>`, `customer`, `mail-ingest`.
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub evidence: Evidence,
    /// For `notice_served`.
    pub notice: Option<NoticeServed>,
    /// For `notice_bounced`: the notice event.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub refers_to: Option<Uuid>,
    /// Recording the same intended event twice records it once.
    pub idempotency_key: Option<String>,
}

impl ConsentEvent {
    /// Checks the shape each kind needs.
    pub fn validate(&self, policy: &ConsentPolicy) -> Result<(), ValidationError> {
        let scope = policy
            .scope(&self.scope)
            .ok_or_else(|| ValidationError::new("scope", format!("unknown scope {:?}", self.scope)))?;
        let tier = scope.tier;
        match self.kind {
            ConsentEventKind::NoticeServed if self.notice.is_none() => {
                Err(ValidationError::new("notice", "a served notice needs its version and medium"))
            }
            ConsentEventKind::NoticeServed if tier != ConsentTier::OptOut => {
                Err(ValidationError::new("scope", "opt-out notices are for opt-out tier scopes"))
            }
            ConsentEventKind::NoticeBounced if self.refers_to.is_none() => {
                Err(ValidationError::new("refers_to", "a bounce refers to the notice that bounced"))
            }
            ConsentEventKind::OneTimeApproval if tier != ConsentTier::OneTime => {
                Err(ValidationError::new("scope", "one-time approval is for the one-time scope"))
            }
            ConsentEventKind::OneTimeApproval if self.evidence.interaction_id.is_none() => {
                Err(ValidationError::new("interaction_id", "a one-time approval is bound to one interaction"))
            }
            ConsentEventKind::OptIn | ConsentEventKind::OptOut if tier == ConsentTier::OneTime => {
                Err(ValidationError::new("scope", "the one-time scope takes one-time approvals and revocations"))
            }
            _ => Ok(()),
        }
    }
}

/// The status of one scope at one time, with what it rests on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeStatus {
    pub scope: String,
    pub tier: ConsentTier,
    pub state: ApprovalState,
    /// Whether CPNI may be used for this scope now (for one-time: within the
    /// interaction named by `interaction_id` only).
    pub usable: bool,
    /// The event the state rests on (the choice, or the notice).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub basis: Option<Uuid>,
    /// `waiting`: when the waiting period ends.
    pub waiting_until: Option<DateTime<Utc>>,
    /// Opt-out tier: when the next biennial notice is due (from the last one served).
    pub renotice_by: Option<DateTime<Utc>>,
    /// One-time tier: the interaction the approval is bound to, and until when.
    pub interaction_id: Option<String>,
    pub one_time_until: Option<DateTime<Utc>>,
}

/// When a served notice's waiting period ends.
pub fn waiting_ends(notice_at: DateTime<Utc>, medium: NoticeMedium, policy: &ConsentPolicy) -> DateTime<Utc> {
    let start = match medium {
        NoticeMedium::Electronic => notice_at,
        NoticeMedium::Mail => notice_at + Duration::days(policy.mailed_notice_extra_days.into()),
    };
    start + Duration::days(policy.waiting_period_days.into())
}

/// When a notice served at `notice_at` must have been repeated.
pub fn renotice_by(notice_at: DateTime<Utc>, policy: &ConsentPolicy) -> DateTime<Utc> {
    notice_at.checked_add_months(Months::new(policy.renotice_months)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The status of `scope` at `at` from an account's history (any order; events of
/// other scopes and events after `at` are ignored). Events at the same instant are
/// taken in id order (UUIDv7: the order they were recorded).
pub fn status(events: &[ConsentEvent], scope: &ScopeDef, at: DateTime<Utc>, policy: &ConsentPolicy) -> ScopeStatus {
    let mut relevant: Vec<&ConsentEvent> = events.iter().filter(|e| e.scope == scope.name && e.at <= at).collect();
    relevant.sort_by_key(|e| (e.at, e.id));
    let mut out = ScopeStatus {
        scope: scope.name.clone(),
        tier: scope.tier,
        state: ApprovalState::NoNotice,
        usable: false,
        basis: None,
        waiting_until: None,
        renotice_by: None,
        interaction_id: None,
        one_time_until: None,
    };
    let last_choice = relevant.iter().rev().find(|e| {
        matches!(
            e.kind,
            ConsentEventKind::OptOut
                | ConsentEventKind::OptIn
                | ConsentEventKind::Revocation
                | ConsentEventKind::OneTimeApproval
        )
    });
    if scope.tier == ConsentTier::OneTime {
        if let Some(e) = last_choice {
            out.basis = Some(e.id);
            if e.kind == ConsentEventKind::OneTimeApproval {
                let until = e.at + Duration::minutes(policy.one_time_max_minutes.into());
                if at < until {
                    out.state = ApprovalState::OneTimeApproved;
                    out.usable = true;
                    out.interaction_id = e.evidence.interaction_id.clone();
                    out.one_time_until = Some(until);
                }
            } else {
                out.state = ApprovalState::OptedOut;
            }
        }
        return out;
    }
    if let Some(e) = last_choice {
        out.basis = Some(e.id);
        out.state = match e.kind {
            ConsentEventKind::OptIn => ApprovalState::OptedIn,
            _ => ApprovalState::OptedOut,
        };
        out.usable = out.state == ApprovalState::OptedIn;
    }
    if scope.tier != ConsentTier::OptOut {
        return out;
    }
    // Notices that count: served and not bounced (as known at `at`).
    let bounced: Vec<Uuid> =
        relevant.iter().filter(|e| e.kind == ConsentEventKind::NoticeBounced).filter_map(|e| e.refers_to).collect();
    let notices: Vec<(&ConsentEvent, DateTime<Utc>)> = relevant
        .iter()
        .filter(|e| e.kind == ConsentEventKind::NoticeServed && !bounced.contains(&e.id))
        .filter_map(|e| e.notice.as_ref().map(|n| (*e, waiting_ends(e.at, n.medium, policy))))
        .collect();
    let Some(&(latest, _)) = notices.last() else {
        return out;
    };
    out.renotice_by = Some(renotice_by(latest.at, policy));
    if last_choice.is_some() {
        return out;
    }
    out.basis = Some(latest.id);
    let due = out.renotice_by.map(|d| d + Duration::days(policy.renotice_grace_days.into()));
    if due.is_some_and(|due| at >= due) {
        out.state = ApprovalState::RenoticeDue;
    } else if let Some((n, _)) = notices.iter().rev().find(|(_, end)| *end <= at) {
        out.state = ApprovalState::ApprovedByNotice;
        out.usable = true;
        out.basis = Some(n.id);
    } else {
        out.state = ApprovalState::Waiting;
        out.waiting_until = notices.iter().map(|(_, end)| *end).min();
    }
    out
}

/// The status of every configured scope.
pub fn statuses(events: &[ConsentEvent], at: DateTime<Utc>, policy: &ConsentPolicy) -> Vec<ScopeStatus> {
    policy.scopes.iter().map(|s| status(events, s, at, policy)).collect()
}

/// "May CPNI of this account be used for `scope` at `at`?" — for the one-time tier
/// only within the interaction the approval was given in.
pub fn may_use(
    events: &[ConsentEvent],
    scope: &ScopeDef,
    at: DateTime<Utc>,
    interaction_id: Option<&str>,
    policy: &ConsentPolicy,
) -> bool {
    let s = status(events, scope, at, policy);
    match scope.tier {
        ConsentTier::OneTime => s.usable && s.interaction_id.as_deref() == interaction_id && interaction_id.is_some(),
        _ => s.usable,
    }
}

mod time_bounds;
pub use time_bounds::TimeBounds;

#[cfg(test)]
mod tests;
