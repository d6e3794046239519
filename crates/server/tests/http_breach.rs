//! Breach response over HTTP (issue 7), on every available backend: customer notice
//! blocked during the waiting period and released after it, lifted by an urgent need,
//! moved by a delay order; retention refusal; affected accounts derived from the
//! audit chain and notified through a real SMTP server; and a notified record that is
//! amended, never rewritten, kept through its date and under legal holds.

mod common;

use chrono::{DateTime, Datelike, Duration, Utc};
use common::{TestServer, servers, servers_with};
use cpniguard_core::account::{
    AccountKind, AccountProfile, AccountStatus, DirectoryListing, Language, NewAccount, PicFreeze, PostalAddress,
    TimeZoneName,
};
use cpniguard_core::audit::{AuditRecord, Principal, PrincipalKind};
use cpniguard_core::calendar::FederalCalendar;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_notify::Worker;
use cpniguard_notify::testing::SmtpSink;
use cpniguard_server::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration as StdDuration;

/// An account opened 40 days ago, so its contact points are of record.
async fn account(s: &TestServer, number: &str, phone: &str, email: &str, language: Language) -> AccountId {
    let new = NewAccount {
        profile: AccountProfile {
            account_number: cpniguard_core::account::AccountNumber::parse(number).unwrap(),
            kind: AccountKind::Residential,
            name: "Ana Ruiz".into(),
            language,
            time_zone: TimeZoneName::parse("America/Denver").unwrap(),
            status: AccountStatus::Active,
            pic_freeze: PicFreeze::default(),
            directory_listing: DirectoryListing::Listed,
            business_exemption: None,
        },
        postal_address: PostalAddress {
            line1: "10 Main St".into(),
            line2: None,
            city: "Provo".into(),
            state: "UT".into(),
            zip: "84601".into(),
            country: "US".into(),
        },
        email: Some(EmailAddress::parse(email).unwrap()),
        telephone_numbers: vec![PhoneNumber::parse(phone).unwrap()],
    };
    let id = AccountId::new();
    s.store.create_account(id, &new, Utc::now() - Duration::days(40)).await.unwrap();
    id
}

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A new incident determined `days_ago` days ago, affecting `accounts`.
async fn incident(s: &TestServer, days_ago: i64, accounts: &[AccountId]) -> String {
    let determined = Utc::now() - Duration::days(days_ago);
    let body = json!({
        "discovered_at": determined - Duration::hours(2),
        "determined_at": determined,
        "description": "an employee read accounts without a customer's request",
        "categories": ["call_detail", "billing"],
        "affected_accounts": accounts,
        "harm": "likely",
    });
    let (st, v) = send(s.post("/api/v1/breach/incidents", &s.admin).json(&body)).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["incident"]["id"].as_str().unwrap().to_owned()
}

