//! The audit chain as an outsider checks it: entries written through the
//! group-commit writer into a SQLite file, then tampered with directly in the file
//! (edit, delete, insert, swap, truncate the tail); `cpniguard audit verify` must
//! fail naming the seq each time. Exports verify with no database, and a tampered
//! export line is caught.

use cpniguard_server::SystemClock;
use cpniguard_server::audit_writer::{AuditWriter, AuditWriterConfig, keys};
use cpniguard_store::StoreOptions;
use cpniguard_store::conformance::audit_record;
use sqlx::{Connection, SqliteConnection};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

const ENTRIES: u32 = 35;

fn cpniguard() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cpniguard"));
    c.env_remove("CPNIGUARD_TEST_POSTGRES_URL").env_remove("CPNIGUARD_CONFIG");
    c
}

struct Chain {
    dir: TempDir,
    url: String,
}

impl Chain {
    fn public_key(&self) -> PathBuf {
        self.dir.path().join(keys::PUBLIC_KEY_FILE)
    }

    fn verify(&self) -> Output {
        cpniguard()
            .args(["audit", "verify", "--database-url", &self.url, "--public-key"])
            .arg(self.public_key())
            .output()
            .unwrap()
    }

    /// Run statements directly on the database file, as an intruder would.
    async fn tamper(&self, statements: &[&str]) {
        let mut conn = SqliteConnection::connect(&self.url).await.unwrap();
        for s in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(*s)).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }
}

