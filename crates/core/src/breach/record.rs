//! The breach record as evidence (47 CFR 64.2011(d): kept at least two years). Once
//! any notification has been sent — to an agency or to customers — the record is
//! append-only: what was notified on cannot be rewritten. A change of the facts is an
//! amendment (who, when, what, why) added to the incident's history; the determination
//! time and every notification time stay as they were; and at any time the date the
//! record is kept through only moves later, so moving the determination back cannot
//! bring the deletion forward. Deleting is refused before that date and while a legal
//! hold covers the incident.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

/// The parts of a breach record the rules below protect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedFacts {
    pub determined_at: DateTime<Utc>,
    /// Each agency notice made (agency, time), in the order recorded.
    pub agency_notices: Vec<(String, DateTime<Utc>)>,
    pub customers_notified_at: Option<DateTime<Utc>>,
    pub retain_until: NaiveDate,
}

impl ProtectedFacts {
    /// Whether any notification was sent: from then on the record only grows.
    pub fn notified(&self) -> bool {
        !self.agency_notices.is_empty() || self.customers_notified_at.is_some()
    }
}

/// Why a change to a breach record is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordRefusal {
    #[error("determined_at is fixed once a notification was sent (it is {was})")]
    DeterminationFixed { was: DateTime<Utc> },
    #[error("the notification times are fixed once sent: {which} was notified at {was}")]
    NotificationFixed { which: String, was: DateTime<Utc> },
    #[error("the record is kept through {was}; that date can only move later, not to {proposed}")]
    RetentionShortened { was: NaiveDate, proposed: NaiveDate },
}

impl RecordRefusal {
    /// The field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            RecordRefusal::DeterminationFixed { .. } => "determined_at",
            RecordRefusal::NotificationFixed { .. } => "notifications",
            RecordRefusal::RetentionShortened { .. } => "retain_until",
        }
    }
}

/// Whether `after` may replace `before`.
pub fn check_change(before: &ProtectedFacts, after: &ProtectedFacts) -> Result<(), RecordRefusal> {
    if after.retain_until < before.retain_until {
        return Err(RecordRefusal::RetentionShortened { was: before.retain_until, proposed: after.retain_until });
    }
    if !before.notified() {
        return Ok(());
    }
    if after.determined_at != before.determined_at {
        return Err(RecordRefusal::DeterminationFixed { was: before.determined_at });
    }
    for (i, (agency, at)) in before.agency_notices.iter().enumerate() {
        if after.agency_notices.get(i) != Some(&(agency.clone(), *at)) {
            return Err(RecordRefusal::NotificationFixed { which: agency.clone(), was: *at });
        }
    }
    if let Some(was) = before.customers_notified_at
        && after.customers_notified_at != Some(was)
    {
        return Err(RecordRefusal::NotificationFixed { which: "customers".to_owned(), was });
    }
    Ok(())
}

/// The date a changed record is kept through: what its clocks now say, but never
/// earlier than before.
pub fn retain_until_after_change(before: NaiveDate, computed: NaiveDate) -> NaiveDate {
    before.max(computed)
}

/// One field an amendment changed, with its value before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// The top-level fields of `after` that differ from `before` (both records as JSON
/// objects), in field order, except those named in `ignore` (bookkeeping such as the
/// version). A field present on one side only counts as changed from or to `null`.
pub fn changed_fields(before: &Value, after: &Value, ignore: &[&str]) -> Vec<FieldChange> {
    let empty = Map::new();
    let (b, a) = (before.as_object().unwrap_or(&empty), after.as_object().unwrap_or(&empty));
    let mut fields: Vec<&String> = b.keys().chain(a.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter(|f| !ignore.contains(&f.as_str()))
        .filter_map(|f| {
            let (was, now) = (b.get(f).unwrap_or(&Value::Null), a.get(f).unwrap_or(&Value::Null));
            (was != now).then(|| FieldChange { field: f.clone(), before: was.clone(), after: now.clone() })
        })
        .collect()
}

/// Why an incident may not be deleted today.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeletionRefusal {
    #[error("the breach record must be kept through {until}")]
    Retained { until: NaiveDate },
    #[error("a legal hold covers the breach record (placed {placed_at}, reference {reference})")]
    LegalHold { reference: String, placed_at: DateTime<Utc> },
}

/// An active legal hold as the deletion rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldInForce {
    pub reference: String,
    pub placed_at: DateTime<Utc>,
}

/// Whether a record kept through `retain_until` may be deleted on `today` under the
/// active `holds` on it (or on an account it lists).
pub fn check_deletion(retain_until: NaiveDate, today: NaiveDate, holds: &[HoldInForce]) -> Result<(), DeletionRefusal> {
    if today <= retain_until {
        return Err(DeletionRefusal::Retained { until: retain_until });
    }
    match holds.iter().min_by_key(|h| h.placed_at) {
        Some(h) => Err(DeletionRefusal::LegalHold { reference: h.reference.clone(), placed_at: h.placed_at }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
