//! A real SMTP server for tests (feature `testing`): [`SmtpSink`] speaks SMTP through
//! the `mailin` protocol implementation over TCP on 127.0.0.1, accepts every message
//! and keeps it, so tests see exactly what a relay would receive.

use crate::config::{EmailConfig, SmtpTls};
use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One message as received: the SMTP envelope and the raw data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl ReceivedMail {
    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.data).expect("the received data is a message")
    }

    /// A header's raw value, trimmed (still RFC 2047-encoded, if it was).
    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed().header_raw(name).map(|v| v.trim().to_owned())
    }

    /// The `Message-ID` without angle brackets.
    pub fn message_id(&self) -> Option<String> {
        self.parsed().message_id().map(str::to_owned)
    }

    /// The decoded subject.
    pub fn subject(&self) -> Option<String> {
        self.parsed().subject().map(str::to_owned)
    }

    /// The decoded plain-text body.
    pub fn text(&self) -> Option<String> {
        self.parsed().body_text(0).map(|t| t.into_owned())
    }

    /// The decoded HTML body.
    pub fn html(&self) -> Option<String> {
        self.parsed().body_html(0).map(|t| t.into_owned())
    }

    /// Everything a reader could see, decoded: headers, subject, text and HTML.
    pub fn decoded(&self) -> String {
        let parsed = self.parsed();
        let headers = String::from_utf8_lossy(&self.data[..parsed.root_part().offset_body as usize]).into_owned();
        [Some(headers), self.subject(), self.text(), self.html()].into_iter().flatten().collect::<Vec<_>>().join("\n")
    }
}

/// What the sink has received: every message, or (a counting sink, for volumes that
/// would not fit in memory) only how many.
#[derive(Default)]
struct Inbox {
    keep: bool,
    /// How long the end of each message's data goes unanswered after it is kept.
    ack_delay: Duration,
    messages: Mutex<Vec<ReceivedMail>>,
    count: AtomicUsize,
}

impl Inbox {
    fn push(&self, mail: ReceivedMail) {
        if self.keep {
            self.messages.lock().unwrap_or_else(|p| p.into_inner()).push(mail);
        }
        self.count.fetch_add(1, Ordering::SeqCst);
    }
}

/// Collects one session's message; `mailin_embedded` clones it per connection.
#[derive(Clone)]
struct Collector {
    inbox: Arc<Inbox>,
    current: Option<ReceivedMail>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(ReceivedMail { from: from.to_owned(), to: to.to_vec(), data: Vec::new() });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(mail) = &mut self.current {
            mail.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(mail) = self.current.take() {
            self.inbox.push(mail);
        }
        // Each session has its own thread: this holds only this sender.
        std::thread::sleep(self.inbox.ack_delay);
        response::OK
    }
}

/// An SMTP server on 127.0.0.1 (a free port), plain text, no authentication. It runs
/// on its own threads until the test process ends.
pub struct SmtpSink {
    addr: SocketAddr,
    inbox: Arc<Inbox>,
}

/// Sessions served at once (each pooled client connection holds one while open).
const SESSIONS: u32 = 32;

impl SmtpSink {
    /// A sink that keeps every message it receives.
    pub fn start() -> SmtpSink {
        Self::serve(Inbox { keep: true, ..Inbox::default() }, SESSIONS)
    }

    /// A sink that keeps every message but answers the end of its data only `delay`
    /// later: a sender killed meanwhile has delivered a message it never learnt was
    /// accepted, the window in which SMTP delivery is at least once.
    pub fn start_slow_to_acknowledge(delay: Duration) -> SmtpSink {
        Self::serve(Inbox { keep: true, ack_delay: delay, ..Inbox::default() }, SESSIONS)
    }

    /// A sink that only counts what it receives, serving up to `sessions` connections
    /// at once: for benchmarks whose volume would not fit in memory.
    /// [`SmtpSink::received`] and [`SmtpSink::wait_for_count`] see the count;
    /// [`SmtpSink::messages`] is always empty.
    pub fn start_counting(sessions: u32) -> SmtpSink {
        Self::serve(Inbox::default(), sessions.max(1))
    }

    fn serve(inbox: Inbox, sessions: u32) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port for the SMTP sink");
        let addr = listener.local_addr().expect("the SMTP sink's address");
        let inbox = Arc::new(inbox);
        let mut server = Server::new(Collector { inbox: Arc::clone(&inbox), current: None });
        server
            .with_name("smtp-sink.test")
            .with_num_threads(sessions)
            .with_ssl(SslConfig::None)
            .expect("no TLS needs no setup")
            .with_tcp_listener(listener);
        std::thread::Builder::new()
            .name("smtp-sink".to_owned())
            .spawn(move || {
                // Serving ends only on a listener error; the test then fails on waiting.
                if let Err(e) = server.serve() {
                    eprintln!("the SMTP sink stopped: {e}");
                }
            })
            .expect("start the SMTP sink thread");
        SmtpSink { addr, inbox }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// An enabled, plain-text email configuration pointing at this sink.
    pub fn email_config(&self) -> EmailConfig {
        EmailConfig {
            enabled: true,
            smtp_host: self.addr.ip().to_string(),
            smtp_port: self.addr.port(),
            tls: SmtpTls::None,
            timeout_secs: 10,
            ..EmailConfig::default()
        }
    }

    /// Every message received so far, in order of arrival.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.inbox.messages.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// How many messages have arrived so far.
    pub fn received(&self) -> usize {
        self.inbox.count.load(Ordering::SeqCst)
    }

    /// Waits until at least `count` messages have arrived, without copying them.
    ///
    /// # Panics
    /// When they have not arrived within `timeout`.
    pub async fn wait_for_count(&self, count: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.received() < count {
            assert!(
                Instant::now() < deadline,
                "the SMTP sink received {} of {count} messages within {timeout:?}",
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until at least `count` messages have arrived and returns them all.
    ///
    /// # Panics
    /// When they have not arrived within `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        self.wait_for_count(count, timeout).await;
        self.messages()
    }
}

/// A privacy-office reminder by email with no account, keyed `idempotency_key`: the
/// notice tests queue by the hundred to watch a worker deliver them.
pub fn reminder_notice(
    idempotency_key: String,
    not_before: chrono::DateTime<chrono::Utc>,
) -> cpniguard_core::notice::NewNotice {
    use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
    let params = std::collections::BTreeMap::from([
        ("name".to_owned(), "Privacy office".to_owned()),
        ("incident".to_owned(), format!("incident-{idempotency_key}")),
        ("clock".to_owned(), "agency_notice".to_owned()),
        ("due".to_owned(), "2026-03-01".to_owned()),
    ]);
    let address = cpniguard_core::email::EmailAddress::parse("privacy@carrier.example").expect("a valid address");
    NewNotice {
        id: NoticeId::new(),
        account_id: None,
        kind: NoticeKind::BreachReminder,
        channel: Channel::Email,
        destination: Destination::Email { address },
        template: NoticeKind::BreachReminder.template().to_owned(),
        language: cpniguard_core::account::Language::En,
        params,
        idempotency_key,
        not_before,
    }
}
