//! Breach-notification deadlines (47 CFR 64.2011), computed purely from an incident's
//! facts. A regime is a named set of parameters, so a change of rule is a change of
//! configuration: `fcc-2007` is the text in force, `fcc-2023` the order adopted in
//! December 2023 whose amendments await an effective date.
//!
//! - **fcc-2007**: tell the Secret Service and the FBI (through the central reporting
//!   facility) no later than 7 business days after reasonably determining a breach;
//!   tell no customer and no one in public until 7 full business days after that notice,
//!   unless an urgent need is declared (then as soon as the agency has been consulted)
//!   or an agency orders a delay (then not before it ends). Only intentional access is a
//!   breach. Records: at least 2 years.
//! - **fcc-2023**: inadvertent access is a breach too; tell the FCC, the Secret Service
//!   and the FBI within 7 business days, except that a breach of fewer than 500
//!   customers where no harm is reasonably likely goes into an annual summary to the
//!   FCC instead; tell customers within 30 days of the determination unless no harm is
//!   reasonably likely. No waiting period, but an agency's delay order still holds.
//!
//! Days are calendar days in the carrier's time zone (see [`crate::calendar`]); every
//! count starts the day after the event.

pub mod record;

use crate::ValidationError;
use crate::account::str_enum;
use crate::calendar::{FederalCalendar, check_supported};
use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The breach rules a carrier follows, by name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Regime {
    /// 47 CFR 64.2011 as adopted in 2007: the rule in force.
    #[default]
    #[serde(rename = "fcc-2007")]
    Fcc2007,
    /// The 2023 Report and Order (FCC 23-111).
    #[serde(rename = "fcc-2023")]
    Fcc2023,
}

impl Regime {
    pub const ALL: &'static [Regime] = &[Regime::Fcc2007, Regime::Fcc2023];

    pub fn as_str(self) -> &'static str {
        match self {
            Regime::Fcc2007 => "fcc-2007",
            Regime::Fcc2023 => "fcc-2023",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// The federal values of this regime, the defaults a configuration starts from.
    pub fn params(self) -> RegimeParams {
        match self {
            Regime::Fcc2007 => RegimeParams::fcc_2007(),
            Regime::Fcc2023 => RegimeParams::fcc_2023(),
        }
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

str_enum!(
    /// A recipient of the breach report, reached through the central reporting facility.
    Agency { Fcc => "fcc", Usss => "usss", Fbi => "fbi" }
);
str_enum!(
    /// Whether harm to customers is reasonably likely, as the carrier has determined.
    /// `unknown` is treated like `likely`: only a determination rules harm out.
    Harm { Likely => "likely", Unlikely => "unlikely", Unknown => "unknown" }
);
str_enum!(
    /// Why customers must, or need not, be told.
    CustomerNoticeReason {
        /// The regime requires customer notice of every breach.
        EveryBreach => "every_breach",
        HarmReasonablyLikely => "harm_reasonably_likely",
        /// No determination that harm is unlikely has been made.
        HarmNotRuledOut => "harm_not_ruled_out",
        /// Not required: the carrier determined no harm is reasonably likely.
        NoHarmReasonablyLikely => "no_harm_reasonably_likely",
        /// Not required: the incident is not a breach under the regime.
        NotABreach => "not_a_breach",
    }
);
str_enum!(
    /// What the earliest customer-notice date was counted from.
    EarliestBasis {
        /// The agency notice as actually made.
        AgencyNotice => "agency_notice",
        /// The agencies are not told yet: counted from their due date, so the date moves
        /// earlier once they are told sooner (and later if they are told late).
        AgencyNoticeDue => "agency_notice_due",
        /// An agency's delay order: the day after it ends.
        DelayOrder => "delay_order",
    }
);
str_enum!(
    /// What the records-retention period runs from.
    RetentionBasis {
        /// The last notice made (agency, annual summary or customers).
        LastNotice => "last_notice",
        /// No notice is recorded yet: provisional, it moves when one is made.
        Determination => "determination",
    }
);

impl Default for Harm {
    /// Nobody has ruled harm out.
    fn default() -> Self {
        Harm::Unknown
    }
}

/// A day of the year without a year, written `MM-DD`, such as `02-01` for February 1.
/// February 29 is refused: the day must exist every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    pub fn new(month: u32, day: u32) -> Result<Self, ValidationError> {
        // 2001 is not a leap year, so this refuses February 29 with the impossible days.
        if NaiveDate::from_ymd_opt(2001, month, day).is_some() {
            Ok(Self { month, day })
        } else {
            Err(ValidationError::new("month_day", "a day that exists every year, written MM-DD, such as 02-01"))
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let parsed = s.split_once('-').filter(|(m, d)| m.len() == 2 && d.len() == 2).and_then(|(m, d)| {
            let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit()).then(|| t.parse().ok()).flatten();
            Some((digits(m)?, digits(d)?))
        });
        let (month, day) = parsed.ok_or_else(|| ValidationError::new("month_day", "written MM-DD, such as 02-01"))?;
        Self::new(month, day)
    }

    pub fn in_year(self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
    }
}

impl TryFrom<String> for MonthDay {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).map_err(|e| e.reason)
    }
}

