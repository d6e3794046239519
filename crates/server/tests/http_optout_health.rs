//! Opt-out mechanism health (issue 6, item 7) on every backend: the health check opens
//! an opt-out failure incident from what the opt-out paths recorded — an opt-out held
//! in the mail quarantine too long, mail ingest failing for hours, portal requests
//! failing beyond the rate — one per mechanism, due 5 federal business days later
//! (skipping Thanksgiving), with the letter to the FCC drafted; the privacy office
//! completes it, records the letter and closes it. A database outage, which records
//! no failure, is seen by the wait of the mail it held up once that is applied.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{TestServer, servers_with};
use cpniguard_server::Config;
use cpniguard_server::consent_jobs::{check_once, observe, observe_mail_ingest};
use cpniguard_store::StoreError;
use cpniguard_store::consent::{ConsentChange, OptOutIncidentStatus, OptOutMechanism, QuarantinedMail};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

fn config() -> Config {
    let mut c = Config::default();
    c.carrier.name = "Mesa Telephone".into();
    c.consent.optout_health.portal_min_attempts = 4;
    c
}

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// An opt-out from an address no account has, as `mail ingest` quarantines it.
fn unmatched(received_at: DateTime<Utc>) -> QuarantinedMail {
    QuarantinedMail {
        id: Uuid::now_v7(),
        received_at,
        reason: "unmatched".into(),
        detail: "no account has this email address".into(),
        message_id: Some("<stop-1@example.net>".into()),
        sha256: "5e1f".into(),
        sender: Some("someone@example.net".into()),
        account_ids: vec![],
        status: "open".into(),
        resolved_at: None,
        resolved_by: None,
        resolution_note: None,
        raw: b"From: someone@example.net\r\nSubject: STOP\r\n\r\nstop\r\n".to_vec(),
    }
}

