//! Imports over HTTP, on every backend: the import quarantine is CPNI, so the privacy
//! office lists, reads and discards it through the disclosure gate (each a recorded
//! decision) and every other role is refused with the reason.

mod common;

use chrono::Utc;
use common::{TestServer, servers};
use cpniguard_core::audit::Decision;
use cpniguard_core::staff::Role;
use cpniguard_store::audit::AuditQuery;
use cpniguard_store::call_import::{CallImportBatch, NewQuarantineEntry, QuarantineKind};
use reqwest::StatusCode;
use serde_json::Value;

async fn send(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = r.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn trained() -> Option<chrono::NaiveDate> {
    Some(Utc::now().date_naive() - chrono::Days::new(10))
}

/// Two quarantined rows of source `pbx1`: an unmatched call and a malformed line.
async fn quarantine_two(s: &TestServer) {
    let entry = |kind, key: &str, line, row: &str| NewQuarantineEntry {
        source: "pbx1".into(),
        row_key: key.into(),
        kind,
        file_name: "/var/log/asterisk/cdr-csv/Master.csv".into(),
        line_number: line,
        reason: "no account held either number".into(),
        row_text: row.into(),
        call: None,
        started_at: Some(Utc::now()),
    };
    let rows = [
        entry(QuarantineKind::Unmatched, "1717250400.1", 4, "\"\",\"4155550100\",\"12125550143\""),
        entry(QuarantineKind::Malformed, "malformed:ab", 7, "\"short\",\"row\""),
    ];
    let batch = CallImportBatch { source: "pbx1", calls: &[], quarantine: &rows, resolved: &[] };
    s.store.import_calls(&batch, Utc::now()).await.unwrap();
}

/// The gate's quarantine decisions, oldest first.
async fn decisions(s: &TestServer) -> Vec<cpniguard_core::audit::AuditRecord> {
    let mut entries = s.store.search_audit(&AuditQuery { limit: 1000, ..Default::default() }).await.unwrap().entries;
    entries.sort_by_key(|e| e.seq);
    entries.into_iter().map(|e| e.record).filter(|r| r.action == "review_import_quarantine").collect()
}

#[tokio::test]
async fn the_privacy_office_reviews_the_import_quarantine_through_the_gate() {
    for s in servers().await {
        quarantine_two(&s).await;
        let privacy = s.staff("privacy.quarantine", Role::PrivacyOfficer, trained()).await;

        let (st, page) = send(s.get("/api/v1/imports/quarantine", &privacy)).await;
        assert_eq!(st, StatusCode::OK, "{} {page}", s.backend);
        let entries = page["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e.get("row").is_none()), "a list carries no rows: {page}");
        let recorded = decisions(&s).await;
        assert_eq!(recorded.len(), 1);
        assert_eq!((recorded[0].decision, recorded[0].account_id), (Decision::Allow, None));
        assert_eq!(recorded[0].purpose.as_deref(), Some("compliance_review"));

        let (st, page) = send(s.get("/api/v1/imports/quarantine?kind=malformed&limit=5", &privacy)).await;
        assert_eq!((st, page["entries"].as_array().unwrap().len()), (StatusCode::OK, 1), "{page}");
        let id = entries[0]["id"].as_i64().unwrap();
        let (st, shown) = send(s.get(&format!("/api/v1/imports/quarantine/{id}"), &privacy)).await;
        assert_eq!(st, StatusCode::OK, "{shown}");
        assert!(shown["row"].as_str().unwrap().contains("4155550100"), "{shown}");
        assert_eq!((shown["line_number"].as_u64(), shown["kind"].as_str()), (Some(4), Some("unmatched")));
        assert!(decisions(&s).await.last().unwrap().record_refs.contains(&format!("import_quarantine:entry:{id}")));

        // Other roles ask and are refused, with the deciding policy; each refusal recorded.
        let untrained = s.staff("privacy.lapsed", Role::PrivacyOfficer, None).await;
        let auditor = s.staff("auditor.quarantine", Role::Auditor, trained()).await;
        for (token, policy) in
            [(&s.csr, "default-deny"), (&auditor, "default-deny"), (&untrained, "no-cpni-to-untrained-staff")]
        {
            let before = decisions(&s).await.len();
            let (st, refused) = send(s.get(&format!("/api/v1/imports/quarantine/{id}"), token)).await;
            assert_eq!((st, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("policy_denied")), "{refused}");
            assert_eq!(refused["deciding_policies"], serde_json::json!([policy]), "{refused}");
            assert!(refused.get("row").is_none());
            let recorded = decisions(&s).await;
            assert_eq!((recorded.len(), recorded.last().unwrap().decision), (before + 1, Decision::Deny));
        }
        // A discard is a decision too: marketing is refused before anything goes.
        let (st, _) = send(s.post(&format!("/api/v1/imports/quarantine/{id}/discard"), &s.marketing)).await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        let (st, gone) = send(s.post(&format!("/api/v1/imports/quarantine/{id}/discard"), &privacy)).await;
        assert_eq!((st, gone["discarded"].as_i64()), (StatusCode::OK, Some(id)), "{gone}");
        let (st, again) = send(s.post(&format!("/api/v1/imports/quarantine/{id}/discard"), &privacy)).await;
        assert_eq!((st, again["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{again}");
        let (st, _) = send(s.get(&format!("/api/v1/imports/quarantine/{id}"), &privacy)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (_, page) = send(s.get("/api/v1/imports/quarantine", &privacy)).await;
        assert_eq!(page["entries"].as_array().unwrap().len(), 1);

        let (st, bad) = send(s.get("/api/v1/imports/quarantine?kind=lost", &privacy)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

/// An Asterisk `Master.csv` line (uniqueid and userfield logged): `src` calls `dst`
/// at `start` (UTC), answered, `secs` long.
fn asterisk_line(src: &str, dst: &str, start: &str, secs: u32, uniqueid: &str) -> String {
    format!(
        "\"\",\"{src}\",\"{dst}\",\"from-internal\",\"\"\"Ann Lee\"\" <{src}>\",\"PJSIP/{src}-1\",\"PJSIP/trunk-2\",\"Dial\",\"PJSIP/{dst}@trunk,30\",\"{start}\",\"{start}\",\"{start}\",{secs},{secs},\"ANSWERED\",\"DOCUMENTATION\",\"{uniqueid}\",\"\"\n"
    )
}

/// A customer whose line +1 212 555 0143 has been in service since 2020.
async fn customer(s: &TestServer) {
    let id = s.account_opened("UP-1", "+12125550143", "ann@example.com", 60, false).await;
    let line = cpniguard_core::cpni::Service {
        id: cpniguard_core::ids::ServiceId::new(),
        account_id: id,
        service_type: "voip_line".to_owned(),
        service_number: Some(cpniguard_core::phone::PhoneNumber::parse("+12125550143").unwrap()),
        quantity: 1,
        configuration: serde_json::json!({}),
        rate_plan: "Basic".to_owned(),
        monthly_rate: cpniguard_core::money::Cents(2500),
        since: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        until: None,
    };
    s.store.add_service(&line).await.unwrap();
}

fn upload(s: &TestServer, token: &str, query: &str, body: impl Into<reqwest::Body>) -> reqwest::RequestBuilder {
    s.post(&format!("/api/v1/imports/cdr{query}"), token).header("content-type", "text/csv").body(body)
}

#[tokio::test]
async fn the_billing_role_uploads_call_detail_as_a_stream_and_reads_no_cpni() {
    for s in servers().await {
        customer(&s).await;
        let billing = s.staff("billing.sync", Role::Billing, None).await;
        let file = [
            asterisk_line("2125550143", "3125550199", "2024-06-01 14:00:00", 120, "1717250400.1"),
            asterisk_line("4155550100", "3035550122", "2024-06-01 17:00:00", 30, "1717261200.4"),
            "\"\",\"2125550143\",\"3035550100\",\"from-internal\",\"x\"\n".to_owned(),
        ]
        .concat();
        let query = "?format=asterisk-csv&source=pbx1&file_name=Master.csv";
        let (st, summary) = send(upload(&s, &billing, query, file.clone())).await;
        assert_eq!(st, StatusCode::OK, "{} {summary}", s.backend);
        let counts = ["read", "inserted", "duplicates", "unmatched", "malformed"].map(|k| summary[k].as_u64().unwrap());
        assert_eq!((counts, summary["source"].as_str()), ([3, 1, 0, 1, 1], Some("pbx1")), "{summary}");
        let (_, again) = send(upload(&s, &billing, query, file)).await;
        assert_eq!((again["inserted"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(1)), "{again}");

        // Recorded with its counts, never its rows.
        let mut entries =
            s.store.search_audit(&AuditQuery { limit: 1000, ..Default::default() }).await.unwrap().entries;
        entries.retain(|e| e.record.action == "import.cdr");
        assert_eq!(entries.len(), 2, "{}", s.backend);
        let refs = &entries.iter().min_by_key(|e| e.seq).unwrap().record.record_refs;
        assert!(refs.contains(&"import_source:pbx1".to_owned()) && refs.contains(&"inserted=1".to_owned()), "{refs:?}");
        assert!(!refs.iter().any(|r| r.contains("2125550143")), "no numbers in the audit entry: {refs:?}");

        // A body far larger than the request body limit goes through: it is streamed.
        let big: String = (0..6000)
            .map(|i| asterisk_line("2125550143", "3035550100", "2024-07-01 09:00:00", 60, &format!("1719824400.{i}")))
            .collect();
        assert!(big.len() > s.state.config.server.max_body_bytes);
        let (st, summary) = send(upload(&s, &billing, "?format=asterisk-csv&source=pbx1", big)).await;
        assert_eq!((st, summary["inserted"].as_u64()), (StatusCode::OK, Some(6000)), "{summary}");

        // Bad input: problem+json, nothing imported.
        let r = s.post("/api/v1/imports/cdr?format=asterisk-csv", &billing).json(&serde_json::json!({})).send().await;
        let r = r.unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let (st, bad) = send(upload(&s, &billing, "?format=excel", "a,b\n")).await;
        assert_eq!((st, bad["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("format")), "{bad}");
        let (st, bad) = send(upload(&s, &billing, "", "a,b\n")).await;
        assert_eq!((st, bad["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("source")), "{bad}");
        let freeswitch = "\"Ann\",\"2125550143\",\"3125550199\",\"default\",\"2024-06-01 14:00:00\",\"\",\"2024-06-01 14:00:30\",\"30\",\"0\",\"NO_ANSWER\",\"a-uuid\",\"\",\"\",\"PCMU\",\"PCMU\"\n";
        let (st, bad) = send(upload(&s, &billing, "?format=asterisk-csv", freeswitch)).await;
        assert_eq!((st, bad["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_the_format")), "{bad}");
        let (st, bad) = send(upload(&s, &billing, "?format=csv&source=nowhere", "a,b\n")).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");

        // Only the billing role uploads; the billing role reads no CPNI.
        let (st, _) = send(upload(&s, &s.csr, query, "")).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let account = s.account_opened("UP-2", "+12125550144", "bo@example.com", 60, false).await;
        for path in
            [format!("/api/v1/accounts/{account}/calls?purpose=billing"), "/api/v1/imports/quarantine".to_owned()]
        {
            let (st, refused) = send(s.get(&path, &billing)).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{path}: {refused}");
        }
    }
}

/// A billing export (docs/import.md): two accounts and a row of an unknown kind.
const EXPORT: &str = "account_number,name,kind,status,email,email_since,postal_line1,postal_city,postal_state,postal_zip,postal_since,telephone_numbers,business_exemption
BIL-0001,\"Lee, Ann\",residential,active,ann@example.com,2023-02-01,100 Main St,Denver,CO,80202,2021-06-15,2125550143@2021-06-15,
BIL-0002,Chan Hardware,business,active,,,\"200 Elm St, Suite 4\",Chicago,IL,60601,2019-03-01,3125550199@2019-03-01,MSA-2019-17
BIL-0003,Bad Kind,corporate,active,,,1 Oak St,Boise,ID,83702,2020-01-01,2085550100@2020-01-01,
";

#[tokio::test]
async fn the_billing_role_uploads_the_account_export_through_the_sync() {
    for s in servers().await {
        let billing = s.staff("billing.accounts", Role::Billing, None).await;
        // A call from a number nobody holds yet: quarantined until the sync assigns it.
        let call = asterisk_line("2125550143", "3035550100", "2024-06-01 14:00:00", 60, "1717250400.9");
        let (_, cdr) = send(upload(&s, &billing, "?format=asterisk-csv&source=pbx1", call)).await;
        assert_eq!(cdr["unmatched"].as_u64(), Some(1), "{cdr}");

        let accounts = |body: &'static str| {
            s.post("/api/v1/imports/accounts?format=csv&file_name=export.csv", &billing)
                .header("content-type", "text/csv")
                .body(body)
        };
        let (st, summary) = send(accounts(EXPORT)).await;
        assert_eq!(st, StatusCode::OK, "{} {summary}", s.backend);
        let n = |k: &str| summary[k].as_u64().unwrap();
        assert_eq!([n("read"), n("inserted"), n("updated"), n("malformed")], [3, 2, 0, 1], "{summary}");
        assert_eq!(summary["calls_rematched"]["inserted"].as_u64(), Some(1), "the new number's call: {summary}");
        let ann = s
            .store
            .get_account_by_number(&cpniguard_core::account::AccountNumber::parse("BIL-0001").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ann.profile.name, "Lee, Ann");

        let (_, again) = send(accounts(EXPORT)).await;
        assert_eq!((again["inserted"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(2)), "{again}");
        let mut entries =
            s.store.search_audit(&AuditQuery { limit: 1000, ..Default::default() }).await.unwrap().entries;
        entries.retain(|e| e.record.action == "import.accounts");
        assert_eq!(entries.len(), 2);
        assert!(entries[0].record.record_refs.contains(&"import_source:billing".to_owned()));

        let (st, bad) = send(accounts("not,an,export\n")).await;
        assert_eq!((st, bad["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_the_format")), "{bad}");
        let (st, bad) = send(
            s.post("/api/v1/imports/accounts?format=xlsx", &billing).header("content-type", "text/csv").body(EXPORT),
        )
        .await;
        assert_eq!((st, bad["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("format")), "{bad}");
        let (st, _) = send(s.post("/api/v1/imports/accounts?format=csv", &billing).body(EXPORT)).await;
        assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let (st, _) =
            send(s.post("/api/v1/imports/accounts?format=csv", &s.csr).header("content-type", "text/csv").body(EXPORT))
                .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
}
