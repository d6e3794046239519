//! Identifiers as newtypes, so an account id can never be passed where a staff id is
//! expected. UUIDs are version 7 (time-ordered) so B-tree inserts stay local.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id. The timestamp inside is only an ordering hint.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// An account (a customer relationship with one account number).
    AccountId
);
uuid_id!(
    /// A staff member of the carrier.
    StaffId
);
uuid_id!(
    /// A subscribed service on an account.
    ServiceId
);
uuid_id!(
    /// A monthly invoice.
    InvoiceId
);
uuid_id!(
    /// A customer interaction (a call, chat, visit or portal session) and the
    /// authentication evidence collected in it.
    InteractionId
);
uuid_id!(
    /// A recorded subpoena, court order or other legal process.
    LegalProcessId
);
uuid_id!(
    /// A fraud case opened by the privacy office.
    FraudCaseId
);
uuid_id!(
    /// A marketing campaign.
    CampaignId
);
uuid_id!(
    /// One computed audience (snapshot) of a campaign.
    AudienceId
);

/// A call detail record. Assigned by the database: CDRs arrive by the million and a
/// 64-bit key keeps the table and its indexes small.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = i64))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(pub i64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
