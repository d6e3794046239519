//! Forms both sets of screens take (the staff console and the customer portal).

use cpniguard_core::ValidationError;
use cpniguard_core::account::PostalAddress;
use cpniguard_core::contact::ContactChange;
use cpniguard_core::email::EmailAddress;
use serde::Deserialize;

/// New contact details: an email address and/or a (US) postal address; empty fields
/// are left as they are.
#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    line1: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    zip: String,
}

impl ContactForm {
    /// The change the form asks for: the fields filled in, nothing else.
    pub fn change(&self) -> Result<ContactChange, ValidationError> {
        let email = match self.email.trim() {
            "" => None,
            e => Some(Some(EmailAddress::parse(e).map_err(|e| e.within("email"))?)),
        };
        let postal_address = match self.line1.trim() {
            "" => None,
            line1 => Some(PostalAddress {
                line1: line1.to_owned(),
                line2: None,
                city: self.city.trim().to_owned(),
                state: self.state.trim().to_owned(),
                zip: self.zip.trim().to_owned(),
                country: "US".to_owned(),
            }),
        };
        if email.is_none() && postal_address.is_none() {
            return Err(ValidationError::new("email", "fill in a new email or postal address"));
        }
        Ok(ContactChange { postal_address, email, ..ContactChange::default() })
    }
}
