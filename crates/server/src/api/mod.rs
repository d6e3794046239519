//! The JSON API under `/api/v1`, plus health, readiness and metrics.

pub mod accounts;
pub mod audit_log;
pub mod breach;
pub mod campaigns;
pub mod complaints;
pub mod consent;
pub mod cpni;
pub mod cpni_routes;
pub mod customer_auth;
pub mod docs;
pub mod health;
pub mod imports;
pub mod legal_holds;
pub mod notices;
pub mod privacy_office;
pub mod publication;
pub mod special_purposes;
mod views;

pub use views::*;

use serde::{Deserialize, Deserializer};

/// Distinguishes an absent field (`None`: leave as is) from an explicit `null`
/// (`Some(None)`: remove) in PATCH bodies.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
