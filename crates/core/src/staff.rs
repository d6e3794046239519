//! Carrier staff and their roles. Roles are coarse (what screens and endpoints a person
//! may use); which CPNI they may see is the disclosure gate's decision, which also
//! checks CPNI training.

use crate::ValidationError;
use crate::account::str_enum;
use crate::ids::StaffId;
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

str_enum!(
    Role {
        Csr => "csr",
        Marketing => "marketing",
        /// The Chief Revenue Officer role that approves campaigns.
        Supervisor => "supervisor",
        PrivacyOfficer => "privacy_officer",
        Auditor => "auditor",
        Admin => "admin",
        /// Another carrier's credentials: the PIC-freeze inquiry and nothing else.
        Carrier => "carrier",
        /// The billing system's import account: uploads call detail and billing
        /// exports; reads no CPNI.
        Billing => "billing",
    }
);

/// A user name for staff: 3 to 64 lower-case letters, digits, dots, dashes, underscores.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let ok = (3..=64).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new("username", "3 to 64 lower-case letters, digits, dots, dashes or underscores"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).map_err(|e| e.reason)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaff {
    pub username: Username,
    pub display_name: String,
    pub roles: BTreeSet<Role>,
    pub training_completed_on: Option<NaiveDate>,
}

impl NewStaff {
    pub fn validate(&self) -> Result<(), ValidationError> {
        crate::account::text_field("display_name", &self.display_name, 1, 100)?;
        if self.roles.is_empty() {
            return Err(ValidationError::new("roles", "a staff member needs at least one role"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub id: StaffId,
    pub username: Username,
    pub display_name: String,
    pub roles: BTreeSet<Role>,
    /// When the person last completed CPNI training.
    pub training_completed_on: Option<NaiveDate>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl Staff {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether CPNI training is current on `today`: completed, and no more than
    /// `validity_months` ago.
    pub fn training_current(&self, today: NaiveDate, validity_months: u32) -> bool {
        self.training_completed_on
            .and_then(|done| done.checked_add_months(Months::new(validity_months)))
            .is_some_and(|expires| today < expires)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(trained: Option<NaiveDate>) -> Staff {
        Staff {
            id: StaffId::new(),
            username: Username::parse("ana.csr").unwrap(),
            display_name: "Ana".into(),
            roles: [Role::Csr].into(),
            training_completed_on: trained,
            active: true,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn training_lapses_after_the_validity_period() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let s = staff(Some(d("2025-03-15")));
        assert!(s.training_current(d("2026-03-14"), 12));
        assert!(!s.training_current(d("2026-03-15"), 12));
        assert!(!staff(None).training_current(d("2026-01-01"), 12));
    }

    #[test]
    fn roles_parse_from_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn usernames_are_checked() {
        assert!(Username::parse("maria.lopez").is_ok());
        assert!(Username::parse("Maria").is_err());
        assert!(Username::parse("ab").is_err());
    }
}
