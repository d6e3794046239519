//! Account-change notices end to end: a change over HTTP queues notices in the same
//! transaction, the worker delivers them to a real SMTP server — to the address of
//! record before the change, in the customer's language, without the new value — and
//! the privacy office sees and retries them over HTTP. A change right after a change
//! never reaches the address the first one set (it is not of record for 30 days), and
//! an account younger than 30 days is told by text to its telephone number.

mod common;

use chrono::Utc;
use common::{TestServer, new_account_body, servers_with};
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
        // Opened 40 days ago: its email is of record.
        let id = s.account_opened(&format!("N-{}", s.backend), "+18015550400", "maria@example.com", 40, false).await;
        let id = id.0.to_string();
        let id = id.as_str();
        let r =
            s.http.patch(s.url(&format!("/api/v1/accounts/{id}"))).bearer_auth(&s.csr).json(&json!({"language": "es"}));
        assert_eq!(r.send().await.unwrap().status(), StatusCode::OK);
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

/// Where the notices queued for `account` went, as (channel, the destination's value)
/// — email address, number, or postal first line — oldest first.
async fn destinations(s: &TestServer, account: &str) -> Vec<(String, String)> {
    let list: Value =
        s.get(&format!("/api/v1/notices?account={account}"), &s.admin).send().await.unwrap().json().await.unwrap();
    let mut out: Vec<(String, String)> = list["notices"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|n| {
            let d = &n["destination"];
            let value = d["address"]["line1"].as_str().or(d["address"].as_str()).or(d["number"].as_str());
            (n["channel"].as_str().unwrap().to_owned(), value.unwrap_or_else(|| panic!("{n}")).to_owned())
        })
        .collect();
    out.sort();
    out
}

async fn change(s: &TestServer, account: &str, body: Value) {
    let r = s.post(&format!("/api/v1/accounts/{account}/contact-points"), &s.csr).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}: {}", s.backend, r.text().await.unwrap());
}

fn pair(channel: &str, value: &str) -> (String, String) {
    (channel.to_owned(), value.to_owned())
}

/// Change then change, per kind of contact point, on an account 40 days old; and an
/// account opened today. The routing sends letters too, so the postal sequence shows.
#[tokio::test]
async fn a_change_after_a_change_reaches_only_contact_points_of_record() {
    let config = || {
        let mut c = Config::default();
        c.notices.routing.default_channels =
            vec![cpniguard_core::notice::Channel::Email, cpniguard_core::notice::Channel::Sms];
        c.notices.routing.per_event.insert(
            cpniguard_core::notice::NoticeKind::PostalAddressChanged,
            vec![cpniguard_core::notice::Channel::Postal, cpniguard_core::notice::Channel::Sms],
        );
        c
    };
    for s in servers_with(config).await {
        // Email, then email again: the second notice goes by letter to the postal
        // address of record (no email is of record), never to either new address.
        let id = s.account_opened("CC-1", "+18015550610", "old@example.com", 40, false).await.0.to_string();
        change(&s, &id, json!({"email": "first@example.net"})).await;
        change(&s, &id, json!({"email": "second@example.net"})).await;
        let mut expected = vec![
            pair("email", "old@example.com"),
            pair("postal", "10 Main St"),
            pair("sms", "+18015550610"),
            pair("sms", "+18015550610"),
        ];
        expected.sort();
        assert_eq!(destinations(&s, &id).await, expected, "{}", s.backend);

        // Postal, then postal again: the letter goes to the address of record first,
        // then to no postal address (the one just set is not of record): text only.
        let id = s.account_opened("CC-2", "+18015550620", "p@example.com", 40, false).await.0.to_string();
        let postal = |line1: &str| json!({"postal_address": {"line1": line1, "city": "Orem", "state": "UT", "zip": "84057", "country": "US"}});
        change(&s, &id, postal("2 Oak Ave")).await;
        change(&s, &id, postal("3 Pine Rd")).await;
        let mut expected = vec![pair("postal", "10 Main St"), pair("sms", "+18015550620"), pair("sms", "+18015550620")];
        expected.sort();
        assert_eq!(destinations(&s, &id).await, expected, "{}", s.backend);

        // A number of service replaced, then another added: the text reaches the
        // number now in service (no 30 days needed), the email of record both times.
        let id = s.account_opened("CC-3", "+18015550630", "t@example.com", 40, false).await.0.to_string();
        change(
            &s,
            &id,
            json!({"add_telephone_numbers": ["+18015550631"], "remove_telephone_numbers": ["+18015550630"]}),
        )
        .await;
        change(&s, &id, json!({"add_telephone_numbers": ["+18015550632"]})).await;
        let mut expected = vec![
            pair("email", "t@example.com"),
            pair("email", "t@example.com"),
            pair("sms", "+18015550630"),
            pair("sms", "+18015550631"),
        ];
        expected.sort();
        assert_eq!(destinations(&s, &id).await, expected, "{}", s.backend);

        // Opened today: nothing is of record but the number of service.
        let id = s.account_opened("CC-4", "+18015550640", "new@example.com", 0, false).await.0.to_string();
        change(&s, &id, json!({"email": "newer@example.net"})).await;
        assert_eq!(destinations(&s, &id).await, [pair("sms", "+18015550640")], "{}", s.backend);
    }
}
