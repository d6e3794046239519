//! The CPNI Guard HTTP server: the JSON API under `/api/v1`, its OpenAPI document and
//! docs UI, health and metrics, staff authentication and roles, and configuration.
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod application;
pub mod audit_writer;
pub mod auth;
pub mod breach_jobs;
pub mod config;
pub mod consent_jobs;
pub mod console;
pub mod customer_portal;
pub mod extract;
pub mod gate;
pub mod jobs;
pub mod metrics;
pub mod privacy_jobs;
pub mod problem;
pub mod retention_jobs;
pub mod serve;
pub mod state;
pub mod unaudited_baseline;

pub use app::router;
pub use config::Config;
pub use state::{AppState, Clock, SystemClock};