async fn agencies_told(s: &TestServer, id: &str, at: DateTime<Utc>) {
    for agency in ["usss", "fbi"] {
        let body = json!({"agency": agency, "reference": format!("{agency}-1"), "at": at});
        let (st, v) =
            send(s.post(&format!("/api/v1/breach/incidents/{id}/agency-notices"), &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
}

async fn notify(s: &TestServer, id: &str) -> (StatusCode, Value) {
    send(s.post(&format!("/api/v1/breach/incidents/{id}/notify-customers"), &s.admin)).await
}

async fn get(s: &TestServer, id: &str) -> Value {
    let (st, v) = send(s.get(&format!("/api/v1/breach/incidents/{id}"), &s.admin)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

fn today() -> chrono::NaiveDate {
    FederalCalendar::for_time_zone("America/New_York").unwrap().local_date(Utc::now())
}

#[tokio::test]
async fn the_waiting_period_blocks_customer_notice_until_its_date() {
    for s in servers().await {
        let a = account(&s, "BRW-1001", "+18015550801", "w1@example.com", Language::En).await;
        let id = incident(&s, 1, &[a]).await;
        let v = get(&s, &id).await;
        let opens = v["customer_notice_blocked_until"].as_str().expect("blocked").to_owned();
        assert_eq!(v["deadlines"]["customer_notice_earliest"], opens.as_str());
        let (st, p) = notify(&s, &id).await;
        assert_eq!(st, StatusCode::CONFLICT, "{p}");
        assert_eq!(p["code"], "customer_notice_blocked");
        assert!(p["detail"].as_str().unwrap().contains(&opens), "{p}");

        // Told the agencies long ago: the seven business days have passed.
        let old = incident(&s, 60, &[a]).await;
        agencies_told(&s, &old, Utc::now() - Duration::days(59)).await;
        let v = get(&s, &old).await;
        assert_eq!(v["incident"]["state"], "agencies_notified");
        assert!(v["customer_notice_blocked_until"].is_null(), "{v}");
        let (st, v) = notify(&s, &old).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["incident"]["state"], "customers_notified");
        assert_eq!(v["notice_counts"], json!({"queued": 1}), "{v}");
        let (_, page) = send(s.get(&format!("/api/v1/breach/incidents/{old}/notices"), &s.admin)).await;
        assert_eq!(page["notices"].as_array().unwrap().len(), 1, "{page}");
        assert_eq!(
            (page["notices"][0]["account_id"].as_str(), page["notices"][0]["status"].as_str()),
            (Some(a.to_string().as_str()), Some("queued"))
        );
        assert!(page["next_after"].is_null());
        let (st, _) = notify(&s, &old).await;
        assert_eq!(st, StatusCode::CONFLICT, "only once");
        // Every change is in the log.
        let (_, events) = send(s.get(&format!("/api/v1/breach/incidents/{old}/events"), &s.admin)).await;
        let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["created", "agency_notified", "agency_notified", "customers_notified"]);
    }
}

#[tokio::test]
async fn an_urgent_need_lifts_the_waiting_period() {
    for s in servers().await {
        let a = account(&s, "BRU-1001", "+18015550802", "u1@example.com", Language::En).await;
        let id = incident(&s, 1, &[a]).await;
        assert_eq!(notify(&s, &id).await.0, StatusCode::CONFLICT);
        let body = json!({"agency": "fbi", "consulted": "Special Agent Doe", "reason": "identity theft under way"});
        let (st, v) = send(s.post(&format!("/api/v1/breach/incidents/{id}/urgent-need"), &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert!(v["customer_notice_blocked_until"].is_null(), "{v}");
        let (st, v) = notify(&s, &id).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
}

#[tokio::test]
async fn a_delay_order_moves_customer_notice_until_released() {
    for s in servers().await {
        let a = account(&s, "BRD-1001", "+18015550803", "d1@example.com", Language::En).await;
        let id = incident(&s, 60, &[a]).await;
        agencies_told(&s, &id, Utc::now() - Duration::days(59)).await;
        let until = today() + Duration::days(10);
        let body = json!({"agency": "usss", "reference": "USSS-ORDER-7", "until": until});
        let (st, v) = send(s.post(&format!("/api/v1/breach/incidents/{id}/delay-orders"), &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let opens = (until + Duration::days(1)).to_string();
        assert_eq!(v["customer_notice_blocked_until"], opens.as_str());
        let (st, p) = notify(&s, &id).await;
        assert_eq!(st, StatusCode::CONFLICT, "{p}");
        assert!(p["detail"].as_str().unwrap().contains(&opens), "{p}");

        // Extended in writing: the date moves again.
        let order = v["incident"]["delay_orders"][0]["id"].as_str().unwrap().to_owned();
        let later = until + Duration::days(20);
        let body = json!({"reference": "USSS-ORDER-7A", "until": later});
        let path = format!("/api/v1/breach/incidents/{id}/delay-orders/{order}/extensions");
        let (st, v) = send(s.post(&path, &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["customer_notice_blocked_until"], (later + Duration::days(1)).to_string().as_str());

        // Released today: customers may be told.
        let path = format!("/api/v1/breach/incidents/{id}/delay-orders/{order}/release");
        let (st, v) = send(s.post(&path, &s.admin).json(&json!({"released_on": today()}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert!(v["customer_notice_blocked_until"].is_null(), "{v}");
        assert_eq!(notify(&s, &id).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn records_are_kept_until_the_retention_date_and_exported() {
    for s in servers().await {
        let id = incident(&s, 3, &[]).await;
        let v = get(&s, &id).await;
        let until = v["incident"]["retain_until"].as_str().unwrap().to_owned();
        assert_eq!(v["deadlines"]["records_retain_until"], until.as_str());
        let r = s.http.delete(s.url(&format!("/api/v1/breach/incidents/{id}"))).bearer_auth(&s.admin).send().await;
        let r = r.unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["code"], "retention");
        assert!(p["detail"].as_str().unwrap().contains(&until), "{p}");
        get(&s, &id).await;

        let (st, export) = send(s.get(&format!("/api/v1/breach/incidents/{id}/export"), &s.admin)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(export["incident"]["id"], id.as_str());
        assert_eq!(export["events"][0]["kind"], "created");
        let html = s.get(&format!("/api/v1/breach/incidents/{id}/report"), &s.admin).send().await.unwrap();
        assert!(html.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let html = html.text().await.unwrap();
        assert!(html.contains("an employee read accounts without a customer&#39;s request"), "escaped");

        // Only the privacy office.
        let (st, _) = send(s.get("/api/v1/breach/incidents", &s.csr)).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, clocks) = send(s.get("/api/v1/breach/clocks", &s.admin)).await;
        assert_eq!(st, StatusCode::OK, "{clocks}");
    }
}

fn audit(principal: &str, account: AccountId, at: DateTime<Utc>) -> AuditRecord {
    AuditRecord {
        at,
        principal: Principal { kind: PrincipalKind::Staff, id: principal.to_owned(), role: Some("csr".into()) },
        account_id: Some(account),
        ..cpniguard_store::conformance::audit_record(1)
    }
}

fn config_for(sink: &SmtpSink) -> Config {
    let mut c = Config::default();
    c.notices.email = sink.email_config();
    c.notices.worker.max_attempts = 1;
    c
}

#[tokio::test]
async fn accounts_from_the_audit_chain_are_notified_by_email_in_their_language() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let tag = s.backend;
        let en = account(&s, "BRE-1001", "+18015550811", &format!("en.{tag}@example.com"), Language::En).await;
        let es = account(&s, "BRE-1002", "+18015550812", &format!("es.{tag}@example.com"), Language::Es).await;
        let other = account(&s, "BRE-1003", "+18015550813", &format!("other.{tag}@example.com"), Language::En).await;
        let now = Utc::now();
        s.store
            .append_audit(&[
                audit("rogue", en, now - Duration::hours(5)),
                audit("rogue", es, now - Duration::hours(4)),
                audit("rogue", en, now - Duration::hours(3)),
                // Outside the range, and another principal: not affected.
                audit("rogue", other, now - Duration::days(3)),
                audit("honest", other, now - Duration::hours(4)),
            ])
            .await
            .unwrap();

        let id = incident(&s, 0, &[]).await;
        let body = json!({"principal_kind": "staff", "principal": "rogue", "from": now - Duration::days(1), "to": now});
        let path = format!("/api/v1/breach/incidents/{id}/affected-accounts/from-audit");
        let (st, v) = send(s.post(&path, &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let mut expected = vec![en.to_string(), es.to_string()];
        expected.sort();
        assert_eq!(v["incident"]["affected_count"], 2, "{v}");
        // Listed a page at a time, by id.
        let listing = format!("/api/v1/breach/incidents/{id}/affected-accounts");
        let (st, first) = send(s.get(&format!("{listing}?limit=1"), &s.admin)).await;
        assert_eq!(st, StatusCode::OK, "{first}");
        let after = first["next_after"].as_str().expect("a full page has a cursor").to_owned();
        let (_, second) = send(s.get(&format!("{listing}?limit=1&after={after}"), &s.admin)).await;
        let (_, third) =
            send(s.get(&format!("{listing}?limit=1&after={}", second["next_after"].as_str().unwrap()), &s.admin)).await;
        assert!(third["accounts"].as_array().unwrap().is_empty() && third["next_after"].is_null(), "{third}");
        let got: Vec<String> =
            [&first, &second].iter().map(|p| p["accounts"][0].as_str().unwrap().to_owned()).collect();
        assert_eq!(got, expected);
        let (st, p) = send(s.get(&format!("{listing}?limit=ten"), &s.admin)).await;
        assert_eq!((st, p["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")), "{p}");

        let body = json!({"agency": "usss", "consulted": "Agent Roe", "reason": "accounts being taken over"});
        let (st, _) = send(s.post(&format!("/api/v1/breach/incidents/{id}/urgent-need"), &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::OK);
        let (st, v) = notify(&s, &id).await;
        assert_eq!(st, StatusCode::OK, "{v}");

        let before = sink.messages().len();
        let config = config_for(&sink);
        let worker = Worker::new(s.store.clone(), config.notices.clone(), config.carrier_info()).unwrap();
        worker.run_once(Utc::now()).await.unwrap();
        let mail = sink.wait_for(before + 2, StdDuration::from_secs(10)).await;
        let to = |addr: &str| mail.iter().filter(|m| m.to == vec![addr.to_owned()]).collect::<Vec<_>>();
        let en_mail = to(&format!("en.{tag}@example.com"));
        let es_mail = to(&format!("es.{tag}@example.com"));
        assert_eq!((en_mail.len(), es_mail.len()), (1, 1), "one message per affected account");
        assert!(to(&format!("other.{tag}@example.com")).is_empty(), "nothing to unaffected accounts");
        let en_text = en_mail[0].text().unwrap();
        assert!(en_mail[0].subject().unwrap().starts_with("Important notice"), "{en_text}");
        assert!(en_text.contains("records of your calls") && en_text.contains("FCC"), "{en_text}");
        let es_text = es_mail[0].text().unwrap();
        assert!(es_mail[0].subject().unwrap().starts_with("Aviso importante"), "{es_text}");
        assert!(es_text.contains("los registros de sus llamadas"), "{es_text}");

        let v = get(&s, &id).await;
        assert_eq!(v["notice_counts"], json!({"sent": 2}), "{v}");
    }
}

#[tokio::test]
async fn the_daily_job_reminds_the_privacy_office_once_a_day_per_overdue_clock() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        // Determined 30 days ago, agencies never told: the agency notice is overdue.
        let id = incident(&s, 30, &[]).await;
        let config = config_for(&sink);
        let state = s.state.clone();
        let now = Utc::now();
        let tick = cpniguard_server::breach_jobs::run_once(&state, now).await.unwrap();
        assert_eq!((tick.overdue, tick.queued), (1, 1), "{tick:?}");
        let again = cpniguard_server::breach_jobs::run_once(&state, now + Duration::minutes(5)).await.unwrap();
        assert_eq!((again.overdue, again.queued), (1, 0), "a rerun the same day queues nothing");

        let before = sink.messages().len();
        let worker = Worker::new(s.store.clone(), config.notices.clone(), config.carrier_info()).unwrap();
        worker.run_once(Utc::now()).await.unwrap();
        let mail = sink.wait_for(before + 1, StdDuration::from_secs(10)).await;
        let ours: Vec<_> = mail.iter().filter(|m| m.subject().is_some_and(|t| t.contains(&id))).collect();
        assert_eq!(ours.len(), 1, "one reminder for the incident");
        assert_eq!(ours[0].to, vec![config.carrier.privacy_email.clone()]);
        let text = ours[0].text().unwrap();
        let cal = FederalCalendar::for_time_zone(&config.carrier.time_zone).unwrap();
        let due = cal.add_business_days(cal.local_date(Utc::now() - Duration::days(30)), 7);
        assert!(text.contains(&id) && text.contains("notice to the federal agencies"), "{text}");
        assert!(text.contains(&due.to_string()), "names the due date {due}: {text}");
        assert!(!text.contains("call_detail") && !text.contains("employee read"), "no incident facts: {text}");

        let (st, v) = send(s.get("/api/v1/breach/clocks", &s.admin)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(v["overdue"][0]["incident_id"], json!(id), "{v}");
        assert_eq!(v["overdue"][0]["due"], json!(due.to_string()), "{v}");
    }
}

#[tokio::test]
async fn a_small_no_harm_incident_under_the_2023_order_has_an_annual_summary_clock() {
    let sink = SmtpSink::start();
    let config = || {
        let mut c = config_for(&sink);
        c.breach.regime = cpniguard_core::breach::Regime::Fcc2023;
        c
    };
    for s in servers_with(config).await {
        // Determined about 400 days ago: the summary was due on February 1 after it.
        let determined = Utc::now() - Duration::days(400);
        let body = json!({
            "discovered_at": determined - Duration::hours(2),
            "determined_at": determined,
            "description": "a misdirected report",
            "categories": ["billing"],
            "approximate_affected": 12,
            "harm": "unlikely",
            "harm_reasoning": "the file was encrypted and the recipient deleted it",
        });
        let (st, v) = send(s.post("/api/v1/breach/incidents", &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["incident"]["id"].as_str().unwrap().to_owned();

        let (st, v) = send(s.get("/api/v1/breach/clocks", &s.admin)).await;
        assert_eq!(st, StatusCode::OK);
        let clocks: Vec<&str> = v["overdue"].as_array().unwrap().iter().map(|c| c["clock"].as_str().unwrap()).collect();
        assert_eq!(clocks, ["annual_summary"], "{v}");
        assert_eq!(v["overdue"][0]["incident_id"], json!(id));

        let c = config();
        let state = s.state.clone();
        let tick = cpniguard_server::breach_jobs::run_once(&state, Utc::now()).await.unwrap();
        assert_eq!(tick.queued, 1, "{tick:?}");
        let before = sink.messages().len();
        let worker = Worker::new(s.store.clone(), c.notices.clone(), c.carrier_info()).unwrap();
        worker.run_once(Utc::now()).await.unwrap();
        let mail = sink.wait_for(before + 1, StdDuration::from_secs(10)).await;
        let ours: Vec<_> = mail.iter().filter(|m| m.subject().is_some_and(|t| t.contains(&id))).collect();
        assert_eq!(ours.len(), 1);
        let text = ours[0].text().unwrap();
        assert!(text.contains("inclusion in the annual summary to the FCC"), "{text}");

        // Filing the summary that includes it stops the clock and the reminders.
        let filed = determined.date_naive().succ_opt().unwrap();
        let body = json!({"year": 2020, "reference": "FCC-AS-1", "filed_on": "2019-12-31"});
        let (st, v) =
            send(s.post(&format!("/api/v1/breach/incidents/{id}/annual-summary-filed"), &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "filed before the year ends: {v}");
        let body = json!({"year": filed.year(), "reference": "FCC-AS-1", "filed_on": filed});
        let (st, v) =
            send(s.post(&format!("/api/v1/breach/incidents/{id}/annual-summary-filed"), &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["incident"]["annual_summary_filing"]["reference"], "FCC-AS-1", "{v}");
        let (st, v) =
            send(s.post(&format!("/api/v1/breach/incidents/{id}/annual-summary-filed"), &s.admin).json(&body)).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::CONFLICT, Some("already_filed")), "{v}");
        let (_, v) = send(s.get("/api/v1/breach/clocks", &s.admin)).await;
        assert!(v["overdue"].as_array().unwrap().iter().all(|c| c["incident_id"] != json!(id)), "{v}");
        let tick = cpniguard_server::breach_jobs::run_once(&state, Utc::now() + Duration::days(1)).await.unwrap();
        assert_eq!(tick.queued, 0, "no reminder once filed: {tick:?}");

        // An incident customers are told about has no summary to file.
        let other = incident(&s, 1, &[]).await;
        let (st, v) =
            send(s.post(&format!("/api/v1/breach/incidents/{other}/annual-summary-filed"), &s.admin).json(&body)).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::CONFLICT, Some("no_annual_summary")), "{v}");
    }
}

/// The facts `incident` enters, with `description` and `determined_at` as given, for a
/// replacement (`PUT`).
fn facts(determined: DateTime<Utc>, description: &str) -> Value {
    json!({
        "discovered_at": determined - Duration::hours(2),
        "determined_at": determined,
        "description": description,
        "categories": ["call_detail", "billing"],
        "harm": "likely",
    })
}

fn put(s: &TestServer, id: &str, body: &Value) -> reqwest::RequestBuilder {
    s.http.put(s.url(&format!("/api/v1/breach/incidents/{id}"))).bearer_auth(&s.admin).json(body)
}

fn delete(s: &TestServer, id: &str, token: &str) -> reqwest::RequestBuilder {
    s.http.delete(s.url(&format!("/api/v1/breach/incidents/{id}"))).bearer_auth(token)
}

/// Once the agencies are told, a replacement is an amendment with its reason and
/// what it changed, in the history and the export; the determination stays fixed;
/// the record cannot be deleted early.
#[tokio::test]
async fn a_notified_breach_record_is_amended_never_rewritten() {
    for s in servers().await {
        let id = incident(&s, 3, &[]).await;
        let determined: DateTime<Utc> =
            get(&s, &id).await["incident"]["determined_at"].as_str().unwrap().parse().unwrap();
        agencies_told(&s, &id, Utc::now()).await;
        let until = get(&s, &id).await["incident"]["retain_until"].clone();

        let (st, p) = send(put(&s, &id, &facts(determined, "rewritten"))).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")), "{} {p}", s.backend);

        let mut amended = facts(determined, "an employee read 40 accounts without a customer's request");
        amended["reason"] = json!("the review found more accounts");
        let (st, v) = send(put(&s, &id, &amended)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (_, events) = send(s.get(&format!("/api/v1/breach/incidents/{id}/events"), &s.admin)).await;
        let last = events.as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["kind"].as_str(), last["actor"].as_str()), (Some("amended"), Some("admin.test")), "{last}");
        assert_eq!(last["detail"]["reason"], "the review found more accounts");
        assert_eq!(
            last["detail"]["changes"],
            json!([{
                "field": "description",
                "before": "an employee read accounts without a customer's request",
                "after": "an employee read 40 accounts without a customer's request",
            }])
        );

        // The attack of the issue: the determination moved back to 2020, then a delete.
        let mut moved = facts("2020-01-06T15:00:00Z".parse().unwrap(), "old news");
        moved["reason"] = json!("typo");
        let (st, p) = send(put(&s, &id, &moved)).await;
        assert_eq!(
            (st, p["code"].as_str(), p["field"].as_str()),
            (StatusCode::CONFLICT, Some("breach_record_fixed"), Some("determined_at")),
            "{p}"
        );
        let mut replaced = amended.clone();
        replaced["affected_accounts"] = json!([]);
        let (st, p) = send(put(&s, &id, &replaced)).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::CONFLICT, Some("affected_accounts")), "{p}");
        let (st, p) = send(delete(&s, &id, &s.admin)).await;
        assert_eq!((st, p["code"].as_str()), (StatusCode::CONFLICT, Some("retention")), "{p}");
        assert!(p["detail"].as_str().unwrap().contains(until.as_str().unwrap()), "says until when: {p}");

        let v = get(&s, &id).await;
        assert_eq!(
            (v["incident"]["retain_until"].clone(), v["incident"]["description"].as_str()),
            (until, amended["description"].as_str())
        );
        let (_, export) = send(s.get(&format!("/api/v1/breach/incidents/{id}/export"), &s.admin)).await;
        assert_eq!(export["amendments"].as_array().map(Vec::len), Some(1), "{export}");
        assert_eq!(export["amendments"][0]["detail"]["reason"], "the review found more accounts");
    }
}

/// Before any notification the facts may be corrected, but moving the determination
/// back never brings the deletion forward. A record past its date is deleted only
/// once no legal hold covers it, and the deletion is in the audit chain with counts.
#[tokio::test]
async fn retention_only_moves_later_and_holds_block_deletion() {
    for s in servers().await {
        let id = incident(&s, 3, &[]).await;
        let until = get(&s, &id).await["incident"]["retain_until"].clone();
        let (st, v) = send(put(&s, &id, &facts("2020-01-06T15:00:00Z".parse().unwrap(), "corrected"))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["incident"]["retain_until"], until, "not shortened");
        assert_eq!(send(delete(&s, &id, &s.admin)).await.0, StatusCode::CONFLICT);

        // Determined five years ago and never notified: past its date.
        let a = account(&s, "BH-1", "+18015550961", "held@example.com", Language::En).await;
        let old = incident(&s, 5 * 365, &[a]).await;
        let privacy = s
            .staff("privacy.breach", cpniguard_core::staff::Role::PrivacyOfficer, Some(today() - chrono::Days::new(10)))
            .await;
        let mut holds = Vec::new();
        for target in [json!({"incident_id": old}), json!({"account_id": a})] {
            let mut body = json!({"reason": "litigation", "reference": "Case 26-CV-1"});
            body.as_object_mut().unwrap().extend(target.as_object().unwrap().clone());
            let (st, hold) = send(s.post("/api/v1/legal-holds", &privacy).json(&body)).await;
            assert_eq!(st, StatusCode::CREATED, "{hold}");
            holds.push(hold["id"].as_str().unwrap().to_owned());
        }
        for hold in holds {
            let (st, p) = send(delete(&s, &old, &s.admin)).await;
            assert_eq!((st, p["code"].as_str()), (StatusCode::CONFLICT, Some("legal_hold")), "{} {p}", s.backend);
            let (st, _) = send(s.post(&format!("/api/v1/legal-holds/{hold}/lift"), &privacy)).await;
            assert_eq!(st, StatusCode::OK);
        }
        let r = delete(&s, &old, &s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", s.backend);
        assert_eq!(send(s.get(&format!("/api/v1/breach/incidents/{old}"), &s.admin)).await.0, StatusCode::NOT_FOUND);

        let all = cpniguard_store::audit::AuditQuery { limit: 1000, ..Default::default() };
        let entries = s.store.search_audit(&all).await.unwrap().entries;
        let deleted: Vec<_> = entries.iter().filter(|e| e.record.action == "breach.incident_deleted").collect();
        assert_eq!(deleted.len(), 1, "{}", s.backend);
        assert_eq!(
            deleted[0].record.record_refs,
            [
                format!("breach_incident:{old}"),
                "events:1".into(),
                "affected_accounts:1".into(),
                "notices:0".into(),
                "lifted_legal_holds:1".into()
            ]
        );
        assert_eq!(deleted[0].record.principal.kind, PrincipalKind::Staff);
    }
}
