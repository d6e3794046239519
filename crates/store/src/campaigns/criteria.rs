//! Audience criteria over CPNI: a typed document, validated on input, resolved to
//! concrete dates at computation time, and compiled to parameterised SQL by the store
//! (never built from the input's text).

use chrono::{Datelike, Months, NaiveDate};
use cpniguard_core::ValidationError;
use cpniguard_core::account::{AccountKind, Language};
use serde::{Deserialize, Serialize};

/// A span of whole days, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The last full calendar quarter before `today`.
    pub fn last_quarter(today: NaiveDate) -> Period {
        let this_quarter_month = (today.month0() / 3) * 3 + 1;
        let this_quarter = NaiveDate::from_ymd_opt(today.year(), this_quarter_month, 1).unwrap_or(today);
        let from = this_quarter.checked_sub_months(Months::new(3)).unwrap_or(this_quarter);
        let to = this_quarter.pred_opt().unwrap_or(this_quarter);
        Period { from, to }
    }

    fn validate(&self) -> Result<(), ValidationError> {
        if self.to < self.from {
            return Err(ValidationError::new("to", "the period ends before it starts"));
        }
        if (self.to - self.from).num_days() > 731 {
            return Err(ValidationError::new("to", "at most two years"));
        }
        Ok(())
    }
}

/// Long-distance minutes in a period (default: the last full quarter) above `over`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinutesOver {
    pub over: u32,
    #[serde(default)]
    pub period: Option<Period>,
}

/// The sum of the invoices issued in a period (default: the last full quarter)
/// between `min_cents` and `max_cents` (both included, either may be left open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceTotalRange {
    #[serde(default)]
    pub min_cents: Option<i64>,
    #[serde(default)]
    pub max_cents: Option<i64>,
    #[serde(default)]
    pub period: Option<Period>,
}

/// Which accounts a campaign targets before consent is looked at. Every criterion
/// given must hold; closed accounts are never in an audience.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudienceCriteria {
    #[serde(default)]
    pub account_kind: Option<AccountKind>,
    #[serde(default)]
    pub language: Option<Language>,
    /// A service type the account has now (`services.service_type`).
    #[serde(default)]
    pub service_type: Option<String>,
    #[serde(default)]
    pub long_distance_minutes: Option<MinutesOver>,
    #[serde(default)]
    pub invoice_total: Option<InvoiceTotalRange>,
}

impl AudienceCriteria {
    /// Field paths are relative to the criteria document.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(st) = &self.service_type
            && (st.is_empty()
                || st.len() > 64
                || !st.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        {
            return Err(ValidationError::new("service_type", "1 to 64 lower-case letters, digits or underscores"));
        }
        if let Some(m) = &self.long_distance_minutes {
            if m.over == 0 {
                return Err(ValidationError::new("long_distance_minutes.over", "at least 1"));
            }
            if let Some(p) = &m.period {
                p.validate().map_err(|e| e.within("long_distance_minutes.period"))?;
            }
        }
        if let Some(r) = &self.invoice_total {
            if r.min_cents.is_none() && r.max_cents.is_none() {
                return Err(ValidationError::new("invoice_total", "give min_cents, max_cents or both"));
            }
            if r.min_cents.is_some_and(|m| m < 0) {
                return Err(ValidationError::new("invoice_total.min_cents", "not negative"));
            }
            if let (Some(min), Some(max)) = (r.min_cents, r.max_cents)
                && max < min
            {
                return Err(ValidationError::new("invoice_total.max_cents", "below min_cents"));
            }
            if let Some(p) = &r.period {
                p.validate().map_err(|e| e.within("invoice_total.period"))?;
            }
        }
        Ok(())
    }

    /// The criteria with every period made concrete for a computation on `today`.
    pub fn resolve(&self, today: NaiveDate) -> ResolvedCriteria {
        let default = Period::last_quarter(today);
        ResolvedCriteria {
            account_kind: self.account_kind,
            language: self.language,
            service_type: self.service_type.clone(),
            service_on: today,
            long_distance: self.long_distance_minutes.map(|m| (m.over, m.period.unwrap_or(default))),
            invoice_total: self.invoice_total.map(|r| {
                (r.min_cents.unwrap_or(i64::MIN), r.max_cents.unwrap_or(i64::MAX), r.period.unwrap_or(default))
            }),
        }
    }
}

/// Criteria with concrete dates: what the store's query binds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedCriteria {
    pub account_kind: Option<AccountKind>,
    pub language: Option<Language>,
    pub service_type: Option<String>,
    /// The day a service must be held on.
    pub service_on: NaiveDate,
    /// Minutes over, in the period.
    pub long_distance: Option<(u32, Period)>,
    /// Min and max cents (both included), in the period.
    pub invoice_total: Option<(i64, i64, Period)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn last_quarter_is_the_previous_full_calendar_quarter() {
        assert_eq!(Period::last_quarter(d("2026-11-29")), Period { from: d("2026-07-01"), to: d("2026-09-30") });
        assert_eq!(Period::last_quarter(d("2026-01-01")), Period { from: d("2025-10-01"), to: d("2025-12-31") });
        assert_eq!(Period::last_quarter(d("2026-06-30")), Period { from: d("2026-01-01"), to: d("2026-03-31") });
    }

    #[test]
    fn invalid_criteria_name_their_field() {
        let bad = |json: serde_json::Value| {
            serde_json::from_value::<AudienceCriteria>(json).unwrap().validate().unwrap_err().field
        };
        assert_eq!(bad(serde_json::json!({"service_type": "Fiber!"})), "service_type");
        assert_eq!(bad(serde_json::json!({"long_distance_minutes": {"over": 0}})), "long_distance_minutes.over");
        assert_eq!(
            bad(serde_json::json!({"invoice_total": {"min_cents": 10, "max_cents": 5}})),
            "invoice_total.max_cents"
        );
        assert_eq!(
            bad(serde_json::json!({"long_distance_minutes": {"over": 5,
                "period": {"from": "2026-02-01", "to": "2026-01-01"}}})),
            "long_distance_minutes.period.to"
        );
        assert!(serde_json::from_value::<AudienceCriteria>(serde_json::json!({"langauge": "es"})).is_err());
    }
}
