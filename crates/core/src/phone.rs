//! Telephone numbers in E.164 form (`+` then up to 15 digits, no leading zero).
//!
//! Input may carry the usual punctuation (`+1 (212) 555-0143`, `212.555.0143`); a bare
//! 10-digit number, or 11 digits starting with 1, is read as a North American number.
//! North American numbers are also checked against the NANP shape (area code and
//! exchange start with 2–9), which catches most typing errors on a live call.

use crate::ValidationError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "+12125550143"))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        let has_plus = trimmed.starts_with('+');
        let body = if has_plus { &trimmed[1..] } else { trimmed };
        let mut digits = String::with_capacity(16);
        for c in body.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => {
                    return Err(invalid(format!(
                        "only digits, spaces, dashes, dots and parentheses are allowed, found {c:?}"
                    )));
                }
            }
        }
        let e164_digits = if has_plus {
            digits
        } else if digits.len() == 10 {
            format!("1{digits}")
        } else if digits.len() == 11 && digits.starts_with('1') {
            digits
        } else {
            return Err(invalid(
                "give the number in E.164 form (+ and country code) or as a 10-digit North American number",
            ));
        };
        if e164_digits.len() < 8 || e164_digits.len() > 15 {
            return Err(invalid("an E.164 number has 8 to 15 digits after the +"));
        }
        if e164_digits.starts_with('0') {
            return Err(invalid("a country code never starts with 0"));
        }
        if let Some(national) = e164_digits.strip_prefix('1') {
            check_nanp(national)?;
        }
        Ok(Self(format!("+{e164_digits}")))
    }

    /// The number as stored and displayed: `+12125550143`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the `+`.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

fn check_nanp(national: &str) -> Result<(), ValidationError> {
    let b = national.as_bytes();
    if b.len() != 10 {
        return Err(invalid("a North American (+1) number has 10 digits after the country code"));
    }
    if !(b'2'..=b'9').contains(&b[0]) {
        return Err(invalid("a North American area code starts with 2-9"));
    }
    if !(b'2'..=b'9').contains(&b[3]) {
        return Err(invalid("a North American exchange code starts with 2-9"));
    }
    Ok(())
}

fn invalid(reason: impl Into<String>) -> ValidationError {
    ValidationError::new("", reason)
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for PhoneNumber {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(|e| serde::de::Error::custom(format!("invalid telephone number: {}", e.reason)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_common_north_american_forms() {
        for input in ["+1 (212) 555-0143", "212.555.0143", "2125550143", "12125550143", "+12125550143"] {
            assert_eq!(PhoneNumber::parse(input).unwrap().as_str(), "+12125550143", "{input}");
        }
    }

    #[test]
    fn accepts_international_numbers() {
        assert_eq!(PhoneNumber::parse("+52 55 1234 5678").unwrap().as_str(), "+525512345678");
        assert_eq!(PhoneNumber::parse("+44 20 7946 0958").unwrap().as_str(), "+442079460958");
    }

    #[test]
    fn rejects_malformed_numbers() {
        for input in [
            "",
            "+",
            "555-0143",
            "+1 012 555 0143",
            "+1 212 155 0143",
            "+0 123 456 789",
            "call me",
            "+1234567890123456",
            "212-555-014x",
        ] {
            assert!(PhoneNumber::parse(input).is_err(), "{input}");
        }
    }

    proptest! {
        #[test]
        fn any_valid_nanp_number_round_trips(npa in 200u32..1000, nxx in 200u32..1000, line in 0u32..10000) {
            let formatted = format!("({npa}) {nxx}-{line:04}");
            let parsed = PhoneNumber::parse(&formatted).unwrap();
            prop_assert_eq!(parsed.as_str(), format!("+1{npa}{nxx}{line:04}"));
            // Parsing the stored form again gives the same number.
            prop_assert_eq!(PhoneNumber::parse(parsed.as_str()).unwrap(), parsed.clone());
            let json = serde_json::to_string(&parsed).unwrap();
            prop_assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), parsed);
        }

        #[test]
        fn parsed_numbers_are_always_e164(input in "\\+?[0-9 ()\\-.]{0,20}") {
            if let Ok(n) = PhoneNumber::parse(&input) {
                let s = n.as_str();
                prop_assert!(s.starts_with('+'));
                prop_assert!(s[1..].bytes().all(|b| b.is_ascii_digit()));
                prop_assert!((9..=16).contains(&s.len()));
                prop_assert!(!s[1..].starts_with('0'));
            }
        }

        #[test]
        fn letters_are_never_accepted(prefix in "[0-9]{3,10}", letter in "[a-zA-Z]", suffix in "[0-9]{0,5}") {
            let input = format!("{prefix}{letter}{suffix}");
            prop_assert!(PhoneNumber::parse(&input).is_err());
        }
    }
}
