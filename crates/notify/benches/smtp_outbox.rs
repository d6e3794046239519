//! What the outbox costs over sending mail directly, in one run against the same
//! in-process SMTP server:
//!
//! (a) N notices queued in a fresh SQLite store and delivered by one `Worker`
//!     (claim, render, send, record), in notices per second;
//! (b) N equivalent messages (same subject, text and HTML parts) sent by a minimal
//!     lettre loop over one pooled transport with the worker's concurrency, in
//!     messages per second.
//!
//! Prints one JSON line with both rates and their ratio. N defaults to 2,000; set it
//! with an argument (`cargo bench -p cpniguard-notify --bench smtp_outbox -- 500`) or
//! `CPNIGUARD_BENCH_NOTICES`. The notice is an account-change notice; with `breach`
//! among the arguments it is the breach notice (issue 7: the delivery half of the
//! breach figure, whose queueing half is `cpniguard bench breach`).
//!
//! `connections=C` sets the SMTP connections both sides hold open and the deliveries
//! in flight (default: the worker's defaults, `email.pool_max` connections and
//! `worker.concurrency` in flight). Each message costs a connection a round trip
//! held up by delayed acknowledgement (lettre writes the terminating dot separately),
//! so throughput grows with connections on both sides alike. The server only counts
//! what it receives, so a million messages fit in memory.

use chrono::Utc;
use cpniguard_core::account::Language;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use cpniguard_notify::config::EmailConfig;
use cpniguard_notify::testing::SmtpSink;
use cpniguard_notify::{CarrierInfo, NotifyConfig, Renderer, Worker};
use futures::StreamExt;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const DEFAULT_N: usize = 2_000;
const WAIT: Duration = Duration::from_secs(600);

/// The notice delivered: its kind, template and parameters.
#[derive(Clone, Copy)]
enum Kind {
    AccountChange,
    Breach,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let kind = if args.iter().any(|a| a == "breach") { Kind::Breach } else { Kind::AccountChange };
    let n = args
        .iter()
        .find(|a| a.chars().all(|c| c.is_ascii_digit()))
        .cloned()
        .or_else(|| std::env::var("CPNIGUARD_BENCH_NOTICES").ok())
        .map_or(DEFAULT_N, |a| a.parse().expect("the number of notices is a positive integer"));
    let connections = args
        .iter()
        .find_map(|a| a.strip_prefix("connections="))
        .map(|c| c.parse::<u32>().expect("connections=C takes a positive integer"));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a Tokio runtime");
    runtime.block_on(bench(n, kind, connections));
}

fn carrier() -> CarrierInfo {
    CarrierInfo {
        name: "Example Carrier".into(),
        support_phone: "+1 800 555 0100".into(),
        website: "https://carrier.example".into(),
        privacy_email: "privacy@carrier.example".into(),
        privacy_postal_address: "The Privacy Office, 100 Main Street, Salt Lake City, UT 84101".into(),
    }
}

impl Kind {
    fn notice(self) -> NoticeKind {
        match self {
            Kind::AccountChange => NoticeKind::PasswordChanged,
            Kind::Breach => NoticeKind::BreachNotice,
        }
    }

    fn params(self) -> BTreeMap<String, String> {
        let mut params = BTreeMap::from([
            ("change".to_owned(), self.notice().as_str().to_owned()),
            ("changed_at".to_owned(), Utc::now().to_rfc3339()),
            ("name".to_owned(), "Rosa Díaz".to_owned()),
        ]);
        if let Kind::Breach = self {
            params.insert("categories".to_owned(), "records of your calls; your bills".to_owned());
        }
        params
    }
}

fn notice(kind: Kind, i: usize, now: chrono::DateTime<Utc>) -> NewNotice {
    let id = NoticeId::new();
    NewNotice {
        id,
        account_id: None,
        kind: kind.notice(),
        channel: Channel::Email,
        destination: Destination::Email { address: EmailAddress::parse(&format!("c{i}@example.com")).unwrap() },
        template: kind.notice().template().into(),
        language: if i.is_multiple_of(2) { Language::En } else { Language::Es },
        params: kind.params(),
        idempotency_key: format!("bench:{id}"),
        not_before: now,
    }
}

async fn bench(n: usize, kind: Kind, connections: Option<u32>) {
    let mut config = NotifyConfig::default();
    if let Some(c) = connections {
        config.worker.concurrency = c.max(1);
        config.worker.batch_size = config.worker.batch_size.max(4 * c);
    }
    let pool_max = connections.map_or(config.email.pool_max, |c| c.max(1));
    // Room for both sides' connections: the sink serves one connection per thread.
    let sink = SmtpSink::start_counting(2 * pool_max.max(config.worker.concurrency) + 4);
    config.email = EmailConfig { pool_max, ..sink.email_config() };
    let concurrency = config.worker.concurrency as usize;

    // (a) The outbox worker.
    let (_dir, store) = cpniguard_store::testing::fresh_sqlite().await;
    let now = Utc::now();
    for start in (0..n).step_by(500) {
        let chunk: Vec<NewNotice> = (start..(start + 500).min(n)).map(|i| notice(kind, i, now)).collect();
        store.enqueue_notices(&chunk, now).await.expect("queue the notices");
    }
    let worker = Worker::new(store.clone(), config.clone(), carrier()).expect("a worker");
    let started = Instant::now();
    let mut sent = 0;
    while sent < n {
        let tick = worker.run_once(Utc::now()).await.expect("a worker round");
        assert_eq!(tick.sent, tick.claimed, "every notice is delivered on its first attempt");
        assert!(tick.claimed > 0, "notices left undelivered");
        sent += tick.sent as usize;
    }
    sink.wait_for_count(n, WAIT).await;
    let worker_secs = started.elapsed().as_secs_f64();
    // Its pooled connections close with it, so they hold none of the sink's sessions.
    drop(worker);

    // (b) The same mail through lettre alone.
    let rendered = Renderer::new().render(kind.notice().template(), Language::En, &kind.params(), &carrier()).unwrap();
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(sink.addr().ip().to_string())
        .port(sink.addr().port())
        .pool_config(PoolConfig::new().max_size(config.email.pool_max))
        .build();
    let from: Mailbox = "Example Carrier <notices@carrier.example>".parse().unwrap();
    let started = Instant::now();
    let sends = futures::stream::iter(0..n).map(|i| {
        let message = Message::builder()
            .from(from.clone())
            .to(format!("c{i}@example.com").parse().unwrap())
            .subject(rendered.subject.as_str())
            .multipart(MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone()))
            .unwrap();
        let transport = &transport;
        async move { transport.send(message).await.expect("lettre sends") }
    });
    sends.buffer_unordered(concurrency).collect::<Vec<_>>().await;
    sink.wait_for_count(2 * n, WAIT).await;
    let lettre_secs = started.elapsed().as_secs_f64();

    let worker_rate = n as f64 / worker_secs;
    let lettre_rate = n as f64 / lettre_secs;
    println!(
        "{}",
        serde_json::json!({
            "bench": "smtp_outbox",
            "notice": kind.notice().as_str(),
            "n": n,
            "store": "sqlite",
            "concurrency": concurrency,
            "connections": config.email.pool_max,
            "worker_notices_per_s": (worker_rate * 10.0).round() / 10.0,
            "lettre_messages_per_s": (lettre_rate * 10.0).round() / 10.0,
            "ratio_worker_to_lettre": (worker_rate / lettre_rate * 1000.0).round() / 1000.0,
        })
    );
}
