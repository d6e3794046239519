//! The CPNI itself (47 U.S.C. 222(h)(1)): what the customer subscribes to and how it is
//! configured, their calls, and their bills. Every field here is classified in
//! `classification`; nothing in this module is ever written to a log.

use crate::ValidationError;
use crate::account::{str_enum, text_field};
use crate::ids::{AccountId, CallId, InvoiceId, ServiceId};
use crate::money::Cents;
use crate::phone::PhoneNumber;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A subscribed service: its type, quantity, technical configuration and rate.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub id: ServiceId,
    pub account_id: AccountId,
    /// A carrier-defined type in snake_case, e.g. `voip_line`, `sip_trunk`, `toll_free`.
    pub service_type: String,
    /// The telephone number the service is provided on, when it has one.
    pub service_number: Option<PhoneNumber>,
    pub quantity: u32,
    /// Technical configuration as the provisioning system knows it (codec, trunk
    /// channels, features). Free-form JSON, CPNI as a whole.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub configuration: serde_json::Value,
    pub rate_plan: String,
    pub monthly_rate: Cents,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl Service {
    pub fn validate(&self) -> Result<(), ValidationError> {
        let st = &self.service_type;
        if st.is_empty()
            || st.len() > 64
            || !st.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(ValidationError::new("service_type", "1 to 64 lower-case letters, digits or underscores"));
        }
        if self.quantity == 0 {
            return Err(ValidationError::new("quantity", "at least 1"));
        }
        text_field("rate_plan", &self.rate_plan, 1, 100)?;
        if self.until.is_some_and(|u| u < self.since) {
            return Err(ValidationError::new("until", "a service cannot end before it starts"));
        }
        Ok(())
    }
}

str_enum!(
    Direction { Inbound => "inbound", Outbound => "outbound" }
);
str_enum!(
    CallType {
        Local => "local",
        LongDistance => "long_distance",
        International => "international",
        TollFree => "toll_free",
        DirectoryAssistance => "directory_assistance",
    }
);

/// One call as rated by the billing or switching system.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallDetailRecord {
    /// Assigned by the store; `None` before insertion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<CallId>,
    pub account_id: AccountId,
    pub service_number: PhoneNumber,
    pub started_at: DateTime<Utc>,
    pub duration_secs: u32,
    pub direction: Direction,
    /// The number at the other end as dialled or presented: E.164 for most calls,
    /// short codes (411) for directory assistance, empty when the caller withheld it.
    pub other_party: String,
    /// Where the call went, as rated (e.g. `Denver, CO` or `Mexico`).
    pub destination: String,
    pub call_type: CallType,
    /// What the call cost as rated; `None` when unknown — a raw switch record carries no
    /// price until a rated record or an invoice brings one (unknown is not zero).
    pub charge: Option<Cents>,
    pub source_system: String,
    pub source_record_id: String,
}

impl CallDetailRecord {
    pub fn validate(&self) -> Result<(), ValidationError> {
        let op = &self.other_party;
        if op.len() > 20 || !op.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+')) {
            return Err(ValidationError::new("other_party", "up to 20 digits, optionally after a leading +"));
        }
        text_field("destination", &self.destination, 0, 100)?;
        text_field("source_system", &self.source_system, 1, 40)?;
        text_field("source_record_id", &self.source_record_id, 1, 100)?;
        if self.charge.is_some_and(|c| c.0 < 0) {
            return Err(ValidationError::new("charge", "a call charge is never negative (credits go on the invoice)"));
        }
        Ok(())
    }

    pub fn ended_at(&self) -> DateTime<Utc> {
        self.started_at + chrono::Duration::seconds(self.duration_secs.into())
    }
}

str_enum!(
    /// Invoice line categories, matching the sections of a telephone bill.
    LineCategory {
        Recurring => "recurring",
        LocalUsage => "local_usage",
        LongDistance => "long_distance",
        DirectoryAssistance => "directory_assistance",
        TaxesAndFees => "taxes_and_fees",
    }
);

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub category: LineCategory,
    pub description: String,
    pub amount: Cents,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: InvoiceId,
    pub account_id: AccountId,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub total: Cents,
    pub lines: Vec<InvoiceLine>,
}

impl Invoice {
    /// An invoice must add up: the total is the sum of its lines.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.period_end < self.period_start {
            return Err(ValidationError::new("period_end", "the billing period ends before it starts"));
        }
        if self.due_on < self.issued_on {
            return Err(ValidationError::new("due_on", "an invoice cannot be due before it is issued"));
        }
        for (i, line) in self.lines.iter().enumerate() {
            text_field("description", &line.description, 1, 200).map_err(|e| e.within(&format!("lines[{i}]")))?;
        }
        let sum: Cents = self.lines.iter().map(|l| l.amount).sum();
        if sum != self.total {
            return Err(ValidationError::new("total", format!("the lines add up to {sum}, not {}", self.total)));
        }
        Ok(())
    }
}

/// A half-open time range `[from, to)` for call-detail queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl TimeRange {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Self, ValidationError> {
        if to < from {
            return Err(ValidationError::new("to", "the end of the range is before its start"));
        }
        Ok(Self { from, to })
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t < self.to
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", self.from.to_rfc3339(), self.to.to_rfc3339())
    }
}
