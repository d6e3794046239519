//! Accounts: who the customer is and how to reach them. Name, address and numbers are
//! subscriber-list or contact information, not CPNI (see `classification`); the CPNI
//! itself lives in `cpni`.

use crate::ValidationError;
use crate::contact::{ContactPoint, ContactValue};
use crate::email::EmailAddress;
use crate::ids::AccountId;
use crate::phone::PhoneNumber;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The carrier's own account number, as printed on the bill.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountNumber(String);

impl AccountNumber {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        let ok = (4..=32).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if ok {
            Ok(Self(s.to_ascii_uppercase()))
        } else {
            Err(ValidationError::new(
                "account_number",
                "4 to 32 letters, digits or hyphens, starting with a letter or digit",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountNumber {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).map_err(|e| e.reason)
    }
}

impl From<AccountNumber> for String {
    fn from(n: AccountNumber) -> String {
        n.0
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! str_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use str_enum;

str_enum!(
    /// Residential or business: business accounts may carry a contractual exemption.
    AccountKind { Residential => "residential", Business => "business" }
);
str_enum!(
    /// The language customer-facing text is written in.
    Language { En => "en", Es => "es" }
);
str_enum!(
    AccountStatus { Active => "active", Suspended => "suspended", Closed => "closed" }
);
str_enum!(
    /// The customer's directory choice. Only `listed` numbers go to directory publishers.
    DirectoryListing { Listed => "listed", Unlisted => "unlisted", NonPublished => "non_published" }
);

/// Preferred-carrier freezes the customer asked for, per kind of service. Another
/// carrier may ask whether one is in place (a permitted disclosure).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PicFreeze {
    #[serde(default)]
    pub local: bool,
    #[serde(default)]
    pub intralata: bool,
    #[serde(default)]
    pub interlata: bool,
}

impl PicFreeze {
    pub fn any(&self) -> bool {
        self.local || self.intralata || self.interlata
    }
}

/// A business customer with a dedicated account representative and a contract that
/// addresses CPNI may be authenticated under that contract (47 CFR 64.2010(g)).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessExemption {
    pub contract_reference: String,
}

/// A postal address. `country` is ISO 3166-1 alpha-2; US addresses have a state code
/// and a ZIP or ZIP+4.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostalAddress {
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
    #[serde(default = "default_country")]
    pub country: String,
}

fn default_country() -> String {
    "US".to_owned()
}

impl PostalAddress {
    pub fn validate(&self) -> Result<(), ValidationError> {
        text_field("line1", &self.line1, 1, 100)?;
        if let Some(l2) = &self.line2 {
            text_field("line2", l2, 0, 100)?;
        }
        text_field("city", &self.city, 1, 60)?;
        if self.country.len() != 2 || !self.country.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ValidationError::new("country", "a two-letter upper-case ISO 3166 code such as US"));
        }
        if self.country == "US" {
            if self.state.len() != 2 || !self.state.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(ValidationError::new("state", "a two-letter upper-case state code such as UT"));
            }
            if !is_us_zip(&self.zip) {
                return Err(ValidationError::new("zip", "a US ZIP code: 5 digits, or ZIP+4 as 12345-6789"));
            }
        } else {
            text_field("state", &self.state, 0, 60)?;
            text_field("zip", &self.zip, 0, 16)?;
        }
        Ok(())
    }

    /// The 5-digit ZIP, which must never serve as an authentication secret.
    pub fn zip5(&self) -> &str {
        self.zip.get(..5).unwrap_or(&self.zip)
    }
}

fn is_us_zip(z: &str) -> bool {
    let b = z.as_bytes();
    match b.len() {
        5 => b.iter().all(u8::is_ascii_digit),
        10 => b[5] == b'-' && b[..5].iter().chain(&b[6..]).all(u8::is_ascii_digit),
        _ => false,
    }
}

