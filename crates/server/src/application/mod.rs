//! The application layer: each operation a person performs, as a function that takes
//! the caller and a typed input and returns a typed result or a [`Problem`]. No axum
//! extractors and no JSON here: the JSON API (`api/`) and the web console (`console/`)
//! are both thin adapters over these functions (extract → call → render), so a rule is
//! written once whichever screen or client the request came from.
//!
//! One module per concern. Concerns not moved here yet still keep their operations
//! inside their `api/` handlers; a console screen for them moves them first.

pub mod accounts;
pub mod audit_verification;
pub mod billing_sync;
pub mod breach_affected_import;
// Some synchronous helpers return the handlers' own error type, `Problem`, so `?` needs
// no conversion; boxing it would only be unboxed again at the response.
#[allow(clippy::result_large_err)]
pub mod breach_clocks;
#[allow(clippy::result_large_err)]
pub mod breach_incidents;
pub mod call_back;
pub mod campaign_review;
pub mod campaigns;
pub mod cdr_import;
#[allow(clippy::result_large_err)]
pub mod certification;
pub mod complaint_intake;
pub mod consent_change;
pub mod consent_notices;
pub mod contacts;
pub mod customer_access;
pub mod customer_consent;
pub mod customer_session;
pub mod delivery;
pub mod import_quarantine;
pub mod interactions;
pub mod opt_out_mail;
pub mod policy_mailing;
pub mod privacy_dashboard;
pub mod reads;
pub mod secret_checks;
pub mod staff_passwords;
#[allow(clippy::result_large_err)]
pub mod training;

use cpniguard_core::staff::Staff;
use std::net::IpAddr;

/// A staff member acting, and the address they act from (for limits and signals).
#[derive(Debug, Clone, Copy)]
pub struct StaffCaller<'a> {
    pub staff: &'a Staff,
    pub client: IpAddr,
}

/// A list's page size: `requested` or `default`, refused (not silently clamped) outside
/// 1 to `MAX_PAGE`, so every list takes the same sizes and says so the same way.
pub(crate) fn page_limit(requested: Option<u32>, default: u32) -> Result<u32, cpniguard_core::ValidationError> {
    let limit = requested.unwrap_or(default);
    if (1..=cpniguard_store::MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(cpniguard_core::ValidationError::new("limit", format!("must be 1 to {}", cpniguard_store::MAX_PAGE)))
    }
}
