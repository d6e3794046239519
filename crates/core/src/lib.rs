//! The CPNI Guard domain: accounts, CPNI records, their classification, contact-point
//! history and staff roles. Everything here is pure: no I/O, no async, no clock reads.
//! Functions that depend on time take `now` as a parameter.
#![forbid(unsafe_code)]

pub mod account;
pub mod audit;
pub mod authn;
pub mod breach;
pub mod calendar;
pub mod classification;
pub mod consent;
pub mod contact;
pub mod cpni;
pub mod email;
pub mod error;
pub mod ids;
pub mod money;
pub mod notice;
pub mod phone;
pub mod special_purpose;
pub mod staff;

pub use error::ValidationError;
