//! Consent over HTTP on every backend: a CSR records an opt-out (free, no extra
//! proof) with a Spanish confirmation queued in the same transaction; an opt-in to
//! partner sharing is refused without an authenticated interaction and accepted from
//! a signed letter recorded by the privacy office; notices served give the waiting
//! period; status "as of" a time; the bulk form; the mail quarantine applied by the
//! privacy office.

mod common;

use chrono::{Duration, Utc};
use common::{new_account_body, servers};
use cpniguard_store::consent::{ConsentChange, QuarantinedMail};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

fn scope<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["scopes"].as_array().unwrap().iter().find(|s| s["scope"] == name).unwrap()
}

#[tokio::test]
async fn consent_is_recorded_derived_and_confirmed() {
    for s in servers().await {
        let account: Value = s
            .post("/api/v1/accounts", &s.csr)
            .json(&new_account_body(&format!("C-{}", s.backend), "+18015550600"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = account["id"].as_str().unwrap();
        let base = format!("/api/v1/accounts/{id}/consent");

        // A mailed notice 40 days ago: waiting until day 33 after mailing, approved now.
        let mailed = Utc::now() - Duration::days(40);
        let r = s
            .post(&format!("{base}/notices"), &s.admin)
            .json(&json!({"version": "2026-01", "medium": "mail", "at": mailed}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", s.backend);
        let then = (mailed + Duration::days(32)).to_rfc3339();
        let st: Value =
            s.get(&base, &s.csr).query(&[("at", then.as_str())]).send().await.unwrap().json().await.unwrap();
        assert_eq!(scope(&st, "carrier_marketing")["state"], "waiting");
        let st: Value = s.get(&base, &s.csr).send().await.unwrap().json().await.unwrap();
        assert_eq!(scope(&st, "carrier_marketing")["state"], "approved_by_notice");
        assert_eq!(scope(&st, "partner_sharing")["state"], "no_notice");

        // Opt-in to partner sharing on a call without an authenticated interaction: refused.
        let r = s
            .post(&base, &s.csr)
            .json(&json!({"scope": "partner_sharing", "action": "opt_in", "interaction_id": Uuid::now_v7()}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // From a signed letter recorded by the privacy office: accepted.
        let r = s
            .post(&base, &s.admin)
            .json(&json!({"scope": "partner_sharing", "action": "opt_in", "channel": "letter", "letter_ref": "SCAN-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        assert_eq!(scope(&body["status"], "partner_sharing")["state"], "opted_in");

        // Opt-out by a CSR: every marketing scope, a confirmation queued; a repeat is idempotent.
        for _ in 0..2 {
            let r = s
                .post(&base, &s.csr)
                .header("Idempotency-Key", "call-9")
                .json(&json!({"action": "opt_out", "interaction_id": "call-9"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
        }
        let st: Value = s.get(&base, &s.csr).send().await.unwrap().json().await.unwrap();
        assert_eq!(scope(&st, "carrier_marketing")["state"], "opted_out");
        assert_eq!(scope(&st, "partner_sharing")["state"], "opted_out");
        let history: Value = s.get(&format!("{base}/history"), &s.csr).send().await.unwrap().json().await.unwrap();
        assert_eq!(history["events"].as_array().unwrap().len(), 4, "notice, opt-in, two opt-outs");
        let notices: Value =
            s.get("/api/v1/notices", &s.admin).query(&[("account", id)]).send().await.unwrap().json().await.unwrap();
        let confirmations: Vec<&Value> =
            notices["notices"].as_array().unwrap().iter().filter(|n| n["template"] == "consent-confirmation").collect();
        assert_eq!(confirmations.len(), 2, "opt-in and opt-out confirmed once each");
        assert!(confirmations.iter().all(|n| n["language"] == "es"));

        // The bulk form.
        let bulk: Value = s
            .post("/api/v1/consent/approvals", &s.marketing)
            .json(&json!({"scope": "carrier_marketing"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(bulk["by_state"]["opted_out"], 1, "{bulk}");
        assert!(bulk["usable"].as_array().unwrap().is_empty());

        // A CSR cannot see the mail quarantine; the privacy office applies an entry.
        let q = QuarantinedMail {
            id: Uuid::now_v7(),
            received_at: Utc::now(),
            reason: "unmatched".into(),
            detail: "no account has this email address".into(),
            message_id: Some("<x@example.org>".into()),
            sha256: format!("{:064}", 7),
            sender: Some("other@example.org".into()),
            account_ids: vec![],
            status: "open".into(),
            resolved_at: None,
            resolved_by: None,
            resolution_note: None,
            raw: b"From: other@example.org\r\n\r\nstop\r\n".to_vec(),
        };
        s.store
            .record_consent(&ConsentChange { quarantine: Some(q.clone()), ..Default::default() }, Utc::now())
            .await
            .unwrap();
        let r = s.get("/api/v1/consent/mail-quarantine", &s.csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let one: Value = s
            .get(&format!("/api/v1/consent/mail-quarantine/{}", q.id), &s.admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(one["raw"].as_str().unwrap().contains("stop"));
        let r = s
            .post(&format!("/api/v1/consent/mail-quarantine/{}/apply", q.id), &s.admin)
            .json(&json!({"account_ids": [id], "note": "customer confirmed by phone"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let history: Value = s.get(&format!("{base}/history"), &s.csr).send().await.unwrap().json().await.unwrap();
        let last = history["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["channel"].as_str(), last["evidence"]["message_id"].as_str()),
            (Some("email"), Some("<x@example.org>"))
        );
        let open: Value =
            s.get("/api/v1/consent/mail-quarantine", &s.admin).send().await.unwrap().json().await.unwrap();
        assert!(open.as_array().unwrap().is_empty());
    }
}
