//! Complaints and data-broker actions over HTTP on every backend: a CSR enters a
//! customer's call, acknowledged once in the customer's language; the privacy office
//! lists, investigates and resolves it with who and when, and counts it; the customer
//! files and follows their own on the portal; quarantined privacy mail is filed or
//! dismissed; actions against data brokers are linked to pretexting signals.

mod common;

use chrono::{Duration, Utc};
use common::{TestServer, new_account_body, portal_session, servers};
use cpniguard_core::notice::NoticeKind;
use cpniguard_store::NoticeQuery;
use cpniguard_store::auth::PretextingSignal;
use cpniguard_store::consent::QuarantinedMail;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

async fn send(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = r.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn account(s: &TestServer, number: &str, phone: &str) -> String {
    let (st, v) = send(s.post("/api/v1/accounts", &s.csr).json(&new_account_body(number, phone))).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn acknowledgements(s: &TestServer, account: &str) -> Vec<cpniguard_core::notice::Notice> {
    let query = NoticeQuery { account: Some(account.parse().unwrap()), limit: 100, ..Default::default() };
    let page = s.store.list_notices(&query).await.unwrap();
    page.notices.into_iter().filter(|n| n.kind == NoticeKind::ComplaintAcknowledged).collect()
}

fn call(account: &str) -> Value {
    json!({
        "category": "unauthorised_release_of_cpni",
        "channel": "call",
        "account_id": account,
        "subject": "A caller knew my call history",
        "description": "Someone phoned my wife and quoted numbers I had called last week."
    })
}

#[tokio::test]
async fn a_call_is_recorded_once_acknowledged_investigated_resolved_and_counted() {
    for s in servers().await {
        let b = s.backend;
        let id = account(&s, &format!("CMP-{b}"), "+18015550801").await;

        // The CSR enters the call; a retry with the same key records nothing new.
        let req = || s.post("/api/v1/complaints", &s.csr).header("idempotency-key", "call-1").json(&call(&id));
        let (st, first) = send(req()).await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {first}");
        assert_eq!(first["created"], true);
        let c = first["complaint"].clone();
        let cid = c["id"].as_str().unwrap().to_owned();
        assert_eq!((c["status"].as_str(), c["account_id"].as_str()), (Some("open"), Some(id.as_str())));
        let (st, again) = send(req()).await;
        assert_eq!(
            (st, again["created"].clone(), again["complaint"]["id"].clone()),
            (StatusCode::OK, json!(false), json!(cid))
        );
        // Acknowledged once, in Spanish, to the email of record, naming the complaint.
        let acks = acknowledgements(&s, &id).await;
        assert_eq!(acks.len(), 1, "{b}");
        assert_eq!(acks[0].language, cpniguard_core::account::Language::Es);
        assert_eq!(acks[0].template, "complaint-acknowledgement");
        assert_eq!(acks[0].params.get("reference"), Some(&cid));
        assert_eq!(c["acknowledgements"], json!([acks[0].id]));

        // Capabilities: a CSR enters but does not manage; marketing does neither.
        let (st, _) = send(s.get("/api/v1/complaints", &s.csr)).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = send(s.post("/api/v1/complaints", &s.marketing).json(&call(&id))).await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // Bad input is a problem with a stable code and the field.
        let mut bad = call(&id);
        bad["channel"] = json!("portal");
        let (st, p) = send(s.post("/api/v1/complaints", &s.csr).json(&bad)).await;
        assert_eq!(
            (st, p["code"].as_str(), p["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"), Some("channel"))
        );
        let mut bad = call(&id);
        bad["subject"] = json!("  ");
        let (st, p) = send(s.post("/api/v1/complaints", &s.csr).json(&bad)).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("subject")));
        let mut bad = call(&id);
        bad["category"] = json!("gossip");
        let (st, _) = send(s.post("/api/v1/complaints", &s.csr).json(&bad)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let mut bad = call(&id);
        bad["account_id"] = json!(Uuid::now_v7());
        let (st, p) = send(s.post("/api/v1/complaints", &s.csr).json(&bad)).await;
        assert_eq!((st, p["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));

        // A letter from someone without an account is a complaint too, unacknowledged.
        let letter = json!({
            "category": "marketing_contact", "channel": "letter", "subject": "Stop calling me",
            "description": "I am not your customer.", "contact": "P.O. Box 1, Provo UT",
            "received_at": (Utc::now() - Duration::days(2)).to_rfc3339()
        });
        let (st, v) = send(s.post("/api/v1/complaints", &s.csr).json(&letter)).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(
            (v["complaint"]["account_id"].clone(), v["complaint"]["acknowledgements"].clone()),
            (Value::Null, json!([]))
        );
        let letter_id = v["complaint"]["id"].as_str().unwrap().to_owned();

        // Listing: filters and keyset paging, newest first.
        let (st, page) = send(s.get("/api/v1/complaints?limit=1", &s.admin)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(page["complaints"][0]["id"], letter_id.as_str());
        let next = page["next_after"].as_str().unwrap().to_owned();
        let (_, page) = send(s.get(&format!("/api/v1/complaints?limit=1&after={next}"), &s.admin)).await;
        assert_eq!(
            (page["complaints"][0]["id"].as_str(), page["next_after"].clone()),
            (Some(cid.as_str()), Value::Null)
        );
        let (_, page) = send(s.get(&format!("/api/v1/complaints?account_id={id}&status=open"), &s.admin)).await;
        assert_eq!(page["complaints"].as_array().unwrap().len(), 1);
        let (_, page) = send(s.get("/api/v1/complaints?category=access_request", &s.admin)).await;
        assert!(page["complaints"].as_array().unwrap().is_empty());
        let (st, p) = send(s.get("/api/v1/complaints?status=closed", &s.admin)).await;
        assert_eq!((st, p["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")));

        // open → investigating → resolved, with a resolution, each with who and when.
        let path = |what: &str| format!("/api/v1/complaints/{cid}/{what}");
        let (st, p) = send(s.post(&path("resolve"), &s.admin).json(&json!({"resolution": "done"}))).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));
        let (st, v) =
            send(s.post(&path("investigate"), &s.admin).json(&json!({"note": "pulling the audit log"}))).await;
        assert_eq!((st, v["complaint"]["status"].as_str()), (StatusCode::OK, Some("investigating")));
        let (st, p) = send(s.post(&path("resolve"), &s.admin).json(&json!({"resolution": " "}))).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("resolution")));
        let (st, v) = send(
            s.post(&path("resolve"), &s.admin).json(&json!({"resolution": "Employee disciplined; customer told."})),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["complaint"]["resolution"], "Employee disciplined; customer told.");
        assert!(v["complaint"]["resolved_at"].is_string() && v["complaint"]["investigating_at"].is_string());
        let (_, v) = send(s.get(&format!("/api/v1/complaints/{cid}"), &s.admin)).await;
        let steps: Vec<&str> = v["events"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
        assert_eq!(steps, ["open", "investigating", "resolved"]);
        assert!(v["events"][2]["actor"].as_str().unwrap().starts_with("staff:"));
        // Kept: there is no way to delete one.
        let r = s.http.delete(s.url(&format!("/api/v1/complaints/{cid}"))).bearer_auth(&s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);

        // The investigator puts a complaint in the category it belongs in; the log says so.
        let recategorise = json!({"category": "pretexting_attempt"});
        let (st, v) =
            send(s.post(&format!("/api/v1/complaints/{letter_id}/investigate"), &s.admin).json(&recategorise)).await;
        assert_eq!((st, v["complaint"]["category"].as_str()), (StatusCode::OK, Some("pretexting_attempt")), "{v}");
        assert_eq!(v["events"][1]["category"], "pretexting_attempt");

        // The counts the certification reports.
        let from = (Utc::now() - Duration::days(7)).to_rfc3339();
        let to = (Utc::now() + Duration::days(1)).to_rfc3339();
        let url =
            reqwest::Url::parse_with_params(&s.url("/api/v1/complaints/summary"), &[("from", &from), ("to", &to)])
                .unwrap();
        let (st, v) = send(s.http.get(url).bearer_auth(&s.admin)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["received"]["total"], 2);
        assert_eq!(v["received"]["by_category"]["unauthorised_release_of_cpni"], 1);
        assert_eq!(v["received"]["by_category"]["pretexting_attempt"], 1);
        assert_eq!(v["received"]["by_category"]["marketing_contact"], 0);
        assert_eq!(v["received"]["unauthorised_release_by_status"]["resolved"], 1);
        assert_eq!(v["unresolved"], 1);
    }
}

#[tokio::test]
async fn the_customer_files_and_follows_complaints_on_the_portal() {
    for s in servers().await {
        let url = s.url("/api/v1/portal/complaints");
        let r = s.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = s.post("/api/v1/portal/complaints", &s.admin).json(&json!({})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a staff token is not a customer session");

        let id = account(&s, &format!("PCM-{}", s.backend), "+18015550802").await;
        let cookie = portal_session(&s, &id, "maria@example.com", "a long online secret").await;
        let body = json!({"category": "pretexting_attempt", "subject": "Odd call", "description": "Someone asked for my PIN."});
        let (st, v) = send(s.http.post(&url).header("cookie", &cookie).json(&body)).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(
            (v["complaint"]["channel"].as_str(), v["complaint"]["recorded_by"].as_str()),
            (Some("portal"), Some("customer"))
        );
        assert_eq!(acknowledgements(&s, &id).await.len(), 1);
        let (st, p) = send(
            s.http
                .post(&url)
                .header("cookie", &cookie)
                .json(&json!({"category": "other", "subject": "", "description": "x"})),
        )
        .await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("subject")));

        let (st, mine) = send(s.http.get(&url).header("cookie", &cookie)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(mine.as_array().unwrap().len(), 1);
        assert_eq!(mine[0]["status"], "open");
        assert!(mine[0].get("recorded_by").is_none(), "who handles it inside the carrier is not shown");
    }
}

fn held(sha: &str, sender: &str) -> QuarantinedMail {
    QuarantinedMail {
        id: Uuid::now_v7(),
        received_at: Utc::now(),
        reason: "auth_failed".to_owned(),
        detail: "dmarc=fail at mx.carrier.example".to_owned(),
        message_id: Some(format!("<{sha}@mail.example>")),
        sha256: sha.to_owned(),
        sender: Some(sender.to_owned()),
        account_ids: Vec::new(),
        status: "open".to_owned(),
        resolved_at: None,
        resolved_by: None,
        resolution_note: None,
        raw: format!("From: {sender}\r\nSubject: privacy\r\n\r\nYou leaked my bill.").into_bytes(),
    }
}

#[tokio::test]
async fn quarantined_privacy_mail_is_filed_or_dismissed() {
    for s in servers().await {
        let id = account(&s, &format!("QCM-{}", s.backend), "+18015550803").await;
        let (a, b) = (held("aaa", "maria@example.com"), held("bbb", "mailer-daemon@example.net"));
        for m in [&a, &b] {
            s.store.quarantine_privacy_mail(m).await.unwrap();
        }
        let (st, list) = send(s.get("/api/v1/complaints/mail-quarantine", &s.admin)).await;
        assert_eq!((st, list.as_array().unwrap().len()), (StatusCode::OK, 2));
        assert!(list[0]["raw"].is_null(), "raw messages only one at a time");
        let (_, one) = send(s.get(&format!("/api/v1/complaints/mail-quarantine/{}", a.id), &s.admin)).await;
        assert!(one["raw"].as_str().unwrap().contains("You leaked my bill."));

        let file = json!({"category": "unauthorised_release_of_cpni", "account_id": id, "subject": "privacy",
            "description": "You leaked my bill.", "note": "the customer confirmed by phone"});
        let path = format!("/api/v1/complaints/mail-quarantine/{}/file", a.id);
        let (st, v) = send(s.post(&path, &s.admin).json(&file)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["quarantine"]["status"], "filed");
        let c = &v["filed"]["complaint"];
        assert_eq!((c["channel"].as_str(), c["message_sha256"].as_str()), (Some("mailbox"), Some("aaa")));
        assert_eq!(v["quarantine"]["complaint_id"], c["id"]);
        assert_eq!(acknowledgements(&s, &id).await.len(), 1);
        let (st, p) = send(s.post(&path, &s.admin).json(&file)).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));

        let dismiss = format!("/api/v1/complaints/mail-quarantine/{}/dismiss", b.id);
        let (st, v) = send(s.post(&dismiss, &s.admin).json(&json!({"note": "a bounce"}))).await;
        assert_eq!((st, v["status"].as_str()), (StatusCode::OK, Some("dismissed")));
        let (_, open) = send(s.get("/api/v1/complaints/mail-quarantine", &s.admin)).await;
        assert!(open.as_array().unwrap().is_empty());
        let (st, _) = send(s.get(&format!("/api/v1/complaints/mail-quarantine/{}", Uuid::now_v7()), &s.admin)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn actions_against_data_brokers_are_linked_to_pretexting_signals() {
    for s in servers().await {
        let id = account(&s, &format!("BRK-{}", s.backend), "+18015550804").await;
        let signal = PretextingSignal {
            id: Uuid::now_v7(),
            kind: "failed_pin_burst".to_owned(),
            account_id: Some(id.parse().unwrap()),
            staff_id: None,
            source: None,
            detail: "five wrong PINs in a minute".to_owned(),
            created_at: Utc::now(),
        };
        s.store.record_signal(&signal).await.unwrap();
        let today = Utc::now().date_naive();
        let body = json!({"taken_on": today - Duration::days(3), "party": "Records Finder LLC", "action": "cease_and_desist",
            "description": "Counsel's letter after the PIN attempts.", "signal_ids": [signal.id]});
        let (st, v) = send(s.post("/api/v1/broker-actions", &s.csr).json(&body)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "the privacy office's, not a CSR's");
        let (st, v2) = send(s.post("/api/v1/broker-actions", &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::CREATED, "{v} {v2}");
        let action = &v2["action"];
        assert_eq!(action["signal_ids"], json!([signal.id]));
        let aid = action["id"].as_str().unwrap().to_owned();

        let mut bad = body.clone();
        bad["signal_ids"] = json!([Uuid::now_v7()]);
        let (st, p) = send(s.post("/api/v1/broker-actions", &s.admin).json(&bad)).await;
        assert_eq!((st, p["detail"].as_str()), (StatusCode::NOT_FOUND, Some("no such pretexting signal")));
        let mut bad = body.clone();
        bad["taken_on"] = json!(today + Duration::days(2));
        let (st, p) = send(s.post("/api/v1/broker-actions", &s.admin).json(&bad)).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("taken_on")));
        let mut bad = body.clone();
        bad["action"] = json!("strongly_worded_email");
        let (st, _) = send(s.post("/api/v1/broker-actions", &s.admin).json(&bad)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

        let (st, v) = send(
            s.post(&format!("/api/v1/broker-actions/{aid}/outcome"), &s.admin)
                .json(&json!({"outcome": "Listings removed"})),
        )
        .await;
        assert_eq!((st, v["action"]["outcome"].as_str()), (StatusCode::OK, Some("Listings removed")));
        let (_, v) = send(s.get(&format!("/api/v1/broker-actions/{aid}"), &s.admin)).await;
        assert_eq!(v["action"]["outcome"], "Listings removed");

        let day = |d: chrono::NaiveDate| d.to_string();
        let within = format!("/api/v1/broker-actions?from={}&to={}", day(today - Duration::days(3)), day(today));
        let (st, v) = send(s.get(&within, &s.admin)).await;
        assert_eq!((st, v.as_array().unwrap().len()), (StatusCode::OK, 1));
        let before = format!("/api/v1/broker-actions?to={}", day(today - Duration::days(4)));
        let (_, v) = send(s.get(&before, &s.admin)).await;
        assert!(v.as_array().unwrap().is_empty());
    }
}
