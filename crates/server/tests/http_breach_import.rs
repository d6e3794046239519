//! Importing an affected-account list into a breach incident (issue 7) on every
//! backend: a streamed text/CSV body resolved by account number or id in batches,
//! unknown lines reported with their line numbers and kept on the incident, a
//! re-import adding nothing, and the route's own size limit.

mod common;

use chrono::{Duration, Utc};
use common::{TestServer, new_account_body, servers_with};
use cpniguard_server::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn config() -> Config {
    let mut c = Config::default();
    c.breach.max_import_bytes = 1 << 20;
    c
}

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn open_account(s: &TestServer, number: &str, phone: &str) -> String {
    let mut body = new_account_body(number, phone);
    body["email"] = json!(format!("{}@example.com", number.to_lowercase()));
    let (st, v) = send(s.post("/api/v1/accounts", &s.csr).json(&body)).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn import(s: &TestServer, id: &str, body: String) -> (StatusCode, Value) {
    let path = format!("/api/v1/breach/incidents/{id}/affected-accounts");
    send(s.post(&path, &s.admin).header("content-type", "text/csv").body(body)).await
}

#[tokio::test]
async fn an_affected_list_is_streamed_in_batches_and_unknown_lines_are_kept() {
    for s in servers_with(config).await {
        let _a = open_account(&s, "IMP-1", "+18015550701").await;
        let b = open_account(&s, "IMP-2", "+18015550702").await;
        let c = open_account(&s, "IMP-3", "+18015550703").await;
        let determined = Utc::now() - Duration::days(1);
        let body = json!({
            "discovered_at": determined, "determined_at": determined,
            "description": "a lost laptop held billing exports", "harm": "likely",
        });
        let (st, v) = send(s.post("/api/v1/breach/incidents", &s.admin).json(&body)).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["incident"]["id"].as_str().unwrap().to_owned();

        // A header, a number, an id with CRLF, an unknown, a blank, a repeat, an unknown
        // last line without a break, and a CSV row.
        let list = format!("account_number\nIMP-1\n{b}\r\nNOPE-1\n\nIMP-1,\"Ana\"\nNOPE-2");
        let (st, v) = import(&s, &id, list.clone()).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(
            (v["lines"].as_u64(), v["resolved"].as_u64(), v["added"].as_u64()),
            (Some(7), Some(3), Some(2)),
            "{v}"
        );
        assert_eq!(v["unknown"], 2);
        assert_eq!(v["unknown_first"], json!([{"line": 4, "value": "NOPE-1"}, {"line": 7, "value": "NOPE-2"}]));
        assert_eq!(v["affected_total"], 2);
        let kept: Vec<&str> = v["incident"]["incident"]["unknown_affected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["value"].as_str().unwrap())
            .collect();
        assert_eq!(kept, ["NOPE-1", "NOPE-2"]);

        // Again: nothing new, nothing duplicated.
        let (st, v) = import(&s, &id, list).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!((v["added"].as_u64(), v["affected_total"].as_u64()), (Some(0), Some(2)), "{v}");
        assert_eq!(v["incident"]["incident"]["unknown_affected"].as_array().unwrap().len(), 2);

        // Past one batch (10,000 refs): the known account at the end is still found, and
        // the answer lists the first 100 unknown lines while the incident keeps them all.
        let mut big: String = (0..25_000).map(|i| format!("X-{i}\n")).collect();
        big.push_str("IMP-3\n");
        let (st, v) = import(&s, &id, big).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!((v["added"].as_u64(), v["unknown"].as_u64()), (Some(1), Some(25_000)));
        assert_eq!(v["unknown_first"].as_array().unwrap().len(), 100);
        assert_eq!(v["unknown_first"][99], json!({"line": 100, "value": "X-99"}));
        assert_eq!(v["incident"]["incident"]["affected_count"], 3, "{v}");
        let (_, listed) = send(s.get(&format!("/api/v1/breach/incidents/{id}/affected-accounts"), &s.admin)).await;
        let affected = listed["accounts"].as_array().unwrap();
        assert!(affected.contains(&json!(c)) && affected.len() == 3, "{listed}");
        assert_eq!(v["incident"]["incident"]["unknown_affected"].as_array().unwrap().len(), 25_002);

        // Over the route's own limit (1 MiB here), and an unknown incident.
        let (st, v) = import(&s, &id, "IMP-1\n".repeat(200_000)).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("import_too_large")), "{v}");
        let (st, _) = import(&s, "0190f0f0-0000-7000-8000-000000000000", "IMP-1\n".into()).await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        // The log says what was imported, in counts.
        let (_, events) = send(s.get(&format!("/api/v1/breach/incidents/{id}/events"), &s.admin)).await;
        let imports = events.as_array().unwrap().iter().filter(|e| e["kind"] == "affected_imported").count();
        assert_eq!(imports, 3, "{events}");

        // Replacing the facts without a list keeps the imported accounts; with one, it
        // lists exactly those.
        let path = format!("/api/v1/breach/incidents/{id}");
        let mut facts = body.clone();
        facts["description"] = json!("a lost laptop held billing exports for three customers");
        let (st, v) = send(s.http.put(s.url(&path)).bearer_auth(&s.admin).json(&facts)).await;
        assert_eq!((st, v["incident"]["affected_count"].as_u64()), (StatusCode::OK, Some(3)), "{v}");
        facts["affected_accounts"] = json!([c, c]);
        let (st, v) = send(s.http.put(s.url(&path)).bearer_auth(&s.admin).json(&facts)).await;
        assert_eq!((st, v["incident"]["affected_count"].as_u64()), (StatusCode::OK, Some(1)), "{v}");
        let (_, listed) = send(s.get(&format!("{path}/affected-accounts"), &s.admin)).await;
        assert_eq!(listed["accounts"], json!([c]), "{listed}");
    }
}