/// `cpniguard init`, then entries 1..=35 through the writer, checkpointed every 10
/// and at shutdown.
async fn chain() -> Chain {
    let dir = tempfile::tempdir().unwrap();
    let out = cpniguard().args(["init", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("SIGNING KEY-----"), "the private key is never printed");
    let again = cpniguard().args(["init", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(!again.status.success(), "init refuses to overwrite");

    let url = format!("sqlite://{}", dir.path().join("audit.db").display());
    let store = cpniguard_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let key = keys::load_signing_key(&dir.path().join(keys::PRIVATE_KEY_FILE)).unwrap();
    let config = AuditWriterConfig {
        max_batch: 8,
        checkpoint_every: 10,
        checkpoint_interval: Duration::from_secs(60),
        anchor_file: None,
    };
    let (writer, task) = AuditWriter::spawn(store, key, config, Arc::new(SystemClock));
    let mut waiting = Vec::new();
    for n in 1..=ENTRIES {
        let writer = writer.clone();
        waiting.push(tokio::spawn(async move { writer.append(audit_record(n)).await.unwrap() }));
    }
    for w in waiting {
        w.await.unwrap();
    }
    drop(writer);
    task.await.unwrap();
    Chain { dir, url }
}

fn assert_fails_at(out: &Output, seq: u64, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{what} was not detected");
    assert!(err.contains(&format!("failed at seq {seq}:")), "{what}: expected seq {seq}: {err}");
}

#[tokio::test]
async fn an_intact_chain_verifies() {
    let chain = chain().await;
    let out = chain.verify();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["entries"], ENTRIES);
    assert_eq!(report["unsealed"], 0);
}

#[tokio::test]
async fn an_edited_entry_is_detected() {
    let chain = chain().await;
    chain.tamper(&["UPDATE audit_entries SET principal_id = 'someone-else' WHERE seq = 7"]).await;
    assert_fails_at(&chain.verify(), 7, "an edit");
}

#[tokio::test]
async fn a_deleted_entry_is_detected() {
    let chain = chain().await;
    chain.tamper(&["DELETE FROM audit_entries WHERE seq = 12"]).await;
    assert_fails_at(&chain.verify(), 12, "a deletion");
}

#[tokio::test]
async fn an_inserted_entry_is_detected() {
    let chain = chain().await;
    // Make room at 15 by shifting the later entries up, then put a copy of entry 3
    // there: its stored prev_hash is not entry 14's hash.
    chain
        .tamper(&[
            "UPDATE audit_entries SET seq = seq + 1000 WHERE seq >= 15",
            "UPDATE audit_entries SET seq = seq - 999 WHERE seq >= 1015",
            "INSERT INTO audit_entries SELECT 15, at, principal_kind, principal_id, principal_role, action, \
             account_id, purpose, channel, interaction_id, legal_ref, fraud_ref, decision, policy_ids, \
             policy_set_hash, request_id, record_refs, prev_hash, hash FROM audit_entries WHERE seq = 3",
        ])
        .await;
    assert_fails_at(&chain.verify(), 15, "an insertion");
}

#[tokio::test]
async fn swapped_entries_are_detected() {
    let chain = chain().await;
    chain
        .tamper(&[
            "UPDATE audit_entries SET seq = 100000 WHERE seq = 20",
            "UPDATE audit_entries SET seq = 20 WHERE seq = 21",
            "UPDATE audit_entries SET seq = 21 WHERE seq = 100000",
        ])
        .await;
    assert_fails_at(&chain.verify(), 20, "a reordering");
}

#[tokio::test]
async fn a_truncated_tail_is_detected() {
    let chain = chain().await;
    chain.tamper(&["DELETE FROM audit_entries WHERE seq > 25"]).await;
    assert_fails_at(&chain.verify(), 26, "a tail cut behind a checkpoint");

    // Cutting the checkpoints too leaves the recorded chain head to tell.
    let chain = self::chain().await;
    let last = ENTRIES - 4;
    let cut = [
        format!("DELETE FROM audit_entries WHERE seq > {last}"),
        format!("DELETE FROM audit_checkpoints WHERE seq > {last}"),
    ];
    chain.tamper(&cut.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_fails_at(&chain.verify(), u64::from(last) + 1, "a tail cut with its checkpoints");
}

fn export(chain: &Chain, from: &str, to: &str) -> PathBuf {
    let file = chain.dir.path().join(format!("export-{from}-{to}.jsonl"));
    let out = cpniguard()
        .args(["audit", "export", "--database-url", &chain.url, "--from", from, "--to", to, "--out"])
        .arg(&file)
        .arg("--public-key")
        .arg(chain.public_key())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    file
}

fn verify_file(file: &Path, public_key: &Path) -> Output {
    // The database URL points nowhere: verifying an export needs none.
    cpniguard()
        .args(["audit", "verify", "--database-url", "sqlite:///nonexistent/dir/x.db", "--file"])
        .arg(file)
        .arg("--public-key")
        .arg(public_key)
        .output()
        .unwrap()
}

#[tokio::test]
async fn an_export_verifies_without_the_database_and_tampering_is_detected() {
    let chain = chain().await;
    let whole = export(&chain, "2025-01-01", "2025-12-31");
    let out = verify_file(&whole, &chain.public_key());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["entries"], ENTRIES);

    // A time range in the middle: widened to checkpoints, so it verifies on its own.
    let part = export(&chain, "2025-01-15T12:00:14Z", "2025-01-15T12:00:17Z");
    let out = verify_file(&part, &chain.public_key());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["first_seq"].as_u64().unwrap() <= 14 && report["unsealed"] == 0, "{report}");

    let text = std::fs::read_to_string(&whole).unwrap();
    let tampered_line =
        text.lines().position(|l| l.contains("\"seq\":9,") && l.contains("\"type\":\"entry\"")).unwrap();
    let tampered: Vec<String> =
        text.lines()
            .enumerate()
            .map(|(i, l)| {
                if i == tampered_line { l.replace("\"decision\":\"allow\"", "\"decision\":\"deny\"") } else { l.into() }
            })
            .collect();
    assert_ne!(tampered.join("\n"), text.trim_end(), "the test changed a line");
    let bad = chain.dir.path().join("tampered.jsonl");
    std::fs::write(&bad, tampered.join("\n")).unwrap();
    assert_fails_at(&verify_file(&bad, &chain.public_key()), 9, "an edited export line");

    // Another carrier's key does not verify this export.
    let other = tempfile::tempdir().unwrap();
    keys::write_key_pair(other.path(), &keys::generate()).unwrap();
    let out = verify_file(&whole, &other.path().join(keys::PUBLIC_KEY_FILE));
    assert!(!out.status.success());
}

#[tokio::test]
async fn prune_keeps_entries_within_retention() {
    // The writer signs checkpoints at the real time, so none is two years old yet:
    // nothing may go (the store's truncation itself is in the conformance suite).
    let chain = chain().await;
    let out = cpniguard().args(["audit", "prune", "--database-url", &chain.url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("deleted 0 audit entries"));
    assert!(chain.verify().status.success());
}
