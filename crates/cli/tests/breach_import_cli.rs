//! `cpniguard breach import-affected` as an operator runs it on a list too large for
//! the API: accounts by number, unknown lines reported and kept, a re-run adding
//! nothing.

mod mail_env;

use chrono::{NaiveDate, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::breach::{Harm, Regime};
use cpniguard_core::ids::AccountId;
use cpniguard_store::StoreOptions;
use cpniguard_store::breach::{BreachEvent, BreachIncident, EncryptionFacts, IncidentState};
use serde_json::Value;
use std::process::Command;
use uuid::Uuid;

fn incident() -> BreachIncident {
    let now = Utc::now();
    BreachIncident {
        id: Uuid::now_v7(),
        version: 1,
        state: IncidentState::Open,
        regime: Regime::Fcc2007,
        created_at: now,
        discovered_at: now,
        determined_at: now,
        description: "a lost backup tape".to_owned(),
        circumstances: String::new(),
        categories: vec![],
        affected_count: 0,
        approximate_affected: None,
        harm: Harm::Unknown,
        harm_reasoning: String::new(),
        inadvertent: false,
        encryption: EncryptionFacts::default(),
        urgent_need: None,
        delay_orders: vec![],
        agency_notices: vec![],
        customers_notified_at: None,
        not_required_reason: None,
        annual_summary_filing: None,
        unknown_affected: vec![],
        retain_until: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
    }
}

fn import(url: &str, incident: Uuid, file: &std::path::Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .args(["breach", "import-affected", "--incident", &incident.to_string(), "--database-url", url])
        .arg(file)
        .env_remove("CPNIGUARD_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_list_is_imported_from_a_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    let store = cpniguard_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..30 {
        let id = AccountId::new();
        store
            .create_account(
                id,
                &mail_env::new_account(&format!("IMP-{i:04}"), &format!("+1801555{i:04}"), None, Language::Es),
                Utc::now(),
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let i = incident();
    let created = BreachEvent {
        id: Uuid::now_v7(),
        incident_id: i.id,
        at: Utc::now(),
        actor: "test".into(),
        kind: "created".into(),
        detail: Value::Null,
    };
    store.create_breach_incident(&i, &created, &[]).await.unwrap();

    // 30 known accounts among 20,000 unknown lines: more than one batch.
    let mut list = String::from("account_number\n");
    for n in 0..20_000 {
        list.push_str(&format!("GONE-{n}\n"));
        if n % 700 == 0 && n / 700 < 30 {
            list.push_str(&format!("IMP-{:04}\n", n / 700));
        }
    }
    let file = dir.path().join("affected.csv");
    std::fs::write(&file, &list).unwrap();
    let report = import(&url, i.id, &file);
    assert_eq!((report["added"].as_u64(), report["unknown"].as_u64()), (Some(29), Some(20_000)), "{report}");
    assert_eq!(report["unknown_first"][0], serde_json::json!({"line": 2, "value": "GONE-0"}));
    let again = import(&url, i.id, &file);
    assert_eq!((again["added"].as_u64(), again["affected_total"].as_u64()), (Some(0), Some(29)), "{again}");

    let stored = store.get_breach_incident(i.id).await.unwrap().unwrap();
    assert_eq!(stored.affected_count, 29);
    assert_eq!(store.breach_affected_accounts(i.id, None, 100).await.unwrap().len(), 29);
    assert_eq!(stored.unknown_affected.len(), 20_000, "kept once, not dropped");
    let events = store.breach_events(i.id).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == "affected_imported" && e.actor == "cli:import-affected").count(), 2);
}
