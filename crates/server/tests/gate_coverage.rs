//! No CPNI leaves except through the gate. Every operation of the OpenAPI document
//! (which `openapi_coverage` keeps equal to the router) whose request or response
//! carries a CPNI schema — call detail, invoices, services, documents made of them —
//! or that is tagged `cpni` (`api::cpni_routes`, which the refusal audit reads too)
//! must be listed below; each listed one is called and must leave a decision in the
//! audit chain. A new CPNI route fails this test until it is gated and listed.

mod common;

use chrono::{Duration, Utc};
use common::{TestServer, servers};
use cpniguard_core::cpni::{Invoice, InvoiceLine, LineCategory};
use cpniguard_core::ids::InvoiceId;
use cpniguard_core::money::Cents;
use cpniguard_core::staff::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Every CPNI operation, as (method, path). Staff ones (and the import quarantine) are
/// called by a trained CSR with no interaction (refused: a decision is recorded); portal ones by a logged-in
/// customer, campaign audiences by marketing (allowed: a decision is recorded), the billing
/// system's uploads by billing (recorded with their counts).
const GATED: &[(&str, &str)] = &[
    ("get", "/api/v1/accounts/{id}/services"),
    ("get", "/api/v1/accounts/{id}/calls"),
    ("get", "/api/v1/accounts/{id}/invoices"),
    ("get", "/api/v1/accounts/{id}/invoices/{invoice_id}"),
    ("post", "/api/v1/interactions/{id}/deliveries"),
    ("get", "/api/v1/portal/calls"),
    ("get", "/api/v1/portal/services"),
    ("get", "/api/v1/portal/invoices"),
    ("post", "/api/v1/portal/deliveries"),
    ("post", "/api/v1/campaigns/{id}/audiences"),
    ("get", "/api/v1/campaigns/{id}/audiences/{audience}"),
    ("get", "/api/v1/imports/quarantine"),
    ("get", "/api/v1/imports/quarantine/{id}"),
    ("post", "/api/v1/imports/quarantine/{id}/discard"),
    ("post", "/api/v1/imports/cdr"),
    ("post", "/api/v1/imports/accounts"),
];

/// An approved campaign (a marketer drafts it, a supervisor approves it) and one
/// computed audience of it: their ids.
async fn campaign_with_audience(s: &TestServer) -> (String, String) {
    let supervisor = s.staff_token("sup.coverage", Role::Supervisor).await;
    let body = json!({
        "name": "Coverage", "description": "A campaign for the gate coverage test", "sponsor": "carrier",
        "sponsor_name": null, "cpni_categories": ["call_detail"], "criteria": {"account_kind": "residential"},
        "offers": ["LD Saver"], "channels": ["email"], "starts_on": "2026-01-01", "ends_on": "2026-03-31"
    });
    let v: Value = s.post("/api/v1/campaigns", &s.marketing).json(&body).send().await.unwrap().json().await.unwrap();
    let id = v["campaign"]["id"].as_str().unwrap().to_owned();
    let v: Value =
        s.post(&format!("/api/v1/campaigns/{id}/submit"), &s.marketing).send().await.unwrap().json().await.unwrap();
    let review = json!({"decision": "approve", "version": v["campaign"]["version"]});
    let r = s.post(&format!("/api/v1/campaigns/{id}/review"), &supervisor).json(&review).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value =
        s.post(&format!("/api/v1/campaigns/{id}/audiences"), &s.marketing).send().await.unwrap().json().await.unwrap();
    let audience = v["snapshot"]["id"].as_str().unwrap_or_else(|| panic!("an audience: {v}")).to_owned();
    (id, audience)
}

async fn head(s: &TestServer) -> u64 {
    s.store.audit_head().await.unwrap().map_or(0, |h| h.seq)
}

