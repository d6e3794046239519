//! The channels a notice can take, and the [`Deliverer`] that picks one for a notice.

pub mod email;
pub mod postal;
pub mod webhook;

use crate::config::{CarrierInfo, ConfigError, NotifyConfig, POSTAL_TIMEOUT};
use crate::render::{Rendered, Renderer};
use chrono::{DateTime, Utc};
use cpniguard_core::notice::{Channel, Destination, Notice};
use std::time::Duration;

/// Why one delivery attempt failed. The text is stored as the notice's `last_error` and
/// logged, so it names the channel and status only: never a contact value, never the
/// message, never a response body that might echo either.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DeliveryError {
    reason: String,
    not_configured: bool,
}

impl DeliveryError {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self { reason: reason.into(), not_configured: false }
    }

    /// The notice's channel is not enabled: nothing is wrong with the notice, it waits
    /// for the operator (and is never abandoned for it).
    pub fn is_not_configured(&self) -> bool {
        self.not_configured
    }
}

/// A successful delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The provider's reference (SMTP reply, gateway id, spool file), for tracing a
    /// notice to the other side.
    pub provider_message_id: Option<String>,
}

/// The configuration does not allow starting delivery.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("notices.{0}")]
    Config(#[from] ConfigError),
    #[error("notices.email: {0}")]
    Email(String),
    #[error("notices.webhook: {0}")]
    Webhook(String),
}

/// Renders a notice and sends it through the sender of its channel.
pub struct Deliverer {
    renderer: Renderer,
    carrier: CarrierInfo,
    email: Option<email::EmailSender>,
    webhook: Option<webhook::WebhookSender>,
    postal: Option<postal::PostalSpool>,
}

impl Deliverer {
    /// Validates `config` and builds the senders of the enabled channels (no network
    /// I/O: SMTP connections are opened on first use).
    pub fn new(config: &NotifyConfig, carrier: CarrierInfo) -> Result<Self, SetupError> {
        config.validate()?;
        let email = config.email.enabled.then(|| email::EmailSender::new(&config.email, &carrier.name)).transpose()?;
        let webhook = config.webhook.enabled.then(|| webhook::WebhookSender::new(&config.webhook)).transpose()?;
        let postal = config.postal.enabled.then(|| postal::PostalSpool::new(&config.postal.spool_dir, &carrier));
        Ok(Self { renderer: Renderer::new(), carrier, email, webhook, postal })
    }

    /// One attempt to deliver `notice` at `now`. A channel that is not enabled is a
    /// failure like any other, so the notice is retried (and delivered once the
    /// operator enables it) rather than lost.
    pub async fn deliver(&self, notice: &Notice, now: DateTime<Utc>) -> Result<Delivered, DeliveryError> {
        let timeout = self.timeout(notice.channel)?;
        let rendered = self.render(notice)?;
        let attempt = async {
            match (notice.channel, &notice.destination) {
                (Channel::Email, Destination::Email { address }) => {
                    let sender = self.email.as_ref().ok_or_else(|| not_configured(notice.channel))?;
                    sender.send(notice, address, &rendered, now).await
                }
                (Channel::Sms | Channel::Voice, Destination::Phone { number }) => {
                    let sender = self.webhook.as_ref().ok_or_else(|| not_configured(notice.channel))?;
                    sender.send(notice, number, &rendered).await
                }
                (Channel::Postal, Destination::Postal { name, address }) => {
                    let spool = self.postal.as_ref().ok_or_else(|| not_configured(notice.channel))?;
                    spool.write_letter(notice, name, address, &rendered, now).await
                }
                (channel, _) => {
                    Err(DeliveryError::new(format!("a {channel} notice cannot go to this kind of destination")))
                }
            }
        };
        tokio::time::timeout(timeout, attempt).await.unwrap_or_else(|_| {
            Err(DeliveryError::new(format!("{} delivery timed out after {} s", notice.channel, timeout.as_secs())))
        })
    }

    fn render(&self, notice: &Notice) -> Result<Rendered, DeliveryError> {
        self.renderer
            .render(&notice.template, notice.language, &notice.params, &self.carrier)
            .map_err(|e| DeliveryError::new(format!("cannot render the notice: {e}")))
    }

    /// The longest one delivery on `channel` may take; an error when it is disabled.
    fn timeout(&self, channel: Channel) -> Result<Duration, DeliveryError> {
        let timeout = match channel {
            Channel::Email => self.email.as_ref().map(|e| e.timeout()),
            Channel::Sms | Channel::Voice => self.webhook.as_ref().map(|w| w.timeout()),
            Channel::Postal => self.postal.as_ref().map(|_| POSTAL_TIMEOUT),
        };
        timeout.ok_or_else(|| not_configured(channel))
    }
}

fn not_configured(channel: Channel) -> DeliveryError {
    let reason = format!("the {channel} channel is not configured (notices.{}.enabled)", config_block(channel));
    DeliveryError { reason, not_configured: true }
}

fn config_block(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Sms | Channel::Voice => "webhook",
        Channel::Postal => "postal",
    }
}