async fn incident_of(s: &TestServer, mechanism: &str) -> Value {
    let (st, v) = send(s.get("/api/v1/consent/optout-incidents?open=true", &s.admin)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v.as_array().unwrap().iter().find(|i| i["incident"]["mechanism"] == mechanism).cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn failing_optout_paths_open_incidents_with_the_fcc_letter_due_in_five_business_days() {
    for s in servers_with(config).await {
        let state = s.state.clone();
        // Tuesday before Thanksgiving (Thursday 2026-11-26), 10:00 in New York.
        let now: DateTime<Utc> = "2026-11-24T15:00:00Z".parse().unwrap();
        let tick = check_once(&state, now).await.unwrap();
        assert!(tick.failing.is_empty() && tick.opened.is_empty(), "healthy: {tick:?}");

        // An opt-out held for review 80 hours (threshold 72).
        let held = ConsentChange { quarantine: Some(unmatched(now - Duration::hours(80))), ..Default::default() };
        s.store.record_consent(&held, now - Duration::hours(80)).await.unwrap();
        // Mail ingest worked 6 hours ago, then failed for 5 hours (threshold 4).
        observe_mail_ingest(&*s.store, &Ok::<(), StoreError>(()), None, now - Duration::hours(6)).await;
        for h in [5, 3, 1] {
            let failed: Result<(), StoreError> = Err(StoreError::Unavailable("pool timed out".into()));
            observe_mail_ingest(&*s.store, &failed, None, now - Duration::hours(h)).await;
        }
        let tick = check_once(&state, now).await.unwrap();
        assert_eq!(tick.opened.len(), 2, "{tick:?}");
        // One open incident per mechanism: a second check opens nothing.
        assert!(check_once(&state, now).await.unwrap().opened.is_empty());

        let review = incident_of(&s, "mail_review").await;
        // Wed 25, (Thu 26 holiday), Fri 27, Mon 30, Tue 1, Wed 2.
        assert_eq!(review["incident"]["due_on"], "2026-12-02", "{review}");
        let ingest = incident_of(&s, "mail_ingest").await;
        assert_eq!(ingest["incident"]["evidence"]["failures"], 3, "{ingest}");
        assert!(ingest["incident"]["problem"].as_str().unwrap().contains("3 consecutive messages failed"));

        // The portal: real requests pass the observer (a refusal is the mechanism
        // working); server failures at more than 20% of 4+ attempts open an incident.
        for _ in 0..2 {
            let r = s.http.post(s.url("/api/v1/portal/consent")).json(&json!({"action": "opt_out"})).send().await;
            assert_eq!(r.unwrap().status(), StatusCode::UNAUTHORIZED);
        }
        let real_now = Utc::now();
        let health = s.store.optout_health(OptOutMechanism::Portal, real_now - Duration::minutes(5)).await.unwrap();
        assert_eq!((health.ok_since, health.failed_since), (2, 0), "{}", s.backend);
        assert!(check_once(&state, real_now).await.unwrap().opened.is_empty(), "2 attempts, none failed");
        for _ in 0..2 {
            observe(&*s.store, OptOutMechanism::Portal, false, "500", real_now).await;
        }
        assert_eq!(check_once(&state, real_now).await.unwrap().opened.len(), 1);
        let portal = incident_of(&s, "portal").await;
        assert!(portal["incident"]["problem"].as_str().unwrap().contains("2 of 4"), "{portal}");
        assert_eq!(s.store.open_optout_incidents_count().await.unwrap(), 3);

        // The letter: every element the rule names, the gaps named.
        let id = review["incident"]["id"].as_str().unwrap().to_owned();
        let letter = &review["letter"];
        let text = letter["text"].as_str().unwrap();
        for needed in [
            "Mesa Telephone",
            "64.2009(f)",
            "Opt-out mechanisms used",
            "marketing@carrier.example",
            "held for review",
            "1 message(s) waiting",
            "Remedy",
            "State commissions",
            "Contact",
            "privacy@carrier.example",
            "Copy of the notice provided to customers",
            "Your right and our duty",
        ] {
            assert!(text.contains(needed), "{needed:?} missing from: {text}");
        }
        assert_eq!(letter["missing"], json!(["remedy", "state_commissions"]));
        assert!(letter["html"].as_str().unwrap().starts_with("<!DOCTYPE html>"));

        let path = |tail: &str| format!("/api/v1/consent/optout-incidents/{id}{tail}");
        let sent = json!({"sent_on": "2026-11-30", "reference": "FCC-EB-77"});
        let (st, v) = send(s.post(&path("/letter-sent"), &s.admin).json(&sent)).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::CONFLICT, Some("letter_incomplete")), "{v}");
        let (st, v) = send(s.post(&path("/close"), &s.admin)).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::CONFLICT, Some("letter_not_sent")), "{v}");
        let (st, v) = send(s.post(&path("/state-commissions"), &s.admin).json(&json!({"notified": true}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "which commissions: {v}");

        let remedy =
            json!({"description": "A second reviewer covers the queue on weekends.", "implemented_on": "2026-11-25"});
        let (st, v) = send(s.post(&path("/remedy"), &s.admin).json(&remedy)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let told = json!({"notified": true, "commissions": "Utah PSC, 2026-11-25", "action_taken": ""});
        let (st, v) = send(s.post(&path("/state-commissions"), &s.admin).json(&told)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let text = v["letter"]["text"].as_str().unwrap();
        assert!(
            text.contains("A second reviewer") && text.contains("2026-11-25") && text.contains("Utah PSC"),
            "{text}"
        );
        assert_eq!(v["letter"]["missing"], json!([]));

        let (st, v) = send(s.post(&path("/letter-sent"), &s.admin).json(&sent)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["incident"]["letter_sent"]["reference"], "FCC-EB-77");
        assert_eq!(v["overdue"], false);
        let (st, v) = send(s.post(&path("/close"), &s.admin)).await;
        assert_eq!((st, v["incident"]["status"].as_str()), (StatusCode::OK, Some("closed")), "{v}");
        let (st, v) = send(s.post(&path("/remedy"), &s.admin).json(&remedy)).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::CONFLICT, Some("closed")), "a closed record: {v}");
        assert_eq!(s.store.open_optout_incidents_count().await.unwrap(), 2);

        // The privacy office's business: a CSR is refused.
        let (st, _) = send(s.get("/api/v1/consent/optout-incidents", &s.csr)).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn optout_mail_applied_late_after_an_outage_opens_one_incident() {
    for s in servers_with(config).await {
        let state = s.state.clone();
        let now: DateTime<Utc> = "2026-11-24T15:00:00Z".parse().unwrap();
        let ok = Ok::<(), StoreError>(());
        let at = |minutes: i64| now + Duration::minutes(minutes);
        // Ten minutes between arrival and application is the mechanism working.
        observe_mail_ingest(&*s.store, &ok, Some(at(-70)), at(-60)).await;
        assert!(check_once(&state, now).await.unwrap().failing.is_empty(), "{}", s.backend);

        // The database was away all morning: nothing could record a failure, and the
        // mail held up meanwhile went through once it was back. Waits of 6:05 and 4:05
        // are beyond the 4 hours; 1:05 is not.
        for arrived in [-420, -300, -120] {
            observe_mail_ingest(&*s.store, &ok, Some(at(arrived)), at(-55)).await;
        }
        let health = s.store.optout_health(OptOutMechanism::MailIngest, at(-24 * 60)).await.unwrap();
        assert_eq!((health.ok_since, health.failures_since_last_ok), (4, 0), "it looks healthy by its failures");
        let tick = check_once(&state, now).await.unwrap();
        assert_eq!(tick.opened.len(), 1, "{tick:?}");
        let incident = incident_of(&s, "mail_ingest").await;
        assert_eq!(incident["incident"]["evidence"]["late_messages"], 2, "{incident}");
        assert_eq!(incident["incident"]["evidence"]["longest_wait_secs"], 6 * 3600 + 5 * 60);
        let problem = incident["incident"]["problem"].as_str().unwrap();
        assert!(
            problem.contains("2 message(s) waited more than 4 hours") && problem.contains("6.1 hours"),
            "{problem}"
        );
        // The tail of the same outage, redelivered after the incident opened.
        observe_mail_ingest(&*s.store, &ok, Some(at(-280)), at(10)).await;
        assert!(check_once(&state, at(30)).await.unwrap().opened.is_empty(), "one open incident per mechanism");

        // Once the privacy office has closed it, that outage (its tail too) is not
        // reported again; an opt-out that arrived later and waited long is.
        let id: Uuid = incident["incident"]["id"].as_str().unwrap().parse().unwrap();
        let mut closed = s.store.get_optout_incident(id).await.unwrap().unwrap();
        closed.status = OptOutIncidentStatus::Closed;
        closed.version += 1;
        s.store.update_optout_incident(&closed, closed.version - 1).await.unwrap();
        assert!(check_once(&state, at(60)).await.unwrap().failing.is_empty(), "reported already");
        observe_mail_ingest(&*s.store, &ok, Some(at(70)), at(370)).await;
        assert_eq!(check_once(&state, at(400)).await.unwrap().opened.len(), 1, "a new outage");
    }
}
