use crate::auth::{Evidence, Interaction};
use chrono::{DateTime, Utc};
use cpniguard_core::account::{Account, AccountNumber, AccountProfile, NewAccount};
use cpniguard_core::consent::ConsentEvent;
use cpniguard_core::contact::ContactValue;
use cpniguard_core::cpni::{CallDetailRecord, Service, TimeRange};
use cpniguard_core::ids::{AccountId, CallId};
use cpniguard_core::phone::PhoneNumber;
use serde::Serialize;

/// The largest page any listing returns.
pub const MAX_PAGE: u32 = 1000;

/// SHA-256 of an API token.
pub type TokenHash = [u8; 32];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StoreCounts {
    pub accounts: u64,
    pub services: u64,
    pub calls: u64,
    pub invoices: u64,
    pub staff: u64,
}

/// The facts of [`crate::Store::disclosure_facts`]: what the disclosure gate reads
/// about one account before deciding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureFacts {
    pub profile: AccountProfile,
    /// Oldest first, as [`crate::ConsentStore::consent_history`].
    pub consent_history: Vec<ConsentEvent>,
    /// The interaction asked about, with its evidence oldest first; `None` when none
    /// was asked about or it does not exist.
    pub interaction: Option<(Interaction, Vec<Evidence>)>,
}

/// Account search. Criteria combine with AND; none given lists all accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountQuery {
    /// Accounts whose number starts with this (upper-cased before matching).
    pub account_number_prefix: Option<String>,
    /// Accounts that currently have this telephone number.
    pub telephone_number: Option<PhoneNumber>,
    /// Accounts whose name contains this, ignoring case.
    pub name_contains: Option<String>,
    /// Continue after this account number (the `next_after` of the previous page).
    pub after: Option<AccountNumber>,
    /// At most this many (capped at `MAX_PAGE`).
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPage {
    pub accounts: Vec<Account>,
    /// Set when more accounts may follow.
    pub next_after: Option<AccountNumber>,
}

/// Calls of one account in a time range, in `(started_at, id)` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallQuery {
    pub account: AccountId,
    pub range: TimeRange,
    /// Continue after this call (the `next_after` of the previous page).
    pub after: Option<CallCursor>,
    pub limit: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CallCursor {
    pub started_at: DateTime<Utc>,
    pub id: CallId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallPage {
    pub calls: Vec<CallDetailRecord>,
    pub next_after: Option<CallCursor>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BulkInsertOutcome {
    pub inserted: u64,
    pub duplicates: u64,
}

impl BulkInsertOutcome {
    pub fn add(&mut self, other: BulkInsertOutcome) {
        self.inserted += other.inserted;
        self.duplicates += other.duplicates;
    }
}

/// What a contact change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactChangeOutcome {
    /// The account after the change.
    pub account: Account,
    pub plan: cpniguard_core::contact::ContactChangePlan,
    /// Notices newly queued by the change (idempotent repeats excluded).
    pub notices: Vec<cpniguard_core::notice::NoticeId>,
    /// Privacy-office tasks raised by the change.
    pub tasks: Vec<uuid::Uuid>,
}

/// A worker's request for due notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeClaim {
    /// Unique per worker process (e.g. host name + a random suffix).
    pub worker: String,
    pub now: DateTime<Utc>,
    /// How long the worker may hold a claimed notice before others may take it.
    pub lease: std::time::Duration,
    pub limit: u32,
}

/// What happened when a worker tried to deliver a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent {
        provider_message_id: Option<String>,
    },
    /// Failed; try again at `at`.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// Failed for the last time (or permanently).
    Abandon {
        error: String,
    },
}

/// Notice listing. Criteria combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeQuery {
    pub account: Option<AccountId>,
    pub status: Option<cpniguard_core::notice::NoticeStatus>,
    pub kind: Option<cpniguard_core::notice::NoticeKind>,
    /// Continue after this notice (the `next_after` of the previous page).
    pub after: Option<cpniguard_core::notice::NoticeId>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticePage {
    pub notices: Vec<cpniguard_core::notice::Notice>,
    pub next_after: Option<cpniguard_core::notice::NoticeId>,
}

/// One account of a bulk load ([`crate::Store::load_accounts`]): what opening it
/// needs, when it opened, and the services it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountLoad {
    pub id: AccountId,
    pub new: NewAccount,
    pub opened_at: DateTime<Utc>,
    pub services: Vec<Service>,
    /// When first contact points were associated with the account before it came into
    /// this system (a billing sync's association dates, which decide what is "of
    /// record"); a point not listed is associated at `opened_at`.
    pub contact_since: Vec<(ContactValue, DateTime<Utc>)>,
}
