//! The disclosure gate over HTTP: purpose- and channel-bound decisions on the CPNI
//! routes, explained refusals, the training rule, customers' own reads, and every
//! decision — allowed or refused — in the audit chain before any data leaves.

mod common;

use chrono::{Months, Utc};
use common::{TestServer, new_account_body, servers};
use cpniguard_core::staff::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn account(s: &TestServer, number: &str, phone: &str) -> String {
    let r = s.post("/api/v1/accounts", &s.csr).json(&new_account_body(number, phone)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn get(s: &TestServer, path: &str, token: &str) -> (StatusCode, Value) {
    let r = s.get(path, token).send().await.unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn audit_head(s: &TestServer) -> u64 {
    s.store.audit_head().await.unwrap().map_or(0, |h| h.seq)
}

#[tokio::test]
async fn call_detail_by_phone_needs_the_password_and_the_refusal_says_what_is_allowed() {
    for s in servers().await {
        let id = account(&s, "G-1001", "+18015550101").await;
        // On the phone, with nothing verified yet.
        s.set_password(&id, "a long phone secret").await;
        let call = s.open_interaction(&s.csr, &id, "phone").await;
        let grounds = format!("purpose=service_and_support&interaction={call}");
        let (st, refusal) = get(&s, &format!("/api/v1/accounts/{id}/calls?{grounds}"), &s.csr).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{refusal}");
        assert_eq!(refusal["code"], "policy_denied");
        let policies: Vec<&str> =
            refusal["deciding_policies"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert_eq!(policies, ["no-call-detail-by-phone-without-password"], "{refusal}");
        let instead = refusal["allowed_instead"].to_string();
        assert!(instead.contains("password"), "{instead}");
        assert!(instead.contains("address of record"), "{instead}");
        let refused_seq = refusal["audit_seq"].as_u64().expect("the refusal is recorded");

        // With the password, the same read is allowed and recorded.
        let r = s
            .post(&format!("/api/v1/interactions/{call}/verify"), &s.csr)
            .json(&json!({"kind": "password", "secret": "a long phone secret"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let (st, calls) = get(&s, &format!("/api/v1/accounts/{id}/calls?{grounds}"), &s.csr).await;
        assert_eq!(st, StatusCode::OK, "{calls}");
        let entries = s.store.audit_entries(refused_seq, 10).await.unwrap();
        let decisions: Vec<(&str, &str)> =
            entries.iter().map(|e| (e.record.action.as_str(), e.record.decision.as_str())).collect();
        assert_eq!(
            decisions,
            [("read_call_detail", "deny"), ("customer_auth.staff_check", "allow"), ("read_call_detail", "allow")],
            "the password check is an entry of its own: {}",
            s.backend
        );
        let check = &entries[1].record;
        assert_eq!(
            (check.principal.kind.as_str(), check.account_id.map(|a| a.to_string())),
            ("staff", Some(id.clone()))
        );
        assert_eq!(check.record_refs[..2], ["secret:password".to_owned(), "outcome:verified".to_owned()]);
        let allowed = &entries[2].record;
        assert_eq!(allowed.account_id.map(|a| a.to_string()).as_deref(), Some(id.as_str()));
        assert_eq!(allowed.purpose.as_deref(), Some("service_and_support"));
        assert_eq!(allowed.channel.as_deref(), Some("phone"));
        assert_eq!(allowed.interaction_id.as_deref(), Some(call.as_str()));
        assert_eq!(allowed.policy_ids, ["support-call-detail-authenticated"]);
        assert!(allowed.record_refs[0].starts_with("calls:"), "references, never values");
        assert!(allowed.request_id.is_some(), "the request id ties the entry to the logs");
    }
}

/// A read that rests only on evidence a staff member vouched for (a photo ID they say
/// they checked) says so in its audit entry; one resting on the password does not.
#[tokio::test]
async fn a_read_on_staff_attested_evidence_is_marked_so_in_the_audit_entry() {
    for s in servers().await {
        let id = account(&s, "G-1501", "+18015550151").await;
        let visit = s.in_store_with_photo_id(&s.csr, &id).await;
        let path = format!("/api/v1/accounts/{id}/calls?purpose=service_and_support&interaction={visit}");
        let (st, v) = get(&s, &path, &s.csr).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let entry = s.store.audit_entries(audit_head(&s).await, 1).await.unwrap().remove(0);
        assert!(
            entry.record.record_refs.contains(&"evidence:staff_attested:photo_id_checked".to_owned()),
            "{}: {:?}",
            s.backend,
            entry.record.record_refs
        );
    }
}

#[tokio::test]
async fn no_interaction_no_purpose_no_training_no_cpni() {
    for s in servers().await {
        let id = account(&s, "G-2001", "+18015550201").await;
        // No interaction: nothing establishes who the customer is.
        let (st, v) = get(&s, &format!("/api/v1/accounts/{id}/invoices?purpose=service_and_support"), &s.csr).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(v["deciding_policies"][0], "default-deny");
        assert!(v["allowed_instead"].to_string().contains("address of record"), "{v}");
        // A purpose is required and must be one of the seven.
        let (st, v) = get(&s, &format!("/api/v1/accounts/{id}/invoices"), &s.csr).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (st, _) = get(&s, &format!("/api/v1/accounts/{id}/invoices?purpose=curiosity"), &s.csr).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        // Training lapsed 14 months ago: refused even with a photo ID checked.
        let lapsed = Utc::now().date_naive().checked_sub_months(Months::new(14));
        let untrained = s.staff("lee.csr", Role::Csr, lapsed).await;
        let visit = s.in_store_with_photo_id(&untrained, &id).await;
        let grounds = format!("purpose=service_and_support&interaction={visit}");
        let (st, v) = get(&s, &format!("/api/v1/accounts/{id}/invoices?{grounds}"), &untrained).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(v["deciding_policies"][0], "no-cpni-to-untrained-staff", "{v}");
        assert!(v["detail"].as_str().unwrap().contains("training"), "{v}");
        // Evidence counts only for the CSR who collected it.
        let (st, v) = get(&s, &format!("/api/v1/accounts/{id}/invoices?{grounds}"), &s.csr).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        // Another carrier never reaches these routes; an unknown account is a 404.
        let carrier = s.staff("acme.carrier", Role::Carrier, None).await;
        let (st, _) = get(&s, &format!("/api/v1/accounts/{id}/invoices?{grounds}"), &carrier).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let unknown = cpniguard_core::ids::AccountId::new();
        let (st, _) = get(&s, &format!("/api/v1/accounts/{unknown}/invoices?purpose=billing"), &s.csr).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn customers_read_their_own_cpni_on_the_portal_and_every_decision_chains() {
    for s in servers().await {
        let id = account(&s, "G-3001", "+18015550301").await;
        s.set_password(&id, "a long online secret").await;
        let cookie = s.portal_login("maria@example.com", "a long online secret").await;
        let before = audit_head(&s).await;
        for path in ["/api/v1/portal/calls", "/api/v1/portal/services", "/api/v1/portal/invoices"] {
            let r = s.http.get(s.url(path)).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}: {}", r.text().await.unwrap());
        }
        let r = s.http.get(s.url("/api/v1/portal/calls")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "no session, no decision");
        assert_eq!(audit_head(&s).await, before + 3, "one entry per read, none for the anonymous call");
        let entries = s.store.audit_entries(1, 1000).await.unwrap();
        for pair in entries.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash, "{}: entries link", s.backend);
        }
        assert!(entries.iter().all(|e| e.computed_hash() == e.hash), "{}: entries hash", s.backend);
        let own = entries.last().unwrap();
        assert_eq!(own.record.principal.kind.as_str(), "customer");
        assert_eq!(own.record.policy_ids, ["customer-self-service-online"]);
    }
}
