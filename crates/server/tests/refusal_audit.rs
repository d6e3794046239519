//! Every request to a CPNI route leaves exactly one audit entry, whatever refuses it
//! (issue 20): the role table, request validation, an unknown record. The CPNI routes
//! are read from the served OpenAPI document (`api::cpni_routes`, the same reading
//! `gate_coverage` holds to its list), not from a list here. Requests with no valid
//! identity are counted per source and minute instead, one entry each.
//! `gate_coverage` proves the allowed (and gate-refused) requests leave one entry each.

mod common;

use common::{TestServer, servers};
use cpniguard_core::audit::Decision;
use cpniguard_core::staff::Role;
use cpniguard_server::api::cpni_routes;
use cpniguard_server::auth::refusals::REFUSED_ACTION;
use cpniguard_server::auth::unidentified::UNIDENTIFIED_ACTION;
use cpniguard_store::audit::AuditQuery;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A well-formed id nothing in the database has.
const UNKNOWN: &str = "0190a4c0-0000-7000-8000-00000000beef";

async fn head(s: &TestServer) -> u64 {
    s.store.audit_head().await.unwrap().map_or(0, |h| h.seq)
}

/// The entries after `seq`.
async fn entries_after(s: &TestServer, seq: u64) -> Vec<cpniguard_core::audit::AuditEntry> {
    let query = AuditQuery { after_seq: Some(seq), limit: 100, ..AuditQuery::default() };
    s.store.search_audit(&query).await.unwrap().entries
}

/// `path` with every parameter replaced by `value`.
fn concrete(path: &str, value: &str) -> String {
    path.split('/').map(|part| if part.starts_with('{') { value } else { part }).collect::<Vec<_>>().join("/")
}

/// The staff member whose role the route's group admits: the one expected to get past
/// the role table (and then be refused for bad input or an unknown record).
fn admitted(s: &TestServer, path: &str, privacy: &str, billing: &str) -> String {
    if is_upload(path) {
        billing.to_owned()
    } else if path.starts_with("/api/v1/campaigns/") {
        s.marketing.clone()
    } else if path.starts_with("/api/v1/imports/quarantine") {
        privacy.to_owned()
    } else {
        s.csr.clone()
    }
}

/// Every query parameter the operation documents, with a value none accepts.
fn invalid_query(op: &Value) -> Vec<(String, String)> {
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    params
        .iter()
        .filter(|p| p["in"] == "query")
        .filter_map(|p| Some((p["name"].as_str()?.to_owned(), "not-valid".to_owned())))
        .collect()
}

/// The billing system's uploads: billing is the one role admitted.
fn is_upload(path: &str) -> bool {
    matches!(path, "/api/v1/imports/cdr" | "/api/v1/imports/accounts")
}

/// Send `method url` and check it left exactly one new entry: a refusal.
async fn one_refusal(
    s: &TestServer,
    (method, template): (&str, &str),
    url: &str,
    request: reqwest::RequestBuilder,
    case: &str,
) {
    let before = head(s).await;
    let r = request.send().await.unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_client_error(), "{}: {case} {method} {url}: {status} {body}", s.backend);
    assert_eq!(body["type"].as_str().map(|t| t.starts_with("urn:cpniguard:problem:")), Some(true), "{body}");
    let new = entries_after(s, before).await;
    assert_eq!(new.len(), 1, "{}: {case} {method} {url} ({status}) left one entry: {new:?}", s.backend);
    assert_eq!(new[0].record.decision, Decision::Deny, "{case} {method} {url}");
    if new[0].record.action == REFUSED_ACTION {
        let refs = &new[0].record.record_refs;
        assert!(refs.contains(&format!("status:{}", status.as_u16())), "{refs:?}");
        let route = format!("route:{} {template}", method.to_uppercase());
        assert!(refs.contains(&route), "{route} in {refs:?}");
    }
}

#[tokio::test]
async fn every_refused_cpni_request_leaves_exactly_one_entry() {
    for s in servers().await {
        let doc: Value = s.http.get(s.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        let operations = cpni_routes::operations(&doc);
        assert!(operations.len() >= 14, "the CPNI operations: {operations:?}");
        let billing = s.staff_token("billing.refusals", Role::Billing).await;
        let privacy = s.staff_token("privacy.refusals", Role::PrivacyOfficer).await;
        let account = s.account_opened("RF-1", "+18015550911", "rosa@example.com", 60, false).await;
        s.set_password(&account.to_string(), "a long online secret").await;
        let cookie = s.portal_login("rosa@example.com", "a long online secret").await;

        for (method, path) in &operations {
            let method_upper = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let send = |url: &str| s.http.request(method_upper.clone(), s.url(url));
            let invalid = invalid_query(&doc["paths"][path][method]);
            if path.starts_with("/api/v1/portal/") {
                // Bad input from a signed-in customer: every query parameter invalid, or
                // an empty body where a document is required. (An operation that takes
                // no input cannot be sent bad input.)
                let request = send(path).header("cookie", &cookie);
                let request = match method.as_str() {
                    "post" => request.json(&json!({})),
                    _ if invalid.is_empty() => continue,
                    _ => request.query(&invalid),
                };
                one_refusal(&s, (method, path), path, request, "bad input").await;
                continue;
            }
            let unknown = concrete(path, UNKNOWN);
            // The role table: billing holds no CPNI capability but its uploads, and a
            // CSR uploads nothing.
            let wrong = if is_upload(path) { &s.csr } else { &billing };
            one_refusal(&s, (method, path), &unknown, send(&unknown).bearer_auth(wrong).json(&json!({})), "wrong role")
                .await;
            // Request validation: a path parameter that is not an id; with none, every
            // query parameter invalid (an upload: a body that is not CSV).
            let malformed = concrete(path, "not-an-id");
            let token = admitted(&s, path, &privacy, &billing);
            let request = send(&malformed).bearer_auth(&token).json(&json!({}));
            let request = if path.contains('{') || is_upload(path) { request } else { request.query(&invalid) };
            one_refusal(&s, (method, path), &malformed, request, "bad input").await;
            if !path.contains('{') {
                continue;
            }
            // An unknown record, well formed, from the role that may ask.
            let request = send(&unknown).bearer_auth(&token).query(&[("purpose", "service_and_support")]);
            let request = if method == "post" { request.json(&json!({})) } else { request };
            one_refusal(&s, (method, path), &unknown, request, "unknown record").await;
        }

        // No identity at all: counted per source and minute, written as one entry.
        let before = head(&s).await;
        let mut refused = 0;
        for (method, path) in &operations {
            let url = concrete(path, UNKNOWN);
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = s.http.request(method, s.url(&url)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{url}");
            refused += 1;
        }
        s.state.unidentified.flush(&s.state, chrono::Utc::now(), true).await;
        let tallies: Vec<_> =
            entries_after(&s, before).await.into_iter().filter(|e| e.record.action == UNIDENTIFIED_ACTION).collect();
        // One entry per kind of check (staff token, portal session) and minute: two,
        // or four when the loop crossed a minute.
        assert!(tallies.len() <= 4, "{}: not one entry per request: {}", s.backend, tallies.len());
        let counted: u64 = tallies
            .iter()
            .filter_map(|e| e.record.record_refs.iter().find_map(|r| r.strip_prefix("count:")?.parse::<u64>().ok()))
            .sum();
        assert_eq!(counted, refused, "{}: every unidentified request counted", s.backend);
    }
}
