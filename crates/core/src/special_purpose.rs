//! The special purposes a disclosure may be made under besides the customer's own
//! service: a recorded legal process (47 CFR 64.2005 and the seed policy's "when the law
//! or a court order requires it") and a fraud case (protecting the carrier, its
//! customers and other carriers). What each covers is a pure rule here, so the
//! disclosure gate and its tests rely on one definition; the store only keeps them.

use crate::ids::{AccountId, StaffId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What kind of compulsory process was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalProcessKind {
    Subpoena,
    CourtOrder,
    Warrant,
    /// Another written demand under law (e.g. a national security letter).
    Other,
}

impl LegalProcessKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LegalProcessKind::Subpoena => "subpoena",
            LegalProcessKind::CourtOrder => "court_order",
            LegalProcessKind::Warrant => "warrant",
            LegalProcessKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Subpoena, Self::CourtOrder, Self::Warrant, Self::Other].into_iter().find(|k| k.as_str() == s)
    }
}

/// A subpoena, court order or warrant as recorded by a privacy officer. Immutable once
/// recorded: a corrected document is a new record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegalProcess {
    pub id: Uuid,
    pub kind: LegalProcessKind,
    /// The court, agency or official who issued it.
    pub issuing_authority: String,
    /// The docket, case or order number.
    pub reference: String,
    pub issued_on: NaiveDate,
    /// The one account it covers.
    pub account_id: AccountId,
    /// The records it covers: those dated in `[scope_from, scope_to)`.
    pub scope_from: DateTime<Utc>,
    pub scope_to: DateTime<Utc>,
    /// SHA-256 (hex) of the scanned document.
    pub document_sha256: String,
    pub recorded_by: StaffId,
    pub recorded_at: DateTime<Utc>,
}

impl LegalProcess {
    /// Whether records of `account` dated in `[from, to)` fall within this process.
    /// `None` dates mean "the account's records of any date", which only a scope
    /// without limits could cover — so they are out of scope.
    pub fn covers(&self, account: AccountId, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> bool {
        match (from, to) {
            (Some(from), Some(to)) => {
                account == self.account_id && self.scope_from <= from && to <= self.scope_to && from <= to
            }
            _ => false,
        }
    }
}

/// A fraud case opened by a privacy officer: CPNI of its accounts may be used to protect
/// the carrier, its customers and other carriers while it is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FraudCase {
    pub id: Uuid,
    /// The case reference (internal or law-enforcement).
    pub reference: String,
    pub reason: String,
    /// The accounts under investigation (at least one).
    pub account_ids: Vec<AccountId>,
    pub opened_by: StaffId,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl FraudCase {
    /// Whether the case is open and concerns `account`.
    pub fn covers(&self, account: AccountId) -> bool {
        self.closed_at.is_none() && self.account_ids.contains(&account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).unwrap()
    }

    fn process(account: AccountId) -> LegalProcess {
        LegalProcess {
            id: Uuid::now_v7(),
            kind: LegalProcessKind::Subpoena,
            issuing_authority: "District Court".to_owned(),
            reference: "24-CV-1".to_owned(),
            issued_on: at(1).date_naive(),
            account_id: account,
            scope_from: at(2),
            scope_to: at(20),
            document_sha256: "00".repeat(32),
            recorded_by: StaffId::new(),
            recorded_at: at(1),
        }
    }

    #[test]
    fn a_legal_process_covers_its_account_within_its_dates_only() {
        let (a, b) = (AccountId::new(), AccountId::new());
        let p = process(a);
        assert!(p.covers(a, Some(at(2)), Some(at(20))));
        assert!(p.covers(a, Some(at(5)), Some(at(6))));
        assert!(!p.covers(b, Some(at(5)), Some(at(6))), "another account");
        assert!(!p.covers(a, Some(at(1)), Some(at(6))), "starts before the scope");
        assert!(!p.covers(a, Some(at(5)), Some(at(21))), "ends after the scope");
        assert!(!p.covers(a, Some(at(6)), Some(at(5))), "a reversed range");
        assert!(!p.covers(a, None, Some(at(6))), "an open range is never covered");
        assert!(!p.covers(a, Some(at(5)), None));
    }

    #[test]
    fn a_fraud_case_covers_its_accounts_while_open() {
        let (a, b) = (AccountId::new(), AccountId::new());
        let mut case = FraudCase {
            id: Uuid::now_v7(),
            reference: "F-1".to_owned(),
            reason: "SIM swap".to_owned(),
            account_ids: vec![a],
            opened_by: StaffId::new(),
            opened_at: at(1),
            closed_at: None,
        };
        assert!(case.covers(a));
        assert!(!case.covers(b));
        case.closed_at = Some(at(3));
        assert!(!case.covers(a), "a closed case covers nothing");
    }
}