pub(crate) fn text_field(field: &str, value: &str, min: usize, max: usize) -> Result<(), ValidationError> {
    let len = value.trim().chars().count();
    if len < min || value.chars().count() > max {
        return Err(ValidationError::new(field, format!("must be {min} to {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(ValidationError::new(field, "must not contain control characters"));
    }
    Ok(())
}

/// `value` trimmed: one line of text entered by staff, 1 to `max` characters, no
/// control characters.
pub fn one_line_text(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let value = value.trim();
    text_field(field, value, 1, max)?;
    Ok(value.to_owned())
}

/// An IANA time zone name such as `America/Chicago`, checked against the tz database.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        s.parse::<chrono_tz::Tz>()
            .map(|tz| Self(tz.name().to_owned()))
            .map_err(|_| ValidationError::new("time_zone", "an IANA time zone name such as America/New_York"))
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.0.parse().expect("validated at construction")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TimeZoneName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).map_err(|e| e.reason)
    }
}

impl From<TimeZoneName> for String {
    fn from(t: TimeZoneName) -> String {
        t.0
    }
}

/// The account attributes that are not contact points. Contact points have their own
/// history (`contact`), so changing them is a separate, recorded operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountProfile {
    pub account_number: AccountNumber,
    pub kind: AccountKind,
    pub name: String,
    pub language: Language,
    pub time_zone: TimeZoneName,
    pub status: AccountStatus,
    pub pic_freeze: PicFreeze,
    pub directory_listing: DirectoryListing,
    pub business_exemption: Option<BusinessExemption>,
}

impl AccountProfile {
    pub fn validate(&self) -> Result<(), ValidationError> {
        text_field("name", &self.name, 1, 200)?;
        if let Some(ex) = &self.business_exemption {
            if self.kind != AccountKind::Business {
                return Err(ValidationError::new(
                    "business_exemption",
                    "only business accounts can be authenticated under a contract",
                ));
            }
            text_field("business_exemption.contract_reference", &ex.contract_reference, 1, 100)?;
        }
        Ok(())
    }
}

/// What opening an account needs: the profile and the first contact points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub profile: AccountProfile,
    pub postal_address: PostalAddress,
    pub email: Option<EmailAddress>,
    pub telephone_numbers: Vec<PhoneNumber>,
}

impl NewAccount {
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.profile.validate()?;
        self.postal_address.validate().map_err(|e| e.within("postal_address"))?;
        if self.telephone_numbers.is_empty() {
            return Err(ValidationError::new(
                "telephone_numbers",
                "at least one telephone number of service is needed (it is the number of record)",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if !self.telephone_numbers.iter().all(|n| seen.insert(n)) {
            return Err(ValidationError::new("telephone_numbers", "a number is listed twice"));
        }
        Ok(())
    }

    /// The contact points the account starts with, all associated at `now`.
    pub fn initial_contact_points(&self) -> Vec<ContactValue> {
        let mut out = vec![ContactValue::Postal(self.postal_address.clone())];
        out.extend(self.email.clone().map(ContactValue::Email));
        out.extend(self.telephone_numbers.iter().cloned().map(ContactValue::Phone));
        out
    }
}

/// An account as stored: profile, current contact points and bookkeeping times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    #[serde(flatten)]
    pub profile: AccountProfile,
    /// The contact points currently associated (history is kept separately).
    pub contact_points: Vec<ContactPoint>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Account {
    pub fn postal_address(&self) -> Option<&PostalAddress> {
        self.contact_points.iter().find_map(|c| match &c.value {
            ContactValue::Postal(p) => Some(p),
            _ => None,
        })
    }

    pub fn email(&self) -> Option<&EmailAddress> {
        self.contact_points.iter().find_map(|c| match &c.value {
            ContactValue::Email(e) => Some(e),
            _ => None,
        })
    }

    pub fn telephone_numbers(&self) -> impl Iterator<Item = &PhoneNumber> {
        self.contact_points.iter().filter_map(|c| match &c.value {
            ContactValue::Phone(p) => Some(p),
            _ => None,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;