impl From<MonthDay> for String {
    fn from(md: MonthDay) -> String {
        md.to_string()
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// Small breaches reported once a year instead of one by one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnualSummary {
    /// A breach affecting at least this many customers (or an unknown number), or one
    /// where harm is not ruled out, is reported individually.
    pub threshold: u64,
    /// When the summary of a calendar year's breaches is due, in the following year.
    /// A due date on a weekend or holiday moves to the next business day, as filing
    /// deadlines at the FCC do (47 CFR 1.4(j)).
    pub due: MonthDay,
}

/// The numbers and choices of a breach regime. Every field is required in
/// configuration; absent optional ones mean "the regime has no such rule".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimeParams {
    /// Whether inadvertent access counts as a breach (and not only intentional access).
    pub inadvertent_access_is_breach: bool,
    /// Business days after the reasonable determination by which the agencies are told.
    pub agency_notice_business_days: u32,
    /// Who is told, through the central reporting facility.
    pub agencies: Vec<Agency>,
    /// Full business days after the agency notice during which customers and the
    /// public may not be told (0: no waiting period). An urgent need lifts it.
    pub customer_wait_business_days: u32,
    /// Calendar days after the determination by which customers must be told; absent
    /// when the regime sets no deadline.
    pub customer_notice_days: Option<u32>,
    /// Whether customers need no notice when no harm is reasonably likely.
    pub customer_notice_waived_without_harm: bool,
    /// Absent when every breach is reported individually.
    pub annual_summary: Option<AnnualSummary>,
    /// Years the breach record is kept, at least.
    pub record_years: u32,
}

/// Upper bounds that keep every computed date a four-digit year; no rule comes close.
const MAX_DAYS: u32 = 3_650;
const MAX_RECORD_YEARS: u32 = 100;

impl RegimeParams {
    /// 47 CFR 64.2011 as in force (2007).
    pub fn fcc_2007() -> Self {
        Self {
            inadvertent_access_is_breach: false,
            agency_notice_business_days: 7,
            agencies: vec![Agency::Usss, Agency::Fbi],
            customer_wait_business_days: 7,
            customer_notice_days: None,
            customer_notice_waived_without_harm: false,
            annual_summary: None,
            record_years: 2,
        }
    }

    /// The 2023 order. The annual summary is due by February 1 for the previous
    /// calendar year's breaches.
    pub fn fcc_2023() -> Self {
        Self {
            inadvertent_access_is_breach: true,
            agency_notice_business_days: 7,
            agencies: vec![Agency::Fcc, Agency::Usss, Agency::Fbi],
            customer_wait_business_days: 0,
            customer_notice_days: Some(30),
            customer_notice_waived_without_harm: true,
            annual_summary: Some(AnnualSummary { threshold: 500, due: MonthDay { month: 2, day: 1 } }),
            record_years: 2,
        }
    }

    pub fn validate(&self) -> Result<(), ValidationError> {
        let days = |field: &str, value: u32| {
            if value <= MAX_DAYS {
                Ok(())
            } else {
                Err(ValidationError::new(field, format!("at most {MAX_DAYS} days")))
            }
        };
        days("agency_notice_business_days", self.agency_notice_business_days)?;
        days("customer_wait_business_days", self.customer_wait_business_days)?;
        if let Some(n) = self.customer_notice_days {
            days("customer_notice_days", n)?;
        }
        if self.agencies.is_empty() {
            return Err(ValidationError::new("agencies", "at least one agency receives the report"));
        }
        if self.agencies.iter().enumerate().any(|(i, a)| self.agencies[..i].contains(a)) {
            return Err(ValidationError::new("agencies", "each agency once"));
        }
        if self.annual_summary.as_ref().is_some_and(|s| s.threshold == 0) {
            return Err(ValidationError::new("annual_summary.threshold", "at least 1 customer"));
        }
        if !(1..=MAX_RECORD_YEARS).contains(&self.record_years) {
            return Err(ValidationError::new("record_years", format!("1 to {MAX_RECORD_YEARS} years")));
        }
        Ok(())
    }
}

