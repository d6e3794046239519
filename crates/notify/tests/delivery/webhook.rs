//! Text messages and voice calls through a local HTTP gateway.

use crate::common::{backends, carrier, config, notice, phone, t0};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Duration as Span, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::notice::{Channel, Notice, NoticeId, NoticeStatus};
use cpniguard_notify::config::{NotifyConfig, Secret, WebhookConfig};
use cpniguard_notify::{Tick, Worker};
use cpniguard_store::Store;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the gateway does with the next request.
#[derive(Clone, Copy)]
enum Reply {
    Accept,
    Status(u16),
    /// Answers only after the client has given up.
    Hang,
}

#[derive(Clone, Default)]
struct Gateway {
    seen: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
}

async fn receive(State(gateway): State<Gateway>, headers: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).expect("the webhook body is JSON");
    gateway.seen.lock().unwrap().push((headers, body));
    let reply = gateway.script.lock().unwrap().pop_front().unwrap_or(Reply::Accept);
    match reply {
        Reply::Accept => axum::Json(serde_json::json!({ "id": "gw-123" })).into_response(),
        Reply::Status(code) => StatusCode::from_u16(code).unwrap().into_response(),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            StatusCode::OK.into_response()
        }
    }
}

impl Gateway {
    async fn start(script: &[Reply]) -> (Gateway, String) {
        let gateway = Gateway::default();
        gateway.script.lock().unwrap().extend(script.iter().copied());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/notices", listener.local_addr().unwrap());
        let app = Router::new().route("/notices", post(receive)).with_state(gateway.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (gateway, url)
    }

    fn seen(&self) -> Vec<(HeaderMap, Value)> {
        self.seen.lock().unwrap().clone()
    }
}

fn webhook_config(url: &str, max_attempts: u32) -> NotifyConfig {
    let mut c = config();
    c.worker.max_attempts = max_attempts;
    c.webhook = WebhookConfig {
        enabled: true,
        url: url.to_owned(),
        auth_value: Some(Secret::new("Bearer gateway-token")),
        timeout_secs: 1,
        ..WebhookConfig::default()
    };
    c
}

async fn queue(store: &dyn Store, channel: Channel, language: Language) -> NoticeId {
    let n = notice(channel, phone(), language, t0());
    store.enqueue_notices(std::slice::from_ref(&n), t0()).await.unwrap();
    n.id
}

async fn stored(store: &dyn Store, id: NoticeId) -> Notice {
    store.get_notice(id).await.unwrap().unwrap()
}

/// Well past any retry delay of [`config`].
fn later(hours: i64) -> DateTime<Utc> {
    t0() + Span::hours(hours)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_and_timeouts_are_retried_until_the_gateway_accepts() {
    for backend in backends().await {
        let store = backend.store.as_ref();
        let (gateway, url) = Gateway::start(&[Reply::Status(500), Reply::Hang]).await;
        let id = queue(store, Channel::Sms, Language::En).await;
        let worker = Worker::new(backend.store.clone(), webhook_config(&url, 5), carrier()).unwrap();

        assert_eq!(worker.run_once(t0()).await.unwrap(), Tick { claimed: 1, sent: 0, retried: 1, abandoned: 0 });
        let n = stored(store, id).await;
        assert_eq!((n.status, n.attempts), (NoticeStatus::Failed, 1), "{}", backend.name);
        assert!(n.last_error.as_deref().unwrap().contains("500"), "{:?}", n.last_error);
        assert!(n.next_attempt_at > t0());
        assert_eq!(worker.run_once(t0()).await.unwrap().claimed, 0, "not due before its retry time");

        assert_eq!(worker.run_once(later(1)).await.unwrap().retried, 1);
        let n = stored(store, id).await;
        assert!(n.last_error.as_deref().unwrap().contains("sms delivery timed out after 1 s"), "{:?}", n.last_error);

        assert_eq!(worker.run_once(later(2)).await.unwrap().sent, 1);
        let n = stored(store, id).await;
        assert_eq!((n.status, n.attempts), (NoticeStatus::Sent, 3));
        assert_eq!(n.provider_message_id.as_deref(), Some("gw-123"));
        assert!(n.last_error.iter().all(|e| !e.contains("Example Carrier")), "errors never carry the text sent");

        let seen = gateway.seen();
        assert_eq!(seen.len(), 3);
        for (headers, body) in &seen {
            assert_eq!(headers["authorization"], "Bearer gateway-token");
            assert_eq!(headers["idempotency-key"], format!("test:{id}"));
            assert_eq!(headers["content-type"], "application/json");
            let mut keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["channel", "idempotency_key", "language", "notice_id", "text", "to"]);
            assert_eq!(body["notice_id"], id.to_string());
            assert_eq!(body["idempotency_key"], format!("test:{id}"), "the same on every attempt");
            assert_eq!(body["channel"], "sms");
            assert_eq!(body["to"], "+18015550100");
            assert_eq!(body["language"], "en");
            let text = body["text"].as_str().unwrap();
            assert!(text.starts_with("Example Carrier: the password for your account was changed on June 1, 2026"));
            assert!(text.ends_with("Not you? Call +1 800 555 0100."), "{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_is_abandoned_after_the_last_attempt() {
    for backend in backends().await {
        let store = backend.store.as_ref();
        let (gateway, url) = Gateway::start(&[Reply::Status(503); 10]).await;
        let id = queue(store, Channel::Voice, Language::Es).await;
        let worker = Worker::new(backend.store.clone(), webhook_config(&url, 3), carrier()).unwrap();
        let ticks: Vec<Tick> = rounds(&worker, 4).await;
        assert_eq!(
            ticks,
            [
                Tick { claimed: 1, sent: 0, retried: 1, abandoned: 0 },
                Tick { claimed: 1, sent: 0, retried: 1, abandoned: 0 },
                Tick { claimed: 1, sent: 0, retried: 0, abandoned: 1 },
                Tick::default(),
            ],
            "{}",
            backend.name
        );
        let n = stored(store, id).await;
        assert_eq!((n.status, n.attempts), (NoticeStatus::Abandoned, 3));
        assert!(n.last_error.unwrap().contains("503"));
        let seen = gateway.seen();
        assert_eq!(seen.len(), 3, "no attempt after abandoning");
        assert_eq!(seen[0].1["channel"], "voice");
        assert!(seen[0].1["text"].as_str().unwrap().starts_with("Hola, le llama Example Carrier"));
    }
}

/// Runs `count` rounds, an hour apart.
async fn rounds(worker: &Worker, count: i64) -> Vec<Tick> {
    let mut ticks = Vec::new();
    for hour in 0..count {
        ticks.push(worker.run_once(later(hour)).await.unwrap());
    }
    ticks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_channel_keeps_its_notices_until_it_is_enabled() {
    for backend in backends().await {
        let store = backend.store.as_ref();
        let id = queue(store, Channel::Sms, Language::En).await;
        let mut disabled = config();
        disabled.worker.max_attempts = 1;
        let worker = Worker::new(backend.store.clone(), disabled, carrier()).unwrap();
        for hour in 0..3 {
            let tick = worker.run_once(later(hour)).await.unwrap();
            assert_eq!(tick, Tick { claimed: 1, sent: 0, retried: 1, abandoned: 0 }, "{}", backend.name);
        }
        let n = stored(store, id).await;
        assert_eq!(n.status, NoticeStatus::Failed, "waiting, not abandoned");
        assert!(n.last_error.unwrap().contains("the sms channel is not configured"));

        let (gateway, url) = Gateway::start(&[]).await;
        let enabled = Worker::new(backend.store.clone(), webhook_config(&url, 1), carrier()).unwrap();
        assert_eq!(enabled.run_once(later(4)).await.unwrap().sent, 1);
        assert_eq!(stored(store, id).await.status, NoticeStatus::Sent);
        assert_eq!(gateway.seen().len(), 1);
    }
}
