//! Response bodies. Requests live next to their handlers.

use chrono::{DateTime, Utc};
use cpniguard_core::account::{
    Account, AccountKind, AccountNumber, AccountStatus, BusinessExemption, DirectoryListing, Language, PicFreeze,
    PostalAddress,
};
use cpniguard_core::contact::{ContactKind, ContactPoint, ContactValue, OfRecordRule};
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::NoticeId;
use cpniguard_core::phone::PhoneNumber;
use serde::Serialize;
use utoipa::ToSchema;

/// An account as staff see it: subscriber and contact information, never CPNI.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: AccountId,
    pub account_number: AccountNumber,
    pub kind: AccountKind,
    pub name: String,
    pub language: Language,
    pub time_zone: String,
    pub status: AccountStatus,
    pub pic_freeze: PicFreeze,
    pub directory_listing: DirectoryListing,
    pub business_exemption: Option<BusinessExemption>,
    pub postal_address: Option<PostalAddress>,
    pub email: Option<EmailAddress>,
    pub telephone_numbers: Vec<PhoneNumber>,
    /// The current contact points with whether each is "of record" now.
    pub contact_points: Vec<ContactPointView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One contact point. Exactly one of `postal_address`, `email`, `telephone_number` is set.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPointView {
    pub kind: ContactKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_address: Option<PostalAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telephone_number: Option<PhoneNumber>,
    pub associated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dissociated_at: Option<DateTime<Utc>>,
    /// Associated long enough (and still) to count as of record at the time of the response.
    pub of_record: bool,
    /// When it becomes (or became) of record if it stays associated.
    pub of_record_from: DateTime<Utc>,
}

impl ContactPointView {
    pub fn new(point: &ContactPoint, now: DateTime<Utc>, rule: OfRecordRule) -> Self {
        let (mut postal_address, mut email, mut telephone_number) = (None, None, None);
        match &point.value {
            ContactValue::Postal(p) => postal_address = Some(p.clone()),
            ContactValue::Email(e) => email = Some(e.clone()),
            ContactValue::Phone(n) => telephone_number = Some(n.clone()),
        }
        Self {
            kind: point.value.kind(),
            postal_address,
            email,
            telephone_number,
            associated_at: point.associated_at,
            dissociated_at: point.dissociated_at,
            of_record: point.is_of_record(now, rule),
            of_record_from: point.of_record_from(rule),
        }
    }
}

impl AccountView {
    pub fn new(account: &Account, now: DateTime<Utc>, rule: OfRecordRule) -> Self {
        let p = &account.profile;
        Self {
            id: account.id,
            account_number: p.account_number.clone(),
            kind: p.kind,
            name: p.name.clone(),
            language: p.language,
            time_zone: p.time_zone.as_str().to_owned(),
            status: p.status,
            pic_freeze: p.pic_freeze,
            directory_listing: p.directory_listing,
            business_exemption: p.business_exemption.clone(),
            postal_address: account.postal_address().cloned(),
            email: account.email().cloned(),
            telephone_numbers: account.telephone_numbers().cloned().collect(),
            contact_points: account.contact_points.iter().map(|c| ContactPointView::new(c, now, rule)).collect(),
            created_at: account.created_at,
            updated_at: account.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    pub accounts: Vec<AccountView>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<AccountNumber>,
}

/// What a contact change did, by kind only (values are in the account).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactChangeView {
    pub account: AccountView,
    pub ended: Vec<ContactKind>,
    pub started: Vec<ContactKind>,
    /// Account-change notices queued by this change.
    pub notices_queued: Vec<NoticeId>,
    /// Set when some change could not be notified through any configured channel: the
    /// privacy office has a task to reach the customer.
    pub privacy_tasks_raised: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactHistoryView {
    pub contact_points: Vec<ContactPointView>,
}
