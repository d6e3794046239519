//! Email addresses, checked for the shape a mail server will accept (RFC 5321 limits,
//! a dot-atom local part, a domain of LDH labels with at least one dot). The domain is
//! lower-cased so the same mailbox always compares equal; the local part is kept as
//! typed because RFC 5321 lets servers treat it as case-sensitive.

use crate::ValidationError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Email))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

const LOCAL_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~.";

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        if s.len() > 254 {
            return Err(invalid("an email address is at most 254 characters"));
        }
        let (local, domain) = s
            .rsplit_once('@')
            .ok_or_else(|| invalid("an email address needs an @ between the mailbox and the domain"))?;
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("the part before @ must be 1 to 64 characters"));
        }
        if !local.chars().all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c))
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
        {
            return Err(invalid("the part before @ has a character or dot placement mail servers reject"));
        }
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid("the domain needs at least one dot, as in example.com"));
        }
        for label in &labels {
            let ok = !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err(invalid("each part of the domain is 1 to 63 letters, digits or inner hyphens"));
            }
        }
        if labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
            return Err(invalid("the domain must end in a name, not a number"));
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

fn invalid(reason: &str) -> ValidationError {
    ValidationError::new("", reason)
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for EmailAddress {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(|e| serde::de::Error::custom(format!("invalid email address: {}", e.reason)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_the_domain_only() {
        let e = EmailAddress::parse("  Maria.Lopez@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Maria.Lopez@example.com");
        assert_eq!(e.domain(), "example.com");
    }

    #[test]
    fn rejects_common_mistakes() {
        for input in [
            "",
            "maria",
            "maria@",
            "@example.com",
            "maria@example",
            "maria@@example.com",
            "ma ria@example.com",
            "maria.@example.com",
            "maria@-example.com",
            "maria@example..com",
            "maria@10.0.0.1",
        ] {
            assert!(EmailAddress::parse(input).is_err(), "{input}");
        }
    }

    proptest! {
        #[test]
        fn generated_valid_addresses_round_trip(local in "[a-z0-9]{1,20}([._+-][a-z0-9]{1,10}){0,2}", domain in "[a-z][a-z0-9]{0,20}(\\.[a-z][a-z0-9]{0,10}){1,3}") {
            let input = format!("{local}@{domain}");
            let parsed = EmailAddress::parse(&input).unwrap();
            prop_assert_eq!(parsed.as_str(), input.as_str());
            let json = serde_json::to_string(&parsed).unwrap();
            prop_assert_eq!(serde_json::from_str::<EmailAddress>(&json).unwrap(), parsed);
        }

        #[test]
        fn accepted_addresses_have_exactly_the_shape_servers_take(input in "\\PC{0,40}") {
            if let Ok(e) = EmailAddress::parse(&input) {
                let s = e.as_str();
                prop_assert!(s.len() <= 254);
                prop_assert!(s.is_ascii());
                prop_assert!(!s.contains(char::is_whitespace));
                let (local, domain) = s.rsplit_once('@').unwrap();
                prop_assert!(!local.is_empty() && domain.contains('.'));
                prop_assert_eq!(domain.to_ascii_lowercase(), domain);
            }
        }
    }
}
