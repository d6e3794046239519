//! Delivery of customer notices. Notices are rows in the store's outbox, written in the
//! same transaction as the change that causes them; the [`Worker`] claims due ones under
//! a lease, renders them ([`Renderer`], Fluent templates in English and Spanish) and
//! hands them to the channel that delivers them ([`Deliverer`]: SMTP email, an SMS/voice
//! webhook, PDF letters for a mail house), then records the outcome: sent, retry later,
//! or abandoned after the configured attempts. Delivery is at least once; each channel
//! carries the notice id so a repeat after a crash is recognisable.
#![forbid(unsafe_code)]

pub mod channels;
pub mod config;
mod pdf;
pub mod render;
#[cfg(feature = "testing")]
pub mod testing;
pub mod worker;

pub use channels::{Delivered, Deliverer, DeliveryError, SetupError};
pub use config::{CarrierInfo, ConfigError, NotifyConfig, Secret};
pub use pdf::{Block as PdfBlock, flowing_document as pdf_document};
pub use render::{RenderError, Rendered, Renderer, escape as escape_html};
pub use worker::{Tick, Worker};