/// What is known about an incident. Dates are calendar days in the carrier's time zone
/// ([`FederalCalendar::local_date`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentFacts {
    /// When the carrier reasonably determined that a breach occurred.
    pub determined_on: NaiveDate,
    /// When the agencies were told, once they have been.
    pub agencies_notified_on: Option<NaiveDate>,
    /// The last day of an agency's order not to tell customers or the public (initially
    /// up to 30 days, extended in writing: record the latest end date).
    pub delay_until: Option<NaiveDate>,
    /// The carrier declared an urgent need to tell customers sooner, and consulted the
    /// agency, lifting the waiting period.
    #[serde(default)]
    pub urgent_need: bool,
    /// Customers affected; absent when unknown.
    pub affected: Option<u64>,
    #[serde(default)]
    pub harm: Harm,
    /// The access was inadvertent rather than intentional.
    #[serde(default)]
    pub inadvertent: bool,
    /// The last notice made about the breach: to an agency, in an annual summary or to
    /// customers.
    pub last_notice_on: Option<NaiveDate>,
}

impl IncidentFacts {
    /// Dates within the calendar's years, and none before the determination: the rule's
    /// notices follow it, so an earlier date is a mistake to correct, not a fact.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_supported("determined_on", self.determined_on)?;
        let later = [
            ("agencies_notified_on", self.agencies_notified_on),
            ("delay_until", self.delay_until),
            ("last_notice_on", self.last_notice_on),
        ];
        for (field, date) in later {
            let Some(date) = date else { continue };
            check_supported(field, date)?;
            if date < self.determined_on {
                return Err(ValidationError::new(
                    field,
                    format!("{date} is before the determination on {}", self.determined_on),
                ));
            }
        }
        Ok(())
    }
}

/// What is owed, and by when. Absent dates do not apply to the incident.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    /// False when the incident is not a breach under the regime (inadvertent access
    /// under the 2007 text): nothing is owed, though the record is still kept.
    pub reportable: bool,
    pub individual_report_required: bool,
    /// Who receives the individual report; empty when none is owed.
    pub agencies: Vec<Agency>,
    /// The last day for the individual report: a business day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_notice_due: Option<NaiveDate>,
    /// When the incident goes into the annual summary instead, the day that is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_summary: Option<NaiveDate>,
    pub customer_notice_required: bool,
    pub customer_notice_reason: CustomerNoticeReason,
    /// The first day customers or the public may be told, when a waiting period or a
    /// delay order holds them back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_notice_earliest: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_notice_earliest_basis: Option<EarliestBasis>,
    /// The last day to tell customers, when the regime sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_notice_due: Option<NaiveDate>,
    /// Keep the breach record through this day.
    pub records_retain_until: NaiveDate,
    pub records_retention_basis: RetentionBasis,
}

