//! The audit log over HTTP, on every backend: privacy officers and auditors query it
//! by account, principal, time and decision, page through it and read the head and
//! checkpoints; a customer sees the accesses to their own account — by role, in their
//! language — and never another account's. A sealed export of the chain, and the
//! checkpoint's age in `/metrics`.

mod common;

use chrono::{Duration, Utc};
use common::{TestServer, new_account_body, servers};
use cpniguard_core::audit::{ExportCheck, ExportError, ExportLine};
use cpniguard_core::staff::Role;
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

async fn open_account(s: &TestServer, number: &str, phone: &str, email: &str) -> String {
    let mut body = new_account_body(number, phone);
    body["email"] = json!(email);
    let (st, v) = send(s.post("/api/v1/accounts", &s.csr).json(&body)).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn pic_inquiry(s: &TestServer, carrier: &str, phone: &str) {
    let path = format!("/api/v1/carrier/pic-freeze?telephone_number={}", phone.replace('+', "%2B"));
    let (st, v) = send(s.get(&path, carrier)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn auditors_query_the_log_by_account_principal_and_page() {
    for s in servers().await {
        let auditor = s.staff("auditor.test", Role::Auditor, trained()).await;
        let carrier = s.staff("carrier.acme", Role::Carrier, trained()).await;
        let a = open_account(&s, "AU-1", "+18015550931", "a@example.com").await;
        let b = open_account(&s, "AU-2", "+18015550932", "b@example.com").await;
        for phone in ["+18015550931", "+18015550932", "+18015550931"] {
            pic_inquiry(&s, &carrier, phone).await;
        }
        // A CSR may not read the log.
        assert_eq!(s.get("/api/v1/audit/entries", &s.csr).send().await.unwrap().status(), StatusCode::FORBIDDEN);

        let (st, all) = send(s.get("/api/v1/audit/entries", &auditor)).await;
        assert_eq!(st, StatusCode::OK, "{} {all}", s.backend);
        let entries = all["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 3);
        let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs, [1, 2, 3]);
        // Chained: each entry's prev_hash is the hash before it.
        assert_eq!(entries[1]["prev_hash"], entries[0]["hash"]);
        assert_eq!(entries[0]["prev_hash"], "0".repeat(64));

        let (_, of_a) = send(s.get(&format!("/api/v1/audit/entries?account={a}"), &auditor)).await;
        let of_a = of_a["entries"].as_array().unwrap();
        assert_eq!(of_a.len(), 2);
        assert!(of_a.iter().all(|e| e["account_id"] == a.as_str()));
        let (_, of_b) = send(s.get(&format!("/api/v1/audit/entries?account={b}&decision=allow"), &auditor)).await;
        assert_eq!(of_b["entries"].as_array().unwrap().len(), 1);
        let (_, denied) = send(s.get("/api/v1/audit/entries?decision=deny", &auditor)).await;
        assert_eq!(denied["entries"].as_array().unwrap().len(), 0);

        let carrier_id = entries[0]["principal"]["id"].as_str().unwrap();
        let (_, by) =
            send(s.get(&format!("/api/v1/audit/entries?principal_kind=carrier&principal_id={carrier_id}"), &auditor))
                .await;
        assert_eq!(by["entries"].as_array().unwrap().len(), 3);
        let (_, by) = send(s.get("/api/v1/audit/entries?principal_kind=staff&principal_id=nobody", &auditor)).await;
        assert_eq!(by["entries"].as_array().unwrap().len(), 0);
        let (st, p) = send(s.get("/api/v1/audit/entries?principal_id=x", &auditor)).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("principal_kind")));
        let future = (Utc::now() + Duration::days(1)).to_rfc3339().replace('+', "%2B");
        let (_, later) = send(s.get(&format!("/api/v1/audit/entries?from={future}"), &auditor)).await;
        assert_eq!(later["entries"].as_array().unwrap().len(), 0);

        // Keyset paging.
        let (_, first) = send(s.get("/api/v1/audit/entries?limit=2", &auditor)).await;
        assert_eq!(first["entries"].as_array().unwrap().len(), 2);
        assert_eq!(first["next_after"], 2);
        let (_, rest) = send(s.get("/api/v1/audit/entries?limit=2&after=2", &auditor)).await;
        assert_eq!(rest["entries"][0]["seq"], 3);
        assert!(rest["next_after"].is_null());

        let (st, head) = send(s.get("/api/v1/audit/head", &auditor)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(head["head"]["seq"], 3);
        assert_eq!(head["head"]["hash"], entries[2]["hash"]);
        let (st, cps) = send(s.get("/api/v1/audit/checkpoints?from_seq=1", &auditor)).await;
        assert_eq!(st, StatusCode::OK, "{cps}");
        assert!(cps["checkpoints"].is_array());

        // A refused read is in the log too, found by its decision.
        let calls = format!(
            "/api/v1/accounts/{b}/calls?purpose=service_and_support&from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z"
        );
        assert_eq!(s.get(&calls, &s.csr).send().await.unwrap().status(), StatusCode::FORBIDDEN);
        let (_, denied) = send(s.get("/api/v1/audit/entries?decision=deny", &auditor)).await;
        let denied = denied["entries"].as_array().unwrap();
        assert_eq!(denied.len(), 1, "{denied:?}");
        assert_eq!((denied[0]["seq"].as_u64(), denied[0]["account_id"].as_str()), (Some(4), Some(b.as_str())));
        assert_eq!(denied[0]["action"], "read_call_detail");
    }
}

#[tokio::test]
async fn a_customer_sees_who_accessed_their_account_and_no_one_elses() {
    for s in servers().await {
        let carrier = s.staff("carrier.acme", Role::Carrier, trained()).await;
        let mine = open_account(&s, "AL-1", "+18015550941", "maria@example.com").await;
        let other = open_account(&s, "AL-2", "+18015550942", "otro@example.com").await;
        let url = s.url("/api/v1/portal/access-log");
        assert_eq!(s.http.get(&url).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            s.get("/api/v1/portal/access-log", &s.admin).send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );

        pic_inquiry(&s, &carrier, "+18015550941").await;
        pic_inquiry(&s, &carrier, "+18015550942").await;
        pic_inquiry(&s, &carrier, "+18015550942").await;
        // A CSR reads the customer's calls on an in-store visit with a photo ID
        // (allowed), and tries again on a phone call with no password (refused).
        let calls = "/calls?purpose=service_and_support&from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z";
        let visit = s.in_store_with_photo_id(&s.csr, &mine).await;
        let (st, v) = send(s.get(&format!("/api/v1/accounts/{mine}{calls}&interaction={visit}"), &s.csr)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let phone = s.open_interaction(&s.csr, &mine, "phone").await;
        let (st, v) = send(s.get(&format!("/api/v1/accounts/{mine}{calls}&interaction={phone}"), &s.csr)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
        // And reads the other customer's calls: not this customer's business.
        let visit = s.in_store_with_photo_id(&s.csr, &other).await;
        let (st, v) = send(s.get(&format!("/api/v1/accounts/{other}{calls}&interaction={visit}"), &s.csr)).await;
        assert_eq!(st, StatusCode::OK, "{v}");

        s.set_password(&mine, "a long online secret").await;
        let cookie = s.portal_login("maria@example.com", "a long online secret").await;
        // The customer's own read of their calls is an access too.
        let own = s.http.get(s.url("/api/v1/portal/calls")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(own.status(), StatusCode::OK);

        // The account's language (Spanish in `new_account_body`) by default.
        let (st, log) = send(s.http.get(&url).header("cookie", &cookie)).await;
        assert_eq!(st, StatusCode::OK, "{} {log}", s.backend);
        assert_eq!(log["language"], "es");
        let accesses = log["accesses"].as_array().unwrap();
        let summary: Vec<(&str, &str)> =
            accesses.iter().map(|a| (a["by_role"].as_str().unwrap(), a["decision"].as_str().unwrap())).collect();
        assert_eq!(
            summary,
            [("carrier", "allow"), ("csr", "allow"), ("csr", "deny"), ("customer", "allow"), ("customer", "allow")],
            "only this account's entries, oldest first: {log}"
        );
        assert_eq!(accesses[0]["by"], "otra compañía telefónica");
        assert!(accesses[0]["action"].as_str().unwrap().starts_with("preguntó"), "{log}");
        assert_eq!(accesses[1]["by"], "un representante de atención al cliente");
        assert_eq!(accesses[1]["action"], "consultó sus registros de llamadas");
        assert_eq!(accesses[1]["purpose"], "la prestación de su servicio y atención");
        assert_eq!(accesses[2]["outcome"], "denegado");
        assert_eq!(accesses[3]["by"], "usted");
        assert_eq!(accesses[3]["action"], "inició sesión en su cuenta en línea", "the sign-in is an entry too");
        assert_eq!(accesses[4]["action"], "consultó sus registros de llamadas");

        let (_, en) = send(s.http.get(format!("{url}?lang=en")).header("cookie", &cookie)).await;
        assert_eq!(en["accesses"][0]["by"], "another telephone company");
        assert_eq!(en["accesses"][0]["purpose"], "a request to change your carrier");
        assert_eq!(en["accesses"][1]["action"], "viewed your call records");
        assert_eq!(en["accesses"][2]["outcome"], "refused");
        // Paging.
        let (_, first) = send(s.http.get(format!("{url}?limit=3")).header("cookie", &cookie)).await;
        assert_eq!(first["accesses"].as_array().unwrap().len(), 3);
        let after = first["next_after"].as_u64().unwrap();
        let (_, rest) = send(s.http.get(format!("{url}?limit=3&after={after}")).header("cookie", &cookie)).await;
        assert_eq!(rest["accesses"].as_array().unwrap().len(), 2);
        assert!(rest["next_after"].is_null());

        // Nothing that identifies a person or another account is in the body.
        let text = log.to_string();
        let all = cpniguard_store::audit::AuditQuery { limit: 1000, ..Default::default() };
        let entries = s.store.search_audit(&all).await.unwrap().entries;
        assert_eq!(entries.len(), 8, "three inquiries, three CSR reads, one sign-in, one own read");
        for e in &entries {
            assert!(!text.contains(&e.record.principal.id), "a principal id leaked");
        }
        assert!(!text.contains(&other) && !text.contains("+18015550942"));
        let (st, _) = send(s.http.get(format!("{url}?account={other}")).header("cookie", &cookie)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "no way to name another account");
        let (st, _) = send(s.http.get(format!("{url}?lang=fr")).header("cookie", &cookie)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// `GET /audit/export` is the CLI's sealed file: it verifies with the carrier's key
/// alone, covers entries after the last checkpoint through its signed statement, and
/// once cut it no longer verifies. `/metrics` shows how old the newest checkpoint is
/// and how many entries follow it.
#[tokio::test]
async fn an_export_over_http_is_sealed_and_metrics_show_the_checkpoint_age() {
    let config = || {
        let mut c = cpniguard_server::Config::default();
        c.audit.checkpoint_every = 2;
        c
    };
    for s in common::servers_with(config).await {
        let auditor = s.staff("auditor.test", Role::Auditor, trained()).await;
        let carrier = s.staff("carrier.acme", Role::Carrier, trained()).await;
        open_account(&s, "EX-1", "+18015550951", "ex@example.com").await;
        for _ in 0..3 {
            pic_inquiry(&s, &carrier, "+18015550951").await;
        }
        let from = (Utc::now() - Duration::hours(1)).to_rfc3339().replace('+', "%2B");
        let to = (Utc::now() + Duration::hours(1)).to_rfc3339().replace('+', "%2B");
        let path = format!("/api/v1/audit/export?from={from}&to={to}");
        assert_eq!(s.get(&path, &s.csr).send().await.unwrap().status(), StatusCode::FORBIDDEN);
        let r = s.get(&path, &auditor).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        assert_eq!(r.headers()["content-type"], "application/jsonl");
        let body = r.text().await.unwrap();
        let lines: Vec<ExportLine> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert!(matches!(lines.last(), Some(ExportLine::Statement(_))), "sealed: {body}");

        let key = s.state.gate.audit_public_key();
        let check = |lines: &[ExportLine]| {
            let mut check = ExportCheck::new(key);
            lines.iter().cloned().try_for_each(|l| check.push(l))?;
            check.finish()
        };
        let report = check(&lines).unwrap();
        assert_eq!((report.chain.entries, report.chain.unsealed), (3, 1), "{} {report:?}", s.backend);
        assert_eq!(report.covering_checkpoint, None, "entry 3 is sealed by the statement alone");
        assert_eq!(report.newest_checkpoint.map(|c| c.seq), Some(2));

        let cut: Vec<ExportLine> =
            lines.iter().filter(|l| !matches!(l, ExportLine::Entry(e) if e.seq == 3)).cloned().collect();
        let err = check(&cut).unwrap_err();
        assert!(matches!(err, ExportError::StatementMismatch { seq: 3, .. }), "{err}");

        let (st, p) = send(s.get(&format!("/api/v1/audit/export?from={to}&to={from}"), &auditor)).await;
        assert_eq!((st, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("to")));
        let (st, _) = send(s.get("/api/v1/audit/export?from=yesterday&to=today", &auditor)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

        let metrics = s.http.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
        let gauge = |name: &str| {
            metrics
                .lines()
                .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse::<f64>().ok()))
                .unwrap_or_else(|| panic!("{name} missing: {metrics}"))
        };
        assert_eq!(gauge("cpniguard_audit_unsealed_entries "), 1.0, "{}", s.backend);
        let age = gauge("cpniguard_audit_checkpoint_age_seconds ");
        assert!((0.0..600.0).contains(&age), "{age}");
    }
}

/// Every check of a customer's secret is an audit entry with its outcome, refused ones
/// included: a CSR verifying a caller (wrong, then right) and portal sign-ins.
#[tokio::test]
async fn credential_checks_are_audit_entries_with_their_outcome() {
    for s in servers().await {
        let id = open_account(&s, "CR-1", "+18015550961", "cred@example.com").await;
        s.set_password(&id, "a long phone secret").await;
        let call = s.open_interaction(&s.csr, &id, "phone").await;
        for (secret, status) in [("wrong guess here", StatusCode::FORBIDDEN), ("a long phone secret", StatusCode::OK)] {
            let r = s.post(&format!("/api/v1/interactions/{call}/verify"), &s.csr);
            let r = r.json(&json!({"kind": "password", "secret": secret})).send().await.unwrap();
            assert_eq!(r.status(), status, "{}", s.backend);
        }
        for password in ["not the password", "a long phone secret"] {
            let body = json!({"email": "cred@example.com", "password": password});
            s.http.post(s.url("/api/v1/portal/login")).json(&body).send().await.unwrap();
        }
        let query = cpniguard_store::audit::AuditQuery {
            account: Some(id.parse().unwrap()),
            limit: 1000,
            ..Default::default()
        };
        let entries = s.store.search_audit(&query).await.unwrap().entries;
        let checks: Vec<(&str, &str, &str, &str)> = entries
            .iter()
            .filter(|e| e.record.action.starts_with("customer_auth."))
            .map(|e| {
                (
                    e.record.action.as_str(),
                    e.record.principal.kind.as_str(),
                    e.record.decision.as_str(),
                    e.record.record_refs[1].as_str(),
                )
            })
            .collect();
        assert_eq!(
            checks,
            [
                ("customer_auth.staff_check", "staff", "deny", "outcome:mismatch"),
                ("customer_auth.staff_check", "staff", "allow", "outcome:verified"),
                ("customer_auth.portal_sign_in", "customer", "deny", "outcome:mismatch"),
                ("customer_auth.portal_sign_in", "customer", "allow", "outcome:verified"),
            ],
            "{}",
            s.backend
        );
        let refs: Vec<&String> = entries.iter().flat_map(|e| &e.record.record_refs).collect();
        assert!(
            !refs.iter().any(|r| r.contains("wrong guess") || r.contains("long phone secret")),
            "references, never the secret: {refs:?}"
        );
    }
}

/// Failed checks without identity — unknown, revoked or missing staff tokens, portal
/// sign-ins with an email no account has — are one entry per source per minute, with
/// their count, once the minute is over.
#[tokio::test]
async fn failed_checks_without_identity_are_counted_per_source_and_minute() {
    for s in servers().await {
        let fake = "0".repeat(43);
        for token in [Some(fake.as_str()), Some("not-a-token"), Some(fake.as_str()), None] {
            let r = s.http.get(s.url("/api/v1/audit/entries"));
            let r = match token {
                Some(t) => r.bearer_auth(t),
                None => r,
            };
            assert_eq!(r.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
        }
        for _ in 0..2 {
            let body = json!({"email": "nobody@example.com", "password": "whatever it is"});
            let r = s.http.post(s.url("/api/v1/portal/login")).json(&body).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        // Written once their minute is over (a minute that ended between the requests
        // was written by the next one from the same source).
        let later = Utc::now() + Duration::seconds(61);
        assert!(s.state.unidentified.flush(&s.state, later, false).await >= 2, "{}", s.backend);
        assert_eq!(s.state.unidentified.flush(&s.state, later, true).await, 0, "nothing counted twice");

        let query = cpniguard_store::audit::AuditQuery { limit: 1000, ..Default::default() };
        let entries = s.store.search_audit(&query).await.unwrap().entries;
        let mut totals = std::collections::BTreeMap::<(String, String, String), u64>::new();
        for e in entries.iter().filter(|e| e.record.action == "auth.unidentified_failures") {
            let refs = &e.record.record_refs;
            let count: u64 = refs[3].strip_prefix("count:").unwrap().parse().unwrap();
            let key = (e.record.principal.kind.as_str().to_owned(), refs[0].clone(), refs[1].clone());
            *totals.entry(key).or_default() += count;
        }
        let key = |kind: &str, check: &str| (kind.to_owned(), check.to_owned(), "source:127.0.0.1".to_owned());
        let expected = [(key("customer", "check:portal_sign_in"), 2), (key("staff", "check:staff_token"), 4)];
        assert_eq!(totals.into_iter().collect::<Vec<_>>(), expected, "{}", s.backend);
        assert!(
            entries
                .iter()
                .all(|e| e.record.decision.as_str() == "deny" || e.record.action != "auth.unidentified_failures")
        );
    }
}
