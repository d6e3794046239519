//! Which fields are CPNI and which are not, in one table that audit, exports and log
//! scrubbing all read. The line follows 47 U.S.C. 222(h): the quantity, technical
//! configuration, type, destination, location and amount of use, and what is on the
//! bill, are CPNI; name, address and telephone number (subscriber list information),
//! aggregate data, equipment and internet access are not.

use serde::Serialize;
use std::fmt;

/// Categories of CPNI. Policy decisions and audit entries name these.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CpniCategory {
    /// Which services the customer takes, how many, and how they are configured.
    ServicesAndConfiguration,
    /// Rates and rate plans the customer pays.
    Rates,
    /// Call detail: who was called, when, for how long, from where to where.
    CallDetail,
    /// Invoices and their lines.
    Billing,
    /// Usage totals and calling patterns derived from call detail.
    UsageSummary,
}

impl CpniCategory {
    pub const ALL: &'static [CpniCategory] = &[
        CpniCategory::ServicesAndConfiguration,
        CpniCategory::Rates,
        CpniCategory::CallDetail,
        CpniCategory::Billing,
        CpniCategory::UsageSummary,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CpniCategory::ServicesAndConfiguration => "services_and_configuration",
            CpniCategory::Rates => "rates",
            CpniCategory::CallDetail => "call_detail",
            CpniCategory::Billing => "billing",
            CpniCategory::UsageSummary => "usage_summary",
        }
    }
}

impl fmt::Display for CpniCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The class of one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "class", content = "category", rename_all = "snake_case")]
pub enum DataClass {
    Cpni(CpniCategory),
    /// Name, address, telephone number and listing choice: published in directories
    /// unless the customer chose otherwise. Not CPNI.
    SubscriberList,
    /// Personal contact data that is neither CPNI nor subscriber list (email).
    ContactInformation,
    /// Identifiers and bookkeeping that reveal nothing about use of the service.
    Administrative,
}

impl DataClass {
    pub fn is_cpni(self) -> bool {
        matches!(self, DataClass::Cpni(_))
    }
}

/// One row of the classification table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldClass {
    pub record: &'static str,
    pub field: &'static str,
    #[serde(flatten)]
    pub class: DataClass,
}

use CpniCategory::*;
use DataClass::{Administrative as Adm, ContactInformation as Contact, Cpni, SubscriberList as Sli};

const fn f(record: &'static str, field: &'static str, class: DataClass) -> FieldClass {
    FieldClass { record, field, class }
}

/// Every field of every record the store keeps, with its class. A test checks that
/// each serialised field of each record type appears here, so a new field cannot be
/// added without deciding whether it is CPNI.
pub const FIELDS: &[FieldClass] = &[
    f("account", "id", Adm),
    f("account", "account_number", Adm),
    f("account", "kind", Adm),
    f("account", "name", Sli),
    f("account", "language", Adm),
    f("account", "time_zone", Adm),
    f("account", "status", Adm),
    f("account", "pic_freeze", Adm),
    f("account", "directory_listing", Sli),
    f("account", "business_exemption", Adm),
    f("account", "contact_points", Adm),
    f("account", "created_at", Adm),
    f("account", "updated_at", Adm),
    f("contact_point", "kind", Adm),
    f("contact_point", "postal", Sli),
    f("contact_point", "phone", Sli),
    f("contact_point", "email", Contact),
    f("contact_point", "associated_at", Adm),
    f("contact_point", "dissociated_at", Adm),
    f("service", "id", Adm),
    f("service", "account_id", Adm),
    f("service", "service_type", Cpni(ServicesAndConfiguration)),
    f("service", "service_number", Sli),
    f("service", "quantity", Cpni(ServicesAndConfiguration)),
    f("service", "configuration", Cpni(ServicesAndConfiguration)),
    f("service", "rate_plan", Cpni(Rates)),
    f("service", "monthly_rate", Cpni(Rates)),
    f("service", "since", Cpni(ServicesAndConfiguration)),
    f("service", "until", Cpni(ServicesAndConfiguration)),
    f("call", "id", Adm),
    f("call", "account_id", Adm),
    f("call", "service_number", Sli),
    f("call", "started_at", Cpni(CallDetail)),
    f("call", "duration_secs", Cpni(CallDetail)),
    f("call", "direction", Cpni(CallDetail)),
    f("call", "other_party", Cpni(CallDetail)),
    f("call", "destination", Cpni(CallDetail)),
    f("call", "call_type", Cpni(CallDetail)),
    f("call", "charge", Cpni(CallDetail)),
    f("call", "source_system", Adm),
    f("call", "source_record_id", Adm),
    f("invoice", "id", Adm),
    f("invoice", "account_id", Adm),
    f("invoice", "period_start", Cpni(Billing)),
    f("invoice", "period_end", Cpni(Billing)),
    f("invoice", "issued_on", Cpni(Billing)),
    f("invoice", "due_on", Cpni(Billing)),
    f("invoice", "total", Cpni(Billing)),
    f("invoice", "lines", Cpni(Billing)),
    f("invoice_line", "category", Cpni(Billing)),
    f("invoice_line", "description", Cpni(Billing)),
    f("invoice_line", "amount", Cpni(Billing)),
];

/// The class of `record.field`, or `None` for a field nobody classified (treat as CPNI).
pub fn classify(record: &str, field: &str) -> Option<DataClass> {
    FIELDS.iter().find(|c| c.record == record && c.field == field).map(|c| c.class)
}

/// The CPNI categories a record type carries (e.g. `call` → call detail).
pub fn categories_of(record: &str) -> Vec<CpniCategory> {
    let mut cats: Vec<CpniCategory> = FIELDS
        .iter()
        .filter(|c| c.record == record)
        .filter_map(|c| match c.class {
            Cpni(cat) => Some(cat),
            _ => None,
        })
        .collect();
    cats.sort();
    cats.dedup();
    cats
}

#[cfg(test)]
mod tests;
