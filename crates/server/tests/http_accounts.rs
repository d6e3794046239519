//! Accounts and CPNI reads over HTTP, on every backend.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::{new_account_body, servers};
use cpniguard_core::cpni::{CallDetailRecord, CallType, Direction, Invoice, InvoiceLine, LineCategory, Service};
use cpniguard_core::ids::{AccountId, InvoiceId, ServiceId};
use cpniguard_core::money::Cents;
use cpniguard_core::phone::PhoneNumber;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn create(s: &common::TestServer, number: &str, phone: &str) -> Value {
    let r = s.post("/api/v1/accounts", &s.csr).json(&new_account_body(number, phone)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", s.backend);
    r.json().await.unwrap()
}

#[tokio::test]
async fn open_read_and_search_accounts() {
    for s in servers().await {
        let created = create(&s, "ut-1001", "(801) 555-0101").await;
        assert_eq!(created["account_number"], "UT-1001");
        assert_eq!(created["telephone_numbers"][0], "+18015550101");
        assert_eq!(created["language"], "es");
        assert_eq!(created["time_zone"], "America/New_York", "defaults to the carrier's zone");
        assert_eq!(created["contact_points"].as_array().unwrap().len(), 3);
        assert_eq!(created["contact_points"][1]["of_record"], false, "a brand-new email is not yet of record");
        create(&s, "UT-1002", "+18015550102").await;

        let id = created["id"].as_str().unwrap();
        let r = s.get(&format!("/api/v1/accounts/{id}"), &s.csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["name"], "María López");

        let r =
            s.post("/api/v1/accounts", &s.csr).json(&new_account_body("UT-1001", "+18015550109")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "account numbers are unique");

        let found: Value =
            s.get("/api/v1/accounts?telephone_number=801.555.0102", &s.csr).send().await.unwrap().json().await.unwrap();
        assert_eq!(found["accounts"].as_array().unwrap().len(), 1);
        assert_eq!(found["accounts"][0]["account_number"], "UT-1002");

        let found: Value =
            s.get("/api/v1/accounts?name=MARÍA&limit=1", &s.csr).send().await.unwrap().json().await.unwrap();
        assert_eq!(found["accounts"].as_array().unwrap().len(), 1);
        let after = found["next_after"].as_str().expect("a second page exists").to_owned();
        let page2: Value = s
            .get(&format!("/api/v1/accounts?name=mar%C3%ADa&limit=1&after={after}"), &s.csr)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page2["accounts"][0]["account_number"], "UT-1002");

        let found: Value =
            s.get("/api/v1/accounts?account_number=ut-100", &s.csr).send().await.unwrap().json().await.unwrap();
        assert_eq!(found["accounts"].as_array().unwrap().len(), 2);

        let r = s.get("/api/v1/accounts?limit=0", &s.csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = s.get(&format!("/api/v1/accounts/{}", AccountId::new()), &s.csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn contact_changes_are_kept_as_history() {
    for s in servers().await {
        let created = create(&s, "UT-2001", "+18015550201").await;
        let id = created["id"].as_str().unwrap();
        let path = format!("/api/v1/accounts/{id}/contact-points");
        let r = s
            .post(&path, &s.csr)
            .json(&json!({"email": "nueva@example.com", "add_telephone_numbers": ["+18015550202"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        let changed: Value = r.json().await.unwrap();
        assert_eq!(changed["ended"], json!(["email"]));
        assert_eq!(changed["started"], json!(["email", "phone"]));
        assert_eq!(changed["account"]["email"], "nueva@example.com");
        assert_eq!(changed["account"]["telephone_numbers"].as_array().unwrap().len(), 2);

        let r = s
            .post(&path, &s.csr)
            .json(&json!({"remove_telephone_numbers": ["+18015550201", "+18015550202"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "the last number of service cannot go");

        let r = s.post(&path, &s.csr).json(&json!({"email": null})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.json::<Value>().await.unwrap()["account"]["email"].is_null());

        let history: Value = s
            .get(&format!("/api/v1/accounts/{id}/contact-history"), &s.csr)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let points = history["contact_points"].as_array().unwrap();
        let emails: Vec<&Value> = points.iter().filter(|p| p["kind"] == "email").collect();
        assert_eq!(emails.len(), 2, "both addresses stay in the history");
        assert!(emails.iter().all(|e| e["dissociated_at"].is_string()));

        let r = s
            .http
            .patch(s.url(&format!("/api/v1/accounts/{id}")))
            .bearer_auth(&s.csr)
            .json(&json!({"directory_listing": "non_published", "pic_freeze": {"interlata": true}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["directory_listing"], "non_published");
        assert_eq!(v["pic_freeze"]["interlata"], true);
        let r = s
            .http
            .patch(s.url(&format!("/api/v1/accounts/{id}")))
            .bearer_auth(&s.csr)
            .json(&json!({"business_exemption": {"contract_reference": "MSA-1"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "a CSR never sets a contract exemption (issue 18)");
    }
}

#[tokio::test]
async fn cpni_reads_pass_the_gate_page_and_find_invoices_only_under_their_account() {
    for s in servers().await {
        let created = create(&s, "UT-3001", "+18015550301").await;
        let id: AccountId = created["id"].as_str().unwrap().parse().unwrap();
        let number = PhoneNumber::parse("+18015550301").unwrap();
        let base = Utc.with_ymd_and_hms(2026, 10, 1, 15, 0, 0).unwrap();
        s.store
            .add_service(&Service {
                id: ServiceId::new(),
                account_id: id,
                service_type: "voip_line".into(),
                service_number: Some(number.clone()),
                quantity: 1,
                configuration: json!({"codec": "G.711"}),
                rate_plan: "Home Unlimited".into(),
                monthly_rate: Cents(2999),
                since: base.date_naive(),
                until: None,
            })
            .await
            .unwrap();
        let calls: Vec<CallDetailRecord> = (0..5)
            .map(|i| CallDetailRecord {
                id: None,
                account_id: id,
                service_number: number.clone(),
                started_at: base + Duration::hours(i),
                duration_secs: 60,
                direction: Direction::Outbound,
                other_party: "+13035550100".into(),
                destination: "Denver, CO".into(),
                call_type: CallType::LongDistance,
                charge: Some(Cents(7)),
                source_system: "switch-test".into(),
                source_record_id: format!("{}-{i}", s.backend),
            })
            .collect();
        s.store.insert_calls(&calls).await.unwrap();
        let invoice_id = InvoiceId::new();
        s.store
            .insert_invoices(&[Invoice {
                id: invoice_id,
                account_id: id,
                period_start: base.date_naive(),
                period_end: base.date_naive() + Duration::days(30),
                issued_on: base.date_naive() + Duration::days(31),
                due_on: base.date_naive() + Duration::days(52),
                total: Cents(3034),
                lines: vec![
                    InvoiceLine {
                        category: LineCategory::Recurring,
                        description: "Home Unlimited".into(),
                        amount: Cents(2999),
                    },
                    InvoiceLine {
                        category: LineCategory::LongDistance,
                        description: "Long distance".into(),
                        amount: Cents(35),
                    },
                ],
            }])
            .await
            .unwrap();

        // CPNI is read through the disclosure gate: a CSR serving the customer in store,
        // after checking a valid photo ID (the gate's own tests cover refusals).
        let visit = s.in_store_with_photo_id(&s.csr, &id.to_string()).await;
        let grounds = format!("purpose=service_and_support&interaction={visit}");
        let services: Value = s
            .get(&format!("/api/v1/accounts/{id}/services?{grounds}"), &s.csr)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(services["services"][0]["configuration"]["codec"], "G.711", "{services}");

        let from = base.to_rfc3339().replace('+', "%2B");
        let to = (base + Duration::hours(3)).to_rfc3339().replace('+', "%2B");
        let page: Value = s
            .get(&format!("/api/v1/accounts/{id}/calls?from={from}&to={to}&limit=2&{grounds}"), &s.csr)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["calls"].as_array().unwrap().len(), 2, "{}", s.backend);
        let after = page["next_after"].as_str().unwrap();
        let page2: Value = s
            .get(&format!("/api/v1/accounts/{id}/calls?from={from}&to={to}&limit=2&after={after}&{grounds}"), &s.csr)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page2["calls"].as_array().unwrap().len(), 1, "the range end is exclusive");
        assert!(page2.get("next_after").is_none());

        let invoices: Value = s
            .get(&format!("/api/v1/accounts/{id}/invoices?{grounds}"), &s.csr)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(invoices["invoices"][0]["total"], 3034);
        let one =
            s.get(&format!("/api/v1/accounts/{id}/invoices/{invoice_id}?{grounds}"), &s.csr).send().await.unwrap();
        assert_eq!(one.status(), StatusCode::OK);
        let other = s
            .get(&format!("/api/v1/accounts/{}/invoices/{invoice_id}?{grounds}", AccountId::new()), &s.csr)
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::NOT_FOUND, "an invoice is found only under its own account");
    }
}
