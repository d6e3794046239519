//! Contact points and their history. Every postal address, email address and telephone
//! number is recorded with the time it was associated with the account (and, once
//! replaced or removed, the time it stopped being). That history decides whether a
//! contact point is "of record" (47 CFR 64.2003(b): associated for at least 30 days),
//! which matters when a document or notice may only go to an address of record.

use crate::ValidationError;
use crate::account::{PostalAddress, str_enum};
use crate::email::EmailAddress;
use crate::phone::PhoneNumber;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

str_enum!(
    ContactKind { Postal => "postal", Email => "email", Phone => "phone" }
);

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ContactValue {
    Postal(PostalAddress),
    Email(EmailAddress),
    Phone(PhoneNumber),
}

impl ContactValue {
    pub fn kind(&self) -> ContactKind {
        match self {
            ContactValue::Postal(_) => ContactKind::Postal,
            ContactValue::Email(_) => ContactKind::Email,
            ContactValue::Phone(_) => ContactKind::Phone,
        }
    }

    /// A single-line text form used for storage and search: the E.164 number, the
    /// address, or the postal address as JSON.
    pub fn storage_text(&self) -> String {
        match self {
            ContactValue::Postal(p) => serde_json::to_string(p).expect("postal address serialises"),
            ContactValue::Email(e) => e.as_str().to_owned(),
            ContactValue::Phone(p) => p.as_str().to_owned(),
        }
    }

    pub fn from_storage(kind: ContactKind, text: &str) -> Result<Self, ValidationError> {
        Ok(match kind {
            ContactKind::Postal => ContactValue::Postal(
                serde_json::from_str(text).map_err(|e| ValidationError::new("postal_address", e.to_string()))?,
            ),
            ContactKind::Email => ContactValue::Email(EmailAddress::parse(text)?),
            ContactKind::Phone => ContactValue::Phone(PhoneNumber::parse(text)?),
        })
    }
}

/// One association of a contact point with an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPoint {
    #[serde(flatten)]
    pub value: ContactValue,
    pub associated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dissociated_at: Option<DateTime<Utc>>,
}

/// How long a contact point must have been associated to be "of record". The federal
/// value is 30 days; carriers may configure a longer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfRecordRule {
    pub min_age: Duration,
}

impl Default for OfRecordRule {
    fn default() -> Self {
        Self { min_age: Duration::days(30) }
    }
}

impl ContactPoint {
    pub fn is_current(&self) -> bool {
        self.dissociated_at.is_none()
    }

    /// Whether, at `now`, this contact point is of record: still associated, and
    /// associated for at least the rule's minimum age.
    pub fn is_of_record(&self, now: DateTime<Utc>, rule: OfRecordRule) -> bool {
        self.is_current() && now - self.associated_at >= rule.min_age
    }

    /// When this contact point becomes (or became) of record, if it stays.
    pub fn of_record_from(&self, rule: OfRecordRule) -> DateTime<Utc> {
        self.associated_at + rule.min_age
    }
}

/// A requested change of contact points. Absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactChange {
    pub postal_address: Option<PostalAddress>,
    /// `Some(None)` removes the email address.
    pub email: Option<Option<EmailAddress>>,
    pub add_telephone_numbers: Vec<PhoneNumber>,
    pub remove_telephone_numbers: Vec<PhoneNumber>,
}

/// What a contact change does to the history: which current points end, which begin.
/// Computed purely so the store applies it in one transaction and later issues can
/// derive account-change notices from the same plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactChangePlan {
    pub ended: Vec<ContactValue>,
    pub started: Vec<ContactValue>,
}

impl ContactChangePlan {
    pub fn is_empty(&self) -> bool {
        self.ended.is_empty() && self.started.is_empty()
    }
}

impl fmt::Display for ContactChangePlan {
    /// Kinds only, never values: this text may reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds = |v: &[ContactValue]| v.iter().map(|c| c.kind().as_str()).collect::<Vec<_>>().join(",");
        write!(f, "ended [{}] started [{}]", kinds(&self.ended), kinds(&self.started))
    }
}

/// Plan `change` against the `current` contact points. Setting a value equal to the
/// current one is not a change (its association time is kept, so it stays of record).
pub fn plan_contact_change(
    current: &[ContactPoint],
    change: &ContactChange,
) -> Result<ContactChangePlan, ValidationError> {
    let mut plan = ContactChangePlan::default();
    let current_of = |kind: ContactKind| current.iter().filter(move |c| c.is_current() && c.value.kind() == kind);

    if let Some(postal) = &change.postal_address {
        postal.validate().map_err(|e| e.within("postal_address"))?;
        let new = ContactValue::Postal(postal.clone());
        if !current_of(ContactKind::Postal).any(|c| c.value == new) {
            plan.ended.extend(current_of(ContactKind::Postal).map(|c| c.value.clone()));
            plan.started.push(new);
        }
    }
    if let Some(email) = &change.email {
        let new = email.clone().map(ContactValue::Email);
        let unchanged = match &new {
            Some(v) => current_of(ContactKind::Email).any(|c| &c.value == v),
            None => current_of(ContactKind::Email).next().is_none(),
        };
        if !unchanged {
            plan.ended.extend(current_of(ContactKind::Email).map(|c| c.value.clone()));
            plan.started.extend(new);
        }
    }
    for number in &change.remove_telephone_numbers {
        if change.add_telephone_numbers.contains(number) {
            return Err(ValidationError::new("telephone_numbers", "a number cannot be added and removed at once"));
        }
        let value = ContactValue::Phone(number.clone());
        if !current_of(ContactKind::Phone).any(|c| c.value == value) {
            return Err(ValidationError::new("remove_telephone_numbers", "a number to remove is not on the account"));
        }
        plan.ended.push(value);
    }
    for number in &change.add_telephone_numbers {
        let value = ContactValue::Phone(number.clone());
        if !current_of(ContactKind::Phone).any(|c| c.value == value) && !plan.started.contains(&value) {
            plan.started.push(value);
        }
    }
    let phones_after = current_of(ContactKind::Phone).count()
        + plan.started.iter().filter(|v| v.kind() == ContactKind::Phone).count()
        - plan.ended.iter().filter(|v| v.kind() == ContactKind::Phone).count();
    if phones_after == 0 {
        return Err(ValidationError::new(
            "remove_telephone_numbers",
            "an account keeps at least one telephone number of service",
        ));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests;
