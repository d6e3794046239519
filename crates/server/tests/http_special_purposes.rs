//! Special purposes over HTTP, on every backend: the privacy office records legal
//! process and fraud cases; another carrier asks the PIC-freeze question and can do
//! nothing else; the directory export holds listed customers only; every answer and
//! every exported account leaves an audit entry.

mod common;

use common::{TestServer, new_account_body, servers};
use cpniguard_core::audit::{Decision, PrincipalKind};
use cpniguard_core::ids::AccountId;
use cpniguard_core::staff::Role;
use cpniguard_store::audit::AuditQuery;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// CPNI training completed ten days ago: current.
fn trained() -> Option<chrono::NaiveDate> {
    Some(chrono::Utc::now().date_naive() - chrono::Days::new(10))
}

async fn send(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = r.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// An account opened by a CSR with `extra` profile fields (pic_freeze, directory_listing, ...).
async fn account(s: &TestServer, number: &str, phone: &str, name: &str, extra: Value) -> String {
    let mut body = new_account_body(number, phone);
    body["name"] = json!(name);
    body["email"] = Value::Null;
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (st, v) = send(s.post("/api/v1/accounts", &s.csr).json(&body)).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

/// Audit entries with this action, about any account.
async fn entries_with_action(s: &TestServer, action: &str) -> Vec<cpniguard_core::audit::AuditEntry> {
    let page = s.store.search_audit(&AuditQuery { limit: 1000, ..AuditQuery::default() }).await.unwrap();
    page.entries.into_iter().filter(|e| e.record.action == action).collect()
}

#[tokio::test]
async fn the_privacy_office_records_legal_process_and_fraud_cases() {
    for s in servers().await {
        let privacy = s.staff("privacy.test", Role::PrivacyOfficer, trained()).await;
        let id = account(&s, "LP-1", "+18015550901", "Ana Legal", json!({})).await;
        let subpoena = json!({
            "kind": "subpoena", "issuing_authority": "Third District Court", "reference": "2025-CV-77",
            "issued_on": "2025-01-10", "account_id": id, "scope_from": "2024-12-01T00:00:00Z",
            "scope_to": "2025-01-01T00:00:00Z", "document_sha256": "AB".repeat(32)
        });
        // A CSR has no business here.
        let (st, _) = send(s.post("/api/v1/legal-processes", &s.csr).json(&subpoena)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{}", s.backend);

        let (st, lp) = send(s.post("/api/v1/legal-processes", &privacy).json(&subpoena)).await;
        assert_eq!(st, StatusCode::CREATED, "{} {lp}", s.backend);
        assert_eq!(lp["document_sha256"], "ab".repeat(32), "stored in lower case");
        let lp_id = lp["id"].as_str().unwrap();
        let (st, again) = send(s.post("/api/v1/legal-processes", &privacy).json(&subpoena)).await;
        assert_eq!((st, again["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{again}");
        let (st, got) = send(s.get(&format!("/api/v1/legal-processes/{lp_id}"), &privacy)).await;
        assert_eq!((st, &got), (StatusCode::OK, &lp));
        let (st, list) = send(s.get(&format!("/api/v1/legal-processes?account_id={id}"), &privacy)).await;
        assert_eq!((st, list.as_array().unwrap().len()), (StatusCode::OK, 1));
        // Immutable: no route changes or removes one.
        let r = s.http.delete(s.url(&format!("/api/v1/legal-processes/{lp_id}"))).bearer_auth(&privacy);
        assert_eq!(r.send().await.unwrap().status(), StatusCode::METHOD_NOT_ALLOWED);

        let mut bad = subpoena.clone();
        bad["reference"] = json!("2025-CV-78");
        bad["scope_to"] = json!("2024-11-01T00:00:00Z");
        let (st, p) = send(s.post("/api/v1/legal-processes", &privacy).json(&bad)).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("scope_to")), "{p}");
        bad["scope_to"] = json!("2025-01-01T00:00:00Z");
        bad["account_id"] = json!(AccountId::new());
        let (st, p) = send(s.post("/api/v1/legal-processes", &privacy).json(&bad)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{p}");

        let case = json!({"reference": "FRAUD-1", "reason": "SIM swap attempts", "account_ids": [id, id]});
        let (st, fc) = send(s.post("/api/v1/fraud-cases", &privacy).json(&case)).await;
        assert_eq!(st, StatusCode::CREATED, "{fc}");
        assert_eq!(fc["account_ids"], json!([id]), "repeats removed");
        assert_eq!(fc["open"], true);
        let (st, _) = send(s.post("/api/v1/fraud-cases", &privacy).json(&case)).await;
        assert_eq!(st, StatusCode::CONFLICT, "one open case per reference");
        let empty = json!({"reference": "FRAUD-2", "reason": "x", "account_ids": []});
        let (st, p) = send(s.post("/api/v1/fraud-cases", &privacy).json(&empty)).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("account_ids")));
        let fc_id = fc["id"].as_str().unwrap();
        let (st, open) = send(s.get("/api/v1/fraud-cases?open_only=true", &privacy)).await;
        assert_eq!((st, open.as_array().unwrap().len()), (StatusCode::OK, 1));
        let (st, closed) = send(s.post(&format!("/api/v1/fraud-cases/{fc_id}/close"), &privacy)).await;
        assert_eq!((st, closed["open"].as_bool()), (StatusCode::OK, Some(false)), "{closed}");
        let (st, p) = send(s.post(&format!("/api/v1/fraud-cases/{fc_id}/close"), &privacy)).await;
        assert_eq!((st, p["code"].as_str()), (StatusCode::CONFLICT, Some("fraud_case_closed")));
        let (st, got) = send(s.get(&format!("/api/v1/fraud-cases/{fc_id}"), &privacy)).await;
        assert_eq!((st, got["closed_at"].is_string()), (StatusCode::OK, true));
        let (st, open) = send(s.get("/api/v1/fraud-cases?open_only=true", &privacy)).await;
        assert_eq!((st, open.as_array().unwrap().len()), (StatusCode::OK, 0));
    }
}

#[tokio::test]
async fn a_carrier_asks_the_pic_freeze_question_and_nothing_else() {
    for s in servers().await {
        let carrier = s.staff("carrier.acme", Role::Carrier, trained()).await;
        let frozen = account(&s, "PF-1", "+18015550911", "Frozen", json!({"pic_freeze": {"interlata": true}})).await;
        let free = account(&s, "PF-2", "+18015550912", "Free", json!({})).await;

        let (st, v) = send(s.get("/api/v1/carrier/pic-freeze?telephone_number=%2B18015550911", &carrier)).await;
        assert_eq!(st, StatusCode::OK, "{} {v}", s.backend);
        assert_eq!(v, json!({"telephone_number": "+18015550911", "pic_freeze": true, "our_customer": true}));
        let (_, v) = send(s.get("/api/v1/carrier/pic-freeze?telephone_number=%2B18015550912", &carrier)).await;
        assert_eq!(v, json!({"telephone_number": "+18015550912", "pic_freeze": false, "our_customer": true}));
        let (_, v) = send(s.get("/api/v1/carrier/pic-freeze?telephone_number=%2B18015550999", &carrier)).await;
        assert_eq!(v, json!({"telephone_number": "+18015550999", "pic_freeze": false, "our_customer": false}));
        let (st, p) = send(s.get("/api/v1/carrier/pic-freeze?telephone_number=555", &carrier)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");

        // Each answer about one of our accounts is recorded, about that account, by the carrier.
        let answers = entries_with_action(&s, "answer_pic_freeze_inquiry").await;
        let about: Vec<String> = answers.iter().map(|e| e.record.account_id.unwrap().to_string()).collect();
        assert_eq!(about, [frozen.clone(), free.clone()], "{}", s.backend);
        for e in &answers {
            assert_eq!(e.record.principal.kind, PrincipalKind::Carrier);
            assert_eq!(e.record.purpose.as_deref(), Some("pic_freeze_inquiry"));
            assert_eq!(e.record.decision, Decision::Allow);
            assert_eq!(e.record.policy_ids, ["carrier-pic-freeze-inquiry"], "decided by the policy");
        }

        // Nothing else: no account, search, CPNI or audit route answers a carrier.
        for path in [
            format!("/api/v1/accounts/{frozen}"),
            "/api/v1/accounts?telephone_number=%2B18015550911".to_owned(),
            format!("/api/v1/accounts/{frozen}/calls?from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z"),
            format!("/api/v1/accounts/{frozen}/services"),
            format!("/api/v1/accounts/{frozen}/consent"),
            "/api/v1/directory-listings".to_owned(),
            "/api/v1/audit/entries".to_owned(),
        ] {
            let r = s.get(&path, &carrier).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        }
        // And the question is not staff's to ask.
        let r = s.get("/api/v1/carrier/pic-freeze?telephone_number=%2B18015550911", &s.csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(entries_with_action(&s, "answer_pic_freeze_inquiry").await.len(), 2, "refusals answer nothing");
    }
}

#[tokio::test]
async fn the_directory_export_holds_listed_customers_only() {
    for s in servers().await {
        let mut listed = Vec::new();
        for (n, choice) in ["listed", "unlisted", "non_published", "listed", "unlisted", "listed"].iter().enumerate() {
            let name = format!("{choice} person {n}");
            let phone = format!("+1801555092{n}");
            let id = account(&s, &format!("DL-{n}"), &phone, &name, json!({"directory_listing": choice})).await;
            if *choice == "listed" {
                listed.push((id, name, phone));
            }
        }
        // Page by page (two accounts a page) until no next page.
        let mut names = Vec::new();
        let mut path = "/api/v1/directory-listings?format=json&limit=2".to_owned();
        loop {
            let r = s.get(&path, &s.admin).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
            let link = r.headers().get("link").map(|l| l.to_str().unwrap().to_owned());
            let page: Value = r.json().await.unwrap();
            for l in page["listings"].as_array().unwrap() {
                names.push(l["name"].as_str().unwrap().to_owned());
                assert_eq!(l["address"]["city"], "Provo");
            }
            match (link, page["next_after"].as_str()) {
                (Some(link), Some(_)) => path = link.trim_start_matches('<').split('>').next().unwrap().to_owned(),
                (None, None) => break,
                other => panic!("Link header and next_after disagree: {other:?}"),
            }
        }
        let expected: Vec<String> = listed.iter().map(|(_, name, _)| name.clone()).collect();
        assert_eq!(names, expected, "{}", s.backend);

        let r = s.get("/api/v1/directory-listings?format=csv", &s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = r.text().await.unwrap();
        assert!(!csv.contains("unlisted") && !csv.contains("non_published"), "{csv}");
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(rows.len(), listed.len());
        for ((_, name, phone), row) in listed.iter().zip(&rows) {
            assert!(row.starts_with(&format!("{name},{phone},10 Main St,")), "{row}");
        }

        // Two exports, each listed account recorded once per export; no other account.
        let exported = entries_with_action(&s, "export_directory_listing").await;
        assert_eq!(exported.len(), 2 * listed.len());
        for e in &exported {
            let id = e.record.account_id.unwrap().to_string();
            assert!(listed.iter().any(|(l, _, _)| *l == id), "an account that is not listed was recorded");
            assert_eq!(e.record.purpose.as_deref(), Some("directory_listing"));
            assert_eq!(e.record.decision, Decision::Allow);
            assert!(e.record.policy_ids.contains(&"directory-listing-export".to_owned()), "{:?}", e.record.policy_ids);
        }

        // The privacy office holds the route's capability, but the policy lets only the
        // directory job and administrators export: an explained refusal, recorded once.
        let privacy = s.staff("privacy.test", Role::PrivacyOfficer, trained()).await;
        let before = s.store.audit_head().await.unwrap().unwrap().seq;
        let (st, p) = send(s.get("/api/v1/directory-listings", &privacy)).await;
        assert_eq!((st, p["code"].as_str()), (StatusCode::FORBIDDEN, Some("policy_denied")), "{p}");
        let refusals = entries_with_action(&s, "export_directory_listing").await;
        let refusals: Vec<_> = refusals.iter().filter(|e| e.record.decision == Decision::Deny).collect();
        assert_eq!(refusals.len(), 1, "one recorded refusal, not one per account");
        assert_eq!(refusals[0].seq, before + 1);
        // Not for a CSR; bad formats are refused.
        assert_eq!(s.get("/api/v1/directory-listings", &s.csr).send().await.unwrap().status(), StatusCode::FORBIDDEN);
        let (st, _) = send(s.get("/api/v1/directory-listings?format=xml", &s.admin)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn reads_under_legal_process_and_fraud_cases_stay_within_the_records() {
    for s in servers().await {
        let privacy = s.staff("privacy.test", Role::PrivacyOfficer, trained()).await;
        let id = account(&s, "LX-1", "+18015550951", "Ana Subpoena", json!({})).await;
        let subpoena = json!({
            "kind": "court_order", "issuing_authority": "US District Court", "reference": "2:25-mj-101",
            "issued_on": "2025-02-01", "account_id": id, "scope_from": "2025-01-01T00:00:00Z",
            "scope_to": "2025-02-01T00:00:00Z", "document_sha256": "cd".repeat(32)
        });
        let (st, lp) = send(s.post("/api/v1/legal-processes", &privacy).json(&subpoena)).await;
        assert_eq!(st, StatusCode::CREATED, "{lp}");
        let lp = lp["id"].as_str().unwrap();
        let calls =
            |from: &str, to: &str, grounds: &str| format!("/api/v1/accounts/{id}/calls?from={from}&to={to}&{grounds}");

        let inside =
            calls("2025-01-05T00:00:00Z", "2025-01-20T00:00:00Z", &format!("purpose=legal_process&legal_process={lp}"));
        let (st, v) = send(s.get(&inside, &privacy)).await;
        assert_eq!(st, StatusCode::OK, "{} {v}", s.backend);
        let outside =
            calls("2025-01-05T00:00:00Z", "2025-03-01T00:00:00Z", &format!("purpose=legal_process&legal_process={lp}"));
        let (st, v) = send(s.get(&outside, &privacy)).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::FORBIDDEN, Some("policy_denied")), "{v}");
        // The entry names the process it was made under.
        let under = entries_with_action(&s, "read_call_detail").await;
        assert_eq!(under.len(), 2);
        assert_eq!(under[0].record.legal_ref.as_deref(), Some("US District Court:2:25-mj-101"));
        assert_eq!((under[0].record.decision, under[1].record.decision), (Decision::Allow, Decision::Deny));

        let case = json!({"reference": "FRAUD-51", "reason": "port-out fraud", "account_ids": [id]});
        let (st, fc) = send(s.post("/api/v1/fraud-cases", &privacy).json(&case)).await;
        assert_eq!(st, StatusCode::CREATED, "{fc}");
        let fc = fc["id"].as_str().unwrap();
        let under_case =
            calls("2025-01-05T00:00:00Z", "2025-03-01T00:00:00Z", &format!("purpose=fraud_protection&fraud_case={fc}"));
        assert_eq!(s.get(&under_case, &privacy).send().await.unwrap().status(), StatusCode::OK);
        let (st, _) = send(s.post(&format!("/api/v1/fraud-cases/{fc}/close"), &privacy)).await;
        assert_eq!(st, StatusCode::OK);
        // Closed: the case no longer opens anything.
        assert_eq!(s.get(&under_case, &privacy).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_privacy_office_places_and_lifts_legal_holds_audited() {
    for s in servers().await {
        let privacy = s.staff("privacy.holds", Role::PrivacyOfficer, trained()).await;
        let id = account(&s, "LH-1", "+18015550951", "Hal Held", json!({})).await;
        let body = json!({ "account_id": id, "reason": "litigation hold", "reference": "Case 25-CV-9" });
        let (st, _) = send(s.post("/api/v1/legal-holds", &s.csr).json(&body)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{}", s.backend);
        let (st, hold) = send(s.post("/api/v1/legal-holds", &privacy).json(&body)).await;
        assert_eq!(st, StatusCode::CREATED, "{} {hold}", s.backend);
        assert_eq!(
            (hold["account_id"].as_str(), hold["placed_by"].as_str()),
            (Some(id.as_str()), Some("privacy.holds"))
        );

        let both = json!({ "account_id": id, "incident_id": uuid::Uuid::now_v7(), "reason": "x", "reference": "y" });
        let (st, _) = send(s.post("/api/v1/legal-holds", &privacy).json(&both)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{}", s.backend);
        let stranger = json!({ "account_id": AccountId::new(), "reason": "x", "reference": "y" });
        let (st, _) = send(s.post("/api/v1/legal-holds", &privacy).json(&stranger)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{}", s.backend);

        let (st, active) = send(s.get("/api/v1/legal-holds?active=true", &privacy)).await;
        assert_eq!((st, active.as_array().unwrap().len()), (StatusCode::OK, 1), "{}", s.backend);
        let hold_id = hold["id"].as_str().unwrap();
        let (st, lifted) = send(s.post(&format!("/api/v1/legal-holds/{hold_id}/lift"), &privacy)).await;
        assert_eq!((st, lifted["lifted_by"].as_str()), (StatusCode::OK, Some("privacy.holds")), "{}", s.backend);
        let (st, _) = send(s.post(&format!("/api/v1/legal-holds/{hold_id}/lift"), &privacy)).await;
        assert_eq!(st, StatusCode::CONFLICT, "{}", s.backend);
        let (_, active) = send(s.get("/api/v1/legal-holds?active=true", &privacy)).await;
        assert!(active.as_array().unwrap().is_empty());

        for action in ["legal_hold.placed", "legal_hold.lifted"] {
            let entries = entries_with_action(&s, action).await;
            assert_eq!(entries.len(), 1, "{action} on {}", s.backend);
            assert!(entries[0].record.record_refs.contains(&format!("legal_hold:{hold_id}")));
            assert_eq!(entries[0].record.principal.kind, PrincipalKind::Staff);
        }
    }
}
