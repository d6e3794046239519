//! Email over SMTP (lettre, rustls). Each message carries a `Message-ID` derived from
//! the notice id, the same on every attempt, so a duplicate after a worker crash is
//! recognisable (and dropped by receivers that deduplicate on it), plus the notice id in
//! `X-CPNIGuard-Notice` and `Auto-Submitted: auto-generated` so auto-responders stay
//! quiet (RFC 3834).

use super::{Delivered, DeliveryError, SetupError};
use crate::config::{EmailConfig, SmtpTls};
use crate::render::Rendered;
use chrono::{DateTime, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::notice::{Notice, NoticeId};
use lettre::message::header::ContentType;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// The header naming the notice a message delivers.
pub const NOTICE_HEADER: &str = "X-CPNIGuard-Notice";

pub struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    message_id_domain: String,
    timeout: Duration,
}

impl EmailSender {
    /// `carrier_name` is the sender's display name unless `from_name` is set.
    pub fn new(config: &EmailConfig, carrier_name: &str) -> Result<Self, SetupError> {
        let setup = |e: lettre::transport::smtp::Error| SetupError::Email(e.to_string());
        let host = config.smtp_host.as_str();
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(setup)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(setup)?,
        };
        let timeout = Duration::from_secs(config.timeout_secs);
        let mut builder = builder
            .port(config.smtp_port)
            .timeout(Some(timeout))
            .pool_config(PoolConfig::new().max_size(config.pool_max));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        let address: Address = config
            .from_address
            .parse()
            .map_err(|_| SetupError::Email("from_address is not an email address".to_owned()))?;
        let name = config.from_name.clone().unwrap_or_else(|| carrier_name.to_owned());
        Ok(Self {
            transport: builder.build(),
            from: Mailbox::new(Some(name), address),
            message_id_domain: config.message_id_domain.clone(),
            timeout,
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The `Message-ID` of a notice's email, without angle brackets.
    pub fn message_id(&self, id: NoticeId) -> String {
        format!("{id}@{}", self.message_id_domain)
    }

    pub(crate) async fn send(
        &self,
        notice: &Notice,
        to: &EmailAddress,
        rendered: &Rendered,
        now: DateTime<Utc>,
    ) -> Result<Delivered, DeliveryError> {
        let message = self.message(notice, to, rendered, now)?;
        let response = self.transport.send(message).await.map_err(smtp_failure)?;
        // The server's reply usually names its queue id: the reference to find the
        // message in the relay's logs.
        let reply = response.message().collect::<Vec<_>>().join(" ");
        Ok(Delivered { provider_message_id: Some(format!("{}; {}", self.message_id(notice.id), reply.trim())) })
    }

    fn message(
        &self,
        notice: &Notice,
        to: &EmailAddress,
        rendered: &Rendered,
        now: DateTime<Utc>,
    ) -> Result<Message, DeliveryError> {
        let address: Address = to
            .as_str()
            .parse()
            .map_err(|_| DeliveryError::new("the destination is not a deliverable email address"))?;
        let name = notice.params.get("name").filter(|n| !n.trim().is_empty()).cloned();
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(name, address))
            .subject(rendered.subject.as_str())
            .date(now.into())
            .message_id(Some(format!("<{}>", self.message_id(notice.id))))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str(NOTICE_HEADER), notice.id.to_string()))
            .multipart(body(notice, rendered))
            .map_err(|e| DeliveryError::new(format!("cannot build the email: {e}")))
    }
}

/// Text and HTML alternatives; a document the customer asked for (sent only to the
/// address of record) also travels as an attached file they can keep.
fn body(notice: &Notice, rendered: &Rendered) -> MultiPart {
    let alternatives = MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone());
    match notice.params.get("document") {
        Some(document) => {
            let file_name = match notice.language {
                Language::En => "document.txt",
                Language::Es => "documento.txt",
            };
            let content_type = ContentType::parse("text/plain; charset=utf-8").expect("a valid content type");
            MultiPart::mixed()
                .multipart(alternatives)
                .singlepart(Attachment::new(file_name.to_owned()).body(document.clone(), content_type))
        }
        None => alternatives,
    }
}

/// A failure in words safe to store and log: SMTP replies may echo the recipient's
/// address, so only their code is kept.
fn smtp_failure(e: lettre::transport::smtp::Error) -> DeliveryError {
    let reason = match e.status() {
        Some(code) if e.is_permanent() => format!("SMTP server refused the message permanently ({code})"),
        Some(code) => format!("SMTP server deferred the message ({code})"),
        None if e.is_timeout() => "SMTP server did not answer in time".to_owned(),
        None if e.is_response() => "SMTP server sent a malformed reply".to_owned(),
        None => format!("SMTP {e}"),
    };
    DeliveryError::new(reason)
}
