//! Account-change notices end to end: a change over HTTP queues notices in the same
//! transaction, the worker delivers them to a real SMTP server — to the address of
//! record before the change, in the customer's language, without the new value — and
//! the privacy office sees and retries them over HTTP.

mod common;

use chrono::Utc;
use common::{new_account_body, servers_with};
use cpniguard_notify::Worker;
use cpniguard_notify::testing::SmtpSink;
use cpniguard_server::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn config_for(sink: &SmtpSink) -> Config {
    let mut c = Config::default();
    c.notices.email = sink.email_config();
    // Text messages are routed but no messaging platform is configured: those notices
    // wait for one (retried with backoff, however many attempts), never vanish.
    c.notices.worker.max_attempts = 1;
    c
}

#[tokio::test]
async fn an_email_change_is_told_to_the_old_address_in_spanish_and_never_reveals_the_new_one() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let before = sink.messages().len();
        let account: Value = s
            .post("/api/v1/accounts", &s.csr)
            .json(&new_account_body(&format!("N-{}", s.backend), "+18015550400"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = account["id"].as_str().unwrap();
        assert_eq!(sink.messages().len(), before, "no notice when the account is opened");

        let path = format!("/api/v1/accounts/{id}/contact-points");
        let r = s
            .post(&path, &s.csr)
            .header("Idempotency-Key", "call-42")
            .json(&json!({"email": "nueva.direccion@example.org"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        let changed: Value = r.json().await.unwrap();
        assert_eq!(changed["notices_queued"].as_array().unwrap().len(), 2, "email and text");

        // The same request again: nothing changes, nothing more is queued.
        let again: Value = s
            .post(&path, &s.csr)
            .header("Idempotency-Key", "call-42")
            .json(&json!({"email": "nueva.direccion@example.org"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(again["notices_queued"].as_array().unwrap().is_empty());

        let config = config_for(&sink);
        let worker = Worker::new(s.store.clone(), config.notices.clone(), config.carrier_info()).unwrap();
        let tick = worker.run_once(Utc::now()).await.unwrap();
        assert_eq!((tick.claimed, tick.sent, tick.retried), (2, 1, 1), "{}: {tick:?}", s.backend);

        let mail = sink.wait_for(before + 1, Duration::from_secs(10)).await;
        assert_eq!(mail.len(), before + 1, "exactly one message");
        let m = &mail[before];
        assert_eq!(m.to, vec!["maria@example.com".to_owned()], "sent to the previous address of record");
        let seen = m.decoded();
        assert!(!seen.contains("nueva.direccion"), "the new address is never revealed: {seen}");
        assert!(!seen.contains("+18015550400"), "no contact values in the notice");
        let text = m.text().unwrap();
        assert!(text.contains("correo electrónico"), "Spanish for a Spanish-speaking customer: {text}");
        assert_eq!(m.header("Auto-Submitted").as_deref(), Some("auto-generated"));

        // The privacy office sees both notices; CSRs do not.
        let r = s.get(&format!("/api/v1/notices?account={id}"), &s.csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let list: Value =
            s.get(&format!("/api/v1/notices?account={id}"), &s.admin).send().await.unwrap().json().await.unwrap();
        let notices = list["notices"].as_array().unwrap();
        assert_eq!(notices.len(), 2);
        let waiting = notices.iter().find(|n| n["status"] == "failed").expect("the text notice waits for a channel");
        assert_eq!(waiting["channel"], "sms");
        assert!(waiting["last_error"].as_str().unwrap().contains("not configured"), "{waiting}");
        let sent = notices.iter().find(|n| n["status"] == "sent").unwrap();
        assert_eq!(sent["destination"]["address"], "maria@example.com");

        let retry_path = format!("/api/v1/notices/{}/retry", waiting["id"].as_str().unwrap());
        let r = s.post(&retry_path, &s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "queued");
        let r =
            s.post(&format!("/api/v1/notices/{}/retry", sent["id"].as_str().unwrap()), &s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a sent notice is not sent again");

        let metrics = s.http.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains("cpniguard_notices_sent_total"), "delivery counters are exported");
    }
}

#[tokio::test]
async fn a_change_nobody_can_be_told_of_raises_a_privacy_task() {
    let config = || {
        let mut c = Config::default();
        c.notices.routing.default_channels = vec![cpniguard_core::notice::Channel::Email];
        c.notices.routing.postal_when_no_email = false;
        c
    };
    for s in servers_with(config).await {
        let mut body = new_account_body("T-100", "+18015550500");
        body["email"] = Value::Null;
        let account: Value = s.post("/api/v1/accounts", &s.csr).json(&body).send().await.unwrap().json().await.unwrap();
        let id = account["id"].as_str().unwrap_or_else(|| panic!("{account}"));
        let changed: Value = s
            .post(&format!("/api/v1/accounts/{id}/contact-points"), &s.csr)
            .json(&json!({"add_telephone_numbers": ["+18015550501"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(changed["privacy_tasks_raised"], 1, "{}", s.backend);
        let tasks: Value = s.get("/api/v1/privacy-tasks", &s.admin).send().await.unwrap().json().await.unwrap();
        assert_eq!(tasks["tasks"][0]["account_id"], id);
        assert!(tasks["tasks"][0]["detail"].as_str().unwrap().contains("telephone_number_changed"));
    }
}