/// The deadlines of an incident under a regime.
///
/// - The agency notice is due `agency_notice_business_days` business days after the
///   determination, unless the incident goes into the annual summary.
/// - The earliest customer notice follows the waiting period: the day after
///   `customer_wait_business_days` full business days have passed since the agency
///   notice actually made, or, while the agencies are not yet told, since their due date
///   (see [`EarliestBasis`]). That day may be a weekend: the rule counts business days
///   that pass, not the day notice is sent. With an urgent need it is the agency notice
///   day itself. A delay order moves it to the day after the order ends, if later.
/// - The customer deadline is `customer_notice_days` after the determination, moved
///   to the earliest day when that is later: after a delay order ends, customers are
///   owed notice without unreasonable delay, so the first permitted day is the due day.
/// - Records are kept `record_years` after the last notice recorded (the latest of
///   `agencies_notified_on` and `last_notice_on`) or, before any notice, after the
///   determination; February 29 plus whole years ends on March 1 so the period is never
///   short of the rule.
pub fn deadlines(
    params: &RegimeParams,
    facts: &IncidentFacts,
    calendar: &FederalCalendar,
) -> Result<Deadlines, ValidationError> {
    params.validate()?;
    facts.validate()?;
    let (records_retain_until, records_retention_basis) = retention(params, facts);
    if facts.inadvertent && !params.inadvertent_access_is_breach {
        return Ok(Deadlines {
            reportable: false,
            individual_report_required: false,
            agencies: Vec::new(),
            agency_notice_due: None,
            annual_summary: None,
            customer_notice_required: false,
            customer_notice_reason: CustomerNoticeReason::NotABreach,
            customer_notice_earliest: None,
            customer_notice_earliest_basis: None,
            customer_notice_due: None,
            records_retain_until,
            records_retention_basis,
        });
    }

    let determined = facts.determined_on;
    let summary = params
        .annual_summary
        .as_ref()
        .filter(|s| facts.harm == Harm::Unlikely && facts.affected.is_some_and(|affected| affected < s.threshold));
    let agency_notice_due =
        summary.is_none().then(|| calendar.add_business_days(determined, params.agency_notice_business_days));
    let annual_summary = summary.map(|s| annual_summary_due(s, determined.year(), calendar));

    let customer_notice_reason = match (params.customer_notice_waived_without_harm, facts.harm) {
        (false, _) => CustomerNoticeReason::EveryBreach,
        (true, Harm::Likely) => CustomerNoticeReason::HarmReasonablyLikely,
        (true, Harm::Unknown) => CustomerNoticeReason::HarmNotRuledOut,
        (true, Harm::Unlikely) => CustomerNoticeReason::NoHarmReasonablyLikely,
    };
    let customer_notice_required = customer_notice_reason != CustomerNoticeReason::NoHarmReasonablyLikely;

    let mut earliest = None;
    if customer_notice_required {
        let agency_notice = match (facts.agencies_notified_on, agency_notice_due) {
            (Some(on), _) => Some((on, EarliestBasis::AgencyNotice)),
            (None, Some(due)) => Some((due, EarliestBasis::AgencyNoticeDue)),
            // Nothing goes to the agencies one by one, so there is nothing to wait after.
            (None, None) => None,
        };
        if params.customer_wait_business_days > 0
            && let Some((from, basis)) = agency_notice
        {
            let date = if facts.urgent_need {
                from
            } else {
                next_day(calendar.add_business_days(from, params.customer_wait_business_days))
            };
            earliest = Some((date, basis));
        }
        if let Some(until) = facts.delay_until {
            let after = next_day(until);
            if earliest.is_none_or(|(date, _)| after > date) {
                earliest = Some((after, EarliestBasis::DelayOrder));
            }
        }
    }
    let customer_notice_due = params.customer_notice_days.filter(|_| customer_notice_required).map(|days| {
        let by_rule =
            determined.checked_add_days(Days::new(days.into())).expect("validated dates and days stay in range");
        earliest.map_or(by_rule, |(date, _)| by_rule.max(date))
    });

    Ok(Deadlines {
        reportable: true,
        individual_report_required: agency_notice_due.is_some(),
        agencies: if agency_notice_due.is_some() { params.agencies.clone() } else { Vec::new() },
        agency_notice_due,
        annual_summary,
        customer_notice_required,
        customer_notice_reason,
        customer_notice_earliest: earliest.map(|(date, _)| date),
        customer_notice_earliest_basis: earliest.map(|(_, basis)| basis),
        customer_notice_due,
        records_retain_until,
        records_retention_basis,
    })
}

/// The summary of `year`'s breaches is due on the configured day of the next year, or
/// the next business day when the FCC is closed that day.
fn annual_summary_due(summary: &AnnualSummary, year: i32, calendar: &FederalCalendar) -> NaiveDate {
    let nominal = summary.due.in_year(year + 1).expect("MonthDay exists every year and the year is validated");
    if calendar.is_business_day(nominal) { nominal } else { calendar.add_business_days(nominal, 1) }
}

fn retention(params: &RegimeParams, facts: &IncidentFacts) -> (NaiveDate, RetentionBasis) {
    let (from, basis) = match facts.agencies_notified_on.max(facts.last_notice_on) {
        Some(last) => (last, RetentionBasis::LastNotice),
        None => (facts.determined_on, RetentionBasis::Determination),
    };
    // Validated: a four-digit year plus at most a hundred.
    let year = from.year() + params.record_years as i32;
    let until = from
        .with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .expect("a validated year is within chrono's range");
    (until, basis)
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.succ_opt().expect("validated dates are far from chrono's last day")
}

#[cfg(test)]
mod tests;