#[tokio::test]
async fn every_cpni_route_is_listed_and_records_a_decision() {
    for s in servers().await {
        let doc: Value = s.http.get(s.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        let found = cpniguard_server::api::cpni_routes::operations(&doc);
        let listed: BTreeSet<(String, String)> =
            GATED.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
        assert_eq!(found, listed, "CPNI operations in the OpenAPI document vs. the gated list");

        // An account whose addresses are of record, with one invoice.
        let account = s.account_opened("GC-1", "+18015550901", "maria@example.com", 60, false).await;
        let day = (Utc::now() - Duration::days(40)).date_naive();
        let invoice_id = InvoiceId::new();
        let invoice = Invoice {
            id: invoice_id,
            account_id: account,
            period_start: day,
            period_end: day + Duration::days(30),
            issued_on: day + Duration::days(31),
            due_on: day + Duration::days(50),
            total: Cents(1000),
            lines: vec![InvoiceLine {
                category: LineCategory::Recurring,
                description: "Home".into(),
                amount: Cents(1000),
            }],
        };
        s.store.insert_invoices(&[invoice]).await.unwrap();
        let call = s.open_interaction(&s.csr, &account.to_string(), "phone").await;
        s.set_password(&account.to_string(), "a long online secret").await;
        let cookie = s.portal_login("maria@example.com", "a long online secret").await;
        let delivery = json!({"document": {"type": "invoice", "invoice_id": invoice_id}, "via": "postal"});
        let (campaign, audience) = campaign_with_audience(&s).await;
        let billing = s.staff_token("billing.coverage", Role::Billing).await;

        for (method, path) in GATED {
            let url = path
                .replace("/accounts/{id}", &format!("/accounts/{account}"))
                .replace("/interactions/{id}", &format!("/interactions/{call}"))
                .replace("/campaigns/{id}", &format!("/campaigns/{campaign}"))
                .replace("{audience}", &audience)
                .replace("{invoice_id}", &invoice_id.to_string())
                .replace("/quarantine/{id}", "/quarantine/1");
            let quarantine = path.starts_with("/api/v1/imports/quarantine");
            let upload = matches!(*path, "/api/v1/imports/cdr" | "/api/v1/imports/accounts");
            let portal = path.starts_with("/api/v1/portal/");
            let marketing = path.starts_with("/api/v1/campaigns/");
            let mut request =
                s.http.request(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), s.url(&url));
            request = match (portal, marketing) {
                (true, _) => request.header("cookie", &cookie),
                (_, true) => request.bearer_auth(&s.marketing),
                _ if upload => request.bearer_auth(&billing),
                _ => request.bearer_auth(&s.csr),
            };
            if upload {
                // The billing system's upload, recorded with its counts (none here).
                let format = if path.ends_with("/cdr") { "asterisk-csv" } else { "csv" };
                request = request.query(&[("format", format)]).header("content-type", "text/csv").body("");
            } else if marketing {
                // An approved campaign's audience: marketing's use is allowed.
            } else if *method == "post" && !quarantine {
                request = request.json(&delivery);
            } else if !portal && !quarantine {
                request = request.query(&[("purpose", "service_and_support")]);
            }
            let before = head(&s).await;
            let r = request.send().await.unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            assert_eq!(head(&s).await, before + 1, "{}: {method} {path} recorded one decision", s.backend);
            if upload {
                // Recorded either way: the upload's counts, or the refusal of a file
                // that is not a billing export.
                assert!(status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY, "{path}: {status} {body}");
            } else if portal || marketing {
                assert!(status.is_success(), "{method} {path}: {status} {body}");
            } else if *method == "post" && !quarantine {
                // The CSR's phone call with no password: delivery to the address of
                // record needs no authentication and is allowed.
                assert_eq!(status, StatusCode::ACCEPTED, "{method} {path}: {body}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
                assert_eq!(body["code"], "policy_denied", "{method} {path}");
                assert_eq!(body["audit_seq"], before + 1, "the refusal names its audit entry");
            }
        }
    }
}
