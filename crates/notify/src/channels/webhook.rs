//! Text messages and voice calls through the carrier's gateway, over one HTTP webhook.
//!
//! # The contract
//!
//! For each attempt to deliver an `sms` or `voice` notice, CPNI Guard sends
//!
//! ```text
//! POST {notices.webhook.url}
//! Content-Type: application/json
//! Idempotency-Key: {idempotency_key}
//! {notices.webhook.auth_header}: {notices.webhook.auth_value}   (when auth_value is set)
//!
//! {
//!   "notice_id": "0192f0c4-7a4e-7b1c-9a3e-2f5d8c1b6a70",
//!   "idempotency_key": "chg-42:password_changed:sms",
//!   "channel": "sms",
//!   "to": "+18015550100",
//!   "language": "es",
//!   "text": "Example Carrier: el 1 de junio de 2026 a las 12:00 (UTC) se cambió la contraseña de su cuenta. ¿No fue usted? Llame al +1 800 555 0100."
//! }
//! ```
//!
//! - `channel` is `"sms"` (send `text` as a text message) or `"voice"` (call `to`, or
//!   leave a voicemail, and speak `text`).
//! - `to` is the telephone number of record in E.164; `language` is `"en"` or `"es"`
//!   (for choosing a voice).
//! - Any `2xx` answer means the gateway accepted the message. The answer may be a JSON
//!   object with an `"id"` string, recorded as the provider's reference; any other body
//!   is ignored.
//! - Any other status, a connection failure, or no answer within
//!   `notices.webhook.timeout_secs` is a failed attempt: the same notice is sent again
//!   later, with growing delays, until `notices.worker.max_attempts`. Delivery is at
//!   least once, so **the gateway must deduplicate on `idempotency_key`** (identical on
//!   every attempt for the same notice).
//!
//! The text never contains the changed data, a contact point's value or CPNI.

use super::{Delivered, DeliveryError, SetupError};
use crate::config::WebhookConfig;
use crate::render::Rendered;
use cpniguard_core::notice::{Channel, Notice, NoticeId};
use cpniguard_core::phone::PhoneNumber;
use reqwest::header::{HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The JSON body of a webhook request (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    pub notice_id: NoticeId,
    pub idempotency_key: String,
    /// `sms` or `voice`.
    pub channel: Channel,
    /// E.164.
    pub to: String,
    /// `en` or `es`.
    pub language: String,
    /// The text message, or the script to speak.
    pub text: String,
}

/// What a gateway may answer with a 2xx.
#[derive(Deserialize)]
struct Accepted {
    id: Option<String>,
}

pub struct WebhookSender {
    client: reqwest::Client,
    url: reqwest::Url,
    auth: Option<(HeaderName, HeaderValue)>,
    timeout: Duration,
}

impl WebhookSender {
    pub fn new(config: &WebhookConfig) -> Result<Self, SetupError> {
        let setup = |reason: &str| SetupError::Webhook(reason.to_owned());
        let url = reqwest::Url::parse(&config.url).map_err(|_| setup("url is not a URL"))?;
        let auth = match &config.auth_value {
            Some(value) => {
                let name = HeaderName::from_bytes(config.auth_header.as_bytes())
                    .map_err(|_| setup("auth_header is not a header name"))?;
                let mut value =
                    HeaderValue::from_str(value.expose()).map_err(|_| setup("auth_value is not a header value"))?;
                // Kept out of reqwest's debug output.
                value.set_sensitive(true);
                Some((name, value))
            }
            None => None,
        };
        // The whole attempt is bounded by the deliverer with `timeout_secs`.
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| SetupError::Webhook(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { client, url, auth, timeout: Duration::from_secs(config.timeout_secs) })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) async fn send(
        &self,
        notice: &Notice,
        to: &PhoneNumber,
        rendered: &Rendered,
    ) -> Result<Delivered, DeliveryError> {
        let text = match notice.channel {
            Channel::Voice => rendered.voice.clone(),
            _ => rendered.sms.clone(),
        };
        let body = WebhookRequest {
            notice_id: notice.id,
            idempotency_key: notice.idempotency_key.clone(),
            channel: notice.channel,
            to: to.as_str().to_owned(),
            language: notice.language.as_str().to_owned(),
            text,
        };
        let mut request = self.client.post(self.url.clone()).json(&body);
        if let Ok(key) = HeaderValue::from_str(&notice.idempotency_key) {
            request = request.header("Idempotency-Key", key);
        }
        if let Some((name, value)) = &self.auth {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(failure)?;
        let status = response.status();
        if !status.is_success() {
            return Err(DeliveryError::new(format!("the {} gateway answered {status}", notice.channel)));
        }
        // The reference is optional: an empty or non-JSON answer still means accepted.
        let id =
            response.bytes().await.ok().and_then(|b| serde_json::from_slice::<Accepted>(&b).ok()).and_then(|a| a.id);
        Ok(Delivered { provider_message_id: id })
    }
}

/// Without the URL, which may carry a token.
fn failure(e: reqwest::Error) -> DeliveryError {
    if e.is_connect() {
        DeliveryError::new("cannot connect to the gateway")
    } else {
        DeliveryError::new(format!("webhook request failed: {}", e.without_url()))
    }
}
