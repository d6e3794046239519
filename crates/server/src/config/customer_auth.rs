//! Customer authentication (issue 4) settings: the `[customer_auth]` section.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CustomerAuthConfig {}
