//! Opt-out notice campaigns over HTTP on every backend: the accounts due are listed;
//! a campaign queues the individual opt-out notice (email of record, else a letter)
//! in the customer's language and records it served in the same transaction, so the
//! status becomes `waiting` until the end of the waiting period (30 days from an
//! email, 33 from a letter); a second campaign the same day queues nothing; an
//! opted-out account is skipped; the Spanish notice is delivered by the worker.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{TestServer, new_account_body, servers_with};
use cpniguard_notify::Worker;
use cpniguard_notify::testing::SmtpSink;
use cpniguard_server::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn config_for(sink: &SmtpSink) -> Config {
    let mut c = Config::default();
    c.notices.email = sink.email_config();
    c
}

fn scope<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["scopes"].as_array().unwrap().iter().find(|s| s["scope"] == name).unwrap()
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&Utc)
}

async fn create(s: &TestServer, body: Value) -> String {
    let r = s.post("/api/v1/accounts", &s.csr).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", s.backend);
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn notice_campaigns_queue_record_and_are_idempotent() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let b = s.backend;
        // Spanish, with an email address; English, with only a postal address; one opted out.
        let maria = create(&s, new_account_body(&format!("ON-{b}-1"), "+18015550701")).await;
        let mut letter_body = new_account_body(&format!("ON-{b}-2"), "+18015550702");
        letter_body["language"] = json!("en");
        letter_body["name"] = json!("John Smith");
        letter_body.as_object_mut().unwrap().remove("email");
        let john = create(&s, letter_body).await;
        let mut out_body = new_account_body(&format!("ON-{b}-3"), "+18015550703");
        out_body["email"] = json!("optedout@example.com");
        let opted = create(&s, out_body).await;
        let r = s
            .post(&format!("/api/v1/accounts/{opted}/consent"), &s.csr)
            .json(&json!({"action": "opt_out", "interaction_id": "call-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{b}");

        // Only the privacy office runs campaigns.
        let r = s.post("/api/v1/consent/notice-campaigns", &s.csr).json(&json!({"due": true})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{b}");
        let r =
            s.post("/api/v1/consent/notice-campaigns", &s.admin).json(&json!({"accounts": []})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");

        // Due: the two accounts never noticed; the opted-out one is not.
        let due: Value = s.get("/api/v1/consent/notices-due", &s.admin).send().await.unwrap().json().await.unwrap();
        let due: Vec<(&str, &str)> = due["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["account_id"].as_str().unwrap(), a["reason"].as_str().unwrap()))
            .collect();
        assert!(due.contains(&(maria.as_str(), "no_notice")), "{b}: {due:?}");
        assert!(due.contains(&(john.as_str(), "no_notice")), "{b}: {due:?}");
        assert!(!due.iter().any(|(id, _)| *id == opted), "{b}: {due:?}");

        let before = Utc::now();
        let run: Value = s
            .post("/api/v1/consent/notice-campaigns", &s.admin)
            .json(&json!({"due": true}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!((run["queued"].as_u64(), run["skipped"].as_u64()), (Some(2), Some(0)), "{b}: {run}");

        // Explicitly: the same accounts again the same day, and the opted-out one.
        let again: Value = s
            .post("/api/v1/consent/notice-campaigns", &s.admin)
            .json(&json!({"accounts": [maria, john, opted]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(again["queued"], 0, "{b}: {again}");
        assert_eq!(again["skipped_by_reason"]["already_noticed_today"], 2, "{b}: {again}");
        assert_eq!(again["skipped_by_reason"]["opted_out"], 1, "{b}: {again}");
        let due: Value = s.get("/api/v1/consent/notices-due", &s.admin).send().await.unwrap().json().await.unwrap();
        assert!(due["accounts"].as_array().unwrap().is_empty(), "{b}: {due}");

        // One notice each, in the customer's language, by the right channel; the status waits.
        for (id, language, channel, days, medium) in
            [(&maria, "es", "email", 30, "electronic"), (&john, "en", "postal", 33, "mail")]
        {
            let notices: Value = s
                .get("/api/v1/notices", &s.admin)
                .query(&[("account", id.as_str())])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let ours: Vec<&Value> =
                notices["notices"].as_array().unwrap().iter().filter(|n| n["template"] == "optout-notice").collect();
            assert_eq!(ours.len(), 1, "{b}: {notices}");
            assert_eq!((ours[0]["language"].as_str(), ours[0]["channel"].as_str()), (Some(language), Some(channel)));

            let st: Value =
                s.get(&format!("/api/v1/accounts/{id}/consent"), &s.csr).send().await.unwrap().json().await.unwrap();
            let cm = scope(&st, "carrier_marketing");
            assert_eq!(cm["state"], "waiting", "{b}: {st}");
            let until = time(&cm["waiting_until"]);
            assert!(until >= before + Duration::days(days) && until <= Utc::now() + Duration::days(days), "{b}: {st}");
            assert_eq!(scope(&st, "partner_sharing")["state"], "no_notice", "opt-in tier untouched");

            let history: Value = s
                .get(&format!("/api/v1/accounts/{id}/consent/history"), &s.csr)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let served: Vec<&Value> =
                history["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "notice_served").collect();
            assert_eq!(served.len(), 1, "{b}: {history}");
            assert_eq!(served[0]["notice"]["medium"], medium);
            assert_eq!(served[0]["notice"]["version"], Config::default().consent.notice_version.as_str());
        }

        // The email notice bounces: it no longer counts, and the next campaign sends a letter.
        let history: Value = s
            .get(&format!("/api/v1/accounts/{maria}/consent/history"), &s.csr)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let served = history["events"].as_array().unwrap().iter().find(|e| e["kind"] == "notice_served").unwrap();
        let r = s
            .post(
                &format!("/api/v1/accounts/{maria}/consent/notices/{}/bounced", served["id"].as_str().unwrap()),
                &s.admin,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{b}");
        let due: Value = s.get("/api/v1/consent/notices-due", &s.admin).send().await.unwrap().json().await.unwrap();
        assert_eq!(due["accounts"][0]["account_id"].as_str(), Some(maria.as_str()), "{b}: {due}");
        let resend: Value = s
            .post("/api/v1/consent/notice-campaigns", &s.admin)
            .json(&json!({"due": true}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(resend["queued"], 1, "{b}: {resend}");
        assert_eq!(resend["accounts"][0]["channel"], "postal", "{b}: {resend}");
        let st: Value =
            s.get(&format!("/api/v1/accounts/{maria}/consent"), &s.csr).send().await.unwrap().json().await.unwrap();
        let until = time(&scope(&st, "carrier_marketing")["waiting_until"]);
        assert!(until >= before + Duration::days(33), "{b}: the letter's period: {st}");

        // The worker delivers the Spanish notice to the email of record.
        let sent_before = sink.messages().len();
        let config = config_for(&sink);
        let worker = Worker::new(s.store.clone(), config.notices.clone(), config.carrier_info()).unwrap();
        worker.run_once(Utc::now()).await.unwrap();
        let mail = sink.wait_for(sent_before + 1, std::time::Duration::from_secs(10)).await;
        let m = mail[sent_before..]
            .iter()
            .find(|m| m.subject().is_some_and(|s| s.contains("opciones de privacidad")))
            .unwrap_or_else(|| panic!("{b}: no Spanish opt-out notice among {:?}", mail.len()));
        assert_eq!(m.to, vec!["maria@example.com".to_owned()]);
        assert!(m.text().unwrap().contains("CPNI"));
    }
}

#[tokio::test]
async fn the_biennial_notice_is_due_within_the_horizon_and_after_the_grace() {
    for s in servers_with(Config::default).await {
        let b = s.backend;
        let horizon = Config::default().consent.renotice_horizon_days;
        // Served 24 months less 30 days ago: the biennial date is in ~30 days, within the
        // horizon (60). Served 26 months ago: past the date and its grace. Served a year ago:
        // not due.
        let mut ids = Vec::new();
        for (n, days_ago) in [(1, 700), (2, 790), (3, 365)] {
            let id = create(&s, new_account_body(&format!("BI-{b}-{n}"), &format!("+1801555080{n}"))).await;
            let r = s
                .post(&format!("/api/v1/accounts/{id}/consent/notices"), &s.admin)
                .json(
                    &json!({"version": "2024-01", "medium": "electronic", "at": Utc::now() - Duration::days(days_ago)}),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED, "{b}");
            ids.push(id);
        }
        let due: Value = s.get("/api/v1/consent/notices-due", &s.admin).send().await.unwrap().json().await.unwrap();
        assert_eq!(due["horizon_days"], horizon, "{b}");
        let due: Vec<(String, String)> = due["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["account_id"].as_str().unwrap().to_owned(), a["reason"].as_str().unwrap().to_owned()))
            .collect();
        let mut expected =
            vec![(ids[0].clone(), "renotice_soon".to_owned()), (ids[1].clone(), "renotice_due".to_owned())];
        expected.sort();
        let mut got = due.clone();
        got.sort();
        assert_eq!(got, expected, "{b}");

        let run: Value = s
            .post("/api/v1/consent/notice-campaigns", &s.admin)
            .json(&json!({"due": true}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(run["queued"], 2, "{b}: {run}");
        let st: Value =
            s.get(&format!("/api/v1/accounts/{}/consent", ids[1]), &s.csr).send().await.unwrap().json().await.unwrap();
        // The renewal restarts the biennial clock (the approval rests on the earlier notice).
        let cm = scope(&st, "carrier_marketing");
        assert_eq!(cm["state"], "approved_by_notice", "{b}: renewed: {st}");
        assert!(time(&cm["renotice_by"]) > Utc::now() + Duration::days(700), "{b}: {st}");
        let due: Value = s.get("/api/v1/consent/notices-due", &s.admin).send().await.unwrap().json().await.unwrap();
        assert!(due["accounts"].as_array().unwrap().is_empty(), "{b}: {due}");
    }
}
